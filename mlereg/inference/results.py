"""Results objects: numbers labelled once, computed at fit, derived values cached.

:class:`LikelihoodResults` carries what any maximum-likelihood fit has (estimates,
covariance, log-likelihood, tests, intervals, criteria); :class:`RegressionResults`
adds what a regression model has (fitted values, residuals, deviance, predictions).
Presentation lives in :mod:`mlereg.report.summary` and only reads these objects.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from . import lrtest

if TYPE_CHECKING:
    from ..models.base import Fit, LikelihoodModel


class LikelihoodResults:
    """Estimates and Wald inference of a maximum-likelihood fit.

    Parameters
    ----------
    params : ndarray
        Estimates (NaN for aliased parameters).
    cov : ndarray
        Their covariance matrix.
    names : list of str
    llf : float
        Maximised log-likelihood.
    nobs : float
    k_params : float
        Number of estimated parameters counted by AIC and BIC.
    df_resid : float
    use_t : bool
        t(df_resid) rather than normal p-values and intervals.
    converged, n_iter, history, messages :
        How the fit went; ``messages`` are the warnings raised during the fit. For a
        GLM on 100,000 rows or more (20,000 with a canonical link and 2,000 rows per
        column), ``n_iter`` and ``history`` count the Newton iterations on all rows
        after the start from a fit to every 10th row.

    Examples
    --------
    >>> import numpy as np
    >>> r = LikelihoodResults(np.array([1.0]), np.eye(1) * 0.25, ["mu"], -3.0, 10, 1, 9)
    >>> float(r.bse["mu"])
    0.5
    """

    def __init__(
        self,
        params: np.ndarray,
        cov: np.ndarray,
        names: list[str],
        llf: float,
        nobs: float,
        k_params: float,
        df_resid: float,
        use_t: bool = False,
        converged: bool = True,
        n_iter: int = 0,
        history: tuple = (),
        messages: tuple[str, ...] = (),
        cov_type: str = "nonrobust",
        model: Any = None,
    ) -> None:
        self.model = model
        self.params = pd.Series(np.asarray(params, dtype=float), index=list(names), name="params")
        self._cov = np.asarray(cov, dtype=float)
        self.llf = float(llf)
        self.nobs = float(nobs)
        self.k_params = float(k_params)
        self.df_resid = float(df_resid)
        self.use_t = bool(use_t)
        self.converged = bool(converged)
        self.n_iter = int(n_iter)
        self.history = tuple(history)
        self.messages = tuple(messages)
        self.cov_type = cov_type

    @property
    def param_names(self) -> list[str]:
        """Names of the parameters, in order."""
        return list(self.params.index)

    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of the estimates, labelled."""
        names = self.params.index
        return pd.DataFrame(self._cov, index=names, columns=names)

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors: square roots of the covariance diagonal."""
        with np.errstate(invalid="ignore"):
            return pd.Series(np.sqrt(np.diag(self._cov)), index=self.params.index, name="bse")

    @cached_property
    def zvalues(self) -> pd.Series:
        """Wald statistics params / bse (t statistics when ``use_t``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            z = self.params.to_numpy() / self.bse.to_numpy()
        return pd.Series(z, index=self.params.index, name="zvalues")

    @property
    def tvalues(self) -> pd.Series:
        """Alias of :attr:`zvalues`."""
        return self.zvalues

    @property
    def _df(self) -> float | None:
        return self.df_resid if self.use_t else None

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of the Wald statistics (t(df_resid) or normal)."""
        return pd.Series(
            lrtest.wald_pvalues(self.zvalues.to_numpy(), self._df),
            index=self.params.index,
            name="pvalues",
        )

    def conf_int(
        self, alpha: float = 0.05, method: Literal["wald", "profile"] = "wald"
    ) -> pd.DataFrame:
        """Confidence intervals, a DataFrame with columns ``lower`` and ``upper``.

        ``method="wald"``: estimate +/- quantile * SE (t(df_resid) when ``use_t``);
        ``method="profile"``: profile-likelihood intervals (R's ``confint`` for glm).
        """
        if method == "profile":
            from .profile import profile_conf_int

            return profile_conf_int(self, alpha)
        if method != "wald":
            raise ValueError(f"method must be 'wald' or 'profile', got {method!r}")
        q = lrtest.wald_quantile(alpha, self._df)
        lower = self.params - q * self.bse
        upper = self.params + q * self.bse
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    @property
    def aic(self) -> float:
        """-2 llf + 2 k, every estimated parameter counted (dispersion included)."""
        return lrtest.aic(self.llf, self.k_params)

    @property
    def bic(self) -> float:
        """-2 llf + k log(nobs)."""
        return lrtest.bic(self.llf, self.k_params, self.nobs)

    def lr_test(self, other: LikelihoodResults) -> lrtest.LRTestResult:
        """Likelihood-ratio test against another fit of a nested model (either order)."""
        return lrtest.lr_test(self, other)

    def wald_test(self, constraints: Any, q: Any = None, use_f: bool | None = None):
        """Joint Wald test of linear restrictions, e.g. ``"x1 = 0, a = b"`` or a matrix
        ``R`` (with ``q``); F-based for t-inference models. See
        :func:`mlereg.inference.hypothesis.wald_test`."""
        from .hypothesis import wald_test

        return wald_test(self, constraints, q, use_f)

    def t_test(self, constraints: Any, q: Any = None):
        """Wald test of each linear restriction separately. See
        :func:`mlereg.inference.hypothesis.t_test`."""
        from .hypothesis import t_test

        return t_test(self, constraints, q)

    def summary(self, digits: int = 4, alpha: float = 0.05):
        """A :class:`mlereg.report.summary.Summary` of the fit (rendering only, no refit).

        ``str()`` gives the text table, notebooks show HTML; ``.as_latex()``,
        ``.as_markdown()`` and ``.to_frame()`` give the other forms. ``digits`` are the
        significant digits of the estimates, ``alpha`` sets the intervals' level.

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> res = mr.OLS(np.array([1.0, 2, 2, 4]), np.c_[np.ones(4), np.arange(4.0)]).fit()
        >>> list(res.summary().to_frame()["term"])
        ['const', 'x1']
        """
        from ..report.summary import Summary

        return Summary(self, digits=digits, alpha=alpha)

    def plot_coefficients(self, ax: Any = None, alpha: float = 0.05, **kwargs: Any):
        """Coefficient plot with 1 - alpha intervals (needs matplotlib, ``mlereg[plot]``).

        See :func:`mlereg.report.plot.plot_coefficients`; returns the matplotlib Axes.

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> res = mr.OLS(np.array([1.0, 3, 2, 5]), np.c_[np.ones(4), np.arange(4.0)]).fit()
        >>> ax = res.plot_coefficients()  # doctest: +SKIP
        """
        from ..report.plot import plot_coefficients

        return plot_coefficients(self, ax=ax, alpha=alpha, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.params)} parameters, llf={self.llf:.6g}>"


class RegressionResults(LikelihoodResults):
    """Results of a regression model (OLS, Logit, Poisson, GLM...).

    Attributes beyond :class:`LikelihoodResults`: ``deviance``, ``null_deviance``,
    ``llnull``, ``llr``, ``llr_pvalue``, ``scale``, ``df_model``, ``fittedvalues``,
    residuals, ``rsquared`` (OLS), ``pseudo_rsquared``, ``n_dropped`` (rows dropped
    for missing values) and ``dropped_by`` (missing per column), ``aliased``,
    ``separation`` (None, or a :class:`mlereg.models.separation.Separation` naming the
    separating terms), ``method`` ("IRLS", "QR" or "Firth") and ``response_levels``
    (for a bool/text/category response: its two levels, the second modelled as 1).

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> x = np.arange(8.0); y = np.array([1, 0, 2, 3, 2, 5, 4, 7.0])
    >>> res = mr.Poisson(y, np.c_[np.ones(8), x]).fit()
    >>> res.nobs
    8.0
    """

    def __init__(
        self,
        model: LikelihoodModel,
        fit: Fit,
        *,
        cov_type: str = "nonrobust",
        groups: Any = None,
        information: str = "expected",
        messages: tuple[str, ...] = (),
    ) -> None:
        from .covariance import covariance

        self.fit_record = fit
        self.information = information
        rank = int(np.sum(~np.isnan(fit.params)))
        family = model.family
        df_resid = model.nobs - rank
        cov = covariance(model, fit, cov_type, groups)
        saturated = None if fit.half_deviance is None else family.saturated_loglike(model.endog)
        if saturated is not None:  # no pass over the data
            llf = saturated - fit.half_deviance  # type: ignore[operator]
        else:
            llf = family.loglike(model.endog, fit.mu, model.prior_weights, model.freq_weights)
        extra = int(family.has_dispersion) + getattr(model, "k_extra", 0)
        super().__init__(
            fit.params,
            cov,
            model.exog_names,
            llf,
            model.nobs,
            rank + extra,
            df_resid,
            use_t=family.has_dispersion,
            converged=fit.solver.converged,
            n_iter=fit.solver.n_iter,
            history=fit.solver.history,
            messages=messages,
            cov_type=cov_type,
            model=model,
        )
        self.scale = fit.scale
        self.rank = rank
        self.df_model = float(rank - model.k_constant)
        self.aliased = [model.exog_names[j] for j in fit.aliased]
        self.n_dropped = model.design.n_dropped
        self.dropped_by = dict(model.design.dropped_by)
        self.separation = fit.separation
        self.method = fit.method
        self.response_levels = getattr(model, "response_levels", None)

    # --- fit quality ----------------------------------------------------------------------
    @cached_property
    def deviance(self) -> float:
        """sum(w d(y, mu)): the residual deviance (RSS for OLS)."""
        m = self.model
        return m.family.deviance(m.endog, self.fit_record.mu, m.total_weights())

    @cached_property
    def _null_mu(self) -> np.ndarray:
        # computed by the fit (LikelihoodModel.null_mean): a float stands for every row
        mu = self.fit_record.null_mu
        return np.full(self.model.exog.shape[0], mu) if np.ndim(mu) == 0 else mu

    @cached_property
    def null_deviance(self) -> float:
        """Deviance of the intercept-only model (offset kept), as R's ``glm``."""
        m = self.model
        return m.family.deviance(m.endog, self._null_mu, m.total_weights())

    @cached_property
    def llnull(self) -> float:
        """Log-likelihood of the intercept-only model (offset and weights kept)."""
        m = self.model
        return m.family.loglike(m.endog, self._null_mu, m.prior_weights, m.freq_weights)

    @property
    def llr(self) -> float:
        """LR statistic against the intercept-only model, 2 (llf - llnull)."""
        return 2.0 * (self.llf - self.llnull)

    @property
    def llr_pvalue(self) -> float:
        """chi^2(df_model) p-value of :attr:`llr`."""
        return float(stats.chi2.sf(self.llr, self.df_model))

    @property
    def pseudo_rsquared(self) -> float:
        """McFadden's pseudo R^2, 1 - llf / llnull."""
        return 1.0 - self.llf / self.llnull

    @property
    def rsquared(self) -> float:
        """1 - RSS / TSS (TSS about the weighted mean, or about 0 without intercept)."""
        return 1.0 - self.deviance / self.null_deviance

    @property
    def rsquared_adj(self) -> float:
        """Adjusted R^2, 1 - (1 - R^2) (n - intercept) / df_resid."""
        return 1.0 - (1.0 - self.rsquared) * (self.nobs - self.model.k_constant) / self.df_resid

    @property
    def sigma2_mle(self) -> float:
        """MLE of the Gaussian variance, RSS / n (OLS)."""
        return self.deviance / self.nobs

    def drop1(self):
        """LR test for dropping each formula term, like R's ``drop1(fit, test="Chisq")``.

        See :func:`mlereg.inference.anova.drop1`.

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [2, 3, 6, 7, 8, 9, 10, 12], "x": range(8)})
        >>> list(mr.poisson("y ~ x", df).fit().drop1().to_frame().index)
        ['<none>', 'x']
        """
        from .anova import drop1

        return drop1(self)

    # --- per-row values -------------------------------------------------------------------
    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=self.model.design.row_index, name=name)

    @property
    def fittedvalues(self) -> pd.Series:
        """Fitted means mu."""
        return self._series(self.fit_record.mu, "fitted")

    @property
    def linear_predictor(self) -> pd.Series:
        """Fitted linear predictor eta (offset included)."""
        return self._series(self.fit_record.eta, "eta")

    @property
    def resid_response(self) -> pd.Series:
        """y - mu."""
        return self._series(self.model.endog - self.fit_record.mu, "resid_response")

    @property
    def resid_pearson(self) -> pd.Series:
        """(y - mu) sqrt(w / V(mu))."""
        m, mu = self.model, self.fit_record.mu
        r = (m.endog - mu) * np.sqrt(m.prior_weights / m.family.variance(mu))
        return self._series(r, "resid_pearson")

    @property
    def resid_deviance(self) -> pd.Series:
        """sign(y - mu) sqrt(w d(y, mu))."""
        m, mu = self.model, self.fit_record.mu
        d = m.prior_weights * m.family.unit_deviance(m.endog, mu)
        return self._series(np.sign(m.endog - mu) * np.sqrt(np.maximum(d, 0)), "resid_deviance")

    @property
    def resid_working(self) -> pd.Series:
        """(y - mu) / (d mu / d eta)."""
        m, fit = self.model, self.fit_record
        return self._series((m.endog - fit.mu) / m.family.link.mu_eta(fit.eta), "resid_working")

    @property
    def resid(self) -> pd.Series:
        """Response residuals (alias of :attr:`resid_response`)."""
        return self.resid_response

    # --- prediction -----------------------------------------------------------------------
    def exog_for(self, newdata: Any) -> np.ndarray:
        design = self.model.design
        if design.builder is not None:
            return design.builder.build(newdata)
        if isinstance(newdata, pd.DataFrame):
            missing = [c for c in self.param_names if c not in newdata.columns]
            if missing:
                raise ValueError(f"new data lack the column(s) {missing}")
            X = newdata[self.param_names].to_numpy(dtype=float)
        else:
            X = np.asarray(newdata, dtype=float)
            if X.ndim == 1:
                X = X[None, :] if X.size == len(self.params) else X[:, None]
        if X.shape[1] != len(self.params):
            raise ValueError(f"new data have {X.shape[1]} columns, the model {len(self.params)}")
        return X

    def offset_for(self, newdata: Any, n: int, offset: Any, exposure: Any) -> np.ndarray:
        cols = self.model.design.arg_columns
        out = np.zeros(n)
        if offset is None and "offset" in cols and isinstance(newdata, (pd.DataFrame, dict)):
            offset = np.asarray(newdata[cols["offset"]], dtype=float)
        if exposure is None and "exposure" in cols and isinstance(newdata, (pd.DataFrame, dict)):
            exposure = np.asarray(newdata[cols["exposure"]], dtype=float)
        if offset is not None:
            out = out + np.asarray(offset, dtype=float)
        if exposure is not None:
            out = out + np.log(np.asarray(exposure, dtype=float))
        return out

    def get_margeff(self, at: Literal["overall", "mean"] = "overall"):
        """Marginal effects on the mean with delta-method SEs. See
        :func:`mlereg.inference.margins.get_margeff`."""
        from .margins import get_margeff

        return get_margeff(self, at)

    def exp_params(
        self, alpha: float = 0.05, method: Literal["wald", "profile"] = "wald"
    ) -> pd.DataFrame:
        """exp(params) with intervals (odds ratios, incidence-rate ratios). See
        :func:`mlereg.inference.margins.exp_params`."""
        from .margins import exp_params

        return exp_params(self, alpha, method)

    def get_prediction(self, newdata: Any = None, *, offset: Any = None, exposure: Any = None):
        """Predictions with delta-method SEs and intervals (``.summary_frame(alpha)``);
        OLS adds prediction intervals. See :func:`mlereg.inference.prediction.get_prediction`."""
        from .prediction import get_prediction

        return get_prediction(self, newdata, offset=offset, exposure=exposure)

    def predict(
        self,
        newdata: Any = None,
        which: Literal["mean", "linear"] = "mean",
        *,
        offset: Any = None,
        exposure: Any = None,
    ) -> pd.Series | np.ndarray:
        """Predicted means (``which="mean"``) or linear predictor (``"linear"``).

        Parameters
        ----------
        newdata : DataFrame, dict of columns or array, optional
            Defaults to the data used in the fit. For formula models the formula is
            applied with the training data's levels and transforms.
        offset, exposure : array, optional
            For new data. When the model's offset/exposure came from a column, that
            column of ``newdata`` is used if present; otherwise they are 0 / 1.
        """
        if which not in ("mean", "linear"):
            raise ValueError(f"which must be 'mean' or 'linear', got {which!r}")
        if newdata is None:
            return self.fittedvalues if which == "mean" else self.linear_predictor
        X = self.exog_for(newdata)
        beta = np.nan_to_num(self.params.to_numpy())  # aliased columns contribute 0, as R
        eta = X @ beta + self.offset_for(newdata, X.shape[0], offset, exposure)
        values = eta if which == "linear" else self.model.family.link.inverse(eta)
        if isinstance(newdata, pd.DataFrame):
            return pd.Series(values, index=newdata.index, name="predicted")
        return values
