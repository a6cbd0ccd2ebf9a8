"""Marginal effects on the mean and exponentiated coefficients.

Marginal effect of regressor j on the mean, mu = g^-1(eta), eta = x' b + offset:
``d mu / d x_j = h(eta) b_j`` with ``h = d mu / d eta``. Every regressor is treated as
continuous (statsmodels' ``dummy=False``); the constant is left out.

* ``at="overall"``: the average over the rows of the fit (weighted by frequency
  weights), ``ME = mean_i h(eta_i) b``; Jacobian
  ``mean_i [h(eta_i) I + b h'(eta_i) x_i']``.
* ``at="mean"``: at the mean of the regressors, ``eta = xbar' b + mean(offset)``;
  Jacobian ``h(eta) I + b h'(eta) xbar'``.

Standard errors by the delta method, ``sqrt(diag(J V J'))`` with the fit's covariance
V (robust if the fit was), normal p-values and intervals, as statsmodels'
``get_margeff``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import linalg
from . import lrtest


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
        """``dy/dx``, ``std_err``, ``z``, ``pvalue``, ``lower``, ``upper`` per regressor."""
        frame = pd.DataFrame(
            {
                "dy/dx": self.margeff,
                "std_err": self.margeff_se,
                "z": self.zvalues,
                "pvalue": self.pvalues,
            },
            index=self.names,
        )
        return frame.join(self.conf_int(alpha))

    def __repr__(self) -> str:
        return f"Marginal effects (at={self.at!r}):\n{self.summary_frame().to_string()}"


def get_margeff(results: Any, at: Literal["overall", "mean"] = "overall") -> MarginalEffects:
    """Marginal effects of the regressors on the mean, with delta-method SEs.

    Parameters
    ----------
    results : RegressionResults
        Any single-index model (Logit, Probit, Poisson, GLMs...).
    at : {"overall", "mean"}
        Average of the row-wise effects, or the effect at the regressor means.

    Returns
    -------
    MarginalEffects

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6], "hour": [0, 1, 2, 3, 4, 5]})
    >>> res = mr.poisson("calls ~ hour", df).fit()
    >>> me = res.get_margeff(at="mean")
    >>> me.at
    'mean'
    """
    if at not in ("overall", "mean"):
        raise ValueError(f"at must be 'overall' or 'mean', got {at!r}")
    model = results.model
    link = model.family.link
    b_all = results.params.to_numpy()
    keep = ~np.isnan(b_all)
    b = b_all[keep]
    X = linalg.kept_columns(model.exog, keep)
    names = [n for n, k in zip(results.param_names, keep, strict=True) if k]
    fw = model.freq_weights / np.sum(model.freq_weights)
    if at == "overall":
        eta = X @ b + model.offset
        h, dh = link.mu_eta(eta), link.d2mu_eta2(eta)
        me = np.sum(fw * h) * b
        J = np.sum(fw * h) * np.eye(b.size) + np.outer(b, (fw * dh) @ X)
    else:
        xbar = fw @ X
        eta = float(xbar @ b + fw @ model.offset)
        h, dh = float(link.mu_eta(np.array([eta]))[0]), float(link.d2mu_eta2(np.array([eta]))[0])
        me = h * b
        J = h * np.eye(b.size) + dh * np.outer(b, xbar)
    const = np.all(X == X[0:1, :], axis=0) & (X[0] != 0)  # constant columns have no effect
    rows = ~const
    V = results.cov_params().to_numpy()[np.ix_(keep, keep)]
    J = J[rows]
    se = np.sqrt(np.diag(J @ V @ J.T))
    return MarginalEffects([n for n, r in zip(names, rows, strict=True) if r], me[rows], se, at, J)


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
