"""The count model every ratio comes from: a negative binomial GLM with a Pearson scale.

Daily jerk counts are over-dispersed (a bad day brings many jerks), so a Poisson model would
give intervals that are too narrow. Each model is fitted in three steps:

1. a Poisson GLM (log link) gives the fitted means ``mu``;
2. the negative binomial (NB2) dispersion ``alpha`` is estimated by the method of moments from
   the Poisson residuals (Cameron and Trivedi's auxiliary regression without intercept:
   ``alpha = max(0, sum((y - mu)**2 - y) / sum(mu**2))``), or taken from the caller;
3. a negative binomial GLM with that ``alpha`` is fitted, and its covariance is multiplied by
   the Pearson chi-squared over the residual degrees of freedom (a quasi-likelihood scale, which
   keeps the interval honest when ``alpha`` itself is uncertain on a short window).

Intervals use Student's t with the residual degrees of freedom. statsmodels is imported when a
model is first fitted, so importing the analytics package stays light.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "METHOD",
    "Fit",
    "RatioEstimate",
    "design",
    "fit_counts",
    "fit_ratio",
    "period_columns",
    "periods",
]

METHOD = "negative binomial GLM (dispersion by moments, Pearson scale, t interval)"
"""How every ratio is estimated, named in the output."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RatioEstimate:
    """A rate ratio (or a per-week trend ratio) with its 95 % interval.

    Parameters
    ----------
    ratio : float
        ``exp(coefficient)``: the multiplicative effect on the daily jerk rate.
    low, high : float
        The 95 % interval of the ratio.
    alpha : float
        The negative binomial dispersion used (0 means Poisson variance).
    scale : float
        The Pearson scale applied to the covariance.
    n : int
        Days in the fit.
    """

    ratio: float
    low: float
    high: float
    alpha: float
    scale: float
    n: int

    @property
    def ci95(self) -> list[float]:
        """The interval as shown: rounded outwards to 3 decimals, so it never looks narrower."""
        return [math.floor(self.low * 1000) / 1000, math.ceil(self.high * 1000) / 1000]

    @property
    def shown_ratio(self) -> float:
        """The ratio as shown (3 decimals)."""
        return round(self.ratio, 3)

    @property
    def below_one(self) -> bool:
        """Whether the interval as shown lies wholly below 1."""
        return self.ci95[1] < 1.0

    @property
    def above_one(self) -> bool:
        """Whether the interval as shown lies wholly above 1."""
        return self.ci95[0] > 1.0

    @property
    def excludes_one(self) -> bool:
        """Whether the interval as shown lies wholly above or wholly below 1.

        Verdicts use this, so a shown interval that touches 1 is never called a clear change.
        """
        return self.below_one or self.above_one


def design(
    day: NDArray[np.int64],
    *,
    trend: bool,
    extra: list[FloatArray] | None = None,
) -> FloatArray:
    """Return a design matrix: intercept, weekday dummies, an optional trend, extra columns.

    Parameters
    ----------
    day : ndarray of int
        Days since 1970-01-01 (local calendar days) of the rows.
    trend : bool
        Add a linear trend, in weeks from the middle of the rows.
    extra : list of ndarray, optional
        Further columns (a step, an exposure, period indicators), last in the matrix.

    Returns
    -------
    ndarray, shape (n_rows, n_columns)
        Weekdays that never occur get no column; the first weekday present is the reference.
    """
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    columns: list[FloatArray] = [np.ones(day.size)]
    present = np.flatnonzero(np.bincount(weekday, minlength=7))
    columns.extend((weekday == w).astype(float) for w in present[1:])
    if trend:
        weeks = day / 7.0
        columns.append(weeks - weeks.mean() if weeks.size else weeks)
    if extra:
        columns.extend(extra)
    return np.column_stack(columns)


@dataclass(frozen=True)
class Fit:
    """A fitted count model: coefficients with their covariance (Pearson-scaled).

    Parameters
    ----------
    coef : ndarray
        Coefficients (log rate ratios).
    cov : ndarray
        Their covariance, multiplied by the Pearson scale.
    df : int
        Residual degrees of freedom.
    alpha : float
        The NB2 dispersion used.
    scale : float
        The Pearson scale.
    """

    coef: FloatArray
    cov: FloatArray
    df: int
    alpha: float
    scale: float

    def ratio(self, column: int) -> RatioEstimate | None:
        """Return ``exp(coef[column])`` with its 95 % t interval.

        Parameters
        ----------
        column : int
            The coefficient (negative counts from the end).

        Returns
        -------
        RatioEstimate or None
            None when the coefficient or its standard error is not finite or runs off (an
            absolute log ratio or standard error over 20).
        """
        weights = np.zeros(self.coef.size)
        weights[column % self.coef.size] = 1.0
        return self.contrast(weights)

    def contrast(self, weights: FloatArray) -> RatioEstimate | None:
        """Return ``exp(weights @ coef)`` with its 95 % t interval (e.g. a difference of levels).

        Parameters
        ----------
        weights : ndarray, shape (p,)
            The linear combination of coefficients.

        Returns
        -------
        RatioEstimate or None
            As for :meth:`ratio`.
        """
        beta = float(weights @ self.coef)
        se = math.sqrt(max(float(weights @ self.cov @ weights), 0.0))
        if not (math.isfinite(beta) and math.isfinite(se)) or abs(beta) > 20 or se > 20:
            return None
        from scipy.stats import t as student_t

        q = float(student_t.ppf(0.975, self.df))
        return RatioEstimate(
            ratio=math.exp(beta),
            low=math.exp(beta - q * se),
            high=math.exp(beta + q * se),
            alpha=self.alpha,
            scale=self.scale,
            n=self.df + self.coef.size,
        )


def fit_counts(
    y: FloatArray,
    X: FloatArray,
    *,
    alpha: float | None = None,
    offset: FloatArray | None = None,
    start: FloatArray | None = None,
) -> Fit | None:
    """Fit the count model (see the module notes).

    Parameters
    ----------
    y : ndarray, shape (n,)
        Daily jerk counts.
    X : ndarray, shape (n, p)
        Design matrix (see :func:`design`).
    alpha : float, optional
        A known NB2 dispersion; estimated from the data by moments when left out.
    offset : ndarray, shape (n,), optional
        A known part of the log rate (e.g. a trend estimated elsewhere).
    start : ndarray, shape (p,), optional
        Starting coefficients (e.g. from a model with one column fewer, padded with 0).

    Returns
    -------
    Fit or None
        None when the model cannot be fitted: too few rows for the columns, a design that is
        not of full rank, no jerks at all, or coefficients that run off to infinity (for
        example no jerks on one side of a comparison).
    """
    n, p = X.shape
    if n - p < 2 or float(np.sum(y)) <= 0 or np.linalg.matrix_rank(X.T @ X) < p:
        return None
    if alpha is None:
        first = _fit_nb(y, X, None, offset, start)
        if first is None:
            return None
        start, mu0 = first[0], first[2]
        alpha = max(0.0, float(np.sum((y - mu0) ** 2 - y) / np.sum(mu0**2)))
    fitted = _fit_nb(y, X, alpha if alpha > 1e-8 else None, offset, start)
    if fitted is None:
        return None
    coef, cov, mu = fitted
    if np.any(np.abs(coef) > 50):
        return None
    scale = float(np.sum((y - mu) ** 2 / (mu + alpha * mu**2))) / (n - p)
    return Fit(coef=coef, cov=cov * scale, df=n - p, alpha=alpha, scale=scale)


def fit_ratio(
    y: FloatArray,
    X: FloatArray,
    column: int,
    *,
    alpha: float | None = None,
    start: FloatArray | None = None,
) -> RatioEstimate | None:
    """Fit the count model and return ``exp`` of one coefficient with its 95 % interval.

    Parameters
    ----------
    y : ndarray, shape (n,)
        Daily jerk counts.
    X : ndarray, shape (n, p)
        Design matrix (see :func:`design`).
    column : int
        The column whose coefficient is wanted (negative counts from the end).
    alpha : float, optional
        A known NB2 dispersion; estimated from the data by moments when left out.
    start : ndarray, optional
        Starting coefficients.

    Returns
    -------
    RatioEstimate or None
        None when the model cannot be fitted (see :func:`fit_counts`).
    """
    fit = fit_counts(y, X, alpha=alpha, start=start)
    return None if fit is None else fit.ratio(column)


def _fit_nb(
    y: FloatArray,
    X: FloatArray,
    alpha: float | None,
    offset: FloatArray | None,
    start: FloatArray | None,
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """Fit a Poisson (alpha None) or NB2 GLM; return coefficients, unscaled covariance, means."""
    from statsmodels.genmod import families  # type: ignore[import-untyped]
    from statsmodels.genmod.generalized_linear_model import GLM  # type: ignore[import-untyped]

    family = families.Poisson() if alpha is None else families.NegativeBinomial(alpha=alpha)
    with warnings.catch_warnings():
        # Separation and slow convergence show up as infinite or huge coefficients, which the
        # caller refuses; statsmodels' warnings about them would only repeat that.
        warnings.simplefilter("ignore")
        try:
            result = GLM(y, X, family=family, offset=offset).fit(start_params=start, scale=1.0)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError):
            return None
    coef = np.asarray(result.params, dtype=float)
    cov = np.asarray(result.cov_params(), dtype=float)
    mu = np.asarray(result.fittedvalues, dtype=float)
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(cov)) and np.all(mu > 0)):
        return None
    return coef, cov, mu


def periods(day: NDArray[np.int64], cuts: list[int]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return each row's period number and the periods present, in order.

    Parameters
    ----------
    day : ndarray of int
        Days since 1970-01-01 of the rows.
    cuts : list of int
        Days (since 1970-01-01) on which a new period starts.
    """
    period = np.searchsorted(np.asarray(sorted(set(cuts)), dtype=np.int64), day, side="right")
    return period.astype(np.int64), np.flatnonzero(np.bincount(period, minlength=1))


def period_columns(day: NDArray[np.int64], cuts: list[int]) -> list[FloatArray]:
    """Return one indicator column per period present in ``day`` (all but the first).

    Parameters
    ----------
    day : ndarray of int
        Days since 1970-01-01 of the rows.
    cuts : list of int
        Days (since 1970-01-01) on which a new period starts.
    """
    if not cuts or day.size == 0:
        return []
    period, present = periods(day, cuts)
    return [(period == p).astype(float) for p in present[1:]]
