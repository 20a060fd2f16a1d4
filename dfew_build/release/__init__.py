"""``dfew-build release``: the store's annotated clips as a dataset in DFEW's own layout.

:mod:`.build` runs the steps, :mod:`.numbers` keeps each clip's release number in the store,
:mod:`.files` places files under their final names only when whole, :mod:`.tables` writes the
annotation, split, dropped and provenance tables, :mod:`.datasheet` the DATASHEET.md. The
split-file format and clip names belong to :mod:`training.splits`; the label export's files
(``dfew-build export``) to :mod:`dfew_build.label_export`.
"""
