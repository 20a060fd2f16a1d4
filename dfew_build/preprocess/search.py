"""Where to look for the main face in the next frame: around where it was, else everywhere.

Detection cost grows with the pixels searched, and a 720p frame shrunk to the detector's input
width still costs several times a face-sized patch. Once the main face is known, each frame is
first searched in a square around its last box (``region_scale`` times the box's longer side),
resized to ``region_pixels`` — a few times fewer pixels than the whole shrunk frame, with the face
seen larger, so landmarks are finer too. The whole frame is searched when no face is being
followed yet, or when the region holds none (the face moved fast, or is gone: then the tracker
decides whether what the whole frame shows is still the same face).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from dfew_build.faces import Face, FaceDetector


@dataclass
class FaceSearch:
    """Find faces in a frame, first around ``last`` (the followed face's last box), else all over.

    ``region_scale`` is the search square's side as a multiple of the box's longer side;
    ``region_pixels`` the side (pixels) that square is resized to before detection.
    """

    detector: FaceDetector
    region_scale: float = 2.0
    region_pixels: int = 128

    def faces(self, frame: np.ndarray, last: Face | None) -> list[Face]:
        """Return faces (frame pixels) near ``last`` if there are any, else in the whole frame."""
        if last is not None:
            found = self._around(frame, last)
            if found:
                return found
        return self.detector.detect(frame)

    def _around(self, frame: np.ndarray, last: Face) -> list[Face]:
        """Return the faces in the square around ``last``, mapped to frame pixels."""
        height, width = frame.shape[:2]
        side = self.region_scale * max(last.width, last.height, 1.0)
        centre_x, centre_y = last.center
        x0, y0 = max(0, int(centre_x - side / 2)), max(0, int(centre_y - side / 2))
        x1, y1 = min(width, int(centre_x + side / 2) + 1), min(height, int(centre_y + side / 2) + 1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        scale = self.region_pixels / side
        size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        patch = cv2.resize(frame[y0:y1, x0:x1], size, interpolation=method)
        # Map back: undo the resize (exact factors per axis after rounding), then the crop offset.
        factor_x, factor_y = (x1 - x0) / size[0], (y1 - y0) / size[1]
        shift = np.array([x0, y0], dtype=np.float32)
        found = []
        for face in self.detector.detect(patch):
            grown = face.scaled(factor_x, factor_y)
            bx1, by1, bx2, by2 = grown.box
            box = (bx1 + x0, by1 + y0, bx2 + x0, by2 + y0)
            found.append(Face(box, grown.score, grown.landmarks + shift))
        return found
