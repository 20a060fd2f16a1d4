"""Running clips here or in worker processes, each with its own face detector.

Workers are spawned processes (no inherited OpenCV state); each builds its detector once, in its
initializer, and then takes clips one at a time, so a slow clip never holds up the others. The
outcomes (with their small aligned tensors) come back to the calling process, which alone
writes shards. Workers ignore Ctrl-C, which the terminal sends to every process: the parent
cancels what has not started, and each worker finishes its current clip and exits.

With a Ray address the clips go to that cluster in batches, one task per batch
(:func:`preprocess_batch`); the outcomes are passed on in the clips' order, so the shards come
out as a one-process run writes them.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from dfew_build.errors import UserError
from dfew_build.faces import FaceDetector, get_detector
from dfew_build.preprocess.clip import FAILED, ClipJob, ClipOutcome, ClipSettings, process_clip

OutcomeFn = Callable[[ClipJob, ClipOutcome], None]

# The detector and settings of this worker process, set once by _start_worker. Module state is
# how a process pool hands long-lived objects (a loaded network) to its tasks.
_worker: dict[str, Any] = {}


def safe_process(job: ClipJob, detector: FaceDetector, settings: ClipSettings) -> ClipOutcome:
    """Return :func:`process_clip`'s outcome; an unexpected error fails this clip only."""
    try:
        return process_clip(job, detector, settings)
    except Exception as exc:  # noqa: BLE001 - one odd clip must not stop thousands of others
        return ClipOutcome(job.clip, FAILED, f"{type(exc).__name__}: {exc}")


def _start_worker(name: str, options: dict[str, Any], settings: ClipSettings) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    cv2.setNumThreads(1)
    _worker["detector"] = get_detector(name, **options)
    _worker["settings"] = settings


def _work(job: ClipJob) -> ClipOutcome:
    return safe_process(job, _worker["detector"], _worker["settings"])


def run_clips(
    jobs: Sequence[ClipJob],
    detector: FaceDetector,
    options: dict[str, Any],
    settings: ClipSettings,
    workers: int,
    on_outcome: OutcomeFn,
    ray: str | None = None,
) -> None:
    """Preprocess ``jobs`` and call ``on_outcome(job, outcome)`` for each, in completion order.

    With one worker everything runs here with ``detector``; with more, each of ``workers``
    processes builds ``get_detector(detector.name, **options)``. Raises ``UserError`` when a
    worker process dies (a crash in a native library): clips finished so far have been passed
    on, the rest were not done. With ``ray`` (a Ray cluster's address) the clips run there in
    batches, at most ``workers`` at once, and the outcomes come in the clips' order.
    """
    if ray is not None:
        _run_on_ray(ray, jobs, detector, options, settings, workers, on_outcome)
        return
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            on_outcome(job, safe_process(job, detector, settings))
        return
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(detector.name, options, settings),
    )
    try:
        pending: dict[Future[ClipOutcome], ClipJob] = {pool.submit(_work, job): job for job in jobs}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                job = pending.pop(future)
                on_outcome(job, future.result())
    except BrokenProcessPool as exc:
        raise UserError(
            f"a worker process died ({exc}); {len(pending)} clips were not done — "
            "run the same command again to do the rest (finished shards are kept)"
        ) from exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


BATCHES_PER_TASK_SLOT = 4  # batches per task at once: small enough to balance, big enough to
# spread a detector's loading over many clips


def _run_on_ray(
    address: str,
    jobs: Sequence[ClipJob],
    detector: FaceDetector,
    options: dict[str, Any],
    settings: ClipSettings,
    workers: int,
    on_outcome: OutcomeFn,
) -> None:
    from dfew_build.cluster import run_on_ray

    size = max(1, math.ceil(len(jobs) / (max(1, workers) * BATCHES_PER_TASK_SLOT)))
    batches = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
    finished: dict[int, list[ClipOutcome]] = {}
    next_batch = 0

    def deliver(index: int, outcomes: list[ClipOutcome]) -> None:
        nonlocal next_batch
        finished[index] = outcomes
        while next_batch in finished:
            for job, outcome in zip(batches[next_batch], finished.pop(next_batch), strict=True):
                on_outcome(job, outcome)
            next_batch += 1

    def lost(index: int, message: str) -> None:
        deliver(index, [ClipOutcome(job.clip, FAILED, message) for job in batches[index]])

    tasks = [(detector.name, options, settings, batch) for batch in batches]
    run_on_ray(address, preprocess_batch, tasks, workers, deliver, lost)


def preprocess_batch(
    task: tuple[str, dict[str, Any], ClipSettings, list[ClipJob]],
) -> list[ClipOutcome]:
    """Preprocess a batch of clips as a Ray task: ``(detector name, its options, settings,
    jobs)`` → their outcomes in the same order. Only reads the clips (and writes the JPEGs a
    setting asks for, each whole or not at all), so a rerun after a lost node is harmless."""
    name, options, settings, jobs = task
    key = (name, tuple(sorted(options.items())))
    if _worker.get("key") != key:
        import cv2

        cv2.setNumThreads(1)
        _worker.update(key=key, detector=get_detector(name, **options))
    return [safe_process(job, _worker["detector"], settings) for job in jobs]
