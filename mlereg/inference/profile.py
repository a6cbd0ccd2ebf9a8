"""Profile-likelihood confidence intervals (R's ``confint`` for glm, MASS's method).

For coefficient j and a value b, refit the model with beta_j fixed at b (the column
moves into the offset, ``offset + b x_j``; the other coefficients are refitted by the
same IRLS loop, warm-started from the previous value) and form the signed root

    tau_j(b) = sign(b - b_j_hat) sqrt((D_j(b) - D) / phi)

with D the deviance of the full fit, D_j(b) that of the restricted fit and phi the
dispersion of the full fit (1 for binomial, Poisson and negative binomial at the
estimated theta; the Pearson estimate for Gaussian, Gamma, inverse Gaussian; s^2 for
OLS). For phi = 1 this is the signed root of the likelihood-ratio statistic. The
interval is ``{b : |tau_j(b)| <= z_(1 - alpha/2)}``, normal quantile in every family, as
MASS's ``confint.profile.glm`` (which R's ``confint`` calls for glm fits). For OLS
the profile is exactly quadratic and the interval is the Wald interval with the normal
quantile (``confint(lm)`` itself gives the t interval).

R locates each end by interpolating a spline through a grid of profile points, good to
about 1e-4; here each end is a root of tau_j(b) = +/- z found by Brent's method to
about 1e-10 relative. When tau_j never reaches the cutoff on one side (separation, or a
likelihood that flattens out) that end is reported as -inf or +inf, not as a number.
A restricted refit that is still taking large steps when it stops (its MLE runs off
to infinity) never counts as a crossing. After separation, refits with saturated
fitted values can be untrustworthy on both sides, and an end that could be finite may
then be reported as infinite: conservative, never a spurious finite bound from a
diverging refit in the direction of separation.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..exceptions import ArgumentError
from ..optim.reparam import Bounds

# a side whose profile has not reached the cutoff this many standard errors away from the
# estimate is reported as unbounded
MAX_SE_MULTIPLE = 1e4


class _Profile:
    """tau_j(b) for one coefficient, with warm starts between evaluations."""

    def __init__(self, results: Any, j: int, tol: float) -> None:
        model = results.model
        b = results.params.to_numpy()
        keep = ~np.isnan(b)
        keep[j] = False
        self.model = model
        self.X = model.exog[:, keep]
        self.xj = model.exog[:, j]
        self.start = b[keep]
        self.bhat = b[j]
        self.deviance = results.deviance
        self.phi = results.scale
        self.tol = tol
        self.converged = True  # whether the last restricted refit converged

    def __call__(self, value: float) -> float:
        m = copy.copy(self.model)
        m.offset = self.model.offset + value * self.xj
        if self.X.shape[1] == 0:  # nothing left to refit
            mu = m.family.link.inverse(m.offset)
            dev_j = m.family.deviance(m.endog, mu, m.total_weights())
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # refits far out may not converge
                fit = m.newton_fit(self.X, self.start.copy(), 200, self.tol)[0]
                if not (fit.converged and np.isfinite(fit.fun)):
                    # the warm start was outside the domain or too far (saturated
                    # weights): start afresh from R's mustart, keep the better fit
                    fresh = m.newton_fit(self.X, None, 200, self.tol)[0]
                    if not np.isfinite(fit.fun) or fresh.fun < fit.fun:
                        fit = fresh
            # trusted: converged, or stalled at rounding level (no decrease possible after
            # a tiny last step), or the deviance has settled while some coefficients
            # still run off to infinity (quasi-separation: the deviance tends to a limit,
            # which is what tau needs); not: the deviance still dropping at maxiter
            last = fit.history[-1].max_rel_step if fit.history else np.nan
            settled = False
            if len(fit.history) >= 2:
                f0, f1 = fit.history[-2].objective, fit.history[-1].objective
                settled = abs(f0 - f1) <= 1e-10 * (abs(f1) + 0.1)
            self.converged = bool(fit.converged or settled or (np.isfinite(last) and last < 1e-8))
            if fit.converged:
                self.start = fit.x
            dev_j = 2.0 * fit.fun  # the objective is deviance / 2
        return float(
            np.sign(value - self.bhat) * np.sqrt(max(dev_j - self.deviance, 0.0) / self.phi)
        )


def walk_to_crossing(
    excess: Callable[[float], float],
    start: float,
    first: float,
    side: int,
    *,
    max_steps: int,
    limit: float = np.inf,
    usable: Callable[[], bool] | None = None,
    xtol: float = 1e-12,
) -> float:
    """The first point beyond ``start``, on ``side`` (+1 or -1), where ``excess`` (below
    zero at ``start``) reaches zero: the root search of every profile-likelihood interval.

    Trial points start + side first 2^k, k = 0, 1, ..., up to ``max_steps`` of them and
    within |x| <= ``limit``; at the first trial point where ``excess`` is positive,
    Brent's method on the bracket from the last trial point below zero (to ``xtol``
    absolute, 1e-12 relative). ``usable()``, asked after each evaluation, says whether
    it can be trusted (a refit that did not converge): an untrusted point is neither a
    crossing nor a bracket end. Returns the root, NaN where ``excess`` is NaN, or
    ``side * inf`` when no trial point crosses.

    Examples
    --------
    >>> round(walk_to_crossing(lambda x: x * x - 2.0, 0.0, 0.1, 1, max_steps=40), 12)
    1.414213562373
    >>> walk_to_crossing(lambda x: -1.0, 0.0, 1.0, -1, max_steps=10)
    -inf
    """
    inner = start
    for k in range(max_steps):
        outer = start + side * first * 2.0**k
        if abs(outer) > limit:
            break
        d = excess(outer)
        if usable is not None and not usable():
            continue
        if np.isnan(d):
            return np.nan
        if d > 0:
            lo, hi = min(inner, outer), max(inner, outer)
            return float(optimize.brentq(excess, lo, hi, xtol=xtol, rtol=1e-12))
        inner = outer
    return side * np.inf


def _end(profile: _Profile, se: float, cutoff: float, sign: int) -> float:
    """The root of tau(b) = sign * cutoff on one side of the estimate, or +/-inf."""
    known = {profile.bhat: -cutoff}  # tau = 0 at the estimate: no refit there

    def excess(v: float) -> float:  # sign tau(v) - cutoff: positive beyond the end
        if v not in known:
            known[v] = sign * profile(v) - cutoff
        return known[v]

    # a refit that does not converge far out is the restricted MLE running off to
    # infinity (separation): not a crossing, keep going
    return walk_to_crossing(
        excess,
        profile.bhat,
        cutoff * se,
        sign,
        max_steps=int(np.floor(np.log2(MAX_SE_MULTIPLE / cutoff))) + 1,
        usable=lambda: profile.converged,
        xtol=1e-12 * (abs(profile.bhat) + se),
    )


def profile_curve(results: Any, term: str, values: Any, tol: float = 1e-10) -> np.ndarray:
    """The signed root tau(b) of the likelihood-ratio statistic for coefficient
    ``term`` held at each of ``values`` (the other coefficients refitted): the curve
    whose crossings of +/- z_(1 - alpha/2) are the profile interval's ends.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6, 9, 7], "hour": range(8)})
    >>> res = mr.poisson("calls ~ hour", df).fit()
    >>> tau = profile_curve(res, "hour", [res.params["hour"]])
    >>> abs(float(tau[0])) < 1e-6
    True
    """
    names = results.param_names
    if term not in names:
        raise KeyError(f"{term!r} is not a coefficient of the model: {names}")
    j = names.index(term)
    if np.isnan(results.params.iloc[j]):
        raise ArgumentError(f"{term!r} is aliased: it has no profile")
    profile = _Profile(results, j, tol)
    return np.array([profile(float(v)) for v in np.asarray(values, dtype=float)])


def profile_conf_int(results: Any, alpha: float = 0.05, tol: float = 1e-12) -> pd.DataFrame:
    """Profile-likelihood confidence intervals of every coefficient.

    Parameters
    ----------
    results : RegressionResults
    alpha : float
        1 - confidence level.
    tol : float
        Tolerance of each restricted refit.

    Returns
    -------
    DataFrame with columns ``lower``, ``upper`` (NaN for aliased coefficients, +/-inf for
    an end the profile never reaches).

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6, 9, 7], "hour": range(8)})
    >>> res = mr.poisson("calls ~ hour", df).fit()
    >>> ci = res.conf_int(method="profile")
    >>> bool(ci.loc["hour", "lower"] < res.params["hour"] < ci.loc["hour", "upper"])
    True
    """
    if not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
    cutoff = float(stats.norm.isf(alpha / 2))
    b = results.params.to_numpy()
    se = results.bse.to_numpy()
    # the profile is of the likelihood with model-based scale, whatever cov_type says
    se_model = np.sqrt(np.diag(results.fit_record.cov_unscaled) * results.scale)
    lower = np.full(b.size, np.nan)
    upper = np.full(b.size, np.nan)
    # where the separation check proved an estimate infinite, the profile cannot cross
    # the cutoff on that side: the end is infinite (R's detect_separation directions)
    sep = results.separation
    diverging = dict(zip(sep.terms, sep.directions, strict=True)) if sep is not None else {}
    names = results.param_names
    for j in np.flatnonzero(~np.isnan(b)):
        direction = diverging.get(names[j], 0)
        step = se_model[j] if np.isfinite(se_model[j]) and se_model[j] > 0 else se[j]
        # after separation the SE is astronomically large: probe on the scale of the
        # estimate instead (only the first bracket depends on this, not the answer)
        step = min(step, 1.0 + abs(b[j]))
        lower[j] = -np.inf if direction < 0 else _end(_Profile(results, j, tol), step, cutoff, -1)
        upper[j] = np.inf if direction > 0 else _end(_Profile(results, j, tol), step, cutoff, +1)
    return pd.DataFrame({"lower": lower, "upper": upper}, index=results.param_names)


def profile_interval(
    profile_llf: Callable[[float], float],
    estimate: float,
    se: float,
    bounds: Bounds,
    llf: float,
    alpha: float,
) -> tuple[float, float]:
    """The set {v : 2 (llf - profile_llf(v)) <= chi2_1(1 - alpha)} around ``estimate``.

    Each end is found by stepping away from the estimate on the transformed scale
    of ``bounds`` (one parameter: :class:`mlereg.optim.reparam.Bounds`) in doubling
    steps until the deviance exceeds the quantile, then by Brent's method on the
    bracket. An end that is never reached is the edge of the parameter space (e.g. 0 for
    p when no successes were seen).

    Examples
    --------
    >>> import numpy as np
    >>> from mlereg.optim.reparam import Bounds
    >>> real = Bounds.of_domains(["real"])
    >>> lo, hi = profile_interval(lambda m: -5 * (m - 1) ** 2 / 2, 1.0, 0.4472, real, 0, 0.05)
    >>> round(lo, 4), round(hi, 4)
    (0.1235, 1.8765)
    """
    q = float(stats.chi2.isf(alpha, 1))
    t_hat = bounds.to_free(np.array([estimate]), strict=False)[0]
    se_t = se * bounds.jacobian_at(np.array([estimate]))[0] ** -1 if np.isfinite(se) else np.nan
    step = se_t if np.isfinite(se_t) and se_t > 0 else 0.5
    limit = float(bounds.free_limit()[0])

    def excess(t: float) -> float:
        v = bounds.from_free(np.array([t]))[0]
        return min(2.0 * (llf - profile_llf(v)) - q, 1e10)  # -inf llf outside the support

    ends = []
    for side, edge in ((-1, bounds.low[0]), (1, bounds.high[0])):
        if np.isinf(t_hat) and np.sign(t_hat) == side:
            ends.append(estimate)  # the estimate is on this edge already
            continue
        start = float(np.clip(t_hat, -limit, limit))  # from just inside an edge estimate
        root = walk_to_crossing(excess, start, step, side, max_steps=80, limit=limit)
        ends.append(float(edge if np.isinf(root) else bounds.from_free(np.array([root]))[0]))
    return ends[0], ends[1]
