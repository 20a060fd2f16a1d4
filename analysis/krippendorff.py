"""Krippendorff's alpha for nominal data, on clips with any number of votes.

Fleiss' kappa needs the same number of votes on every clip, so during a campaign it only sees
the complete clips. Krippendorff's alpha takes every clip with at least two votes (a clip with
one vote has no pair of values to compare and is left out). Written here because the
``krippendorff`` package is not available to this project; the formulas are those of
Krippendorff (2011), for a clips × categories table of vote counts n_uc with m_u = Σ_c n_uc:

    o_cc  = Σ_u n_uc (n_uc − 1) / (m_u − 1)       coincidences of category c with itself
    n_c   = Σ_u n_uc,  n = Σ_c n_c                (pairable values: clips with m_u ≥ 2)
    α     = ((n − 1) Σ_c o_cc − Σ_c n_c (n_c − 1)) / (n (n − 1) − Σ_c n_c (n_c − 1))

On complete data (every clip m votes, N clips) this is α = 1 − (1 − κ)(N m − 1)/(N m), with κ
Fleiss' kappa: the two differ by at most (1 − κ)/(N m).

Reference
---------
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. University of
Pennsylvania, Annenberg School for Communication, departmental paper 43.
https://repository.upenn.edu/asc_papers/43
"""

from __future__ import annotations

import pandas as pd
from numpy.typing import ArrayLike

from analysis.checks import count_matrix
from analysis.errors import AnalysisInputError


def krippendorff_alpha(counts: ArrayLike | pd.DataFrame) -> float:
    """Return Krippendorff's alpha (nominal) of a clips × categories table of vote counts.

    Clips may have different numbers of votes; clips with fewer than 2 votes are left out.
    Returns a unitless number at most 1 (1: perfect agreement, 0: chance level). Raises
    AnalysisInputError for a malformed table, when fewer than two clips' worth of pairs exist
    (no clip with 2 votes), or when every pairable vote is for one category (alpha undefined).
    """
    table = count_matrix(counts)
    votes = table.sum(axis=1)
    pairable = table[votes >= 2]
    if len(pairable) == 0:
        raise AnalysisInputError(
            "no clip has 2 or more votes, so there is no pair of votes to compare: collect "
            "more votes first"
        )
    per_clip = pairable.sum(axis=1)
    same = float((pairable * (pairable - 1)).sum(axis=1) @ (1.0 / (per_clip - 1)))
    totals = pairable.sum(axis=0)
    n = int(totals.sum())
    chance_same = int((totals * (totals - 1)).sum())
    denominator = n * (n - 1) - chance_same
    if denominator == 0:
        raise AnalysisInputError(
            "every vote is for the same category, so expected disagreement is 0 and alpha is "
            "undefined (0/0)"
        )
    return ((n - 1) * same - chance_same) / denominator
