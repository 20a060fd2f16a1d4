"""Hand-cut clips: ``add-clip`` (cut a span of a movie) and ``import-clips`` (clips cut elsewhere).

Both go through the same path as automatic clips: the movie is registered by content hash, the
clip file is written under a temporary name in the output folder and renamed while its row is
inserted, and the store's quota trigger may refuse it. Rows get ``source = "manual"``, the
extractor's name, the optional suggested emotion, and a provenance record.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import av

from analysis.durations import duration_bucket
from dfew_build.errors import UserError
from dfew_build.extract import catalog
from dfew_build.extract.cut import CutSpec, EncodeSettings, cut_clip
from dfew_build.extract.locate import Thumbnails, find_clip, thumbnails
from dfew_build.extract.movie import tool_version
from dfew_build.extract.probe import MovieError, MovieInfo, probe_movie
from dfew_build.extract.tools import FFmpegFailed, ffmpeg_exe
from dfew_build.files import VIDEO_SUFFIXES, file_sha256, prepare_out_dir
from dfew_build.store.engine import Store
from dfew_build.store.models import Clip

_QUOTA_FULL = (
    "the movie's clip quota is full — reject a clip of it first or raise the quota with "
    "`dfew-build init --quota Q`"
)


def _probe(path: Path) -> MovieInfo:
    try:
        return probe_movie(path)
    except MovieError as exc:
        raise UserError(f"{path}: {exc}") from exc


def _movie(store: Store, path: Path, info: MovieInfo) -> catalog.MovieRecord:
    return catalog.register_movie(store, info, file_sha256(path))


@dataclass(frozen=True)
class AddedClip:
    """A hand-cut clip that was stored: its name, file, span in seconds and bucket."""

    name: str
    path: Path
    start_s: float | None
    end_s: float | None
    bucket: str


def add_clip(
    store: Store,
    movie_path: Path,
    start_s: float,
    end_s: float,
    out_dir: Path,
    extractor: str,
    emotion: int | None = None,
    encode: EncodeSettings | None = None,
) -> AddedClip:
    """Cut ``start_s … end_s`` (seconds from the movie's start) of a movie and store it.

    The span is rounded to whole frames (frame-accurate cut, as ``extract`` does). Raises
    ``UserError`` for a span outside the movie, a full quota or an existing clip of that span.
    """
    if end_s <= start_s:
        raise UserError(f"--end {end_s:g} must come after --start {start_s:g}")
    prepare_out_dir(out_dir)
    exe = ffmpeg_exe()
    info = _probe(movie_path)
    if info.duration_s and start_s >= info.duration_s:
        raise UserError(
            f"--start {start_s:g} s is past the movie's end ({info.duration_s:.2f} s) — "
            "check the times and the movie"
        )
    if info.duration_s and end_s > info.duration_s + 1 / info.fps:
        raise UserError(
            f"--end {end_s:g} s is past the movie's end ({info.duration_s:.2f} s) — "
            f"end at {info.duration_s:.2f} s at most, or check the movie"
        )
    movie = _movie(store, movie_path, info)
    first = _first_frame_s(info)
    start_frame = max(0, round((start_s - first) * info.fps))
    end_frame = round((min(end_s, info.duration_s or end_s) - first) * info.fps)
    if end_frame <= start_frame:
        raise UserError(f"{start_s:g}–{end_s:g} s is shorter than one frame — widen the span")
    clip_start = first + start_frame / info.fps
    clip_end = first + end_frame / info.fps
    name = catalog.clip_name(movie.content_hash, start_frame, end_frame)
    if catalog.name_taken(store, name):
        raise UserError(f"clip {name} ({start_s:g}–{end_s:g} s) already exists — nothing to do")
    _check_room(store, movie.id)
    final = out_dir / f"{name}{catalog.CLIP_SUFFIX}"
    temp = catalog.temp_path(final)
    spec = CutSpec(
        movie_path,
        clip_start,
        end_frame - start_frame,
        clip_end - clip_start,
        info.fps,
        info.has_audio,
        info.width,
        info.height,
    )
    try:
        cut_clip(exe, spec, temp, encode or EncodeSettings())
    except FFmpegFailed as exc:
        raise UserError(f"ffmpeg could not cut {movie_path} ({exc})") from exc
    bucket = str(duration_bucket([clip_end - clip_start])[0])
    clip = Clip(
        name=name,
        movie_id=movie.id,
        start_s=clip_start,
        end_s=clip_end,
        start_frame=start_frame,
        end_frame=end_frame,
        bucket=bucket,
        source="manual",
        extractor=extractor,
        suggested_emotion=emotion,
        status="candidate",
        provenance={
            "tool": f"dfew-build add-clip {tool_version()}",
            "movie_hash": movie.content_hash,
            "requested_s": [start_s, end_s],
        },
    )
    _insert(store, clip, temp, final)
    return AddedClip(name, final.resolve(), clip_start, clip_end, bucket)


def _first_frame_s(info: MovieInfo) -> float:
    """Return the first video frame's time in seconds from the container's start."""
    shots = thumbnails(info.path, info.start_s, limit=1)
    return float(shots.times[0]) if shots.times.size else 0.0


def _check_room(store: Store, movie_id: int) -> None:
    with store.read() as session:
        if catalog.live_count(session, movie_id) >= catalog.store_quota(store):
            raise UserError(_QUOTA_FULL)


def _insert(store: Store, clip: Clip, temp: Path, final: Path) -> None:
    inserted = catalog.add_clip_with_file(store, clip, temp, final)
    if inserted.outcome == "quota":
        raise UserError(_QUOTA_FULL)
    if inserted.outcome == "exists":
        raise UserError(f"clip {clip.name} already exists — nothing to do")


@dataclass
class ImportResult:
    """Per clip file, what happened: ``imported`` names, and ``(file, reason)`` for the rest."""

    imported: list[AddedClip] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    unlocated: list[Path] = field(default_factory=list)


def import_clips(
    store: Store,
    clip_dir: Path,
    movie_path: Path,
    out_dir: Path,
    extractor: str,
    emotion: int | None = None,
) -> ImportResult:
    """Copy the clip files of ``clip_dir`` into ``out_dir`` as clips of the movie at ``movie_path``.

    Each clip is located in the movie (its start frame found by thumbnail matching, one decoding
    pass over the movie for all clips); a clip not found is still imported, without a position,
    its bucket taken from its own duration. Clips are copied as they are (no re-encoding). A
    clip beyond the quota or already imported is refused with a reason; the others carry on.
    """
    if not clip_dir.is_dir():
        raise UserError(f"{clip_dir} is not a folder — give the folder holding the clip files")
    files = sorted(
        p for p in clip_dir.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
    )
    if not files:
        raise UserError(f"no clip files in {clip_dir} — expected .mp4, .mkv, .avi, … files")
    prepare_out_dir(out_dir)
    info = _probe(movie_path)
    movie = _movie(store, movie_path, info)
    try:
        frames = thumbnails(movie_path, info.start_s)
    except av.FFmpegError as exc:
        raise UserError(f"{movie_path} does not decode ({exc})") from exc
    importer = _Importer(store, movie, info, frames, out_dir, extractor, emotion)
    for path in files:
        try:
            importer.result.imported.append(importer.add(path))
        except UserError as exc:
            importer.result.refused.append((path, str(exc)))
    return importer.result


@dataclass
class _Importer:
    """What every imported clip of one movie shares, and the running result."""

    store: Store
    movie: catalog.MovieRecord
    info: MovieInfo
    frames: Thumbnails
    out_dir: Path
    extractor: str
    emotion: int | None
    result: ImportResult = field(default_factory=ImportResult)

    def add(self, path: Path) -> AddedClip:
        """Locate, copy and record one clip file; raise ``UserError`` when it is refused."""
        try:
            clip_info = probe_movie(path)
            head = thumbnails(path, clip_info.start_s, limit=5)
        except (MovieError, av.FFmpegError) as exc:
            raise UserError(f"not a usable clip ({exc})") from exc
        match = find_clip(self.frames, head)
        prefix = self.movie.content_hash
        fields: dict = {}
        if match is None:
            self.result.unlocated.append(path)
            name = f"{prefix[:16]}_import_{file_sha256(path)[:12]}"
            duration = clip_info.duration_s
        else:
            fields = self._span(match.frame, clip_info.duration_s)
            name = catalog.clip_name(prefix, fields["start_frame"], fields["end_frame"])
            duration = fields["end_s"] - fields["start_s"]
        if catalog.name_taken(self.store, name):
            raise UserError(f"already imported as {name}")
        _check_room(self.store, self.movie.id)
        final = self.out_dir / f"{name}{path.suffix.lower()}"
        temp = catalog.temp_path(final)
        shutil.copyfile(path, temp)
        clip = Clip(
            name=name,
            movie_id=self.movie.id,
            bucket=str(duration_bucket([duration])[0]),
            source="manual",
            extractor=self.extractor,
            suggested_emotion=self.emotion,
            status="candidate",
            provenance={
                "tool": f"dfew-build import-clips {tool_version()}",
                "movie_hash": prefix,
                "imported_from": str(path.resolve()),
                "match_distance": None if match is None else round(match.distance, 3),
            },
            **fields,
        )
        _insert(self.store, clip, temp, final)
        return AddedClip(
            name, final.resolve(), fields.get("start_s"), fields.get("end_s"), clip.bucket
        )

    def _span(self, start: int, duration_s: float) -> dict:
        """Return start/end frames and seconds of a clip found at movie frame ``start``."""
        times = self.frames.times
        count = max(1, round(duration_s * self.info.fps))
        end = min(start + count, times.size)
        start_s = float(times[start])
        end_s = float(times[end]) if end < times.size else float(times[-1]) + 1 / self.info.fps
        return {"start_s": start_s, "end_s": end_s, "start_frame": start, "end_frame": end}
