"""Regression diagnostics of a single-index fit: R's ``influence.measures`` for lm and glm.

With h_i the hat values of sqrt(W) X (W the Fisher weights at the estimate; the prior
weights for OLS), e_i the deviance residuals (sqrt(w) (y - mu) for OLS), r_i the
Pearson residuals, p the rank, n the observations and phi the dispersion (s^2 for
OLS):

* sigma_(i) = sqrt((sum e^2 - e_i^2 / (1 - h_i)) / (n - p - 1)), the leave-one-out scale;
* Cook's distance r_i^2 h_i / (p phi (1 - h_i)^2);
* internally studentized residuals e_i / sqrt(phi (1 - h_i)) (``rstandard``);
* externally studentized residuals sign(e_i) sqrt(e_i^2 + h_i r_i^2 / (1 - h_i)) /
  sigma_(i) (``rstudent``; not divided by sigma_(i) for the binomial and Poisson
  families, whose dispersion is 1), which for OLS is e_i / (sigma_(i) sqrt(1 - h_i));
* dfbeta_i = (X'WX)^-1 x_i sqrt(w_i) e_i / (1 - h_i): the change in the coefficients
  when row i is left out, exact for OLS, R's one-step approximation for GLMs;
  dfbetas divides it by sigma_(i) sqrt(diag((X'WX)^-1));
* covratio 1 / ((1 - h_i) ((n - p - 1 + t_i^2) / (n - p))^p), t_i = e_i / (sigma_(i)
  sqrt(1 - h_i)); dffits e_i sqrt(h_i) / (sigma_(i) (1 - h_i)).

Everything is O(n p^2) on the kept columns of X: no n x n matrix is formed.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import linalg
from .covariance import hat_values


class Influence:
    """Influence measures of a fit (``res.get_influence()``), as R computes them.

    Attributes are pandas objects indexed by the fit's rows: ``hat``,
    ``cooks_distance``, ``resid_studentized_internal`` (R's ``rstandard``),
    ``resid_studentized_pearson`` (``rstandard(type="pearson")``),
    ``resid_studentized_external`` (``rstudent``), ``dfbeta``, ``dfbetas`` (DataFrames,
    a column per coefficient), ``covratio``, ``dffits``, ``sigma_loo``
    (``influence(fit)$sigma``). ``summary_frame()`` gathers them.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 3, 2, 5, 4, 9])
    >>> infl = mr.OLS(y, X).fit().get_influence()
    >>> round(float(infl.hat.sum()), 12), int(infl.cooks_distance.idxmax())
    (2.0, 5)
    """

    def __init__(self, results: Any) -> None:
        self.results = results
        model, fit = results.model, results.fit_record
        self._keep = ~np.isnan(fit.params)
        t = model.prior_weights
        y, mu = model.endog, fit.mu
        family = model.family
        dev = t * family.unit_deviance(y, mu)
        self._e = np.sign(y - mu) * np.sqrt(np.maximum(dev, 0.0))
        self._r = (y - mu) * np.sqrt(t / family.variance(mu))
        self._h = hat_values(model, fit)
        self._phi = float(results.scale)
        self._p = int(self._keep.sum())
        self._n = float(np.sum(t > 0))
        self._scaled = family.has_dispersion  # rstudent is divided by sigma_(i)
        self._index = results.fittedvalues.index

    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=self._index, name=name)

    @property
    def hat(self) -> pd.Series:
        """Diagonal of the hat matrix of sqrt(W) X."""
        return self._series(self._h, "hat")

    @cached_property
    def _sigma_loo(self) -> np.ndarray:
        e, h = self._e, self._h
        with np.errstate(divide="ignore", invalid="ignore"):
            rss = np.sum(e * e) - e * e / (1.0 - h)
            return np.sqrt(np.maximum(rss, 0.0) / (self._n - self._p - 1.0))

    @property
    def sigma_loo(self) -> pd.Series:
        """The residual scale with each row left out (R's ``influence(fit)$sigma``)."""
        return self._series(self._sigma_loo, "sigma_loo")

    @property
    def cooks_distance(self) -> pd.Series:
        """Cook's distance, r_i^2 h_i / (p phi (1 - h_i)^2)."""
        h = self._h
        with np.errstate(divide="ignore", invalid="ignore"):
            d = self._r**2 * h / (self._p * self._phi * (1.0 - h) ** 2)
        return self._series(d, "cooks_distance")

    @property
    def resid_studentized_internal(self) -> pd.Series:
        """Standardized deviance residuals, e_i / sqrt(phi (1 - h_i)) (``rstandard``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            v = self._e / np.sqrt(self._phi * (1.0 - self._h))
        return self._series(v, "resid_studentized_internal")

    @property
    def resid_studentized_pearson(self) -> pd.Series:
        """Standardized Pearson residuals, r_i / sqrt(phi (1 - h_i))."""
        with np.errstate(divide="ignore", invalid="ignore"):
            v = self._r / np.sqrt(self._phi * (1.0 - self._h))
        return self._series(v, "resid_studentized_pearson")

    @property
    def resid_studentized_external(self) -> pd.Series:
        """Externally studentized residuals (``rstudent``)."""
        e, r, h = self._e, self._r, self._h
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.sign(e) * np.sqrt(e * e + h * r * r / (1.0 - h))
            if self._scaled:
                v = v / self._sigma_loo
        return self._series(v, "resid_studentized_external")

    @cached_property
    def _dfbeta(self) -> np.ndarray:
        model, fit = self.results.model, self.results.fit_record
        X = linalg.kept_columns(model.exog, self._keep)
        W = model.weights_at_eta(fit.eta, "expected")
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sqrt(W) * self._e / (1.0 - self._h)
        V = fit.cov_unscaled[np.ix_(self._keep, self._keep)]  # (X'WX)^-1
        out = np.full((X.shape[0], self._keep.size), np.nan)
        out[:, self._keep] = (X * scale[:, None]) @ V
        return out

    @property
    def dfbeta(self) -> pd.DataFrame:
        """The change in each coefficient when the row is left out (NaN columns for
        aliased coefficients)."""
        return pd.DataFrame(self._dfbeta, index=self._index, columns=self.results.param_names)

    @property
    def dfbetas(self) -> pd.DataFrame:
        """dfbeta scaled by sigma_(i) sqrt(diag((X'WX)^-1))."""
        se = np.sqrt(np.diag(self.results.fit_record.cov_unscaled))
        with np.errstate(divide="ignore", invalid="ignore"):
            v = self._dfbeta / np.outer(self._sigma_loo, se)
        return pd.DataFrame(v, index=self._index, columns=self.results.param_names)

    @property
    def dffits(self) -> pd.Series:
        """e_i sqrt(h_i) / (sigma_(i) (1 - h_i))."""
        h = self._h
        with np.errstate(divide="ignore", invalid="ignore"):
            v = self._e * np.sqrt(h) / (self._sigma_loo * (1.0 - h))
        return self._series(v, "dffits")

    @property
    def covratio(self) -> pd.Series:
        """The ratio of the covariance determinants without and with the row."""
        h, n, p = self._h, self._n, self._p
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self._e / (self._sigma_loo * np.sqrt(1.0 - h))
            v = 1.0 / ((1.0 - h) * ((n - p - 1.0 + t * t) / (n - p)) ** p)
        return self._series(v, "covratio")

    def summary_frame(self) -> pd.DataFrame:
        """Every measure, a column each (dfbetas as ``dfb_<term>``), R's
        ``influence.measures`` layout.

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 3, 2, 5, 4, 9])
        >>> list(mr.OLS(y, X).fit().get_influence().summary_frame().columns)[:3]
        ['dfb_const', 'dfb_x1', 'dffits']
        """
        frame = self.dfbetas.add_prefix("dfb_")
        frame["dffits"] = self.dffits
        frame["covratio"] = self.covratio
        frame["cooks_distance"] = self.cooks_distance
        frame["hat"] = self.hat
        frame["resid_studentized_internal"] = self.resid_studentized_internal
        frame["resid_studentized_external"] = self.resid_studentized_external
        return frame
