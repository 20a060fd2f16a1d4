"""Following the clip's main face from frame to frame, so that a second person never swaps in.

The main face is the largest face of the first frame that shows any face. In every later frame
the tracked face is the detection nearest (centre to centre) to where it was last seen, provided
it is close enough and of a similar size; otherwise the frame counts as one without the face.
How far a face may move grows with the frames since it was last seen (up to a bound), so a face
missed for a few frames (a blink of the detector, a hand in front) is picked up again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dfew_build.faces import Face


@dataclass
class MainFaceTracker:
    """Feed it each frame's detections in order; it returns the main face or None per frame.

    ``max_jump`` is how far the centre may move between consecutive frames, as a fraction of
    the last box's diagonal; each frame without the face adds ``gap_growth`` to it, up to
    ``max_reach`` (so someone else far away never takes over, however long the face is gone).
    ``max_scale`` bounds the change of box size (ratio of diagonals) against the last box.
    """

    max_jump: float = 0.5
    gap_growth: float = 0.25
    max_reach: float = 2.0
    max_scale: float = 1.6
    _last: Face | None = None
    _missed: int = 0

    @property
    def last(self) -> Face | None:
        """Return the main face where it was last seen (None before it is first seen)."""
        return self._last

    def update(self, faces: list[Face]) -> Face | None:
        """Return the main face among ``faces`` (this frame's detections), or None."""
        if self._last is None:
            if not faces:
                return None
            chosen = max(faces, key=lambda face: face.width * face.height)
        else:
            chosen = self._nearest(faces)
        if chosen is None:
            self._missed += 1
        else:
            self._last, self._missed = chosen, 0
        return chosen

    def _nearest(self, faces: list[Face]) -> Face | None:
        """Return the face nearest to the last one within the allowed move and scale, or None."""
        last = self._last
        assert last is not None
        diagonal = math.hypot(last.width, last.height)
        reach = min(self.max_jump + self.gap_growth * self._missed, self.max_reach) * diagonal
        best, best_distance = None, math.inf
        for face in faces:
            distance = math.dist(face.center, last.center)
            ratio = math.hypot(face.width, face.height) / max(diagonal, 1e-6)
            close = distance <= reach and 1 / self.max_scale <= ratio <= self.max_scale
            if close and distance < best_distance:
                best, best_distance = face, distance
        return best
