"""The table of distributions behind :func:`mlereg.fit_distribution`.

One :class:`DistributionSpec` per distribution: parameter names and domains,
log-density, per-observation score, expected information, data check, starting values,
the closed-form MLE where there is one, and the boundary cases where regular theory
fails. Adding a distribution means adding one spec here.

Examples
--------
>>> sorted(SPECS)[:3]
['bernoulli', 'beta', 'binomial']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from ..optim.reparam import Domain

_EULER = float(np.euler_gamma)

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


def check_spread(x: np.ndarray) -> str | None:
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
    check=lambda x, e: check_spread(x),
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
        lambda: _bad(x, x <= 0, "lognormal values must be > 0"), lambda: check_spread(x)
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
    check=lambda x, e: check_spread(x),
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
        lambda: _bad(x, x <= 0, "gamma values must be > 0"), lambda: check_spread(x)
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
        lambda: check_spread(x),
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
        lambda: _bad(x, x <= 0, "weibull values must be > 0"), lambda: check_spread(x)
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
