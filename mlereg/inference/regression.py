"""Results of regression models: GLMs (:class:`RegressionResults`) and OLS
(:class:`OLSResults`), on top of :class:`mlereg.inference.results.LikelihoodResults`:
fitted values, residuals, deviances, the null model, predictions, margins, and the
summary lines of ``summary.glm`` and ``summary.lm``.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ArgumentError, DataError
from ..report.entries import Digits, Entry, Fixed, PValue
from ..report.render import finite_or_nan
from .influence import Influence
from .results import LikelihoodResults

if TYPE_CHECKING:
    from .fitrecord import Fit


def design_entries(design: Any, levels: tuple[Any, ...] | None) -> list[Entry]:
    """The "Formula" and "Response" lines of a formula model's summary."""
    entries: list[Entry] = []
    if design.formula:
        entries.append(("Formula", (str(design.formula),)))
    endog = design.endog_name
    if levels is not None and len(levels) == 2:
        endog = f"{endog} (1 = {levels[1]!r}, 0 = {levels[0]!r})"
    entries.append(("Response", (str(endog),)))
    return entries


def variance_out_of_range(res: RegressionResults) -> str | None:
    """A sentence naming the coefficients whose variance is 0 or infinite in double
    while their standard error (from the covariance's root) is finite: a column scaled
    by 1e200 has variance 1e-400. The standard errors are right; ``cov_params()`` is not.
    """
    se = res.bse.to_numpy()
    var = np.diag(res.cov_params().to_numpy())
    bad = (np.isfinite(se) & (se > 0)) & ((var == 0) | np.isinf(var))
    if not np.any(bad):
        return None
    names = [n for n, b in zip(res.param_names, bad, strict=True) if b]
    return (
        f"the variances of {names} are outside the range of a double (0 or infinite in"
        " cov_params()): their standard errors, from the covariance's root, are correct,"
        " but rescale those predictors before using the covariance matrix"
    )


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

    # the test mr.anova uses by default: R's anova.glm chi^2 (anova.lm's F for OLS)
    anova_test = "Chisq"

    def __init__(
        self,
        model: Any,
        fit: Fit,
        *,
        cov_type: str = "nonrobust",
        groups: Any = None,
        information: str = "expected",
        messages: tuple[str, ...] = (),
    ) -> None:
        from .covariance import covariance, scaled_covariance, unscaled

        self.fit_record = fit
        self.information = information
        rank = int(np.sum(~np.isnan(fit.params)))
        family = model.family
        df_resid = model.nobs - rank
        # robust types in equilibrated units, whose standard errors come from it
        self._scaled_cov: tuple[np.ndarray, np.ndarray] | None = None
        if cov_type == "nonrobust":
            cov = covariance(model, fit, cov_type, groups)
        else:
            self._scaled_cov = scaled_covariance(model, fit, cov_type, groups)
            cov = unscaled(*self._scaled_cov)
        saturated = None if fit.half_deviance is None else family.saturated_loglike(model.endog)
        if saturated is not None:  # no pass over the data
            llf = saturated - fit.half_deviance  # type: ignore[operator]
        else:
            llf = family.loglike(model.endog, fit.mu, model.prior_weights, model.freq_weights)
        extra = int(family.has_dispersion) + model.k_extra
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
        self.response_levels = model.response_levels
        self.single_index = True

    # --- what the summary shows -----------------------------------------------------------
    @property
    def summary_title(self) -> str:
        """The summary's title."""
        return f"{type(self.model).__name__} regression results"

    @property
    def method_description(self) -> str:
        """How it was fitted, in words."""
        return {
            "QR": "Least squares (pivoted QR) = Gaussian maximum likelihood",
            "IRLS": "Maximum likelihood (IRLS / Fisher scoring)",
            "Firth": "Firth's penalised likelihood (IRLS / Fisher scoring)",
        }.get(self.method, super().method_description)

    @property
    def formula(self) -> str | None:
        """The formula fitted (None for a model built from arrays)."""
        return self.model.design.formula

    def model_entries(self) -> list[Entry]:
        """Formula and response."""
        return design_entries(self.model.design, self.response_levels)

    def fit_statistics(self) -> list[Entry]:
        """The null model and the LR test against it, R-squared (Gaussian) or McFadden's
        pseudo R-squared, the deviances and the dispersion, as ``summary.glm``."""
        family = self.model.family
        entries: list[Entry] = [("LL-null", (Fixed(self.llnull),))]
        if self.df_model > 0:
            test = ("chi2 = ", Fixed(self.llr), f" on {self.df_model:g} df, p ")
            entries.append(("LR test vs null", (*test, PValue(self.llr_pvalue))))
        if family.name == "gaussian":
            entries.append(("R-squared", (Digits(self.rsquared),)))
        else:
            entries.append(("Pseudo R-squared", (Digits(self.pseudo_rsquared), " (McFadden)")))
        null_df = f"{self.nobs - self.model.k_constant:g}"
        deviances = (
            Digits(self.deviance, 1),
            f" on {self.df_resid:g} df / ",
            Digits(self.null_deviance, 1),
            f" on {null_df} df",
        )
        entries.append(("Deviance / null", deviances))
        if family.has_dispersion:
            entries.append(("Dispersion", (Digits(self.scale, 1), " (Pearson chi2 / df resid)")))
        else:
            entries.append(("Dispersion", (f"1 ({family.name} family)",)))
        return entries

    @property
    def ratio_name(self) -> str:
        """Odds ratio for a logit link, rate ratio for a log link."""
        names = {"logit": "Odds ratio", "log": "Rate ratio"}
        return names.get(self.model.family.link.name, "exp(estimate)")

    def comparison_r2(self) -> tuple[str, float]:
        """("R-squared", 1 - RSS/TSS) for Gaussian models, else McFadden's pseudo."""
        if self.model.family.name == "gaussian":
            return "R-squared", finite_or_nan(self.rsquared)
        return "Pseudo R-squared", finite_or_nan(self.pseudo_rsquared)

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors. Model-based ones are sqrt(scale) times the row norms of the
        covariance root F (F F' = the unscaled covariance, from the fit's factorisation):
        the same numbers as the square roots of the covariance diagonal, but without
        squaring through the range of a double, so that a column scaled by 1e200 (a
        variance of 1e-400, 0 in double) still gets its standard error 1e-200 / c."""
        root = self.fit_record.cov_root
        params = self.fit_record.params
        keep = ~np.isnan(params)
        if self._scaled_cov is not None:  # d_j sqrt(C_jj) of the equilibrated sandwich
            cov_s, d = self._scaled_cov
            with np.errstate(invalid="ignore"):
                se = d * np.sqrt(np.diagonal(cov_s))
            return pd.Series(se, index=self.params.index, name="bse")
        if root is None or len(self.params) != len(params) or root.shape[0] != int(keep.sum()):
            return super().bse
        big = np.max(np.abs(root), axis=1, initial=0.0)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            unit = np.where(big > 0, big, 1.0)
            norms = big * np.sqrt(np.sum(np.square(root / unit[:, None]), axis=1))
            se = np.full(len(params), np.nan)
            se[keep] = np.sqrt(self.fit_record.scale) * norms
        return pd.Series(se, index=self.params.index, name="bse")

    # --- fit quality ----------------------------------------------------------------------
    @cached_property
    def deviance(self) -> float:
        """sum(w d(y, mu)): the residual deviance (RSS for OLS)."""
        m = self.model
        return m.family.deviance(m.endog, self.fit_record.mu, m.total_weights())

    @cached_property
    def _null_mu(self) -> np.ndarray:
        # with an offset the fit computed it (an IRLS fit); otherwise it is the
        # weighted mean of y in closed form (SingleIndexModel.null_mean): no refit here
        mu = self.fit_record.null_mu
        if mu is None:
            mu = self.model.null_mean()
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
        """McFadden's pseudo R^2, 1 - llf / llnull (0 where llf equals llnull to
        rounding: the intercept-only model itself)."""
        if abs(self.llf - self.llnull) <= 1e-12 * abs(self.llnull):
            return 0.0
        return 1.0 - self.llf / self.llnull

    def _gaussian_only(self, name: str) -> None:
        if self.model.family.name != "gaussian":
            raise AttributeError(
                f"{name} is a statistic of Gaussian models; this {type(self.model).__name__}"
                f" fit has the {self.model.family.name} family (see pseudo_rsquared)"
            )

    @property
    def rsquared(self) -> float:
        """1 - RSS / TSS (TSS about the weighted mean, or about 0 without intercept),
        for Gaussian models (AttributeError otherwise)."""
        self._gaussian_only("rsquared")
        return 1.0 - self.deviance / self.null_deviance

    @property
    def rsquared_adj(self) -> float:
        """Adjusted R^2, 1 - (1 - R^2) (n - intercept) / df_resid (Gaussian models)."""
        self._gaussian_only("rsquared_adj")
        return 1.0 - (1.0 - self.rsquared) * (self.nobs - self.model.k_constant) / self.df_resid

    @property
    def sigma2_mle(self) -> float:
        """MLE of the Gaussian variance, RSS / n (Gaussian models)."""
        self._gaussian_only("sigma2_mle")
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
            # columns matched by name as the fit named them (str of any label)
            by_name = {str(c): c for c in newdata.columns}
            missing = [c for c in self.param_names if c not in by_name]
            if missing:
                raise DataError(f"new data lack the column(s) {missing}")
            X = newdata[[by_name[c] for c in self.param_names]].to_numpy(dtype=float)
        else:
            X = np.asarray(newdata, dtype=float)
            if X.ndim == 1:
                X = X[None, :] if X.size == len(self.params) else X[:, None]
        if X.shape[1] != len(self.params):
            raise ArgumentError(f"new data have {X.shape[1]} columns, the model {len(self.params)}")
        return X

    def offset_for(self, newdata: Any, n: int, offset: Any, exposure: Any) -> np.ndarray:
        """The offset of ``n`` new rows: the formula's ``offset(...)`` terms evaluated on
        ``newdata``, plus ``offset`` and ``exposure`` (logged) as arrays or column names
        of ``newdata``; by default the columns the fit used, if ``newdata`` has them.
        Exposure must be positive, and only a log link takes one."""
        cols = self.model.design.arg_columns
        frame = newdata if isinstance(newdata, (pd.DataFrame, dict)) else None
        if offset is None and "offset" in cols and frame is not None and cols["offset"] in frame:
            offset = cols["offset"]
        if exposure is None and "exposure" in cols and frame is not None:
            exposure = cols["exposure"] if cols["exposure"] in frame else None
        out = np.zeros(n)
        builder = self.model.design.builder
        if builder is not None and builder.offset_terms and frame is not None:
            terms = builder.offset(frame)  # the formula's offset(...) terms, on new data
            if not np.all(np.isfinite(terms)):
                raise DataError("the formula's offset(...) terms are not finite on the new data")
            out = out + terms
        for name, value in (("offset", offset), ("exposure", exposure)):
            if value is None:
                continue
            if isinstance(value, str):
                if frame is None or value not in frame:
                    raise DataError(f"{name}={value!r} is not a column of the new data")
                value = frame[value]
            arr = np.asarray(value, dtype=float).ravel()
            if arr.size not in (1, n):
                raise DataError(f"{name} has {arr.size} values for {n} new rows")
            if not np.all(np.isfinite(arr)):
                raise DataError(f"{name} has missing or infinite values in the new data")
            if name == "exposure":
                if self.model.family.link.name != "log":
                    raise DataError(
                        f"exposure= needs a log link (it enters as log(exposure)); this"
                        f" model has the {self.model.family.link.name} link: use offset="
                    )
                if np.any(arr <= 0):
                    rows = np.flatnonzero(arr <= 0)[:5].tolist()
                    raise DataError(f"exposure must be positive; not at new row(s) {rows}")
                arr = np.log(arr)
            out = out + arr
        return out

    def plot_diagnostics(self, fig: Any = None) -> Any:
        """R's four diagnostic panels (``plot(lm)``); needs matplotlib. See
        :func:`mlereg.report.plot.plot_diagnostics`.

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> res = mr.OLS(np.array([1.0, 3, 2, 5, 4]), np.c_[np.ones(5), np.arange(5.0)]).fit()
        >>> fig = res.plot_diagnostics()  # doctest: +SKIP
        """
        from ..report.plot import plot_diagnostics

        return plot_diagnostics(self, fig=fig)

    def plot_profile(self, term: str, alpha: float = 0.05, ax: Any = None) -> Any:
        """The profile likelihood of one coefficient with its interval marked; needs
        matplotlib. See :func:`mlereg.report.plot.plot_profile`.

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6, 9, 7], "hour": range(8)})
        >>> ax = mr.poisson("calls ~ hour", df).fit().plot_profile("hour")  # doctest: +SKIP
        """
        from ..report.plot import plot_profile
        from .profile import profile_curve

        ci = self.conf_int(alpha, method="profile").loc[term]
        wald = self.conf_int(alpha).loc[term]
        lo = ci["lower"] if np.isfinite(ci["lower"]) else wald["lower"]
        hi = ci["upper"] if np.isfinite(ci["upper"]) else wald["upper"]
        values = np.linspace(lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo), 41)
        tau = profile_curve(self, term, values)
        ends = (float(ci["lower"]), float(ci["upper"]))
        wald_ends = (float(wald["lower"]), float(wald["upper"]))
        estimate = float(self.params[term])
        return plot_profile(term, values, tau, estimate, ends, wald_ends, alpha=alpha, ax=ax)

    def get_influence(self) -> Influence:
        """Regression diagnostics: hat values, Cook's distance, studentized residuals,
        dfbeta(s), dffits and covratio, as R's ``influence.measures`` (see
        :mod:`mlereg.inference.influence`).

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 3, 2, 5, 4, 9])
        >>> round(float(mr.OLS(y, X).fit().get_influence().hat.iloc[0]), 6)
        0.52381
        """
        return Influence(self)

    def get_margeff(
        self,
        at: Literal["overall", "mean", "median", "zero"] = "overall",
        method: Literal["dydx", "eyex", "dyex", "eydx"] = "dydx",
        dummy: bool = False,
        count: bool = False,
    ) -> Any:
        """Marginal effects on the mean with delta-method SEs (statsmodels'
        ``get_margeff``). See :func:`mlereg.inference.margins.get_margeff`."""
        from .margins import get_margeff

        return get_margeff(self, at, method=method, dummy=dummy, count=count)

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
        offset, exposure : array or column name, optional
            For new data. When the model's offset/exposure came from a column, that
            column of ``newdata`` is used if present; otherwise they are 0 / 1.
        """
        if which not in ("mean", "linear"):
            raise ArgumentError(f"which must be 'mean' or 'linear', got {which!r}")
        if newdata is None:
            return self.fittedvalues if which == "mean" else self.linear_predictor
        X = self.exog_for(newdata)
        beta = np.nan_to_num(self.params.to_numpy())  # aliased columns contribute 0, as R
        eta = X @ beta + self.offset_for(newdata, X.shape[0], offset, exposure)
        values = eta if which == "linear" else self.model.family.link.inverse(eta)
        if isinstance(newdata, pd.DataFrame):
            return pd.Series(values, index=newdata.index, name="predicted")
        return values


class OLSResults(RegressionResults):
    """Results of :class:`mlereg.OLS`: a regression fit with ``lm``'s statistics.

    Beyond :class:`RegressionResults`: ``fvalue`` and ``f_pvalue``, the F test of all
    slopes (``summary.lm``'s F-statistic), and ``resid_std_err`` (its residual standard
    error, sqrt(s^2)).

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> x = np.arange(6.0); y = np.array([1.0, 3, 2, 5, 4, 6])
    >>> res = mr.OLS(y, np.c_[np.ones(6), x]).fit()
    >>> round(res.fvalue, 4), round(res.rsquared, 4)
    (14.5606, 0.7845)
    """

    anova_test = "F"

    @property
    def fvalue(self) -> float:
        """F statistic of all slopes against the intercept-only model."""
        if not (self.df_model > 0 and self.df_resid > 0):
            return np.nan
        return (self.null_deviance - self.deviance) / self.df_model / self.scale

    @property
    def f_pvalue(self) -> float:
        """p-value of :attr:`fvalue` from F(df_model, df_resid)."""
        if not np.isfinite(self.fvalue):
            return np.nan
        return float(stats.f.sf(self.fvalue, self.df_model, self.df_resid))

    @property
    def resid_std_err(self) -> float:
        """The residual standard error, sqrt(RSS / df_resid)."""
        return float(np.sqrt(self.scale))

    def fit_statistics(self) -> list[Entry]:
        """R-squared and adjusted, the residual standard error and the F test, as
        ``summary.lm``."""
        entries: list[Entry] = [
            ("R-squared / adjusted", (Digits(self.rsquared), " / ", Digits(self.rsquared_adj))),
            ("Residual std. error", (Digits(self.resid_std_err), f" on {self.df_resid:g} df")),
        ]
        if self.df_model > 0 and self.df_resid > 0:
            dfs = f" on {self.df_model:g} and {self.df_resid:g} df, p "
            entries.append(("F-statistic", (Digits(self.fvalue), dfs, PValue(self.f_pvalue))))
        return entries
