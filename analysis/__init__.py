"""Pure functions on NumPy arrays and pandas tables for building a DFEW-style dataset.

Modules: ``emotions`` (DFEW's codes 1 Happy … 7 Fear), ``votes`` (vote counts, distributions,
the single-label rule), ``agreement`` (Fleiss' kappa and friends), ``durations`` (the paper's
Table 2), ``plots`` (PNG figures), ``export`` (DFEW-format label and split files). Bad input
raises :class:`analysis.errors.AnalysisInputError`. Nothing here touches the database.
"""
