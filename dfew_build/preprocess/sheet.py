"""A contact sheet: a few aligned clips side by side in one PNG, to eyeball alignment quality.

Each row is one clip, its frames left to right; the template's five landmark positions are
marked with small green crosses, so a well-aligned face has its eyes, nose tip and mouth corners
on the marks in every frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from analysis.atomic import atomic_write_bytes
from dfew_build.preprocess.align import template
from training.shards import INDEX_NAME, ShardDataset, read_index

MARK = (0, 255, 0)


def contact_sheet(clips: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """Return an RGB uint8 image: one row per ``(clip id, T × S × S × 3 frames)``, marks drawn."""
    rows = []
    for clip, frames in clips:
        size = frames.shape[1]
        marker = max(3, size // 28)  # cross size in pixels
        tiles = []
        for frame in frames:
            tile = np.ascontiguousarray(frame)
            for x, y in template(size):
                cv2.drawMarker(tile, (round(x), round(y)), MARK, cv2.MARKER_CROSS, marker)
            tiles.append(tile)
        row = np.hstack(tiles)
        cv2.putText(row, clip, (2, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
        rows.append(row)
    return np.vstack(rows)


def write_contact_sheet(data_dir: Path, path: Path, clips: int = 8) -> Path | None:
    """Write a contact sheet of up to ``clips`` clips of ``data_dir``'s shards to ``path`` (PNG).

    The clips are spread evenly over the index. Returns ``path``, or None when the folder holds
    no clips yet.
    """
    if not (data_dir / INDEX_NAME).is_file() or not read_index(data_dir)[0]:
        return None
    dataset = ShardDataset(data_dir)
    rows = np.unique(np.linspace(0, len(dataset) - 1, min(clips, len(dataset))).astype(int))
    chosen = [(dataset.records[row].clip, np.array(dataset[row][0])) for row in rows]
    image = contact_sheet(chosen)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"could not encode the contact sheet {path}")
    return atomic_write_bytes(path, encoded.tobytes())
