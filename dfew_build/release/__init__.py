"""The dataset's files in DFEW's own layout: ``dfew-build export`` and ``dfew-build release``.

:mod:`.export` writes and reads a label export (annotation.csv, split files); for a release,
:mod:`.build` runs the steps, :mod:`.numbers` keeps each clip's release number in the store,
:mod:`.files` places files under their final names only when whole, :mod:`.tables` writes the
annotation, split, dropped and provenance tables, :mod:`.datasheet` the DATASHEET.md. The
split-file format and clip names belong to :mod:`training.splits`.
"""
