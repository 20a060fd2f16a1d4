"""Pure functions on NumPy arrays and pandas tables for building a DFEW-style dataset.

Modules: ``emotions`` (DFEW's codes 1 Happy … 7 Fear), ``vote_counts`` (vote counts, the
single-label rule and its threshold), ``agreement`` (Fleiss' kappa and friends), ``durations``
(the paper's Table 2), ``plots`` (PNG figures), ``export`` (folds and the export's tables; the
files are written by ``dfew_build.label_export``), ``atomic`` (whole-file writes). Bad input
raises :class:`analysis.errors.AnalysisInputError`. Nothing here touches the database.
"""
