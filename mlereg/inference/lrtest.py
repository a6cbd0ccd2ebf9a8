"""Pure functions of inference: Wald tables, information criteria, likelihood-ratio tests.

Nothing here fits a model; everything takes numbers (or finished results) and returns
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from ..exceptions import ArgumentError, DataError


def wald_pvalues(stat: np.ndarray, df: float | None) -> np.ndarray:
    """Two-sided p-values of Wald statistics: t(df) if ``df`` is given, else normal.

    The survival functions are scipy's ``stats.norm.sf`` and ``stats.t.sf`` (NaN for
    ``df <= 0``), called through the special functions they use, ``ndtr`` and
    ``stdtr``: the same numbers without the distribution objects' argument handling
    (35 us a call).

    Examples
    --------
    >>> wald_pvalues(np.array([1.959963984540054]), None).round(6).tolist()
    [0.05]
    """
    a = np.abs(np.asarray(stat, dtype=float))
    if df is None:
        return 2 * special.ndtr(-a)
    return 2 * special.stdtr(df, -a)


def wald_quantile(alpha: float, df: float | None) -> float:
    """The 1 - alpha/2 quantile of t(df) or of the standard normal."""
    if not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
    if df is None:
        return float(stats.norm.isf(alpha / 2))
    return float(stats.t.isf(alpha / 2, df))


def aic(llf: float, k: float) -> float:
    """Akaike's information criterion, -2 llf + 2 k."""
    return -2.0 * llf + 2.0 * k


def bic(llf: float, k: float, nobs: float) -> float:
    """Schwarz's Bayesian information criterion, -2 llf + k log(nobs)."""
    return -2.0 * llf + k * np.log(nobs)


@dataclass(frozen=True)
class LRTestResult:
    """A likelihood-ratio test: ``statistic`` = 2 (llf_big - llf_small), chi^2(``df``).

    Examples
    --------
    >>> LRTestResult(3.84, 1, 0.05).df
    1
    """

    statistic: float
    df: int
    pvalue: float

    def __repr__(self) -> str:
        return (
            f"LRTestResult(statistic={self.statistic:.6g}, df={self.df}, pvalue={self.pvalue:.4g})"
        )

    def __str__(self) -> str:
        return (
            f"Likelihood-ratio test: chi2 = {self.statistic:.6g} on {self.df:g} df,"
            f" p = {self.pvalue:.4g}"
        )


def same_sample(a: Any, b: Any) -> None:
    ya, yb = np.asarray(a.model.endog), np.asarray(b.model.endog)
    if a.nobs != b.nobs or ya.shape != yb.shape or not np.array_equal(ya, yb):
        raise DataError(
            "likelihood-ratio tests need models fitted to the same rows and response:"
            f" nobs {a.nobs:g} vs {b.nobs:g}"
            + ("" if ya.shape == yb.shape and np.array_equal(ya, yb) else ", responses differ")
            + " (check missing-value dropping, which depends on the variables each model uses)"
        )
    fa, fb = getattr(a.model, "family", None), getattr(b.model, "family", None)
    if type(fa) is not type(fb):
        raise DataError(f"the models are of different families ({fa!r} vs {fb!r})")


def check_nested(small: Any, big: Any, i: int = 1) -> None:
    """Raise unless single-index fit ``small`` is nested in ``big``: the same link and
    offset, fewer parameters, and its columns in the column space of ``big``'s
    (``i``: the position of ``small`` in the caller's list, for the message).

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> x = np.arange(8.0); y = np.array([0, 1, 0, 1, 1, 0, 1, 1.0])
    >>> a = mr.Logit(y, np.c_[np.ones(8), x]).fit(); b = mr.Logit(y, np.c_[np.ones(8), x**2]).fit()
    >>> check_nested(mr.Logit(y, np.ones((8, 1))).fit(), a)
    """
    ms, mb = small.model, big.model
    ls, lb = getattr(ms.family, "link", None), getattr(mb.family, "link", None)
    if type(ls) is not type(lb):
        raise DataError(
            f"models {i} and {i + 1} use different links ({ls!r} vs {lb!r}): not nested"
        )
    if not np.allclose(ms.offset, mb.offset, rtol=1e-12, atol=0):
        raise DataError(f"models {i} and {i + 1} have different offsets: not nested")
    if small.k_params == big.k_params:
        raise DataError(
            f"models {i} and {i + 1} have the same number of parameters"
            f" ({small.k_params:g}): nested models of different sizes are needed"
        )
    Xs = ms.exog[:, [not np.isnan(v) for v in small.params]]
    Xb = mb.exog[:, [not np.isnan(v) for v in big.params]]
    coef, *_ = np.linalg.lstsq(Xb, Xs, rcond=None)
    resid = np.linalg.norm(Xs - Xb @ coef, axis=0)
    scale = np.maximum(np.linalg.norm(Xs, axis=0), 1.0)
    if np.any(resid > 1e-7 * scale):
        outside = [
            str(n)
            for n, bad in zip(
                np.array(small.param_names)[~np.isnan(small.params)],
                resid > 1e-7 * scale,
                strict=True,
            )
            if bad
        ]
        raise DataError(
            f"model {i} is not nested in model {i + 1}: its column(s) {outside} are not"
            f" linear combinations of model {i + 1}'s columns"
        )


def lr_test(a: Any, b: Any) -> LRTestResult:
    """Likelihood-ratio test between two nested models, in either order.

    Parameters
    ----------
    a, b : results
        Fitted to the same rows and response; the one with fewer parameters is taken as
        the restricted model.

    Returns
    -------
    LRTestResult

    Raises
    ------
    DataError
        The models were fitted to different rows, responses or families, or (for
        regression models) are not nested, as :func:`mlereg.anova` checks.
    ValueError
        Both models have the same number of parameters.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> rng = np.random.default_rng(0); x = rng.normal(size=50)
    >>> y = (x + rng.normal(size=50) > 0).astype(float)
    >>> big = mr.Logit(y, np.c_[np.ones(50), x]).fit()
    >>> small = mr.Logit(y, np.ones((50, 1))).fit()
    >>> mr.lr_test(small, big).df
    1
    """
    same_sample(a, b)
    if a.single_index and b.single_index:
        check_nested(*sorted((a, b), key=lambda r: r.k_params))
    return nested_lr(a, b)


def nested_lr(a: Any, b: Any) -> LRTestResult:
    """The LR statistic of two nested fits (any order), with no check of their data:
    callers check that the fits share their sample first.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> nested_lr(R(llf=-10.0, k_params=2), R(llf=-12.0, k_params=1)).statistic
    4.0
    """
    small, big = sorted((a, b), key=lambda r: r.k_params)
    df = int(round(big.k_params - small.k_params))
    if df == 0:
        raise ArgumentError("the two fits have the same number of parameters: not nested")
    stat = 2.0 * (big.llf - small.llf)
    return LRTestResult(float(stat), df, float(stats.chi2.sf(stat, df)))
