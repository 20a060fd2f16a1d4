"""The shard format: aligned face clips as memory-mappable uint8 arrays plus one CSV index.

A data folder holds::

    index.csv          clip,label,shard,offset,frames,size,face_ratio,source_hash,detector,
                       detector_version[,extra columns]
    shard-00000.npy    uint8 array (n, T, H, W, 3): n clips of T frames, H = W = size, RGB
    shard-00001.npy    …

``label`` is the DFEW emotion code (1..7) or 0 for a clip without a single label; ``offset`` is
the clip's row in its shard; ``frames`` and ``size`` repeat T and H so the index alone describes
the arrays. Shards are plain ``.npy`` files (``np.load(path, mmap_mode="r")`` maps them).

Writing is crash-safe and resumable: each shard is written under a temporary name, synced, then
renamed into place, and only afterwards are its rows added to the index (itself rewritten through
a temporary file and a rename). A half-written shard therefore never appears in the index; a
rerun keeps every indexed shard, deletes leftovers, and :meth:`ShardWriter.done_clips` tells the
caller which clips to skip.

This module needs numpy only: the preprocessing step imports it without importing torch.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from training.atomic import PARTIAL_SUFFIX, atomic_write
from training.errors import ShardFormatError

INDEX_NAME = "index.csv"
INDEX_COLUMNS = (
    "clip",
    "label",
    "shard",
    "offset",
    "frames",
    "size",
    "face_ratio",
    "source_hash",
    "detector",
    "detector_version",
)
SHARD_NAME = re.compile(r"shard-(\d{5})\.npy")
DEFAULT_MAX_SHARD_BYTES = 256 * 2**20
_META_COLUMNS = ("face_ratio", "source_hash", "detector", "detector_version")


def shard_name(number: int) -> str:
    """Return the file name of shard ``number`` (``shard-00000.npy`` …)."""
    return f"shard-{number:05d}.npy"


@dataclass(frozen=True)
class ShardRecord:
    """One row of ``index.csv``: where a clip lives and how it was made."""

    clip: str
    label: int
    shard: str
    offset: int
    frames: int
    size: int
    face_ratio: float = math.nan
    source_hash: str = ""
    detector: str = ""
    detector_version: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def as_row(self, extra_columns: Sequence[str]) -> list[str]:
        """Return the CSV cells of this record in index column order."""
        ratio = "" if math.isnan(self.face_ratio) else repr(float(self.face_ratio))
        cells = [
            self.clip,
            str(self.label),
            self.shard,
            str(self.offset),
            str(self.frames),
            str(self.size),
            ratio,
            self.source_hash,
            self.detector,
            self.detector_version,
        ]
        return cells + [str(self.extra.get(name, "")) for name in extra_columns]


def read_index(folder: str | os.PathLike[str]) -> tuple[list[ShardRecord], tuple[str, ...]]:
    """Read ``folder/index.csv``.

    Returns
    -------
    (records, extra_columns)
        The records in file order and the names of any columns after the standard ones.

    Raises
    ------
    ShardFormatError
        When the index is missing, lacks a standard column, or holds a malformed value.
    """
    path = Path(folder) / INDEX_NAME
    if not path.is_file():
        raise ShardFormatError(
            f"no {INDEX_NAME} in {folder}",
            "pass --data the folder that `dfew-build preprocess --out` wrote",
        )
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header[: len(INDEX_COLUMNS)]) != INDEX_COLUMNS:
            raise ShardFormatError(
                f"{path} has header {header}, expected it to start with {','.join(INDEX_COLUMNS)}",
                "re-run the preprocessing that writes this folder",
            )
        extra = tuple(header[len(INDEX_COLUMNS) :])
        records = [_parse_row(path, line, row, extra) for line, row in enumerate(reader, 2)]
    return records, extra


def _parse_row(path: Path, line: int, row: list[str], extra: tuple[str, ...]) -> ShardRecord:
    """Turn one CSV row into a :class:`ShardRecord`, or raise ShardFormatError naming the line."""
    if len(row) != len(INDEX_COLUMNS) + len(extra):
        raise ShardFormatError(
            f"{path} line {line} has {len(row)} cells, expected {len(INDEX_COLUMNS) + len(extra)}",
            "the index is damaged: delete it and the shards, then re-run the preprocessing",
        )
    try:
        record = ShardRecord(
            clip=row[0],
            label=int(row[1]),
            shard=row[2],
            offset=int(row[3]),
            frames=int(row[4]),
            size=int(row[5]),
            face_ratio=float(row[6]) if row[6] else math.nan,
            source_hash=row[7],
            detector=row[8],
            detector_version=row[9],
            extra=dict(zip(extra, row[len(INDEX_COLUMNS) :], strict=True)),
        )
    except ValueError as exc:
        raise ShardFormatError(
            f"{path} line {line} has a malformed number ({exc})",
            "the index is damaged: delete it and the shards, then re-run the preprocessing",
        ) from exc
    if not 0 <= record.label <= 7 or record.offset < 0 or not SHARD_NAME.fullmatch(record.shard):
        raise ShardFormatError(
            f"{path} line {line} has label {record.label}, shard {record.shard!r}, "
            f"offset {record.offset}; expected label 0..7, shard-NNNNN.npy and offset >= 0",
            "the index is damaged: delete it and the shards, then re-run the preprocessing",
        )
    return record


def write_index(
    folder: Path, records: Iterable[ShardRecord], extra_columns: Sequence[str] = ()
) -> None:
    """Atomically (re)write ``folder/index.csv`` with ``records``."""
    rows = [list(INDEX_COLUMNS) + list(extra_columns)]
    rows += [record.as_row(extra_columns) for record in records]

    def write(handle: Any) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        handle.write(text.getvalue().encode("utf-8"))

    atomic_write(folder / INDEX_NAME, write)


class ShardWriter:
    """Append clips to a shard folder, one complete shard at a time.

    Parameters
    ----------
    folder
        The data folder; created if missing. Existing indexed shards are kept.
    frames, size
        T and H = W of every clip (16 and 112 by default; DFEW also ships 224).
    max_shard_bytes
        A shard is closed once it holds this many bytes of frames (256 MiB by default).
    extra_columns
        Names of additional index columns (for example ``fold``), passed to :meth:`add` as
        keyword arguments.

    Use it as a context manager; leaving the block (also through an exception) writes the clips
    added so far, since each of them is complete.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        frames: int = 16,
        size: int = 112,
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
        extra_columns: Sequence[str] = (),
    ) -> None:
        if frames < 1 or size < 1:
            raise ValueError(f"frames and size must be positive, got {frames} and {size}")
        clash = set(extra_columns) & set(INDEX_COLUMNS)
        if clash:
            raise ValueError(f"extra columns {sorted(clash)} clash with the standard columns")
        self.folder = Path(folder)
        self.frames = frames
        self.size = size
        self.extra_columns = tuple(extra_columns)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._records: list[ShardRecord] = []
        if (self.folder / INDEX_NAME).exists():
            self._records, existing_extra = read_index(self.folder)
            self._check_existing(existing_extra)
        indexed = {record.shard for record in self._records}
        self._remove_leftovers(indexed)
        numbers = [int(SHARD_NAME.fullmatch(name).group(1)) for name in indexed]  # type: ignore[union-attr]
        self._next_number = max(numbers, default=-1) + 1
        self._clip_bytes = frames * size * size * 3
        self._capacity = max(1, max_shard_bytes // self._clip_bytes)
        self._buffer: np.ndarray | None = None
        self._pending: list[ShardRecord] = []
        self._done = {record.clip for record in self._records}

    def _check_existing(self, existing_extra: tuple[str, ...]) -> None:
        """Refuse to append to a folder whose clips have another shape or other columns."""
        if existing_extra != self.extra_columns:
            raise ShardFormatError(
                f"{self.folder} has extra index columns {list(existing_extra)}, "
                f"this writer was given {list(self.extra_columns)}",
                "use the same extra columns as the first run, or a new folder",
            )
        for record in self._records:
            if (record.frames, record.size) != (self.frames, self.size):
                raise ShardFormatError(
                    f"{self.folder} holds clips of {record.frames}×{record.size}×{record.size}, "
                    f"this writer makes {self.frames}×{self.size}×{self.size}",
                    "write into a new folder or keep --frames/--size of the first run",
                )
            if not (self.folder / record.shard).is_file():
                raise ShardFormatError(
                    f"{self.folder / record.shard} is in the index but missing",
                    "restore it, or delete index.csv and the shards to start again",
                )

    def _remove_leftovers(self, indexed: set[str]) -> None:
        """Delete partial files and shards that never made it into the index."""
        for path in self.folder.iterdir():
            leftover = path.name.endswith(PARTIAL_SUFFIX) and path.name.startswith(
                ("shard-", INDEX_NAME)
            )
            orphan = SHARD_NAME.fullmatch(path.name) is not None and path.name not in indexed
            if leftover or orphan:
                path.unlink()

    def done_clips(self) -> frozenset[str]:
        """Return the clip ids already written or buffered (skip these on a rerun)."""
        return frozenset(self._done)

    def add(self, clip: str, label: int, frames: np.ndarray, **meta: Any) -> None:
        """Add one clip: ``frames`` uint8 of shape (T, size, size, 3), RGB.

        ``meta`` may hold ``face_ratio`` (float, 0..1), ``source_hash``, ``detector``,
        ``detector_version`` and the writer's extra columns.

        Raises
        ------
        ValueError
            For a clip already present, a label outside 0..7, unknown metadata, or frames of
            the wrong shape or dtype.
        """
        clip = str(clip)
        if not clip or any(char in clip for char in ',\n\r"'):
            raise ValueError(f"clip id {clip!r} must be non-empty without commas, quotes, newlines")
        if clip in self._done:
            raise ValueError(f"clip {clip!r} is already in {self.folder}")
        if not 0 <= int(label) <= 7:
            raise ValueError(f"label {label} of clip {clip!r} is outside 0..7")
        unknown = set(meta) - set(_META_COLUMNS) - set(self.extra_columns)
        if unknown:
            raise ValueError(
                f"unknown metadata {sorted(unknown)}; allowed: {_META_COLUMNS + self.extra_columns}"
            )
        expected = (self.frames, self.size, self.size, 3)
        if frames.shape != expected or frames.dtype != np.uint8:
            raise ValueError(
                f"clip {clip!r} has frames {frames.dtype} {frames.shape}, expected uint8 {expected}"
            )
        if self._buffer is None:
            self._buffer = np.empty((self._capacity, *expected), dtype=np.uint8)
        row = len(self._pending)
        self._buffer[row] = frames
        self._pending.append(
            ShardRecord(
                clip=clip,
                label=int(label),
                shard=shard_name(self._next_number),
                offset=row,
                frames=self.frames,
                size=self.size,
                face_ratio=float(meta.get("face_ratio", math.nan)),
                source_hash=str(meta.get("source_hash", "")),
                detector=str(meta.get("detector", "")),
                detector_version=str(meta.get("detector_version", "")),
                extra={name: str(meta[name]) for name in self.extra_columns if name in meta},
            )
        )
        self._done.add(clip)
        if len(self._pending) == self._capacity:
            self.flush()

    def flush(self) -> None:
        """Write the buffered clips as one complete shard, then add them to the index."""
        if not self._pending or self._buffer is None:
            return
        data = self._buffer[: len(self._pending)]
        atomic_write(self.folder / shard_name(self._next_number), lambda f: np.save(f, data))
        self._records.extend(self._pending)
        write_index(self.folder, self._records, self.extra_columns)
        self._pending = []
        self._next_number += 1

    def close(self) -> None:
        """Flush the last shard and release the buffer."""
        self.flush()
        self._buffer = None

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


RELEASE_SHARDS = "Clip/shards_*"  # where `dfew-build release` writes shards in its root


def find_data_dir(folder: str | os.PathLike[str]) -> Path:
    """Return the shard folder of ``folder``: itself when it holds an index, else the one
    ``Clip/shards_*`` folder with an index under a ``dfew-build release`` root.

    Raises
    ------
    ShardFormatError
        When a release root holds several shard folders (the message names them).
    """
    root = Path(folder)
    if (root / INDEX_NAME).is_file():
        return root
    found = sorted(path for path in root.glob(RELEASE_SHARDS) if (path / INDEX_NAME).is_file())
    if len(found) > 1:
        raise ShardFormatError(
            f"{root} holds several shard folders: {', '.join(path.name for path in found)}",
            "pass --data the one to train on",
        )
    return found[0] if found else root


class ShardDataset:
    """Read clips from a shard folder through memory maps.

    Every shard named in the index is checked on opening: it must exist and hold a uint8 array
    of shape (n, T, size, size, 3) with every indexed offset below n. Maps are opened lazily and
    are not pickled, so the object can be sent to DataLoader worker processes cheaply.

    ``dataset[i]`` returns ``(frames, label)``: a read-only uint8 view (T, H, W, 3) and the
    DFEW label (0..7) of the i-th index row.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = find_data_dir(folder)
        self.records, self.extra_columns = read_index(self.folder)
        if not self.records:
            raise ShardFormatError(
                f"{self.folder / INDEX_NAME} lists no clips",
                "run the preprocessing on a label export that holds clips",
            )
        shapes = {(record.frames, record.size) for record in self.records}
        if len(shapes) > 1:
            raise ShardFormatError(
                f"{self.folder} mixes clip shapes (frames, size) {sorted(shapes)}",
                "preprocess every clip with the same --frames and --size",
            )
        ((self.frames, self.size),) = shapes
        self._position = {record.clip: i for i, record in enumerate(self.records)}
        if len(self._position) != len(self.records):
            raise ShardFormatError(
                f"{self.folder / INDEX_NAME} lists a clip twice",
                "delete the folder and re-run the preprocessing",
            )
        self._maps: dict[str, np.ndarray] = {}
        self._validate()
        self._maps = {}

    @property
    def clip_shape(self) -> tuple[int, int, int, int]:
        """Return (T, H, W, 3), the shape of one clip."""
        return (self.frames, self.size, self.size, 3)

    def _validate(self) -> None:
        """Check every shard's shape and dtype against the index."""
        highest: dict[str, int] = {}
        for record in self.records:
            highest[record.shard] = max(highest.get(record.shard, 0), record.offset)
        for name, top in highest.items():
            array = self._map(name)
            if array.dtype != np.uint8 or array.ndim != 5 or array.shape[1:] != self.clip_shape:
                raise ShardFormatError(
                    f"{self.folder / name} holds {array.dtype} {tuple(array.shape)}, expected "
                    f"uint8 (n, {', '.join(map(str, self.clip_shape))})",
                    "re-run the preprocessing for this folder (the shard does not match its index)",
                )
            if top >= array.shape[0]:
                raise ShardFormatError(
                    f"{self.folder / INDEX_NAME} points at row {top} of {name}, "
                    f"which has {array.shape[0]} rows",
                    "re-run the preprocessing for this folder",
                )

    def _map(self, name: str) -> np.ndarray:
        """Return the memory map of shard ``name``, opening it on first use."""
        array = self._maps.get(name)
        if array is None:
            path = self.folder / name
            if not path.is_file():
                raise ShardFormatError(
                    f"{path} is in the index but missing",
                    "restore it or re-run the preprocessing",
                )
            try:
                array = np.load(path, mmap_mode="r")
            except ValueError as exc:
                raise ShardFormatError(
                    f"{path} is not a readable .npy array ({exc})",
                    "re-run the preprocessing for this folder",
                ) from exc
            self._maps[name] = array
        return array

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_maps"] = {}
        return state

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        record = self.records[index]
        return self._map(record.shard)[record.offset], record.label

    def position(self, clip: str) -> int | None:
        """Return the row number of ``clip`` in the index, or None when it is absent."""
        return self._position.get(clip)

    def read_batch(self, rows: Sequence[int], out: np.ndarray | None = None) -> np.ndarray:
        """Copy the clips at index rows ``rows`` into one array (B, T, H, W, 3) uint8.

        Rows are read in shard/offset order to keep disk access sequential; ``out`` may be a
        preallocated array of the right shape (for example pinned memory).
        """
        if out is None:
            out = np.empty((len(rows), *self.clip_shape), dtype=np.uint8)
        order = sorted(
            range(len(rows)),
            key=lambda k: (self.records[rows[k]].shard, self.records[rows[k]].offset),
        )
        for k in order:
            record = self.records[rows[k]]
            out[k] = self._map(record.shard)[record.offset]
        return out
