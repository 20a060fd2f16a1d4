"""Running movies one after another in this process, several at once in worker processes, or
on a Ray cluster (:mod:`dfew_build.cluster`, one task per movie; see :func:`extract_task`).

Workers are spawned processes (no inherited database connections or OpenCV state); each opens
the store itself, builds its face detector once and takes movies from a queue. Progress and
results come back on one event queue that the calling process reads, so one progress bar covers
the whole run. Workers ignore Ctrl-C (the terminal sends it to every process); the parent then
stops them with SIGTERM, which each turns into ``KeyboardInterrupt`` so that its temporary file
is deleted and ffmpeg killed. A worker that dies (a crash in a native library) fails only the
movie it was working on; a replacement takes over the rest.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from dfew_build.cluster import cpu_count
from dfew_build.extract.config import ExtractConfig
from dfew_build.extract.movie import MovieResult, extract_movie
from dfew_build.extract.tools import ffmpeg_exe
from dfew_build.faces import get_detector
from dfew_build.store.engine import open_store

ProgressFn = Callable[[int, int], None]  # (movie index, frames decoded since last call)
ResultFn = Callable[[int, MovieResult], None]  # (movie index, its result)

_POLL_S = 0.2


def run_movies(
    paths: Sequence[Path],
    url: str,
    config: ExtractConfig,
    on_progress: ProgressFn,
    on_result: ResultFn,
) -> None:
    """Extract every movie in ``paths``, calling back with progress and each result.

    Uses ``config.workers`` processes (at most one per movie); with one, everything runs here.
    With ``config.ray`` the movies run as tasks on that Ray cluster, at most ``config.workers``
    at once; progress then comes once per movie, with its result.
    """
    workers = max(1, min(config.workers, len(paths)))
    if config.ray is not None:
        _run_on_ray(paths, url, config, workers, on_result)
        return
    with _sigterm_interrupts():
        if workers == 1:
            _run_here(paths, url, config, on_progress, on_result)
        else:
            threads = max(1, cpu_count() // workers)
            config = replace(config, scan=replace(config.scan, threads=threads))
            _run_workers(paths, url, config, workers, threads, on_progress, on_result)


def _run_on_ray(
    paths: Sequence[Path], url: str, config: ExtractConfig, workers: int, on_result: ResultFn
) -> None:
    from dfew_build.cluster import run_on_ray

    config = replace(config, scan=replace(config.scan, threads=1))  # one CPU per Ray task
    tasks = [(url, config, path) for path in paths]
    run_on_ray(
        config.ray,
        extract_task,
        tasks,
        workers,
        on_result,
        lambda index, message: on_result(index, _lost(paths[index], message)),
    )


# The store and face detector of this Ray worker process, made by its first task and reused by
# the next ones (Ray keeps worker processes between tasks).
_ray_worker: dict[tuple, Any] = {}


def extract_task(task: tuple[str, ExtractConfig, Path]) -> MovieResult:
    """Extract one movie as a Ray task: ``(store url, config, movie path)`` → its result.

    Idempotent, as Ray reruns a task whose node died: the movie is claimed in the store, clips
    already cut are recognised by name, and the quota is the database's. Raises ``UserError``
    when the store cannot be opened here.
    """
    url, config, path = task
    key = (url, config.face_detector)
    if key not in _ray_worker:
        import cv2

        cv2.setNumThreads(1)
        _ray_worker.clear()
        _ray_worker[key] = (open_store(url), ffmpeg_exe(), get_detector(config.face_detector))
    store, exe, faces = _ray_worker[key]
    return extract_movie(path, config, store, exe, faces)


def _lost(path: Path, message: str) -> MovieResult:
    return MovieResult(path=str(path), status="failed", message=message)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into ``KeyboardInterrupt`` while inside (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _run_here(
    paths: Sequence[Path],
    url: str,
    config: ExtractConfig,
    on_progress: ProgressFn,
    on_result: ResultFn,
) -> None:
    store = open_store(url)
    try:
        exe, faces = ffmpeg_exe(), get_detector(config.face_detector)
        for index, path in enumerate(paths):
            result = extract_movie(
                path, config, store, exe, faces, lambda n, i=index: on_progress(i, n)
            )
            on_result(index, result)
    finally:
        store.dispose()


def _next_task(tasks, parent: int) -> tuple[int, Path] | None:
    """Return the next task, or None at the end or when the parent process has gone."""
    while os.getppid() == parent:
        try:
            return tasks.get(timeout=1.0)
        except queue.Empty:
            continue
    return None


def _worker_main(url: str, config: ExtractConfig, threads: int, tasks, events) -> None:
    """Body of a worker process: take ``(index, path)`` tasks until ``None``; report events."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    parent = os.getppid()
    try:
        import cv2

        cv2.setNumThreads(threads)
        store = open_store(url)
        exe, faces = ffmpeg_exe(), get_detector(config.face_detector)
        while (task := _next_task(tasks, parent)) is not None:
            index, path = task
            events.put(("start", os.getpid(), index))
            result = extract_movie(
                path, config, store, exe, faces, lambda n, i=index: events.put(("progress", i, n))
            )
            events.put(("result", index, result))
        store.dispose()
    except KeyboardInterrupt:
        pass


class _Pool:
    """The worker processes of one run and the bookkeeping of who works on what."""

    def __init__(self, url: str, config: ExtractConfig, threads: int) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.tasks = self.context.Queue()
        self.events = self.context.Queue()
        self.args = (url, config, threads, self.tasks, self.events)
        self.processes: dict[int, multiprocessing.process.BaseProcess] = {}
        self.working_on: dict[int, int] = {}  # pid → movie index

    def start_worker(self) -> None:
        process = self.context.Process(target=_worker_main, args=self.args, daemon=True)
        process.start()
        self.processes[process.pid] = process

    def dead_workers(self) -> list[tuple[int, int | None]]:
        """Return ``(pid, exit code)`` of workers that ended, forgetting them."""
        ended = [(pid, p.exitcode) for pid, p in self.processes.items() if not p.is_alive()]
        for pid, _ in ended:
            self.processes.pop(pid).join()
        return ended

    def wait_for_exit(self, timeout_s: float = 10.0) -> None:
        """Give workers that got their end-of-work marker time to close the store and exit.

        Terminating them at once would interrupt them while closing database connections.
        """
        deadline = time.monotonic() + timeout_s
        for process in self.processes.values():
            process.join(timeout=max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        for process in self.processes.values():
            if process.is_alive():
                process.terminate()
        for process in self.processes.values():
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        for channel in (self.tasks, self.events):
            channel.cancel_join_thread()
            channel.close()


def _run_workers(
    paths: Sequence[Path],
    url: str,
    config: ExtractConfig,
    workers: int,
    threads: int,
    on_progress: ProgressFn,
    on_result: ResultFn,
) -> None:
    pool = _Pool(url, config, threads)
    for index, path in enumerate(paths):
        pool.tasks.put((index, path))
    for _ in range(workers):
        pool.tasks.put(None)
    pending = set(range(len(paths)))
    try:
        for _ in range(workers):
            pool.start_worker()
        while pending:
            try:
                kind, first, second = pool.events.get(timeout=_POLL_S)
            except queue.Empty:
                _handle_deaths(pool, paths, pending, on_result)
                if not pool.processes and pending:
                    for index in sorted(pending):
                        on_result(index, _crashed(paths[index], None))
                    pending.clear()
                continue
            if kind == "start":
                pool.working_on[first] = second
            elif kind == "progress":
                on_progress(first, second)
            elif kind == "result" and first in pending:
                pending.discard(first)
                on_result(first, second)
        pool.wait_for_exit()
    finally:
        pool.stop()


def _handle_deaths(
    pool: _Pool, paths: Sequence[Path], pending: set[int], on_result: ResultFn
) -> None:
    """Fail the movie of each worker that crashed, and start a replacement for it."""
    for pid, code in pool.dead_workers():
        index = pool.working_on.pop(pid, None)
        if code == 0 or index is None or index not in pending:
            continue
        pending.discard(index)
        on_result(index, _crashed(paths[index], code))
        pool.tasks.put(None)
        pool.start_worker()


def _crashed(path: Path, code: int | None) -> MovieResult:
    how = "ended" if code is None else f"died with exit code {code}"
    return MovieResult(
        path=str(path),
        status="failed",
        message=f"the worker process {how} while extracting it — run again to retry it",
    )
