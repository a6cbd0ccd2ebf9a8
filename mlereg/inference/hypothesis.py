"""Wald tests of linear restrictions ``R beta = q`` on the coefficients.

Restrictions are given as strings in the coefficient names
(``"x1 = 0, C(g)[T.b] = C(g)[T.c]"``, parsed by :func:`mlereg.design.terms.linear_constraint`)
or as a matrix ``R`` (with ``q``, default 0). They use the fit's covariance matrix, so
a robust ``cov_type`` gives robust tests.

* :func:`wald_test`: the joint test, ``W = (R b - q)' (R V R')^-1 (R b - q)``, referred to
  chi^2(J); for models with t-based inference (OLS, Gaussian/Gamma/inverse Gaussian GLMs)
  ``F = W / J`` referred to F(J, df_resid), as statsmodels' ``wald_test`` and
  ``car::linearHypothesis(test="F")``.
* :func:`t_test`: each restriction separately, ``(r' b - q) / sqrt(r' V r)``, with
  t(df_resid) or normal p-values, and intervals for ``r' beta`` (as statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..design.terms import linear_constraint
from ..exceptions import ArgumentError
from . import lrtest


@dataclass(frozen=True)
class WaldTestResult:
    """A joint Wald test.

    Attributes
    ----------
    statistic : float
        chi^2 statistic W, or F = W / df when ``distribution == "F"``.
    df : int
        Number of restrictions J.
    df_denom : float or None
        Denominator degrees of freedom of the F test (df_resid).
    pvalue : float
    distribution : {"chi2", "F"}

    Examples
    --------
    >>> WaldTestResult(3.2, 1, None, 0.0736, "chi2")
    <Wald test: chi2(1) = 3.2, p-value = 0.0736>
    """

    statistic: float
    df: int
    df_denom: float | None
    pvalue: float
    distribution: str

    def __repr__(self) -> str:
        if self.distribution == "F":
            dist = f"F({self.df}, {self.df_denom:g})"
        else:
            dist = f"chi2({self.df})"
        return f"<Wald test: {dist} = {self.statistic:.6g}, p-value = {self.pvalue:.4g}>"


@dataclass(frozen=True)
class ContrastResults:
    """Separate Wald tests of single linear restrictions ``r' beta = q``.

    Attributes
    ----------
    names : list of str
        A readable form of each restriction.
    effect : ndarray
        The estimate ``r' b`` (the interval is for ``r' beta``).
    sd : ndarray
        Its standard error ``sqrt(r' V r)``.
    statistic, pvalue : ndarray
        ``(effect - q) / sd`` and its two-sided p-value.
    df : float or None
        t degrees of freedom, or None for normal inference.

    Examples
    --------
    >>> import numpy as np
    >>> c = ContrastResults(["x"], np.array([2.0]), np.array([1.0]), np.array([2.0]),
    ...                     np.array([0.0455]), None)
    >>> c.conf_int().round(3).values.tolist()
    [[0.04, 3.96]]
    """

    names: list[str]
    effect: np.ndarray
    sd: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    df: float | None

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals for each effect, columns ``lower`` and ``upper``."""
        q = lrtest.wald_quantile(alpha, self.df)
        return pd.DataFrame(
            {"lower": self.effect - q * self.sd, "upper": self.effect + q * self.sd},
            index=self.names,
        )

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Effect, SE, statistic, p-value and interval, one row per restriction."""
        stat = "t" if self.df is not None else "z"
        frame = pd.DataFrame(
            {
                "effect": self.effect,
                "std_err": self.sd,
                stat: self.statistic,
                "pvalue": self.pvalue,
            },
            index=self.names,
        )
        return frame.join(self.conf_int(alpha))

    def __repr__(self) -> str:
        dist = f"t({self.df:g})" if self.df is not None else "normal"
        return f"Wald tests of single restrictions ({dist}):\n{self.summary_frame().to_string()}"


def _label(row: np.ndarray, q: float, names: list[str]) -> str:
    terms = []
    for c, name in zip(row, names, strict=True):
        if c == 0:
            continue
        coef = "" if abs(c) == 1 else f"{abs(c):g}*"
        sign = "-" if c < 0 else "+"
        terms.append(f"{sign} {coef}{name}")
    lhs = " ".join(terms).lstrip("+ ") if terms else "0"
    if lhs.startswith("- "):
        lhs = "-" + lhs[2:]
    return f"{lhs} = {q:g}"


def restrictions(
    names: list[str], constraints: Any, q: Any = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(R, q, labels)`` from strings or from a matrix (``q`` defaults to 0).

    Examples
    --------
    >>> R, q, labels = restrictions(["a", "b"], "a = b")
    >>> labels
    ['a - b = 0']
    """
    p = len(names)
    if isinstance(constraints, tuple) and len(constraints) == 2 and q is None:
        constraints, q = constraints
    if isinstance(constraints, str) or (
        isinstance(constraints, list) and all(isinstance(c, str) for c in constraints)
    ):
        if q is not None:
            raise ArgumentError("q= is only used with a restriction matrix, not with strings")
        R, q = linear_constraint(constraints, names)
    else:
        if isinstance(constraints, pd.DataFrame):
            constraints = constraints.reindex(columns=names, fill_value=0.0)
        R = np.atleast_2d(np.asarray(constraints, dtype=float))
        if R.shape[1] != p:
            raise ArgumentError(f"the restriction matrix has {R.shape[1]} columns, expected {p}")
        q = np.zeros(R.shape[0]) if q is None else np.asarray(q, dtype=float).ravel()
        if q.shape[0] != R.shape[0]:
            raise ArgumentError(f"q has {q.shape[0]} values, expected {R.shape[0]}")
    labels = [_label(r, v, names) for r, v in zip(R, q, strict=True)]
    return R, q, labels


def _restricted_moments(
    results: Any, constraints: Any, q: Any
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(R b - q, R V R', labels, q), checking aliased coefficients are not involved."""
    names = results.param_names
    R, q, labels = restrictions(names, constraints, q)
    b = results.params.to_numpy()
    V = results.cov_params().to_numpy()
    aliased = np.isnan(b)
    if np.any(R[:, aliased] != 0):
        bad = [n for n, a in zip(names, aliased, strict=True) if a]
        raise ArgumentError(f"the restrictions involve aliased (NaN) coefficients {bad}")
    keep = ~aliased
    R = R[:, keep]
    return R @ b[keep] - q, R @ V[np.ix_(keep, keep)] @ R.T, labels, q


def wald_test(
    results: Any, constraints: Any, q: Any = None, use_f: bool | None = None
) -> WaldTestResult:
    """Joint Wald test of ``R beta = q``.

    Parameters
    ----------
    results : RegressionResults
    constraints : str, list of str, ndarray (J, p), DataFrame or tuple (R, q)
        Restrictions; a DataFrame's columns are matched to the coefficient names.
    q : array-like, optional
        Right-hand side for a matrix ``R`` (default 0).
    use_f : bool, optional
        F(J, df_resid) instead of chi^2(J); by default when the model uses t inference.

    Returns
    -------
    WaldTestResult

    Raises
    ------
    FormulaError
        A string restriction cannot be parsed.
    ValueError
        Shapes disagree, restrictions are linearly dependent, or involve aliased
        coefficients.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [1, 3, 2, 5, 4, 6, 8, 7.0], "x": range(8), "z": [0, 1] * 4})
    >>> res = mr.ols("y ~ x + z", df).fit()
    >>> res.wald_test("x = 0, z = 0").distribution
    'F'
    """
    diff, cov, _, _ = _restricted_moments(results, constraints, q)
    J = diff.shape[0]
    if np.linalg.matrix_rank(cov) < J:
        raise ArgumentError(
            f"the {J} restrictions are linearly dependent (R V R' is singular); drop the"
            " redundant ones"
        )
    W = float(diff @ np.linalg.solve(cov, diff))
    if use_f is None:
        use_f = results.use_t
    if use_f:
        F = W / J
        return WaldTestResult(
            F, J, results.df_resid, float(stats.f.sf(F, J, results.df_resid)), "F"
        )
    return WaldTestResult(W, J, None, float(stats.chi2.sf(W, J)), "chi2")


def t_test(results: Any, constraints: Any, q: Any = None) -> ContrastResults:
    """Wald test of each restriction ``r' beta = q`` separately.

    Same arguments as :func:`wald_test`; t(df_resid) when the model uses t inference,
    normal otherwise.

    Returns
    -------
    ContrastResults

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [1, 3, 2, 5, 4, 6, 8, 7.0], "x": range(8), "z": [0, 1] * 4})
    >>> res = mr.ols("y ~ x + z", df).fit()
    >>> float(res.t_test("x = 1").effect[0]) == float(res.params["x"])
    True
    """
    diff, cov, labels, q = _restricted_moments(results, constraints, q)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = diff / sd
    df = results.df_resid if results.use_t else None
    return ContrastResults(labels, diff + q, sd, stat, lrtest.wald_pvalues(stat, df), df)
