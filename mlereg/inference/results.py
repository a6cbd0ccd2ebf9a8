"""Results objects: numbers labelled once, computed at fit, derived values cached.

:class:`LikelihoodResults` carries what any maximum-likelihood fit has (estimates,
covariance, log-likelihood, tests, intervals, criteria), and says what its summary
shows. :mod:`mlereg.inference.regression` adds what a regression model has.
Presentation lives in :mod:`mlereg.report.summary` and only reads these objects.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import ArgumentError
from ..report.entries import Entry, Fixed
from . import lrtest

if TYPE_CHECKING:
    pass


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
        # what a subclass knows and sets: the summary reads these as they are
        self.single_index = False  # one design matrix whose nesting lr_test can check
        self.method = ""
        self.aliased: list[str] = []
        self.df_model: float | None = None
        self.n_dropped: int | None = None
        self.dropped_by: dict[str, int] = {}
        self.separation: Any = None
        self.response_levels: tuple[Any, ...] | None = None

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
            raise ArgumentError(f"method must be 'wald' or 'profile', got {method!r}")
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

    # --- what the summary shows ---------------------------------------------------------------
    @property
    def model_description(self) -> str:
        """What was fitted, in words (the summary's "Model" line)."""
        return "Maximum likelihood fit" if self.model is None else self.model.description

    @property
    def summary_title(self) -> str:
        """The summary's title."""
        return f"{self.model_description} results"

    @property
    def method_description(self) -> str:
        """How it was fitted, in words (the summary's "Method" line)."""
        return f"Maximum likelihood ({self.method})" if self.method else "Maximum likelihood"

    @property
    def formula(self) -> str | None:
        """The formula fitted (None for a model built from arrays or without one)."""
        return None

    @property
    def model_label(self) -> str:
        """The model's name and formula (or parameters), for tables of several fits."""
        name = type(self.model).__name__ if self.model is not None else self.model_description
        return f"{name}: {self.formula or ', '.join(self.param_names)}"

    def model_entries(self) -> list[Entry]:
        """Header lines about the model's formula and response (none here)."""
        return []

    def fit_statistics(self) -> list[Entry]:
        """Header lines of fit statistics and tests beyond llf, AIC and BIC (none here)."""
        return []

    @property
    def ratio_name(self) -> str:
        """What exp(coefficient) is called (odds ratio, rate ratio) in plots."""
        return "exp(estimate)"

    def comparison_r2(self) -> tuple[str, float]:
        """The R-squared row of :func:`mlereg.compare`: (label, value); NaN here."""
        return "Pseudo R-squared", np.nan

    def summary_entries(self) -> list[Entry]:
        """The summary's header: what this fit has, as labelled numbers
        (:mod:`mlereg.report.entries`); the summary formats them.

        Examples
        --------
        >>> import numpy as np
        >>> r = LikelihoodResults(np.array([1.0]), np.eye(1) * 0.25, ["mu"], -3.0, 10, 1, 9)
        >>> [label for label, _ in r.summary_entries()][:3]
        ['Model', 'Method', 'Observations']
        """
        entries: list[Entry] = [("Model", (self.model_description,))]
        entries += self.model_entries()
        entries.append(("Method", (self.method_description,)))
        obs = f"{self.nobs:g} used"
        if self.n_dropped is not None:
            obs += f", {int(self.n_dropped)} dropped for missing values"
            if self.n_dropped and self.dropped_by:
                obs += " (" + ", ".join(f"{k}: {v}" for k, v in self.dropped_by.items()) + ")"
        entries.append(("Observations", (obs,)))
        if self.separation is not None:
            entries.append(("Separation", (str(self.separation),)))
        if self.df_model is not None:
            entries.append(("Df model / resid", (f"{self.df_model:g} / {self.df_resid:g}",)))
        else:
            entries.append(("Df resid", (f"{self.df_resid:g}",)))
        entries.append(("Log-likelihood", (Fixed(self.llf),)))
        entries.append(("AIC / BIC", (Fixed(self.aic), " / ", Fixed(self.bic))))
        entries += self.fit_statistics()
        entries.append(("Covariance type", (str(self.cov_type),)))
        status = "converged" if self.converged else "NOT CONVERGED"
        entries.append(("Iterations", (f"{self.n_iter} ({status})",)))
        return entries

    def plot_coefficients(self, ax: Any = None, alpha: float = 0.05, **kwargs: Any) -> Any:
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


def degenerate_inference(res: LikelihoodResults) -> str | None:
    """A sentence naming the coefficients whose standard error is 0 or infinite or whose
    |z| exceeds 1e6 (numbers no Wald test should be read from), or None.

    Examples
    --------
    >>> import numpy as np
    >>> r = LikelihoodResults(np.array([1.0, 2.0]), np.diag([0.0, 1.0]), ["a", "b"], -3, 10, 2, 8)
    >>> degenerate_inference(r).split(":")[0]
    "the standard errors of ['a'] are 0 or infinite"
    """
    se = res.bse.to_numpy()
    fitted = ~np.isnan(res.params.to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(res.params.to_numpy() / se)
    bad_se = [
        n
        for n, s, f in zip(res.param_names, se, fitted, strict=True)
        if f and (s == 0 or np.isinf(s))
    ]
    if bad_se:
        return (
            f"the standard errors of {bad_se} are 0 or infinite: their Wald tests and"
            " intervals are meaningless (rescale the predictor, or check for separation or"
            " a boundary estimate)"
        )
    huge = [n for n, v, f in zip(res.param_names, z, fitted, strict=True) if f and v > 1e6]
    if huge:
        return (
            f"|z| exceeds 1e6 for {huge}: the fit is near-singular or the scale of those"
            " predictors is extreme; their tests are not to be read"
        )
    return None
