"""Face alignment: a similarity transform from five landmarks onto a fixed template.

The template is the five-point layout widely used for 112 × 112 face crops (eye centres, nose
tip, mouth corners, as in ArcFace's crops); for another ``size`` it is scaled by ``size / 112``,
so a 224 × 224 crop shows the same face region at twice the resolution, as DFEW ships both.
"""

from __future__ import annotations

import cv2
import numpy as np

TEMPLATE_SIZE = 112
# (x, y) pixels in a 112 × 112 crop, in LANDMARK_NAMES order: left eye, right eye, nose,
# left mouth corner, right mouth corner ("left" = the image's left).
TEMPLATE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def template(size: int) -> np.ndarray:
    """Return the five template points (5 × 2 float64, pixels) for a ``size`` × ``size`` crop."""
    return TEMPLATE_112 * (size / TEMPLATE_SIZE)


def similarity_matrix(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Return the 2 × 3 similarity (rotation, uniform scale, shift) taking ``source`` to ``target``.

    Least squares over all points (Umeyama, 1991, without reflection). Hand-written because
    OpenCV's ``estimateAffinePartial2D`` only offers robust fits (RANSAC / LMedS) that may leave
    out landmarks; with five reliable points every one should count.
    """
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1] = -1.0
    rotation = u @ np.diag(sign) @ vt
    variance = (src_c**2).sum() / len(src)
    scale = float((singular * sign).sum() / variance) if variance > 0 else 1.0
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]])


def align_face(frame: np.ndarray, landmarks: np.ndarray, size: int) -> np.ndarray:
    """Return the ``size`` × ``size`` × 3 uint8 crop of ``frame``, landmarks on the template.

    ``landmarks`` are the face's five points in pixels of ``frame``; pixels outside the frame
    come out black.
    """
    matrix = similarity_matrix(landmarks, template(size))
    return cv2.warpAffine(
        frame, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
