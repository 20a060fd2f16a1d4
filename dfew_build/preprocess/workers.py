"""Running clips here or in worker processes, each with its own face detector.

Workers are spawned processes (no inherited OpenCV state); each builds its detector once, in its
initializer, and then takes clips one at a time, so a slow clip never holds up the others. The
outcomes (with their small aligned tensors) come back to the calling process, which alone
writes shards. Workers ignore Ctrl-C, which the terminal sends to every process: the parent
cancels what has not started, and each worker finishes its current clip and exits.
"""

from __future__ import annotations

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
) -> None:
    """Preprocess ``jobs`` and call ``on_outcome(job, outcome)`` for each, in completion order.

    With one worker everything runs here with ``detector``; with more, each of ``workers``
    processes builds ``get_detector(detector.name, **options)``. Raises ``UserError`` when a
    worker process dies (a crash in a native library): clips finished so far have been passed
    on, the rest were not done.
    """
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
