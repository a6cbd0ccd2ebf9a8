"""Marginal effects on the mean and exponentiated coefficients.

For regressor j and the mean mu = g^-1(eta), eta = x' b + offset, with h = d mu / d eta:

* ``method="dydx"``: d mu / d x_j = h(eta) b_j;
* ``"eyex"``: the elasticity d log mu / d log x_j = h b_j x_j / mu;
* ``"dyex"``: d mu / d log x_j = h b_j x_j;  ``"eydx"``: d log mu / d x_j = h b_j / mu.

``at="overall"`` averages the row-wise effects over the rows of the fit (weighted by
frequency weights); ``at="mean"`` evaluates them at the mean of the regressors (and
of the offset); ``at="median"``, ``"zero"`` likewise at the medians or at zero.

With ``dummy=True`` a 0/1 regressor gets the discrete change of the mean from 0 to 1
instead of a derivative (of log mu for the ``ey`` methods); for a level of a factor
(``C(g)[T.b]``) the other levels' columns are held at 0, so the change is from the
reference level. With ``count=True`` an integer-valued regressor gets the centred
change (mu(x_j + 1) - mu(x_j - 1)) / 2. The constant is left out. These are
statsmodels' ``get_margeff`` definitions.

Standard errors by the delta method, ``sqrt(diag(J V J'))`` with the fit's covariance
V (robust if the fit was) and J the Jacobian of the effects in the coefficients
(central differences, about 1e-10 relative), normal p-values and intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import linalg
from ..exceptions import ArgumentError
from ..optim import numdiff
from ..report.tables import TestTable
from . import lrtest

Method = Literal["dydx", "eyex", "dyex", "eydx"]
At = Literal["overall", "mean", "median", "zero"]


@dataclass(frozen=True)
class MarginalEffects:
    """Marginal effects with delta-method standard errors.

    Attributes
    ----------
    names : list of str
    margeff, margeff_se : ndarray
    at : str
    jacobian : ndarray
        d margeff / d params (non-constant rows, all non-aliased columns).
    method : str
        dydx, eyex, dyex or eydx.
    kinds : tuple of str
        Per regressor: "continuous", "dummy" (a discrete change 0 -> 1) or "count"
        (the centred change x - 1 -> x + 1, halved).

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1, 0, 1], "x": [1, 2, 3, 2, 5, 4, 1, 6.0]})
    >>> me = mr.logit("y ~ x", df).fit().get_margeff()
    >>> me.names
    ['x']
    """

    names: list[str]
    margeff: np.ndarray
    margeff_se: np.ndarray
    at: str
    jacobian: np.ndarray
    method: str = "dydx"
    kinds: tuple[str, ...] = ()

    @property
    def zvalues(self) -> np.ndarray:
        """margeff / margeff_se."""
        return self.margeff / self.margeff_se

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided normal p-values."""
        return lrtest.wald_pvalues(self.zvalues, None)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Normal Wald intervals, columns ``lower`` and ``upper``."""
        q = lrtest.wald_quantile(alpha, None)
        return pd.DataFrame(
            {
                "lower": self.margeff - q * self.margeff_se,
                "upper": self.margeff + q * self.margeff_se,
            },
            index=self.names,
        )

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """The effect (column named by the method, e.g. ``dy/dx``), ``std_err``, ``z``,
        ``pvalue``, ``lower``, ``upper`` per regressor."""
        label = {"dydx": "dy/dx", "eyex": "ey/ex", "dyex": "dy/ex", "eydx": "ey/dx"}
        frame = pd.DataFrame(
            {
                label[self.method]: self.margeff,
                "std_err": self.margeff_se,
                "z": self.zvalues,
                "pvalue": self.pvalues,
            },
            index=self.names,
        )
        return frame.join(self.conf_int(alpha))

    def summary(self, alpha: float = 0.05) -> TestTable:
        """The effects as a table (text, HTML, LaTeX, Markdown), with the method, where
        they are evaluated and which regressors changed discretely.

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1, 0, 1], "x": [1, 2, 3, 2, 5, 4, 1, 6.0]})
        >>> "dy/dx" in str(mr.logit("y ~ x", df).fit().get_margeff().summary())
        True
        """
        frame = self.summary_frame(alpha)
        frame.columns = [frame.columns[0], "Std. Err.", "z", "Pr(>|z|)", "lower", "upper"]
        discrete = [n for n, k in zip(self.names, self.kinds, strict=False) if k != "continuous"]
        info = (("Method", self.method), ("At", self.at))
        notes = (f"Discrete changes: {', '.join(discrete)}",) if discrete else ()
        return TestTable("Marginal effects", info, frame, notes)

    def __repr__(self) -> str:
        return f"Marginal effects (at={self.at!r}):\n{self.summary_frame().to_string()}"


def _factor_columns(results: Any, names: list[str]) -> dict[int, list[int]]:
    """For each column of a formula factor (a level of ``C(g)``), the positions in
    ``names`` of that factor's other levels (held at 0 for a discrete change)."""
    design = results.model.design
    if design.builder is None:
        return {}
    from ..design.terms import formula_terms

    out: dict[int, list[int]] = {}
    exog_names = list(results.param_names)
    for cols, factors in formula_terms(design).values():
        if len(factors) != 1 or len(cols) < 2:
            continue
        members = [names.index(exog_names[c]) for c in cols if exog_names[c] in names]
        for m in members:
            out[m] = [o for o in members if o != m]
    return out


def get_margeff(
    results: Any,
    at: At = "overall",
    method: Method = "dydx",
    dummy: bool = False,
    count: bool = False,
) -> MarginalEffects:
    """Marginal effects of the regressors on the mean, with delta-method SEs.

    Parameters
    ----------
    results : RegressionResults
        Any single-index model (Logit, Probit, Poisson, GLMs...).
    at : {"overall", "mean", "median", "zero"}
        Average of the row-wise effects, or the effect at the regressors' means,
        medians or zero.
    method : {"dydx", "eyex", "dyex", "eydx"}
        The derivative, elasticity or semi-elasticities (module docstring).
    dummy : bool
        Discrete changes 0 -> 1 for 0/1 regressors (from the reference level for a
        factor's levels).
    count : bool
        Discrete changes for integer-valued regressors: (mu(x + 1) - mu(x - 1)) / 2.

    Returns
    -------
    MarginalEffects

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6], "hour": [0, 1, 2, 3, 4, 5]})
    >>> res = mr.poisson("calls ~ hour", df).fit()
    >>> me = res.get_margeff(at="mean", method="eyex")
    >>> me.at, me.method
    ('mean', 'eyex')
    """
    if at not in ("overall", "mean", "median", "zero"):
        raise ArgumentError(f"at must be 'overall', 'mean', 'median' or 'zero', got {at!r}")
    if method not in ("dydx", "eyex", "dyex", "eydx"):
        raise ArgumentError(f"method must be 'dydx', 'eyex', 'dyex' or 'eydx', got {method!r}")
    if (dummy or count) and (method in ("eyex", "dyex") or at in ("median", "zero")):
        raise ArgumentError(
            f"discrete changes (dummy=, count=) are not defined with method={method!r} or"
            f" at={at!r}: use dydx or eydx at 'overall' or 'mean' (as statsmodels)"
        )
    model = results.model
    link = model.family.link
    b_all = results.params.to_numpy()
    keep = ~np.isnan(b_all)
    b = b_all[keep]
    X = np.asarray(linalg.kept_columns(model.exog, keep))
    names = [n for n, k in zip(results.param_names, keep, strict=True) if k]
    fw = model.freq_weights / np.sum(model.freq_weights)
    offset = np.asarray(model.offset, dtype=float)
    if at == "overall":
        rows, off, w = X, offset, fw
    else:
        point = {"mean": fw @ X, "median": np.median(X, axis=0), "zero": np.zeros(b.size)}[at]
        const_cols = np.all(X == X[0:1, :], axis=0)
        point = np.where(const_cols, X[0], point)  # the intercept stays 1
        rows, off, w = point[None, :], np.array([float(fw @ offset)]), np.ones(1)
    const = np.all(X == X[0:1, :], axis=0) & (X[0] != 0)  # constant columns have no effect
    binary = np.all((X == 0) | (X == 1), axis=0) & ~const
    integer = np.all(X == np.round(X), axis=0) & ~const & ~binary
    kinds = np.where(
        dummy & binary, "dummy", np.where(count & integer, "count", "continuous")
    ).astype(object)
    others = _factor_columns(results, names) if dummy else {}
    ey, ex = method.startswith("ey"), method.endswith("ex")

    def effects(beta: np.ndarray) -> np.ndarray:
        eta = rows @ beta + off
        mu, h = link.inverse(eta), link.mu_eta(eta)
        out = np.empty(beta.size)
        for j in range(beta.size):
            if kinds[j] == "continuous":
                e = h * beta[j]
                if ey:
                    e = e / mu
                if ex:
                    e = e * rows[:, j]
            elif kinds[j] == "dummy":
                shift = eta - rows[:, j] * beta[j]  # the regressor at 0
                if others.get(j):  # a factor's level: from the reference level
                    shift = shift - rows[:, others[j]] @ beta[others[j]]
                lo, hi = link.inverse(shift), link.inverse(shift + beta[j])
                e = np.log(hi) - np.log(lo) if ey else hi - lo
            else:  # a count: the centred change from x - 1 to x + 1, halved
                lo, hi = link.inverse(eta - beta[j]), link.inverse(eta + beta[j])
                e = (np.log(hi) - np.log(lo) if ey else hi - lo) / 2
            out[j] = float(w @ e)
        return out

    me = effects(b)
    J = numdiff.jacobian(effects, b)
    keep_rows = ~const
    V = results.cov_params().to_numpy()[np.ix_(keep, keep)]
    J = J[keep_rows]
    se = np.sqrt(np.diag(J @ V @ J.T))
    kept_names = [n for n, r in zip(names, keep_rows, strict=True) if r]
    return MarginalEffects(kept_names, me[keep_rows], se, at, J, method, tuple(kinds[keep_rows]))


def exp_params(
    results: Any, alpha: float = 0.05, method: Literal["wald", "profile"] = "wald"
) -> pd.DataFrame:
    """Exponentiated coefficients with intervals: odds ratios for logit links,
    incidence-rate ratios for log links.

    The interval ends are the exponentiated ends of ``results.conf_int(alpha, method)``.

    Returns
    -------
    DataFrame with columns ``exp_params``, ``lower``, ``upper``.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6], "hour": [0, 1, 2, 3, 4, 5]})
    >>> table = mr.poisson("calls ~ hour", df).fit().exp_params()
    >>> list(table.columns)
    ['exp_params', 'lower', 'upper']
    """
    ci = results.conf_int(alpha, method=method)
    return pd.DataFrame(
        {
            "exp_params": np.exp(results.params),
            "lower": np.exp(ci["lower"]),
            "upper": np.exp(ci["upper"]),
        },
        index=results.param_names,
    )
