"""The analysis pass: decode a movie once, find its shot cuts and sample faces on the way.

Three threads share the work of one pass, so decoding, shot detection and face detection overlap
on a multi-core machine (PyAV, OpenCV and FFmpeg release Python's GIL while they compute):

* the decoder thread demuxes and decodes every frame and converts it with FFmpeg's swscale to
  a small BGR image for the shot detector and, about ``face_fps`` times per second, to an RGB
  image at most ``face_width`` pixels wide for the face check (one swscale context per size is
  kept for the whole movie: building one per frame costs more than the conversion itself);
* the calling thread feeds the small images, in order, to the PySceneDetect detector;
* one face thread runs the face detector on the sampled images. Odd-numbered samples are only
  examined when a neighbouring sample (``1 / face_fps`` seconds away) shows a face: a stretch
  without faces costs half the detector calls, and where faces are, every sample is checked. A
  face seen on a single sample between two faceless ones could only ever lift a window that
  fails the face-ratio rule anyway, or (rarely) one that starts or ends on that very sample.

Frame times are kept (seconds from the container's start, as ffmpeg's ``-ss`` counts) so that
clips can later be cut on exact frames, even at variable frame rates. No other stage decodes the
whole movie again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter
from scenedetect import FrameTimecode, SceneDetector

from dfew_build.extract.config import ScanSettings
from dfew_build.extract.probe import MovieError, MovieInfo
from dfew_build.extract.shots import detection_size
from dfew_build.faces import FaceDetector

_PROGRESS_EVERY = 240  # frames between progress reports
# Corrupt packets tolerated: 5, or one per thousand frames in long movies (a rare glitch in a
# broadcast recording is no reason to give up a film; damage across the file is).
_BAD_PACKETS_ALLOWED = (5, 1 / 1000)
_QUEUE_FRAMES = 48  # decoded frames buffered ahead of the shot detector
_FACE_BACKLOG = 32  # sampled frames waiting for the face detector at most
_POLL_S = 0.5  # every wait on another thread wakes this often (Ctrl+C, a thread that died)


@dataclass(frozen=True)
class FaceSample:
    """The face check on one sampled frame.

    ``frame`` is the frame number; ``faces`` how many faces at least ``min_face_height`` tall
    were found; ``score`` the best such face's score (0 when none); ``height`` the tallest such
    face's height as a fraction of the frame height (0 when none).
    """

    frame: int
    faces: int
    score: float
    height: float


@dataclass
class Analysis:
    """What one decoding pass found.

    ``times`` holds each frame's time in seconds from the container's start (float64, one per
    decoded frame); ``cuts`` the frames that begin a new shot; ``samples`` the face checks in
    frame order; ``bad_packets`` how many corrupt packets were skipped; ``detector_size`` and
    ``face_size`` the ``(width, height)`` in pixels of the images each detector saw.
    """

    times: np.ndarray
    cuts: list[int]
    samples: list[FaceSample]
    bad_packets: int = 0
    detector_size: tuple[int, int] = (0, 0)
    face_size: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)

    @property
    def frame_count(self) -> int:
        """Number of frames decoded."""
        return int(self.times.size)


@dataclass(frozen=True)
class _Decoded:
    index: int
    seconds: float
    small: np.ndarray
    face: np.ndarray | None


_END = object()


class _Decoder(threading.Thread):
    """Decodes the movie and queues :class:`_Decoded` items, then ``_END`` (or an exception)."""

    def __init__(self, info: MovieInfo, settings: ScanSettings, stop: threading.Event) -> None:
        super().__init__(name="dfew-decoder", daemon=True)
        self.info, self.settings, self.stop = info, settings, stop
        self.out: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self.shot_size = detection_size(info.width, info.height)
        self.face_size = _face_size(info.width, info.height, settings.face_width)
        self.bad_packets = 0
        least, share = _BAD_PACKETS_ALLOWED
        self.bad_packets_allowed = max(least, round(info.frames_estimate * share))

    def run(self) -> None:
        try:
            self._decode()
            self._put(_END)
        except BaseException as exc:  # handed to the consuming thread, which raises it
            self._put(exc)

    def _put(self, item: object) -> None:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _decode(self) -> None:
        info, step = self.info, 1.0 / self.settings.face_fps
        shot_scaler, face_scaler = VideoReformatter(), VideoReformatter()
        next_sample, index, last = 0.0, 0, None
        try:
            with av.open(str(info.path)) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                stream.codec_context.thread_count = self.settings.threads
                if self.settings.skip_loop_filter:
                    stream.codec_context.options = {"skip_loop_filter": "all"}
                for frame in self._frames(container, stream):
                    if self.stop.is_set():
                        return
                    seconds = _frame_seconds(frame, index, info)
                    # Fast bilinear costs a third of area averaging per frame (0.21 vs 0.58 ms
                    # at 1280×720 → 256×144) and found the same 81/81 cuts in bench_extract.
                    small = shot_scaler.reformat(
                        frame, *self.shot_size, format="bgr24", interpolation="FAST_BILINEAR"
                    ).to_ndarray()
                    face = None
                    if seconds + 1e-6 >= next_sample:
                        face = face_scaler.reformat(
                            frame, *self.face_size, format="rgb24", interpolation="AREA"
                        ).to_ndarray()
                        while next_sample <= seconds + 1e-6:
                            next_sample += step
                    self._put(_Decoded(index, seconds, small, face))
                    index, last = index + 1, seconds
        except av.FFmpegError as exc:
            if last is None:
                raise MovieError(f"cannot decode any frame ({exc}) — is the file corrupt?") from exc
            raise MovieError(
                f"corrupt or truncated: decoding stopped at {last:.2f} s ({exc}) — "
                "re-download or re-encode the file"
            ) from exc

    def _frames(
        self, container: av.container.InputContainer, stream: av.video.stream.VideoStream
    ) -> Iterator[av.VideoFrame]:
        """Yield decoded frames in display order, skipping (and counting) corrupt packets."""
        for packet in container.demux(stream):
            try:
                decoded = packet.decode()
            except av.error.InvalidDataError as exc:
                self.bad_packets += 1
                if self.bad_packets > self.bad_packets_allowed:
                    raise MovieError(
                        f"corrupt: more than {self.bad_packets_allowed} undecodable packets — "
                        "re-download or replace the file"
                    ) from exc
                continue
            yield from decoded


class _FaceChecker(threading.Thread):
    """Runs the face detector on sampled images, in order, skipping odd ones far from faces."""

    def __init__(self, detector: FaceDetector, settings: ScanSettings, stop: threading.Event):
        super().__init__(name="dfew-faces", daemon=True)
        self.detector, self.settings, self.stop = detector, settings, stop
        self.inbox: queue.Queue = queue.Queue(maxsize=_FACE_BACKLOG)
        self.samples: list[FaceSample | None] = []
        self.waiting: tuple[int, int, np.ndarray] | None = None  # an odd sample, undecided
        self.error: BaseException | None = None

    def put(self, item: tuple[int, np.ndarray]) -> None:
        """Queue one sampled image ``(frame number, RGB image)``; blocks while the queue is full."""
        while not self.stop.is_set():
            if self.error is not None:
                raise self.error
            try:
                self.inbox.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def finish(self) -> list[FaceSample]:
        """Wait for every queued image; return the samples in frame order."""
        self.put(_END)
        self.join()
        if self.error is not None:
            raise self.error
        return [s for s in self.samples if s is not None]

    def run(self) -> None:
        try:
            while (item := _next(self.inbox, self.stop.is_set)) is not _END:
                if item is None or self.stop.is_set():
                    return
                self._take(*item)
            self._settle(None)
        except BaseException as exc:  # handed to the producing thread
            self.error = exc

    def _take(self, frame: int, image: np.ndarray) -> None:
        number = len(self.samples)
        self.samples.append(None)
        if self.settings.skip_faceless and number % 2 == 1:
            self.waiting = (number, frame, image)  # decided once the next sample is known
            return
        self.samples[number] = _sample(self.detector, image, frame, self.settings)
        self._settle(self.samples[number])

    def _settle(self, after: FaceSample | None) -> None:
        """Decide the waiting odd sample from its neighbours (``after``: the next one, if any)."""
        if self.waiting is None:
            return
        number, frame, image = self.waiting
        self.waiting = None
        before = self.samples[number - 1]
        if (before is not None and before.faces) or (after is not None and after.faces):
            self.samples[number] = _sample(self.detector, image, frame, self.settings)
        else:
            self.samples[number] = FaceSample(frame, 0, 0.0, 0.0)


def _next(channel: queue.Queue, given_up: Callable[[], bool]) -> object:
    """Return the next item of ``channel``, or None once it is empty and ``given_up()`` is true.

    Waits in steps of ``_POLL_S`` seconds, never without a timeout.
    """
    while True:
        try:
            return channel.get(timeout=_POLL_S)
        except queue.Empty:
            if given_up() and channel.empty():
                return None


def scan_movie(
    info: MovieInfo,
    shot_detector: SceneDetector,
    face_detector: FaceDetector,
    settings: ScanSettings,
    progress: Callable[[int], None] | None = None,
) -> Analysis:
    """Decode ``info.path`` once and return its cuts, face samples and frame times.

    ``progress`` is called with the number of frames decoded since its last call. Raises
    :class:`MovieError` when nothing decodes, when the movie is truncated, or when too many
    packets are corrupt.
    """
    stop = threading.Event()
    decoder = _Decoder(info, settings, stop)
    checker = _FaceChecker(face_detector, settings, stop)
    # The pass already runs three threads; a single-threaded network wastes less on hand-offs.
    cv2_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    times: list[float] = []
    cuts: list[int] = []
    reported = 0
    decoder.start()
    checker.start()
    try:
        while (item := _next(decoder.out, lambda: not decoder.is_alive())) is not _END:
            if item is None:
                raise MovieError("the decoding thread ended without a word — run again")
            if isinstance(item, BaseException):
                raise item
            times.append(item.seconds)
            timecode = FrameTimecode(item.index, info.fps)
            cuts.extend(t.frame_num for t in shot_detector.process_frame(timecode, item.small))
            if item.face is not None:
                checker.put((item.index, item.face))
            if progress is not None and len(times) - reported >= _PROGRESS_EVERY:
                progress(len(times) - reported)
                reported = len(times)
        if times:
            end = FrameTimecode(len(times), info.fps)
            cuts.extend(t.frame_num for t in shot_detector.post_process(end))
        samples = checker.finish()
    finally:
        stop.set()
        decoder.join()
        checker.join()
        cv2.setNumThreads(cv2_threads)
    if progress is not None and len(times) > reported:
        progress(len(times) - reported)
    if not times:
        raise MovieError("zero length: no video frame decodes — the file holds no picture")
    _check_complete(len(times), info)
    return Analysis(
        times=np.asarray(times, dtype=np.float64),
        cuts=sorted(set(cuts)),
        samples=samples,
        bad_packets=decoder.bad_packets,
        detector_size=decoder.shot_size,
        face_size=decoder.face_size,
    )


def _frame_seconds(frame: av.VideoFrame, index: int, info: MovieInfo) -> float:
    if frame.pts is None or frame.time_base is None:
        return index / info.fps
    return float(frame.pts * frame.time_base) - info.start_s


def _face_size(width: int, height: int, face_width: int) -> tuple[int, int]:
    """Return the ``(width, height)`` of face-check images: at most ``face_width`` wide, even."""
    if width <= face_width:
        return width, height
    return face_width, max(2, 2 * round(height * face_width / width / 2))


def _sample(
    detector: FaceDetector, image: np.ndarray, index: int, settings: ScanSettings
) -> FaceSample:
    least = settings.min_face_height * image.shape[0]
    faces = [face for face in detector.detect(image) if face.height >= least]
    if not faces:
        return FaceSample(index, 0, 0.0, 0.0)
    return FaceSample(
        frame=index,
        faces=len(faces),
        score=max(face.score for face in faces),
        height=max(face.height for face in faces) / image.shape[0],
    )


def _check_complete(decoded: int, info: MovieInfo) -> None:
    """Raise :class:`MovieError` when far fewer frames decoded than the header promises."""
    expected = info.frames_estimate
    if expected > 0 and decoded < 0.95 * expected - 2:
        raise MovieError(
            f"truncated: decoded {decoded} of {expected} frames — re-download or re-encode it"
        )
