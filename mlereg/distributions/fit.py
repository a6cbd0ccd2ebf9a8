"""Maximum likelihood for the classic univariate distributions.

One small :class:`DistributionSpec` per distribution (parameter names and domains,
log-density, per-observation score, expected information, data check, starting values
and the closed-form MLE where there is one) drives a single estimation routine:

* closed forms where they exist (p = k / n, mu = mean, sigma^2 = sum (x - mean)^2 / n,
  rate = 1 / mean, uniform = (min, max));
* otherwise Fisher scoring (:func:`mlereg.optim.newton.newton` with the expected
  information) on transformed parameters -- log for positive ones, logit for
  probabilities -- so that every step stays in the parameter space. At the optimum the
  transformation changes nothing: estimates and standard errors are those of the
  original parameters.

Standard errors are the square roots of the diagonal of the inverse *expected* (Fisher)
information at the estimate. For gamma and beta (exponential families in their
natural statistics) and for the closed-form cases it equals the observed information;
for the Weibull and the negative binomial it does not, and the expected one is used.
Where regular theory fails (an estimate on the boundary of the parameter space such
as p = 0 or 1, or the uniform's endpoints) the fit warns with
:class:`~mlereg.exceptions.BoundaryWarning`, reports NaN standard errors and says why in
``messages``. Profile-likelihood intervals (``conf_int(method="profile")``) stay valid
at the boundary for one-parameter models.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import (
    ArgumentError,
    ArgumentTypeError,
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    record_warnings,
)
from ..inference.lrtest import LRTestResult, nested_lr
from ..inference.profile import profile_interval
from ..inference.results import LikelihoodResults
from ..linalg import inv_psd
from ..linalg.threads import one_blas_thread
from ..optim.newton import NewtonResult, newton
from ..optim.reparam import Bounds
from .scipy_specs import scipy_spec
from .specs import SPECS, DistributionSpec

# ---------------------------------------------------------------------------------------
# estimation
# ---------------------------------------------------------------------------------------


def _estimate(
    spec: DistributionSpec,
    x: np.ndarray,
    extras: dict[str, Any],
    fixed: dict[int, float],
    start: np.ndarray | None = None,
    maxiter: int = 200,
    tol: float = 1e-10,
) -> tuple[np.ndarray, NewtonResult | None]:
    """The MLE of the parameters not in ``fixed`` (closed form or Fisher scoring)."""
    k = len(spec.params)
    free = [i for i in range(k) if i not in fixed]
    if not fixed and spec.closed_form is not None:
        theta = spec.closed_form(x, extras)
        if theta is not None:
            return np.asarray(theta, dtype=float), None
    theta0 = np.array(spec.start(x, extras) if start is None else start, dtype=float)
    for i, v in fixed.items():
        theta0[i] = v
    if not free:
        return theta0, None
    bounds = Bounds.of_domains([spec.domains[i] for i in free])

    def full_theta(z: np.ndarray) -> np.ndarray:
        th = theta0.copy()
        th[free] = bounds.from_free(z)
        return th

    def value(z: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return -float(np.sum(spec.logpdf(full_theta(z), x, extras)))

    def objective(z: np.ndarray):
        th = full_theta(z)
        J = bounds.jacobian_at(th[free])
        with np.errstate(all="ignore"):
            g = -spec.score(th, x, extras).sum(axis=0)[free] * J
            info = spec.information(th, x, extras)[np.ix_(free, free)] * np.outer(J, J)
        return value(z), g, info

    res = newton(
        objective,
        bounds.to_free(theta0[free], strict=False),
        maxiter=maxiter,
        tol=tol,
        value_only=value,
    )
    return full_theta(res.x), res


def spec_for(name: str) -> DistributionSpec:
    """The tuned spec of ``name`` or, failing that, scipy.stats' continuous
    distribution of that name (:mod:`mlereg.distributions.scipy_specs`).

    Examples
    --------
    >>> spec_for("gamma").params, spec_for("weibull_min").params
    (('shape', 'rate'), ('c', 'loc', 'scale'))
    """
    key = str(name).lower()
    if key in SPECS:
        return SPECS[key]
    spec = scipy_spec(str(name))
    if spec is None:
        raise ArgumentError(
            f"unknown distribution {name!r}; choose one of {sorted(SPECS)} or a continuous"
            " distribution of scipy.stats by its name (e.g. 'skewnorm', 'weibull_min')"
        )
    return spec


def _prepare(data: Any, name: str, kwargs: dict[str, Any]):
    spec = spec_for(name)
    x = np.asarray(data, dtype=float).ravel()
    if x.size == 0:
        raise DataError("data are empty")
    if not np.all(np.isfinite(x)):
        i = int(np.argmax(~np.isfinite(x)))
        raise DataError(f"data contain NaN or infinite values (first at position {i})")
    extras, fixed = {}, {}
    for arg, v in kwargs.items():
        if arg in spec.extras:
            extras[arg] = v
        elif arg in spec.params:
            fixed[spec.params.index(arg)] = float(v)
        else:
            allowed = list(spec.extras) + list(spec.params)
            raise ArgumentTypeError(f"{spec.name} takes no argument {arg!r}; allowed: {allowed}")
    missing = [a for a in spec.extras if a not in extras]
    if missing:
        raise ArgumentTypeError(f"{spec.name} needs the argument(s) {missing}")
    problem = spec.check(x, extras)
    if problem is not None:
        raise DataError(f"data not valid for the {spec.name} distribution: {problem}")
    return spec, x, extras, fixed


@one_blas_thread()  # the whole fit: see one_blas_thread
def fit_distribution(data: Any, name: str, **fixed: Any) -> DistributionResults:
    """Fit a univariate distribution by maximum likelihood.

    Parameters
    ----------
    data : array-like
        Observations (one dimension; NaN is refused).
    name : str
        One of ``bernoulli`` (p), ``binomial`` (p; needs ``trials=``), ``poisson`` (mu),
        ``normal`` (mu, sigma), ``exponential`` (rate), ``geometric`` (p; support
        1, 2, ... = trials to the first success), ``uniform`` (low, high), ``gamma``
        (shape, rate), ``beta`` (a, b), ``lognormal`` (mu, sigma), ``weibull``
        (shape, scale), ``negative_binomial`` (mu, alpha: NB2 with variance
        mu + alpha mu^2).
    **fixed
        Required non-parameters (binomial ``trials=``, a number or one per
        observation) and, optionally, parameters held at a value (e.g. ``mu=0``); the
        others are estimated. Restricted fits give likelihood-ratio tests.

    Returns
    -------
    DistributionResults

    Raises
    ------
    DataError
        Data outside the support (negative counts, non-integers, beta values outside
        (0, 1), ...), NaN, or too little spread to estimate the parameters.

    Notes
    -----
    Closed forms where they exist; Fisher scoring on log/logit-transformed parameters
    otherwise. Standard errors come from the inverse expected information (see the
    module docstring); on the boundary of the parameter space they are NaN with a
    :class:`~mlereg.exceptions.BoundaryWarning`.

    Examples
    --------
    >>> import mlereg as mr
    >>> res = mr.fit_distribution([1, 1, 1, 0, 1, 1, 0, 1, 1, 0], "bernoulli")
    >>> float(res.params["p"]), round(float(res.bse["p"]), 4)
    (0.7, 0.1449)
    """
    spec, x, extras, fixed_idx = _prepare(data, name, fixed)
    with record_warnings() as messages:
        theta, solver = _estimate(spec, x, extras, fixed_idx)
        if solver is not None and not solver.converged:
            warnings.warn(
                f"the {spec.name} fit did not converge: {solver.message}",
                ConvergenceWarning,
                stacklevel=3,
            )
        free = [i for i in range(len(spec.params)) if i not in fixed_idx]
        irregular: tuple[int, ...] = ()
        if spec.boundary is not None:
            found = spec.boundary(theta, x, extras)
            if found is not None:
                msg, irregular = found
                warnings.warn(msg, BoundaryWarning, stacklevel=3)
        cov = np.full((len(free), len(free)), np.nan)
        if spec.information is not None and free:
            with np.errstate(all="ignore"):
                info = spec.information(theta, x, extras)[np.ix_(free, free)]
            ok = [a for a, i in enumerate(free) if i not in irregular]
            if ok:
                cov[np.ix_(ok, ok)] = inv_psd(info[np.ix_(ok, ok)])
    with np.errstate(divide="ignore"):
        llf = float(np.sum(spec.logpdf(theta, x, extras)))
    return DistributionResults(spec, x, extras, fixed_idx, theta, cov, llf, solver, tuple(messages))


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------


class DistributionResults(LikelihoodResults):
    """Results of :func:`fit_distribution`.

    Beyond :class:`~mlereg.inference.results.LikelihoodResults`: ``distribution`` (the name),
    ``data``, ``data_summary``, ``fixed`` (parameters held fixed and extra arguments),
    ``note`` (the parameterisation), ``scipy_distribution`` (the fitted distribution
    as a frozen ``scipy.stats`` object), ``ks_statistic`` / ``ks_pvalue`` and
    profile-likelihood intervals from ``conf_int(method="profile")``.

    Examples
    --------
    >>> import mlereg as mr
    >>> res = mr.fit_distribution([3, 5, 2, 8, 4, 6, 3, 5], "poisson")
    >>> float(res.params["mu"]), res.distribution
    (4.5, 'poisson')
    """

    def __init__(
        self,
        spec: DistributionSpec,
        data: np.ndarray,
        extras: dict[str, Any],
        fixed: dict[int, float],
        theta: np.ndarray,
        cov: np.ndarray,
        llf: float,
        solver: NewtonResult | None,
        messages: tuple[str, ...],
    ) -> None:
        free = [i for i in range(len(spec.params)) if i not in fixed]
        n = data.size
        super().__init__(
            theta[free],
            cov,
            [spec.params[i] for i in free],
            llf,
            n,
            len(free),
            n - len(free),
            use_t=False,
            converged=True if solver is None else solver.converged,
            n_iter=0 if solver is None else solver.n_iter,
            history=() if solver is None else solver.history,
            messages=messages,
            cov_type="expected information",
            model=None,
        )
        self.spec = spec
        self.distribution = spec.name
        self.note = spec.note
        self.data = data
        self._extras = extras
        self._fixed = fixed
        self._theta = theta
        self.fixed = {**extras, **{spec.params[i]: v for i, v in fixed.items()}}
        self.method = "closed form" if solver is None else "Fisher scoring"

    @property
    def model_description(self) -> str:
        """The distribution fitted, e.g. "Gamma distribution"."""
        return f"{self.distribution.capitalize()} distribution"

    @cached_property
    def data_summary(self) -> pd.Series:
        """n, mean, standard deviation (divisor n - 1), min and max of the data."""
        x = self.data
        sd = float(x.std(ddof=1)) if x.size > 1 else np.nan
        return pd.Series(
            {"n": x.size, "mean": x.mean(), "sd": sd, "min": x.min(), "max": x.max()},
            name="data",
        )

    @property
    def all_params(self) -> pd.Series:
        """Every parameter, the fixed ones included."""
        return pd.Series(self._theta, index=list(self.spec.params), name="params")

    @cached_property
    def scipy_distribution(self) -> Any:
        """The fitted distribution as a frozen ``scipy.stats`` object (None if none)."""
        return self.spec.scipy(self._theta, self._extras)

    @cached_property
    def _ks(self) -> tuple[float, float]:
        dist = self.scipy_distribution
        if dist is None:
            return (np.nan, np.nan)
        res = stats.kstest(self.data, dist.cdf)
        return float(res.statistic), float(res.pvalue)

    @property
    def ks_statistic(self) -> float:
        """Kolmogorov-Smirnov distance between the data and the fitted distribution.

        Its p-value (:attr:`ks_pvalue`) ignores that the parameters were estimated
        (too large, i.e. conservative) and is conservative for discrete distributions.
        """
        return self._ks[0]

    @property
    def ks_pvalue(self) -> float:
        """p-value of :attr:`ks_statistic` (see the caveats there)."""
        return self._ks[1]

    def loglike(self, params: Any) -> float:
        """Log-likelihood at the free parameters ``params`` (fixed ones held)."""
        th = self._theta.copy()
        free = [i for i in range(len(th)) if i not in self._fixed]
        th[free] = np.asarray(params, dtype=float)
        with np.errstate(divide="ignore"):
            return float(np.sum(self.spec.logpdf(th, self.data, self._extras)))

    def profile_llf(self, name: str, value: float) -> float:
        """Maximum log-likelihood with parameter ``name`` held at ``value``."""
        j = self.spec.params.index(name)
        fixed = {**self._fixed, j: float(value)}
        theta, _ = _estimate(self.spec, self.data, self._extras, fixed, start=self._theta)
        with np.errstate(divide="ignore"):
            return float(np.sum(self.spec.logpdf(theta, self.data, self._extras)))

    def conf_int(
        self, alpha: float = 0.05, method: Literal["wald", "profile"] = "wald"
    ) -> pd.DataFrame:
        """Wald or profile-likelihood confidence intervals (columns lower, upper).

        ``method="profile"`` refits with one parameter held at trial values and finds
        where the likelihood-ratio statistic reaches the chi^2_1(1 - alpha) quantile;
        it needs no standard error and so also works on the boundary (e.g. p = 0), but
        not for the uniform, whose likelihood is irregular (NaN).

        Examples
        --------
        >>> import mlereg as mr
        >>> ci = mr.fit_distribution([0] * 10, "bernoulli").conf_int(method="profile")
        >>> float(ci.loc["p", "lower"]), round(float(ci.loc["p", "upper"]), 4)
        (0.0, 0.1748)
        """
        if method != "profile":
            return super().conf_int(alpha, method)
        if not 0 < alpha < 1:
            raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
        rows = {}
        for name in self.param_names:
            if self.spec.information is None:
                rows[name] = (np.nan, np.nan)
                continue
            j = self.spec.params.index(name)
            rows[name] = profile_interval(
                lambda v, name=name: self.profile_llf(name, v),
                float(self.params[name]),
                float(self.bse[name]),
                Bounds.of_domains([self.spec.domains[j]]),
                self.llf,
                alpha,
            )
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])

    def lr_test(self, other: LikelihoodResults) -> LRTestResult:
        """Likelihood-ratio test against a nested fit of the same distribution and data
        (e.g. one with a parameter held fixed), in either order.

        Examples
        --------
        >>> import mlereg as mr
        >>> x = [2.1, 1.4, 3.3, 0.2, 2.8, 1.9]
        >>> t = mr.fit_distribution(x, "normal", mu=0).lr_test(mr.fit_distribution(x, "normal"))
        >>> t.df
        1
        """
        if not isinstance(other, DistributionResults) or other.distribution != self.distribution:
            raise DataError("likelihood-ratio tests need two fits of the same distribution")
        if other.data.shape != self.data.shape or not np.array_equal(other.data, self.data):
            raise DataError("likelihood-ratio tests need fits to the same data")
        return nested_lr(self, other)

    def __repr__(self) -> str:
        est = ", ".join(f"{k}={v:.6g}" for k, v in self.params.items())
        return f"<DistributionResults: {self.distribution}({est}), llf={self.llf:.6g}>"


# ---------------------------------------------------------------------------------------
# model choice
# ---------------------------------------------------------------------------------------


def compare_distributions(data: Any, names: Sequence[str], **extras: Any) -> pd.DataFrame:
    """Fit several distributions to the same data and rank them by AIC.

    Parameters
    ----------
    data : array-like
    names : list of str
        Distribution names (see :func:`fit_distribution`); all continuous or all
        discrete, since densities and probabilities are not comparable likelihoods.
    **extras
        Passed to the fits that take them (binomial ``trials=``).

    Returns
    -------
    DataFrame
        One row per distribution, index the name, sorted by AIC: ``llf``, ``k``,
        ``aic``, ``bic``, ``delta_aic``, ``ks_statistic``, ``ks_pvalue`` and
        ``params`` (text). A distribution whose support excludes the data gets NaN and
        the reason in ``note``.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> x = np.random.default_rng(1).gamma(3.0, 2.0, size=200)
    >>> table = mr.compare_distributions(x, ["normal", "gamma", "lognormal"])
    >>> list(table.columns[:4])
    ['llf', 'k', 'aic', 'bic']
    """
    kinds = set()
    for n in names:
        key = str(n).lower()
        kinds.add(spec_for(key).discrete)
    if len(kinds) > 1:
        raise ArgumentError(
            "names mix discrete and continuous distributions, whose likelihoods"
            " (probabilities vs densities) cannot be compared by AIC"
        )
    rows = []
    for n in names:
        spec = spec_for(n)
        kw = {k: v for k, v in extras.items() if k in spec.extras}
        try:
            r = fit_distribution(data, spec.name, **kw)
        except (DataError, TypeError) as err:
            rows.append({"distribution": spec.name, "note": str(err)})
            continue
        rows.append(
            {
                "distribution": spec.name,
                "llf": r.llf,
                "k": int(r.k_params),
                "aic": r.aic,
                "bic": r.bic,
                "ks_statistic": r.ks_statistic,
                "ks_pvalue": r.ks_pvalue,
                "params": ", ".join(f"{k}={v:.6g}" for k, v in r.params.items()),
                "note": "; ".join(r.messages),
            }
        )
    cols = ["llf", "k", "aic", "bic", "delta_aic", "ks_statistic", "ks_pvalue", "params", "note"]
    table = pd.DataFrame(rows).set_index("distribution")
    table = table.reindex(columns=cols)
    table = table.sort_values("aic", na_position="last")
    table["delta_aic"] = table["aic"] - table["aic"].min()
    return table
