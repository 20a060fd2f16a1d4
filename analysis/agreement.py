"""Inter-rater agreement: Fleiss' kappa, per-category kappas and a bootstrap interval.

Fleiss' kappa follows the DFEW paper's equations (1)–(5), which are those of Fleiss (1971).
For N clips, each with n votes spread over k categories (n_ij votes of clip i for category j):

    p_j  = Σ_i n_ij / (N n)                      share of all votes given to category j
    P_i  = (Σ_j n_ij² − n) / (n (n − 1))         agreement among clip i's pairs of raters
    P̄    = mean_i P_i,   P̄_e = Σ_j p_j²
    κ    = (P̄ − P̄_e) / (1 − P̄_e)

References
----------
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
Bulletin, 76(5), 378–382. https://doi.org/10.1037/h0031619

Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical
data. Biometrics, 33(1), 159–174. https://doi.org/10.2307/2529310

Jiang, X. et al. (2020). DFEW: A large-scale database for recognizing dynamic facial
expressions in the wild. ACM Multimedia 2020. arXiv:2008.05924
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.checks import count_matrix, whole_number
from analysis.emotions import EMOTIONS
from analysis.errors import AnalysisInputError

# Upper bounds (inclusive) of the Landis & Koch bands from 0 upwards; below 0 is "Poor".
_BAND_TOPS = (0.2, 0.4, 0.6, 0.8, 1.0)
_BAND_NAMES = ("Slight", "Fair", "Moderate", "Substantial", "Almost perfect")

# Bootstrap replicates are drawn in blocks so that the weight matrix stays under this many cells.
_BOOT_BLOCK_CELLS = 4_000_000


def _complete_table(counts: ArrayLike | pd.DataFrame) -> tuple[np.ndarray, int]:
    """Return the count matrix and its votes per clip n, checking every clip has n >= 2 votes."""
    table = count_matrix(counts)
    n_clips, n_categories = table.shape
    if n_clips == 0:
        raise AnalysisInputError(
            "the vote-count table has no clips: kappa needs at least one clip with votes"
        )
    if n_categories < 2:
        raise AnalysisInputError(
            f"the vote-count table has {n_categories} category column(s): kappa needs at "
            "least 2 categories"
        )
    per_clip = np.einsum("ij->i", table)
    fewest, most = int(per_clip.min()), int(per_clip.max())
    if fewest != most:
        raise AnalysisInputError(
            f"clips have between {fewest} and {most} votes; kappa needs the same number of "
            "votes on every clip: use only complete clips (--subset, or kappa_report with "
            "n_raters, which leaves the others out)"
        )
    if most < 2:
        raise AnalysisInputError(
            f"every clip has {most} vote(s); kappa needs at least 2 votes per clip: "
            "collect more votes first"
        )
    return table, most


def _kappa_parts(table: np.ndarray, n: int) -> tuple[float, float]:
    """Return (P̄, P̄_e) of a checked table, using exact integer sums where possible."""
    n_clips = table.shape[0]
    votes = n_clips * n
    # Σ_i Σ_j n_ij² summed in integers: P̄ = (Σ n_ij² − N n) / (N n (n − 1)) exactly.
    squares = int(np.einsum("ij,ij->", table, table))
    p_bar = (squares - votes) / (votes * (n - 1))
    p = np.einsum("ij->j", table) / votes
    return p_bar, float(p @ p)


def fleiss_kappa(counts: ArrayLike | pd.DataFrame) -> float:
    """Return Fleiss' kappa of a clips × categories table of vote counts.

    Parameters
    ----------
    counts : array_like or DataFrame
        N clips × k categories (k >= 2) of non-negative whole numbers; every clip must have the
        same number n >= 2 of votes.

    Returns
    -------
    float
        Fleiss' kappa (unitless, at most 1; 0 is chance-level agreement), equal to
        ``statsmodels.stats.inter_rater.fleiss_kappa(counts, method="fleiss")``.

    Raises
    ------
    AnalysisInputError
        On an empty table, negative or fractional counts, clips with different vote totals,
        fewer than 2 votes per clip, or all votes in one category (kappa undefined).
    """
    table, n = _complete_table(counts)
    p_bar, p_e = _kappa_parts(table, n)
    if p_e >= 1.0:
        raise AnalysisInputError(
            "every vote is for the same category, so chance agreement is 1 and kappa is "
            "undefined (0/0): compute kappa over clips with varied votes"
        )
    return (p_bar - p_e) / (1.0 - p_e)


def category_kappas(counts: ArrayLike | pd.DataFrame) -> np.ndarray:
    """Return Fleiss' kappa of each category (Fleiss 1971, agreement on category j alone).

    κ_j = 1 − Σ_i n_ij (n − n_ij) / (N n (n − 1) p_j (1 − p_j)).

    Parameters
    ----------
    counts : array_like or DataFrame
        As for :func:`fleiss_kappa`.

    Returns
    -------
    numpy.ndarray
        float64, one kappa per category column (unitless); NaN for a category that no vote
        or every vote used, where κ_j is undefined.

    Raises
    ------
    AnalysisInputError
        On the same malformed tables as :func:`fleiss_kappa`.
    """
    table, n = _complete_table(counts)
    votes = table.shape[0] * n
    column_sums = np.einsum("ij->j", table)
    # Σ_i n_ij (n − n_ij) = n Σ_i n_ij − Σ_i n_ij²
    disagreement = n * column_sums - np.einsum("ij,ij->j", table, table)
    p = column_sums / votes
    expected = votes * (n - 1) * p * (1.0 - p)
    with np.errstate(invalid="ignore", divide="ignore"):
        kappas = 1.0 - disagreement / expected
    kappas[(column_sums == 0) | (column_sums == votes)] = np.nan
    return kappas


def kappa_bootstrap_ci(
    counts: ArrayLike | pd.DataFrame, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Return a percentile bootstrap confidence interval of Fleiss' kappa, resampling clips.

    Parameters
    ----------
    counts : array_like or DataFrame
        As for :func:`fleiss_kappa`.
    n_boot : int, default 1000
        Number of bootstrap replicates.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.
    seed : int, default 0
        Seed of the random generator; the same seed gives the same interval.

    Returns
    -------
    tuple of float
        (low, high): the (1 − level)/2 and (1 + level)/2 quantiles of the replicates' kappas
        (unitless). Replicates whose votes all fall in one category (kappa undefined) are left
        out.

    Raises
    ------
    AnalysisInputError
        On a malformed table, ``n_boot`` < 1, ``level`` outside (0, 1), or when no replicate
        has a defined kappa.
    """
    n_boot = whole_number(n_boot, "n_boot", minimum=1)
    seed = whole_number(seed, "seed", minimum=0)
    if not isinstance(level, (int, float)) or not 0.0 < level < 1.0:
        raise AnalysisInputError(
            f"confidence level {level!r} is not between 0 and 1: use e.g. 0.95 for 95 %"
        )
    table, n = _complete_table(counts)
    n_clips = table.shape[0]
    # Resampling N clips with replacement only decides how many times each clip is drawn, and
    # clips with identical count rows are interchangeable. So a replicate is a multinomial
    # draw of N over the distinct rows (probabilities = how often each row occurs / N), and
    # with w the draw (how many copies of each distinct row u the replicate holds):
    #   p_j = Σ_u w_u n_uj / (N n)   and   P̄ = Σ_u w_u P_u / N.
    # Stacking the draws of all replicates as rows of W, every replicate's p is one row of
    # W @ rows and every P̄ is one entry of W @ P: the whole bootstrap is two matrix products
    # over at most a few thousand distinct rows (C(n + k − 1, k − 1)), not n_boot × N work.
    rows, frequency = _distinct_rows(table, n)
    agreement = (np.einsum("uj,uj->u", rows, rows) - n) / (n * (n - 1))
    rows = rows.astype(np.float64)
    rng = np.random.default_rng(seed)
    block = max(1, _BOOT_BLOCK_CELLS // len(rows))
    kappas = np.empty(n_boot)
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        weights = rng.multinomial(n_clips, frequency / n_clips, size=size).astype(np.float64)
        p = weights @ rows / (n_clips * n)
        p_bar = weights @ agreement / n_clips
        p_e = np.einsum("bj,bj->b", p, p)
        with np.errstate(invalid="ignore", divide="ignore"):
            kappas[start : start + size] = np.where(p_e < 1.0, (p_bar - p_e) / (1.0 - p_e), np.nan)
    defined = kappas[~np.isnan(kappas)]
    if not len(defined):
        raise AnalysisInputError(
            "kappa is undefined in every bootstrap replicate (all votes in one category): "
            "compute kappa over clips with varied votes"
        )
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return float(low), float(high)


def _distinct_rows(table: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of a count table (in a fixed order) and how often each occurs."""
    n_categories = table.shape[1]
    if n_categories * math.log2(n + 1) < 62:
        # Each row read as a number in base n + 1 is a unique int64 key; sorting keys is far
        # faster than np.unique(axis=0), which compares whole rows.
        radix = (n + 1) ** np.arange(n_categories, dtype=np.int64)
        _, first, frequency = np.unique(table @ radix, return_index=True, return_counts=True)
        return table[first], frequency
    return np.unique(table, axis=0, return_counts=True)


def landis_koch(kappa: float) -> str:
    """Return the Landis & Koch (1977) strength-of-agreement band of a kappa value.

    The DFEW paper's Table 3 prints the bands at two decimals: < 0 Poor, 0.00–0.20 Slight,
    0.21–0.40 Fair, 0.41–0.60 Moderate, 0.61–0.80 Substantial, 0.81–1.00 Almost perfect. Between
    the printed decimals the bands are taken as intervals closed on the right: Poor is
    κ < 0, Slight 0 <= κ <= 0.2, Fair 0.2 < κ <= 0.4, Moderate 0.4 < κ <= 0.6, Substantial
    0.6 < κ <= 0.8, Almost perfect 0.8 < κ <= 1. A value printed as 0.20 is thus Slight, as
    the table says.

    Parameters
    ----------
    kappa : float
        A kappa value, at most 1.

    Returns
    -------
    str
        The band's name: "Poor", "Slight", "Fair", "Moderate", "Substantial" or
        "Almost perfect".

    Raises
    ------
    AnalysisInputError
        When ``kappa`` is NaN, not a number or above 1.
    """
    try:
        value = float(kappa)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"kappa {kappa!r} is not a number: pass a float") from None
    if math.isnan(value) or value > 1.0:
        raise AnalysisInputError(
            f"kappa {kappa!r} is not a kappa value (NaN or above 1): pass a kappa from -1 to 1"
        )
    if value < 0.0:
        return "Poor"
    return _BAND_NAMES[int(np.searchsorted(_BAND_TOPS, value, side="left"))]


@dataclass(frozen=True)
class KappaReport:
    """Fleiss' kappa of the complete clips with its interval, per-category kappas and band.

    Attributes
    ----------
    kappa : float
        Fleiss' kappa over the complete clips (unitless).
    ci_low, ci_high : float
        The percentile bootstrap interval of kappa (95 % unless asked otherwise).
    n_clips : int
        Number of clips kappa was computed over (those with exactly ``n_raters`` votes).
    n_raters : int
        Votes per complete clip.
    n_left_out : int
        Clips left out because their vote total was not ``n_raters``.
    per_category : dict of str to float or None
        Each category's kappa; None where it is undefined (category never or always used).
    interpretation : str
        The Landis & Koch band of ``kappa``.
    """

    kappa: float
    ci_low: float
    ci_high: float
    n_clips: int
    n_raters: int
    n_left_out: int
    per_category: dict[str, float | None]
    interpretation: str

    def to_dict(self) -> dict:
        """Return the report as a JSON-serialisable dict (NaN written as None).

        Returns
        -------
        dict
            The fields by name, numbers as Python floats and ints.
        """
        data = asdict(self)
        for name in ("kappa", "ci_low", "ci_high"):
            data[name] = _finite_or_none(data[name])
        data["per_category"] = {
            name: _finite_or_none(value) for name, value in data["per_category"].items()
        }
        return data


def _finite_or_none(value: float | None) -> float | None:
    """Return ``value`` as a float, or None when it is None or NaN."""
    if value is None or math.isnan(value):
        return None
    return float(value)


def kappa_report(
    counts: pd.DataFrame, n_raters: int, n_boot: int = 1000, seed: int = 0
) -> KappaReport:
    """Return Fleiss' kappa of the clips that have all their votes, with interval and bands.

    Parameters
    ----------
    counts : DataFrame
        Vote counts, one row per clip and one column per category (as
        :func:`analysis.vote_counts.vote_counts` returns them).
    n_raters : int
        Votes a complete clip has; clips with another total are left out and counted.
    n_boot : int, default 1000
        Bootstrap replicates for the 95 % interval.
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    KappaReport
        Kappa, its 95 % percentile bootstrap interval, clip counts, per-category kappas
        (named after the DFEW emotions when there are 7 columns, else after the column labels)
        and the Landis & Koch band.

    Raises
    ------
    AnalysisInputError
        When no clip is complete, or kappa is undefined on the complete clips.
    """
    n_raters = whole_number(n_raters, "n_raters", minimum=2)
    if not isinstance(counts, pd.DataFrame):
        raise AnalysisInputError(
            f"vote counts must be a pandas DataFrame, got {type(counts).__name__}: "
            "build it with analysis.vote_counts.vote_counts"
        )
    table = count_matrix(counts)
    complete = np.einsum("ij->i", table) == n_raters
    n_complete = int(complete.sum())
    if n_complete == 0:
        raise AnalysisInputError(
            f"no clip has all {n_raters} votes yet ({len(table)} clip(s) have other totals): "
            f"collect the missing votes, or pass the number of votes each clip really has"
        )
    table = table[complete]
    kappa = fleiss_kappa(table)
    low, high = kappa_bootstrap_ci(table, n_boot=n_boot, seed=seed)
    if table.shape[1] == len(EMOTIONS):
        names = list(EMOTIONS)
    else:
        names = [str(column) for column in counts.columns]
    per_category = {
        name: (None if math.isnan(value) else float(value))
        for name, value in zip(names, category_kappas(table), strict=True)
    }
    return KappaReport(
        kappa=kappa,
        ci_low=low,
        ci_high=high,
        n_clips=n_complete,
        n_raters=n_raters,
        n_left_out=len(complete) - n_complete,
        per_category=per_category,
        interpretation=landis_koch(kappa),
    )
