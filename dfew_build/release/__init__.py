"""``dfew-build release``: the store's annotated clips as a dataset in DFEW's own layout.

:mod:`.build` runs the steps, :mod:`.numbers` keeps each clip's release number in the store,
:mod:`.files` places files under their final names only when whole, :mod:`.tables` writes the
annotation, split, dropped and provenance tables, :mod:`.datasheet` the DATASHEET.md.
"""
