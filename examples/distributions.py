"""Maximum likelihood for the classic distributions and for a hand-written likelihood.

Walks through the tutorial cases: coin flips, dice, heights, reaction times,
call-centre counts, waiting times, choosing a distribution by AIC, a Gaussian
regression likelihood written by hand, and MLE versus MAP (a Gaussian prior).

Run from the repository root: ``PYTHONPATH=. python examples/distributions.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

import mlereg as mr


def show(title: str, res) -> None:
    print(f"\n== {title}")
    profile = res.conf_int(method="profile").add_suffix("_profile")
    table = res.conf_int().join(profile)
    table.insert(0, "estimate", res.params)
    table.insert(1, "se", res.bse)
    print(table.round(4).to_string())
    print(f"llf = {res.llf:.4f}, AIC = {res.aic:.3f}")
    for m in res.messages:
        print("note:", m)


# 1. Coin flips: 7 heads in 10 -> p = 0.7, SE sqrt(p (1 - p) / n)
show("coin: 7 heads in 10 flips", mr.fit_distribution([1] * 7 + [0] * 3, "bernoulli"))

# 2. Dice: 4 sixes in 12 rolls -> p = 1/3
show("die: 4 sixes in 12 rolls", mr.fit_distribution([4], "binomial", trials=12))

# 3. Heights 160..180 -> mu = 170, sigma with divisor n
show("heights 160..180 cm", mr.fit_distribution(np.arange(160, 181), "normal"))

# 4. Reaction times -> mu = 255, sigma^2 = 113.2, sigma = 10.64
rt = np.array([240, 255, 261, 248, 271])
res = mr.fit_distribution(rt, "normal")
show("reaction times (ms)", res)
print(f"sigma^2 = {res.params['sigma'] ** 2:.1f}")

# 5. Calls per hour -> lambda = 4.5, SE sqrt(lambda / n)
show("calls per hour", mr.fit_distribution([3, 5, 2, 8, 4, 6, 3, 5], "poisson"))

# 6. Waiting times: exponential rate = 1 / mean; is the rate 1/3 per minute? (LR test)
waits = np.random.default_rng(1).exponential(2.5, size=40)
free = mr.fit_distribution(waits, "exponential")
show("waiting times (minutes)", free)
print("LR test of rate = 1/3:", free.lr_test(mr.fit_distribution(waits, "exponential", rate=1 / 3)))

# 7. No successes at all: the Wald SE is meaningless, the profile interval is not
with warnings.catch_warnings():
    warnings.simplefilter("ignore", mr.exceptions.BoundaryWarning)
    show("0 successes in 20 trials", mr.fit_distribution([0] * 20, "bernoulli"))

# 8. Which distribution? Rank by AIC, with a KS distance
sizes = np.random.default_rng(7).gamma(3.0, 2.0, size=300)
table = mr.compare_distributions(sizes, ["normal", "gamma", "lognormal", "weibull", "exponential"])
print("\n== distribution choice by AIC")
print(table[["llf", "aic", "delta_aic", "ks_statistic", "params"]].round(3).to_string())

# 9. A likelihood written by hand: y = 10 + 4 x + e, parameters (b0, b1, sigma)
rng = np.random.default_rng(42)
x = rng.uniform(0, 10, 100)
y = 10 + 4 * x + rng.normal(0, 3, 100)


def loglike(p: np.ndarray) -> np.ndarray:
    return stats.norm.logpdf(y, p[0] + p[1] * x, p[2])  # per observation


model = mr.GenericLikelihoodModel(loglike, param_names=["b0", "b1", "sigma"])
mle = model.fit([0.0, 0.0, 1.0], bounds={"sigma": (0, None)})
print("\n== hand-written Gaussian regression likelihood")
print(mle.summary())
ols = mr.OLS(y, np.c_[np.ones(100), x]).fit()
print("OLS:", ols.params.round(6).to_list(), " sqrt(RSS/n) =", round(np.sqrt(ols.sigma2_mle), 6))
robust = model.fit([0.0, 0.0, 1.0], bounds={"sigma": (0, None)}, cov_type="robust")
print("robust (sandwich) SEs:", robust.bse.round(4).to_list())

# 10. MLE versus MAP: a Gaussian prior N(3, 0.1^2) on the slope
prior = mr.L2Penalty.from_prior(mean={"b1": 3.0}, sd={"b1": 0.1})
post = model.fit([0.0, 0.0, 1.0], bounds={"sigma": (0, None)}, penalty=prior)
print("\n== MAP with a N(3, 0.1^2) prior on the slope (SEs from the penalised information)")
print(post.params.to_frame("MAP").assign(se=post.bse, MLE=mle.params).round(4).to_string())
