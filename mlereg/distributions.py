"""Maximum likelihood for the classic univariate distributions.

One small :class:`DistributionSpec` per distribution (parameter names and domains,
log-density, per-observation score, expected information, data check, starting values
and the closed-form MLE where there is one) drives a single estimation routine:

* closed forms where they exist (p = k / n, mu = mean, sigma^2 = sum (x - mean)^2 / n,
  rate = 1 / mean, uniform = (min, max));
* otherwise Fisher scoring (:func:`mlereg.solver.newton` with the expected
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ._linalg import inv_psd
from .base import record_warnings
from .exceptions import BoundaryWarning, ConvergenceWarning, DataError
from .inference import LRTestResult
from .results import LikelihoodResults
from .solver import NewtonResult, newton

Domain = Literal["real", "positive", "unit"]
_EULER = float(np.euler_gamma)

# ---------------------------------------------------------------------------------------
# parameter transformations: theta = g(z), z free on the real line
# ---------------------------------------------------------------------------------------


def _to_free(theta: np.ndarray, domains: Sequence[Domain]) -> np.ndarray:
    z = np.empty(len(domains))
    for i, d in enumerate(domains):
        with np.errstate(divide="ignore"):
            z[i] = {
                "real": theta[i],
                "positive": np.log(theta[i]),
                "unit": special.logit(theta[i]),
            }[d]
    return z


def _from_free(z: np.ndarray, domains: Sequence[Domain]) -> np.ndarray:
    out = np.empty(len(domains))
    for i, d in enumerate(domains):
        out[i] = {"real": z[i], "positive": np.exp(z[i]), "unit": special.expit(z[i])}[d]
    return out


def _dtheta_dz(theta: np.ndarray, domains: Sequence[Domain]) -> np.ndarray:
    """Diagonal of the Jacobian d theta / d z (1, theta, theta (1 - theta))."""
    return np.array(
        [
            {"real": 1.0, "positive": t, "unit": t * (1.0 - t)}[d]
            for t, d in zip(theta, domains, strict=True)
        ]
    )


# ---------------------------------------------------------------------------------------
# data checks
# ---------------------------------------------------------------------------------------


def _bad(x: np.ndarray, mask: np.ndarray, what: str) -> str | None:
    """A message naming the first offending value, or None if ``mask`` is all False."""
    if not np.any(mask):
        return None
    i = int(np.argmax(mask))
    return f"{what}; {int(mask.sum())} value(s) are not, the first {x[i]:g} at position {i}"


def _check_counts(x: np.ndarray, low: float = 0.0) -> str | None:
    return _bad(x, (x < low) | (x != np.floor(x)), f"values must be integers >= {low:g}")


def _check_spread(x: np.ndarray) -> str | None:
    if x.size < 2 or np.all(x == x[0]):
        return "at least two distinct values are needed (the likelihood is unbounded otherwise)"
    return None


def _first(*checks: Callable[[], str | None]) -> str | None:
    for c in checks:
        msg = c()
        if msg is not None:
            return msg
    return None


# ---------------------------------------------------------------------------------------
# the table of distributions
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistributionSpec:
    """Everything the estimator needs to know about one distribution.

    Functions take the full parameter vector ``theta``, the data ``x`` and a dict of
    fixed non-parameter arguments ``extras`` (e.g. binomial ``trials``).

    Attributes
    ----------
    name, params, domains : identification and parameter space.
    logpdf : per-observation log density (or log mass), shape (n,).
    score : per-observation derivatives of ``logpdf``, shape (n, k).
    information : total expected (Fisher) information, (k, k); None when regular theory
        does not apply (uniform).
    check : a message describing what is wrong with the data, or None.
    start : starting values (method of moments or a close approximation).
    closed_form : the MLE in closed form, or None where iteration is needed.
    boundary : ``(message, indices)`` when the MLE is where regular theory fails.
    scipy : the fitted distribution as a frozen ``scipy.stats`` object (None if none).
    discrete : a probability mass function rather than a density.
    extras : required keyword arguments that are not parameters.
    note : the parameterisation, in words.

    Examples
    --------
    >>> SPECS["gamma"].params
    ('shape', 'rate')
    """

    name: str
    params: tuple[str, ...]
    domains: tuple[Domain, ...]
    logpdf: Callable[..., np.ndarray]
    score: Callable[..., np.ndarray]
    information: Callable[..., np.ndarray] | None
    check: Callable[..., str | None]
    start: Callable[..., np.ndarray]
    scipy: Callable[..., Any]
    discrete: bool
    closed_form: Callable[..., np.ndarray | None] | None = None
    boundary: Callable[..., tuple[str, tuple[int, ...]] | None] | None = None
    extras: tuple[str, ...] = ()
    note: str = ""


def _prob_boundary(theta, x, e):
    p = theta[0]
    if p <= 0.0 or p >= 1.0:
        return (
            f"the MLE p = {p:g} is on the boundary of [0, 1]: the Wald standard error is"
            " meaningless (reported as NaN); use conf_int(method='profile')",
            (0,),
        )
    return None


# bernoulli (p) ---------------------------------------------------------------------------
def _bern_logpdf(th, x, e):
    return special.xlogy(x, th[0]) + special.xlog1py(1 - x, -th[0])


_BERNOULLI = DistributionSpec(
    name="bernoulli",
    params=("p",),
    domains=("unit",),
    logpdf=_bern_logpdf,
    score=lambda th, x, e: (x / th[0] - (1 - x) / (1 - th[0]))[:, None],
    information=lambda th, x, e: np.array([[x.size / (th[0] * (1 - th[0]))]]),
    check=lambda x, e: _bad(x, (x != 0) & (x != 1), "bernoulli values must be 0 or 1"),
    start=lambda x, e: np.array([np.clip(x.mean(), 0.05, 0.95)]),
    closed_form=lambda x, e: np.array([x.mean()]),
    boundary=_prob_boundary,
    scipy=lambda th, e: stats.bernoulli(th[0]),
    discrete=True,
    note="P(X = 1) = p",
)


# binomial (p; trials fixed) ---------------------------------------------------------------
def _trials(x, e):
    return np.broadcast_to(np.asarray(e["trials"], dtype=float), x.shape)


def _binom_logpdf(th, x, e):
    t = _trials(x, e)
    comb = special.gammaln(t + 1) - special.gammaln(x + 1) - special.gammaln(t - x + 1)
    return comb + special.xlogy(x, th[0]) + special.xlog1py(t - x, -th[0])


def _binom_check(x, e):
    try:
        t = _trials(x, e)
    except ValueError:
        return f"trials= must be a number or have one value per observation ({x.size})"
    return _first(
        lambda: _bad(t, (t < 1) | (t != np.floor(t)), "trials= must be positive integers"),
        lambda: _check_counts(x),
        lambda: _bad(x, x > t, "values (successes) must not exceed trials="),
    )


def _binom_scipy(th, e):
    t = np.unique(np.asarray(e["trials"]))
    return stats.binom(int(t[0]), th[0]) if t.size == 1 else None


_BINOMIAL = DistributionSpec(
    name="binomial",
    params=("p",),
    domains=("unit",),
    logpdf=_binom_logpdf,
    score=lambda th, x, e: (x / th[0] - (_trials(x, e) - x) / (1 - th[0]))[:, None],
    information=lambda th, x, e: np.array([[_trials(x, e).sum() / (th[0] * (1 - th[0]))]]),
    check=_binom_check,
    start=lambda x, e: np.array([np.clip(x.sum() / _trials(x, e).sum(), 0.05, 0.95)]),
    closed_form=lambda x, e: np.array([x.sum() / _trials(x, e).sum()]),
    boundary=_prob_boundary,
    scipy=_binom_scipy,
    discrete=True,
    extras=("trials",),
    note="successes out of trials= (fixed), success probability p",
)


# poisson (mu) -----------------------------------------------------------------------------
def _rate_boundary(theta, x, e):
    if theta[0] <= 0.0:
        return (
            "every count is 0: the MLE mu = 0 is on the boundary, its Wald standard error"
            " is meaningless (NaN); use conf_int(method='profile')",
            (0,),
        )
    return None


_POISSON = DistributionSpec(
    name="poisson",
    params=("mu",),
    domains=("positive",),
    logpdf=lambda th, x, e: special.xlogy(x, th[0]) - th[0] - special.gammaln(x + 1),
    score=lambda th, x, e: (x / th[0] - 1.0)[:, None],
    information=lambda th, x, e: np.array([[x.size / th[0]]]),
    check=lambda x, e: _check_counts(x),
    start=lambda x, e: np.array([max(x.mean(), 0.1)]),
    closed_form=lambda x, e: np.array([x.mean()]),
    boundary=_rate_boundary,
    scipy=lambda th, e: stats.poisson(th[0]),
    discrete=True,
    note="mean mu",
)


# normal (mu, sigma) and lognormal (mu, sigma) ----------------------------------------------
def _normal_logpdf(th, x, e):
    mu, s = th
    return -0.5 * np.log(2 * np.pi) - np.log(s) - 0.5 * np.square((x - mu) / s)


def _normal_score(th, x, e):
    mu, s = th
    r = (x - mu) / s
    return np.column_stack([r / s, (np.square(r) - 1.0) / s])


def _normal_info(th, x, e):
    return x.size * np.diag([1.0, 2.0]) / th[1] ** 2


def _normal_closed(x, e):
    m = x.mean()
    return np.array([m, np.sqrt(np.mean(np.square(x - m)))])


_NORMAL = DistributionSpec(
    name="normal",
    params=("mu", "sigma"),
    domains=("real", "positive"),
    logpdf=_normal_logpdf,
    score=_normal_score,
    information=_normal_info,
    check=lambda x, e: _check_spread(x),
    start=_normal_closed,
    closed_form=_normal_closed,
    scipy=lambda th, e: stats.norm(th[0], th[1]),
    discrete=False,
    note="mean mu, standard deviation sigma (MLE: divisor n)",
)

_LOGNORMAL = DistributionSpec(
    name="lognormal",
    params=("mu", "sigma"),
    domains=("real", "positive"),
    logpdf=lambda th, x, e: _normal_logpdf(th, np.log(x), e) - np.log(x),
    score=lambda th, x, e: _normal_score(th, np.log(x), e),
    information=_normal_info,
    check=lambda x, e: _first(
        lambda: _bad(x, x <= 0, "lognormal values must be > 0"), lambda: _check_spread(x)
    ),
    start=lambda x, e: _normal_closed(np.log(x), e),
    closed_form=lambda x, e: _normal_closed(np.log(x), e),
    scipy=lambda th, e: stats.lognorm(th[1], scale=np.exp(th[0])),
    discrete=False,
    note="log(X) is normal with mean mu and standard deviation sigma",
)


# exponential (rate) -----------------------------------------------------------------------
_EXPONENTIAL = DistributionSpec(
    name="exponential",
    params=("rate",),
    domains=("positive",),
    logpdf=lambda th, x, e: np.log(th[0]) - th[0] * x,
    score=lambda th, x, e: (1.0 / th[0] - x)[:, None],
    information=lambda th, x, e: np.array([[x.size / th[0] ** 2]]),
    check=lambda x, e: _first(
        lambda: _bad(x, x < 0, "exponential values must be >= 0"),
        lambda: None if np.any(x > 0) else "all values are 0: the rate's MLE is infinite",
    ),
    start=lambda x, e: np.array([1.0 / x.mean()]),
    closed_form=lambda x, e: np.array([1.0 / x.mean()]),
    scipy=lambda th, e: stats.expon(scale=1.0 / th[0]),
    discrete=False,
    note="density rate * exp(-rate x); mean 1 / rate",
)


# geometric (p), support 1, 2, ... ---------------------------------------------------------
_GEOMETRIC = DistributionSpec(
    name="geometric",
    params=("p",),
    domains=("unit",),
    logpdf=lambda th, x, e: np.log(th[0]) + special.xlog1py(x - 1, -th[0]),
    score=lambda th, x, e: (1.0 / th[0] - (x - 1) / (1 - th[0]))[:, None],
    information=lambda th, x, e: np.array([[x.size / (th[0] ** 2 * (1 - th[0]))]]),
    check=lambda x, e: _check_counts(x, low=1.0),
    start=lambda x, e: np.array([min(1.0 / x.mean(), 0.95)]),
    closed_form=lambda x, e: np.array([1.0 / x.mean()]),
    boundary=_prob_boundary,
    scipy=lambda th, e: stats.geom(th[0]),
    discrete=True,
    note="number of trials up to and including the first success (support 1, 2, ...)",
)


# uniform (low, high) ----------------------------------------------------------------------
def _unif_logpdf(th, x, e):
    lo, hi = th
    inside = (x >= lo) & (x <= hi)
    with np.errstate(divide="ignore"):
        return np.where(inside, -np.log(hi - lo), -np.inf)


_UNIFORM = DistributionSpec(
    name="uniform",
    params=("low", "high"),
    domains=("real", "real"),
    logpdf=_unif_logpdf,
    score=lambda th, x, e: np.tile([1.0 / (th[1] - th[0]), -1.0 / (th[1] - th[0])], (x.size, 1)),
    information=None,
    check=lambda x, e: _check_spread(x),
    start=lambda x, e: np.array([x.min(), x.max()]),
    closed_form=lambda x, e: np.array([x.min(), x.max()]),
    boundary=lambda th, x, e: (
        "the uniform's MLE (min, max) sits on the edge of the support, where regular"
        " likelihood theory does not apply: no standard errors or Wald intervals (each"
        " endpoint is biased inward by (high - low) / (n + 1) on average)",
        (0, 1),
    ),
    scipy=lambda th, e: stats.uniform(th[0], th[1] - th[0]),
    discrete=False,
    note="constant density on [low, high]",
)


# gamma (shape, rate) ----------------------------------------------------------------------
def _gamma_logpdf(th, x, e):
    k, b = th
    return k * np.log(b) - special.gammaln(k) + (k - 1) * np.log(x) - b * x


def _gamma_start(x, e):
    # Minka's approximation to the shape MLE from s = log(mean) - mean(log)
    s = np.log(x.mean()) - np.mean(np.log(x))
    k = (3 - s + np.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
    return np.array([k, k / x.mean()])


_GAMMA = DistributionSpec(
    name="gamma",
    params=("shape", "rate"),
    domains=("positive", "positive"),
    logpdf=_gamma_logpdf,
    score=lambda th, x, e: np.column_stack(
        [np.log(th[1]) - special.digamma(th[0]) + np.log(x), th[0] / th[1] - x]
    ),
    # per observation [[psi'(k), -1/b], [-1/b, k/b^2]]; equal to the observed information
    information=lambda th, x, e: (
        x.size
        * np.array(
            [[special.polygamma(1, th[0]), -1 / th[1]], [-1 / th[1], th[0] / th[1] ** 2]],
        )
    ),
    check=lambda x, e: _first(
        lambda: _bad(x, x <= 0, "gamma values must be > 0"), lambda: _check_spread(x)
    ),
    start=_gamma_start,
    scipy=lambda th, e: stats.gamma(th[0], scale=1.0 / th[1]),
    discrete=False,
    note="density rate^shape x^(shape-1) exp(-rate x) / Gamma(shape); mean shape / rate",
)


# beta (a, b) ------------------------------------------------------------------------------
def _beta_start(x, e):
    m, v = x.mean(), x.var()
    c = m * (1 - m) / v - 1
    return np.array([m * c, (1 - m) * c]) if c > 0 else np.array([1.0, 1.0])


def _beta_info(th, x, e):
    a, b = th
    t = special.polygamma(1, a + b)
    return x.size * np.array([[special.polygamma(1, a) - t, -t], [-t, special.polygamma(1, b) - t]])


_BETA = DistributionSpec(
    name="beta",
    params=("a", "b"),
    domains=("positive", "positive"),
    logpdf=lambda th, x, e: (
        (th[0] - 1) * np.log(x) + (th[1] - 1) * np.log1p(-x) - special.betaln(th[0], th[1])
    ),
    score=lambda th, x, e: np.column_stack(
        [
            np.log(x) - special.digamma(th[0]) + special.digamma(th[0] + th[1]),
            np.log1p(-x) - special.digamma(th[1]) + special.digamma(th[0] + th[1]),
        ]
    ),
    information=_beta_info,
    check=lambda x, e: _first(
        lambda: _bad(x, (x <= 0) | (x >= 1), "beta values must lie strictly between 0 and 1"),
        lambda: _check_spread(x),
    ),
    start=_beta_start,
    scipy=lambda th, e: stats.beta(th[0], th[1]),
    discrete=False,
    note="density x^(a-1) (1-x)^(b-1) / B(a, b)",
)


# weibull (shape, scale) -------------------------------------------------------------------
def _weib_logpdf(th, x, e):
    k, lam = th
    z = np.log(x / lam)
    return np.log(k / lam) + (k - 1) * z - np.exp(k * z)


def _weib_score(th, x, e):
    k, lam = th
    z = np.log(x / lam)
    w = np.exp(k * z)  # (x / lam)^k
    return np.column_stack([1 / k + z - w * z, (k / lam) * (w - 1)])


def _weib_info(th, x, e):
    # expected information per observation (W = (x/scale)^k is Exp(1),
    # E[W log W] = 1 - gamma, E[W log^2 W] = (1 - gamma)^2 + pi^2/6 - 1)
    k, lam = th
    c = 1 - _EULER
    return x.size * np.array([[(c**2 + np.pi**2 / 6) / k**2, -c / lam], [-c / lam, (k / lam) ** 2]])


def _weib_start(x, e):
    # log X is Gumbel(min) with scale 1/k and location log(scale) - gamma/k
    lx = np.log(x)
    k = np.pi / (np.sqrt(6) * lx.std())
    return np.array([k, np.exp(lx.mean() + _EULER / k)])


_WEIBULL = DistributionSpec(
    name="weibull",
    params=("shape", "scale"),
    domains=("positive", "positive"),
    logpdf=_weib_logpdf,
    score=_weib_score,
    information=_weib_info,
    check=lambda x, e: _first(
        lambda: _bad(x, x <= 0, "weibull values must be > 0"), lambda: _check_spread(x)
    ),
    start=_weib_start,
    scipy=lambda th, e: stats.weibull_min(th[0], scale=th[1]),
    discrete=False,
    note="P(X > x) = exp(-(x / scale)^shape); standard errors from the expected information",
)


# negative binomial (mu, alpha) ------------------------------------------------------------
def _nb_logpdf(th, x, e):
    mu, a = th
    if a <= 0:
        return _POISSON.logpdf(th[:1], x, e)
    r = 1.0 / a
    return (
        special.gammaln(x + r)
        - special.gammaln(r)
        - special.gammaln(x + 1)
        - r * np.log1p(a * mu)
        + special.xlogy(x, a * mu / (1 + a * mu))
    )


def _nb_score(th, x, e):
    mu, a = th
    s_mu = (x - mu) / (mu * (1 + a * mu))
    if a <= 0:  # limit alpha -> 0: d l / d alpha = ((x - mu)^2 - x) / (2 mu^2)
        return np.column_stack([s_mu, (np.square(x - mu) - x) / (2 * mu**2)])
    r = 1.0 / a
    d_r = special.digamma(x + r) - special.digamma(r) - np.log1p(a * mu) + (mu - x) / (r + mu)
    return np.column_stack([s_mu, -(r**2) * d_r])


def _nb_info(th, x, e):
    # I_mu = n / (mu (1 + alpha mu)); I_mu,alpha = 0;
    # I_rr = n [sum_j P(Y > j) / (r + j)^2 - mu / (r (r + mu))] for r = 1 / alpha,
    # from E[psi'(r) - psi'(r + Y)] = sum_j P(Y > j) / (r + j)^2; I_alpha = I_rr r^4.
    mu, a = th
    n = x.size
    i_mu = n / (mu * (1 + a * mu))
    if a <= 0:
        return np.array([[i_mu, 0.0], [0.0, np.nan]])
    r = 1.0 / a
    dist = stats.nbinom(r, r / (r + mu))
    top = int(min(max(dist.isf(1e-17), x.max()), 1e7)) + 1
    j = np.arange(top + 1)
    i_rr = n * (np.sum(dist.sf(j) / np.square(r + j)) - mu / (r * (r + mu)))
    return np.array([[i_mu, 0.0], [0.0, i_rr * r**4]])


def _nb_closed(x, e):
    # when the variance does not exceed the mean the likelihood increases up to alpha = 0
    m = x.mean()
    return np.array([m, 0.0]) if x.var() <= m else None


def _nb_start(x, e):
    m = x.mean()
    return np.array([max(m, 0.1), max((x.var() - m) / max(m, 0.1) ** 2, 0.1)])


def _nb_boundary(th, x, e):
    if th[1] <= 0:
        return (
            "the sample variance does not exceed the mean: the MLE of alpha is 0 (the"
            " Poisson limit), on the boundary; its standard error is NaN",
            (1,),
        )
    return None


_NEGBIN = DistributionSpec(
    name="negative_binomial",
    params=("mu", "alpha"),
    domains=("positive", "positive"),
    logpdf=_nb_logpdf,
    score=_nb_score,
    information=_nb_info,
    check=lambda x, e: _first(
        lambda: _check_counts(x),
        lambda: None if np.any(x > 0) else "every count is 0: mu's MLE is 0",
    ),
    start=_nb_start,
    closed_form=_nb_closed,
    boundary=_nb_boundary,
    scipy=lambda th, e: (
        stats.poisson(th[0]) if th[1] <= 0 else stats.nbinom(1 / th[1], 1 / (1 + th[1] * th[0]))
    ),
    discrete=True,
    note=(
        "NB2: mean mu, variance mu + alpha mu^2 (R's MASS size theta = 1 / alpha; scipy's"
        " nbinom(n = 1/alpha, p = 1/(1 + alpha mu))); standard errors from the expected"
        " information"
    ),
)

SPECS: dict[str, DistributionSpec] = {
    s.name: s
    for s in (
        _BERNOULLI,
        _BINOMIAL,
        _POISSON,
        _NORMAL,
        _EXPONENTIAL,
        _GEOMETRIC,
        _UNIFORM,
        _GAMMA,
        _BETA,
        _LOGNORMAL,
        _WEIBULL,
        _NEGBIN,
    )
}


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
    doms = [spec.domains[i] for i in free]

    def full_theta(z: np.ndarray) -> np.ndarray:
        th = theta0.copy()
        th[free] = _from_free(z, doms)
        return th

    def value(z: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return -float(np.sum(spec.logpdf(full_theta(z), x, extras)))

    def objective(z: np.ndarray):
        th = full_theta(z)
        J = _dtheta_dz(th[free], doms)
        with np.errstate(all="ignore"):
            g = -spec.score(th, x, extras).sum(axis=0)[free] * J
            info = spec.information(th, x, extras)[np.ix_(free, free)] * np.outer(J, J)
        return value(z), g, info

    res = newton(
        objective, _to_free(theta0[free], doms), maxiter=maxiter, tol=tol, value_only=value
    )
    return full_theta(res.x), res


def _prepare(data: Any, name: str, kwargs: dict[str, Any]):
    key = str(name).lower()
    if key not in SPECS:
        raise ValueError(f"unknown distribution {name!r}; choose one of {sorted(SPECS)}")
    spec = SPECS[key]
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
            raise TypeError(f"{spec.name} takes no argument {arg!r}; allowed: {allowed}")
    missing = [a for a in spec.extras if a not in extras]
    if missing:
        raise TypeError(f"{spec.name} needs the argument(s) {missing}")
    problem = spec.check(x, extras)
    if problem is not None:
        raise DataError(f"data not valid for the {spec.name} distribution: {problem}")
    return spec, x, extras, fixed


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
# profile-likelihood intervals
# ---------------------------------------------------------------------------------------

_FREE_LIMIT = {"real": 1e300, "positive": 700.0, "unit": 36.0}
_EDGE = {"real": (-np.inf, np.inf), "positive": (0.0, np.inf), "unit": (0.0, 1.0)}


def profile_interval(
    profile_llf: Callable[[float], float],
    estimate: float,
    se: float,
    domain: Domain,
    llf: float,
    alpha: float,
) -> tuple[float, float]:
    """The set {v : 2 (llf - profile_llf(v)) <= chi2_1(1 - alpha)} around ``estimate``.

    Each end is found by stepping away from the estimate on the transformed scale
    (identity, log or logit) in doubling steps until the deviance exceeds the quantile,
    then by Brent's method on the bracket. An end that is never reached is the edge of
    the parameter space (e.g. 0 for p when no successes were seen).

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = profile_interval(lambda m: -5 * (m - 1) ** 2 / 2, 1.0, 0.4472, "real", 0, 0.05)
    >>> round(lo, 4), round(hi, 4)
    (0.1235, 1.8765)
    """
    q = float(stats.chi2.isf(alpha, 1))
    t_hat = _to_free(np.array([estimate]), [domain])[0]
    se_t = se * _dtheta_dz(np.array([estimate]), [domain])[0] ** -1 if np.isfinite(se) else np.nan
    step = se_t if np.isfinite(se_t) and se_t > 0 else 0.5
    limit = _FREE_LIMIT[domain]

    def excess(t: float) -> float:
        v = _from_free(np.array([t]), [domain])[0]
        return min(2.0 * (llf - profile_llf(v)) - q, 1e10)  # -inf llf outside the support

    ends = []
    for side, edge in ((-1, _EDGE[domain][0]), (1, _EDGE[domain][1])):
        if np.isinf(t_hat) and np.sign(t_hat) == side:
            ends.append(estimate)  # the estimate is on this edge already
            continue
        t_prev = float(np.clip(t_hat, -limit, limit))  # from just inside an edge estimate
        end = edge
        for k in range(80):
            t = t_prev + side * step * 2.0**k
            if abs(t) > limit:
                break
            d = excess(t)
            if np.isnan(d):
                end = np.nan
                break
            if d > 0:
                root = optimize.brentq(excess, t_prev, t, xtol=1e-12, rtol=1e-12)
                end = _from_free(np.array([root]), [domain])[0]
                break
            t_prev = t
        ends.append(float(end))
    return ends[0], ends[1]


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------


class DistributionResults(LikelihoodResults):
    """Results of :func:`fit_distribution`.

    Beyond :class:`~mlereg.results.LikelihoodResults`: ``distribution`` (the name),
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
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
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
                self.spec.domains[j],
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
        small, big = sorted((self, other), key=lambda r: r.k_params)
        df = int(round(big.k_params - small.k_params))
        if df == 0:
            raise ValueError("the two fits have the same number of parameters: not nested")
        stat = 2.0 * (big.llf - small.llf)
        return LRTestResult(float(stat), df, float(stats.chi2.sf(stat, df)))

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
        if key not in SPECS:
            raise ValueError(f"unknown distribution {n!r}; choose one of {sorted(SPECS)}")
        kinds.add(SPECS[key].discrete)
    if len(kinds) > 1:
        raise ValueError(
            "names mix discrete and continuous distributions, whose likelihoods"
            " (probabilities vs densities) cannot be compared by AIC"
        )
    rows = []
    for n in names:
        spec = SPECS[str(n).lower()]
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
