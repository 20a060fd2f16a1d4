"""Preprocessing labelled clips into aligned face tensors for training (``dfew-build preprocess``).

Per clip (:mod:`~dfew_build.preprocess.clip`): decode, find faces with five landmarks
(:mod:`~dfew_build.preprocess.search`), follow the main face
(:mod:`~dfew_build.preprocess.track`), align it onto a landmark template
(:mod:`~dfew_build.preprocess.align`), drop the clip when too few frames show it, and resample
the rest to a fixed number of frames (:mod:`~dfew_build.preprocess.resample`). Over all clips
(:mod:`~dfew_build.preprocess.run`): worker processes, shards in the format of
:mod:`training.shards`, a per-clip report and a contact sheet.
"""
