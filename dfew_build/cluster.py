"""Running per-item work on a Ray cluster (``--ray auto`` or ``--ray HOST:PORT``).

The local process pools of :mod:`dfew_build.extract.workers` and
:mod:`dfew_build.preprocess.workers` are the default; with ``--ray`` they hand their items to
:func:`run_on_ray` instead, which runs ``module:function(item)`` as one Ray task per item (a
movie, or a batch of clips) and passes each result back in completion order, so the caller keeps
one progress bar and prints one line per item as the local pool does.

Ray is imported only here and only when a run asks for it (``pip install 'dfew-build[ray]'``).
The task body that Ray ships to a node refers to nothing of ours: it imports the work function
and unpickles the item itself, so a node where dfew-build (or one of its dependencies) is
missing answers with one line naming the node instead of a traceback. A work function that
raises (a store it cannot reach, say) is reported the same way; per-item problems are the work
function's own result, as in the local pool.

Tasks must be idempotent: Ray re-runs a task whose worker or node died (``max_retries``), and
two drivers may submit the same item. Extraction claims its movie in the store
(:func:`dfew_build.extract.catalog.claim_movie`); preprocessing tasks only read clips and return
tensors, and the driver alone writes shards.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
from collections.abc import Callable, Sequence
from typing import Any

from dfew_build.errors import UserError

MAX_RETRIES = 3  # reruns of a task whose worker process or node died
_POLL_S = 1.0
CONNECT_TIMEOUT_S = 10
_INSTALL = "pip install 'dfew-build[ray]' (on a node: into the Python that runs `ray start`)"


def cpu_count() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def task_limit(workers: int | None, ray: str | None) -> int:
    """Return how many items to work on at once: ``workers`` if given, else this machine's
    CPUs, or with ``ray`` the Ray cluster's."""
    if workers is not None:
        return workers
    return cpu_count() if ray is None else cluster_cpus(ray)


def connect(address: str):
    """Connect this process to the Ray cluster at ``address`` (``auto`` or ``HOST:PORT``) and
    return the ``ray`` module; raise ``UserError`` when Ray is missing or the cluster is not
    reachable."""
    try:
        import ray
    except ImportError as exc:
        raise UserError(f"--ray needs Ray, which is not installed here ({exc}) — {_INSTALL}") from (
            exc
        )
    if ray.is_initialized():
        return ray
    _check_reachable(address)
    try:
        ray.init(
            address=address,
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise UserError(
            f"cannot reach the Ray cluster at {address} ({detail}) — start one with "
            "`ray start --head` (or check --ray HOST:PORT, the address `ray start` printed)"
        ) from exc
    return ray


def _check_reachable(address: str) -> None:
    """Raise ``UserError`` when nothing answers at ``HOST:PORT`` within ``CONNECT_TIMEOUT_S``
    (``ray.init`` itself would retry for minutes)."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise UserError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}) — start its head "
            "with `ray start --head`, or give --ray the address it printed"
        ) from exc


def cluster_cpus(address: str) -> int:
    """Return the number of CPUs of the Ray cluster at ``address`` (at least 1)."""
    ray = connect(address)
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _task_body_factory() -> Callable[[str, str, bytes], tuple]:
    """Return the function a Ray worker runs (see the module docstring).

    Defined inside this function so that Ray's cloudpickle ships it by value: it refers to
    nothing of ours and runs even where dfew-build is not installed.
    """

    def task_body(module: str, function: str, payload: bytes) -> tuple:
        """Import ``module.function``, unpickle its item, call it; return ``("ok", result)`` or
        ``("error", node, kind, message)``."""
        import importlib
        import pickle
        import socket

        node = socket.gethostname()
        try:
            work = getattr(importlib.import_module(module), function)
            item = pickle.loads(payload)
        except ImportError as exc:
            return ("error", node, "missing", str(exc))
        try:
            return ("ok", work(item))
        except Exception as exc:  # noqa: BLE001 - reported to the driver as one line
            lines = str(exc).strip().splitlines()
            return ("error", node, type(exc).__name__, lines[0] if lines else type(exc).__name__)

    return task_body


def run_on_ray(
    address: str,
    work: Callable[[Any], Any],
    items: Sequence[Any],
    limit: int,
    on_result: Callable[[int, Any], None],
    on_lost: Callable[[int, str], None],
) -> None:
    """Run ``work(item)`` for every item as Ray tasks, at most ``limit`` at once.

    ``work`` must be a module-level function of an installed module. Calls ``on_result(index,
    result)`` as each finishes and ``on_lost(index, message)`` for a task whose nodes died more
    than ``MAX_RETRIES`` times. Raises ``UserError`` naming the node when a worker lacks a
    dependency or its work function raised (an unreachable store, say); tasks still running then
    are cancelled.
    """
    ray = connect(address)
    from ray.exceptions import RayError

    remote = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(_task_body_factory())
    queue = list(enumerate(items))
    queue.reverse()
    pending: dict[Any, int] = {}
    try:
        while queue or pending:
            while queue and len(pending) < max(1, limit):
                index, item = queue.pop()
                payload = pickle.dumps(item)
                pending[remote.remote(work.__module__, work.__name__, payload)] = index
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=_POLL_S)
            for ref in ready:
                index = pending.pop(ref)
                try:
                    answer = ray.get(ref, timeout=60)
                except RayError as exc:
                    detail = " ".join(str(exc).split())[:160]
                    on_lost(index, f"its Ray task was lost ({detail}) — run again to retry it")
                    continue
                if answer[0] == "ok":
                    on_result(index, answer[1])
                else:
                    raise UserError(_node_problem(*answer[1:]))
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)


def _node_problem(node: str, kind: str, message: str) -> str:
    """Return the one line for a worker that could not run its task."""
    if kind == "missing":
        return f"Ray node {node} cannot run dfew-build ({message}) — {_INSTALL}"
    return f"Ray node {node}: {message}"
