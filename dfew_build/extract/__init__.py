"""Candidate clips from whole movies, at most the quota per movie, fast and resumable.

The pipeline, one module per step: :mod:`~dfew_build.extract.probe` (what a movie file is, its
content hash), :mod:`~dfew_build.extract.scan` (one decoding pass feeding the shot detector of
:mod:`~dfew_build.extract.shots` and the face check), :mod:`~dfew_build.extract.candidates`
(windows inside shots, and the choice that spreads them over the movie and the duration
buckets), :mod:`~dfew_build.extract.cut` (frame-accurate ffmpeg cuts),
:mod:`~dfew_build.extract.catalog` (rows and files together, under the store's quota),
:mod:`~dfew_build.extract.movie` (one movie start to finish), :mod:`~dfew_build.extract.workers`
and :mod:`~dfew_build.extract.run` (many movies, progress, summary, report), and
:mod:`~dfew_build.extract.manual` (hand-cut and imported clips). The CLI in
:mod:`dfew_build.commands.extract` only parses arguments into an :class:`ExtractConfig`.

Entry points: ``dfew_build.extract.run.extract_movies`` (many movies) and
``dfew_build.extract.movie.extract_movie`` (one). This package's ``__init__`` imports nothing
heavy, so the CLI starts fast.
"""

from dfew_build.extract.config import ExtractConfig

__all__ = ["ExtractConfig"]
