"""Predictions with uncertainty: standard errors by the delta method and intervals.

For rows x (offset o) of new data, with coefficient covariance V:

* linear predictor ``eta = x' b + o`` with ``se(eta) = sqrt(x' V x)``;
* mean ``mu = g^-1(eta)`` with ``se(mu) = |d mu / d eta| se(eta)`` (delta method), as
  R's ``predict(type="response", se.fit=TRUE)``;
* the interval for the mean is built on the link scale and transformed,
  ``g^-1(eta -/+ q se(eta))`` (so it respects the range of mu), with q the t(df_resid)
  quantile for models with t-based inference and the normal quantile otherwise;
* OLS also gives prediction intervals for a new observation,
  ``mu -/+ q sqrt(se(mu)^2 + s^2)`` (R's ``predict.lm(interval="prediction")`` with
  weight 1 for the new rows).

A robust ``cov_type`` of the fit carries over to all of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import linalg
from ..exceptions import ArgumentError
from . import lrtest


@dataclass(frozen=True)
class PredictionResults:
    """Predictions and their standard errors.

    Attributes
    ----------
    predicted : ndarray
        Predicted means mu.
    se_mean : ndarray
        Delta-method standard errors of mu.
    linpred, se_linpred : ndarray
        Linear predictor eta and its standard error.
    link : Link
    df : float or None
        t degrees of freedom of the intervals (None: normal).
    obs_scale : float or None
        Residual variance s^2 for prediction intervals (OLS only).
    index : pandas.Index or None

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6], "x": [0, 1, 2, 3, 4, 5]})
    >>> res = mr.ols("y ~ x", df).fit()
    >>> list(res.get_prediction(df.head(2)).summary_frame().columns)[:2]
    ['mean', 'mean_se']
    """

    predicted: np.ndarray
    se_mean: np.ndarray
    linpred: np.ndarray
    se_linpred: np.ndarray
    link: Any
    df: float | None
    obs_scale: float | None = None
    index: pd.Index | None = None

    def conf_int(self, alpha: float = 0.05, obs: bool = False) -> np.ndarray:
        """Intervals, shape (n, 2): for the mean (built on the link scale), or with
        ``obs=True`` prediction intervals for a new observation (OLS only)."""
        q = lrtest.wald_quantile(alpha, self.df)
        if obs:
            if self.obs_scale is None:
                raise ArgumentError("prediction intervals for new observations are only for OLS")
            half = q * np.sqrt(np.square(self.se_mean) + self.obs_scale)
            return np.c_[self.predicted - half, self.predicted + half]
        a = self.link.inverse(self.linpred - q * self.se_linpred)
        b = self.link.inverse(self.linpred + q * self.se_linpred)
        return np.c_[np.minimum(a, b), np.maximum(a, b)]  # decreasing links swap the ends

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """``mean``, ``mean_se``, ``mean_ci_lower``, ``mean_ci_upper`` (and ``obs_ci_lower``,
        ``obs_ci_upper`` for OLS), one row per predicted row."""
        ci = self.conf_int(alpha)
        frame = pd.DataFrame(
            {
                "mean": self.predicted,
                "mean_se": self.se_mean,
                "mean_ci_lower": ci[:, 0],
                "mean_ci_upper": ci[:, 1],
            },
            index=self.index,
        )
        if self.obs_scale is not None:
            obs = self.conf_int(alpha, obs=True)
            frame["obs_ci_lower"] = obs[:, 0]
            frame["obs_ci_upper"] = obs[:, 1]
        return frame


def get_prediction(
    results: Any, newdata: Any = None, *, offset: Any = None, exposure: Any = None
) -> PredictionResults:
    """Predictions with delta-method standard errors and intervals.

    Parameters
    ----------
    results : RegressionResults
    newdata : DataFrame, dict of columns or array, optional
        Defaults to the rows used in the fit.
    offset, exposure : array, optional
        For new data, as in :meth:`RegressionResults.predict`.

    Returns
    -------
    PredictionResults

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6], "hour": [0, 1, 2, 3, 4, 5]})
    >>> res = mr.poisson("calls ~ hour", df).fit()
    >>> frame = res.get_prediction(df).summary_frame()
    >>> bool((frame["mean_ci_lower"] < frame["mean"]).all())
    True
    """
    model = results.model
    if newdata is None:
        X, off, index = model.exog, model.offset, model.design.row_index
    else:
        X = results.exog_for(newdata)
        off = results.offset_for(newdata, X.shape[0], offset, exposure)
        index = newdata.index if isinstance(newdata, pd.DataFrame) else None
    b = results.params.to_numpy()
    keep = ~np.isnan(b)  # aliased columns contribute nothing, as in R
    Xk = linalg.kept_columns(X, keep)
    eta = Xk @ b[keep] + off
    root = results.fit_record.cov_root if results.cov_type == "nonrobust" else None
    if root is not None:  # x'Vx as ||F'x||^2 (see linalg.GramSystem.inverse_root)
        se_eta = np.sqrt(results.scale * linalg.row_forms(Xk, root, root=True))
    else:
        V = results.cov_params().to_numpy()[np.ix_(keep, keep)]
        se_eta = np.sqrt(np.maximum(linalg.row_forms(Xk, V, root=False), 0.0))
    link = model.family.link
    mu = link.inverse(eta)
    se_mu = np.abs(link.mu_eta(eta)) * se_eta
    is_ols = model.prediction_intervals
    return PredictionResults(
        mu,
        se_mu,
        eta,
        se_eta,
        link,
        results.df_resid if results.use_t else None,
        float(results.scale) if is_ols else None,
        index,
    )
