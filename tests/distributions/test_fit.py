"""Univariate MLE (mlereg.distributions.fit) against the tutorials' worked numbers,
closed-form Fisher information, scipy.stats' own fits and statsmodels. Agreement 1e-8
relative unless stated."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, stats

import mlereg as mr
from mlereg.distributions.fit import SPECS
from mlereg.exceptions import BoundaryWarning, DataError
from tests.helpers import Q95, close


# --- the tutorials' numbers ----------------------------------------------------------------
def test_coin_flips_seven_heads_in_ten():
    flips = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1]
    res = mr.fit_distribution(flips, "bernoulli")
    close(res.params["p"], 0.7)
    close(res.bse["p"], np.sqrt(0.7 * 0.3 / 10))
    close(res.llf, 7 * np.log(0.7) + 3 * np.log(0.3))
    assert res.converged and res.nobs == 10 and res.k_params == 1


def test_dice_four_sixes_in_twelve_rolls():
    res = mr.fit_distribution([4], "binomial", trials=12)
    close(res.params["p"], 1 / 3)
    close(res.bse["p"], np.sqrt((1 / 3) * (2 / 3) / 12))
    close(res.llf, stats.binom.logpmf(4, 12, 1 / 3))
    rolls = [1] * 4 + [0] * 8
    close(mr.fit_distribution(rolls, "bernoulli").params["p"], 1 / 3)


def test_heights_160_to_180():
    h = np.arange(160, 181)
    res = mr.fit_distribution(h, "normal")
    close(res.params["mu"], 170.0)
    sigma = np.sqrt(np.mean((h - 170.0) ** 2))
    close(res.params["sigma"], sigma)
    close(res.bse, [sigma / np.sqrt(21), sigma / np.sqrt(42)])


def test_reaction_times_closed_form():
    rt = np.array([240, 255, 261, 248, 271])
    res = mr.fit_distribution(rt, "normal")
    close(res.params["mu"], 255.0)
    close(res.params["sigma"] ** 2, 113.2)
    assert round(float(res.params["sigma"]), 2) == 10.64
    close(res.llf, np.sum(stats.norm.logpdf(rt, 255.0, np.sqrt(113.2))))


def test_call_centre_counts():
    calls = [3, 5, 2, 8, 4, 6, 3, 5]
    res = mr.fit_distribution(calls, "poisson")
    close(res.params["mu"], 4.5)
    close(res.bse["mu"], np.sqrt(4.5 / 8))
    half = stats.norm.isf(0.025) * np.sqrt(4.5 / 8)
    close(res.conf_int().to_numpy(), [[4.5 - half, 4.5 + half]])


# --- closed forms and their Fisher information -----------------------------------------------
def test_exponential_and_geometric_closed_forms():
    rng = np.random.default_rng(3)
    x = rng.exponential(2.0, size=40)
    res = mr.fit_distribution(x, "exponential")
    rate = 1 / x.mean()
    close(res.params["rate"], rate)
    close(res.bse["rate"], rate / np.sqrt(40))
    close(res.llf, np.sum(stats.expon.logpdf(x, scale=1 / rate)))
    g = rng.geometric(0.3, size=50)
    res = mr.fit_distribution(g, "geometric")
    p = 1 / g.mean()
    close(res.params["p"], p)
    close(res.bse["p"], np.sqrt(p**2 * (1 - p) / 50))
    close(res.llf, np.sum(stats.geom.logpmf(g, p)))


def test_lognormal_is_normal_on_logs():
    x = np.random.default_rng(4).lognormal(1.0, 0.5, size=60)
    res = mr.fit_distribution(x, "lognormal")
    ref = mr.fit_distribution(np.log(x), "normal")
    close(res.params, ref.params)
    close(res.bse, ref.bse)
    close(res.llf, ref.llf - np.sum(np.log(x)))


# --- iterative fits against scipy.stats' own fit ---------------------------------------------
def _tight(func, x0, args=(), disp=0):
    return optimize.fmin(
        func, x0, args=args, disp=0, xtol=1e-13, ftol=1e-15, maxiter=50000, maxfun=100000
    )


def _scipy_fits():
    rng = np.random.default_rng(2024)
    g = rng.gamma(2.5, 1 / 1.7, size=300)
    b = rng.beta(2.0, 5.0, size=250)
    w = 3.0 * rng.weibull(1.7, size=200)
    ln = rng.lognormal(0.3, 0.8, size=150)
    a, _, sc = stats.gamma.fit(g, floc=0, optimizer=_tight)
    ba, bb, _, _ = stats.beta.fit(b, floc=0, fscale=1, optimizer=_tight)
    wk, _, wl = stats.weibull_min.fit(w, floc=0, optimizer=_tight)
    s, _, lsc = stats.lognorm.fit(ln, floc=0, optimizer=_tight)
    return [
        ("gamma", g, [a, 1 / sc], stats.gamma.logpdf(g, a, scale=sc).sum()),
        ("beta", b, [ba, bb], stats.beta.logpdf(b, ba, bb).sum()),
        ("weibull", w, [wk, wl], stats.weibull_min.logpdf(w, wk, scale=wl).sum()),
        ("lognormal", ln, [np.log(lsc), s], stats.lognorm.logpdf(ln, s, scale=lsc).sum()),
    ]


@pytest.mark.parametrize("name, x, ref_params, ref_llf", _scipy_fits(), ids=lambda v: str(v)[:9])
def test_iterative_fits_match_scipy(name, x, ref_params, ref_llf):
    res = mr.fit_distribution(x, name)
    assert res.converged
    assert res.llf >= ref_llf - 1e-12 * abs(ref_llf)
    close(res.params, ref_params, rtol=1e-6)  # scipy's Nelder-Mead, run to 1e-13
    # the score vanishes at the estimate
    score = SPECS[name].score(res.all_params.to_numpy(), x, {}).sum(axis=0)
    info = SPECS[name].information(res.all_params.to_numpy(), x, {})
    assert np.all(np.abs(score) <= 1e-7 * np.sqrt(np.diag(info)))


def test_negative_binomial_matches_statsmodels():
    y = np.random.default_rng(8).negative_binomial(2, 0.3, size=300)
    res = mr.fit_distribution(y, "negative_binomial")
    ref = sm.NegativeBinomial(y, np.ones(y.size), loglike_method="nb2").fit(
        disp=0, method="newton", maxiter=200, tol=1e-14
    )
    close(res.params["mu"], y.mean(), rtol=1e-10)
    close(res.params["mu"], np.exp(ref.params[0]), rtol=1e-7)
    close(res.params["alpha"], ref.params[1], rtol=1e-6)
    close(res.llf, ref.llf, rtol=1e-10)
    # mu and alpha are orthogonal: I_mu = n / (mu (1 + alpha mu))
    mu, alpha = res.params
    close(res.bse["mu"], np.sqrt(mu * (1 + alpha * mu) / y.size))


# --- boundaries, irregular cases, bad data ----------------------------------------------------
def test_no_successes_is_a_boundary_with_a_profile_interval():
    with pytest.warns(BoundaryWarning, match="boundary"):
        res = mr.fit_distribution([0] * 10, "bernoulli")
    assert res.params["p"] == 0.0 and np.isnan(res.bse["p"])
    assert any("boundary" in m for m in res.messages)
    ci = res.conf_int(method="profile")
    # LR interval: 10 log(1 - p) = -chi2_1(0.95) / 2
    assert ci.loc["p", "lower"] == 0.0
    close(ci.loc["p", "upper"], 1 - np.exp(-Q95 / 20), rtol=1e-9)
    with pytest.warns(BoundaryWarning):
        assert mr.fit_distribution([1, 1, 1], "bernoulli").params["p"] == 1.0


def test_uniform_says_regular_theory_fails():
    x = np.random.default_rng(6).uniform(2, 5, size=40)
    with pytest.warns(BoundaryWarning, match="regular"):
        res = mr.fit_distribution(x, "uniform")
    close(res.params, [x.min(), x.max()], rtol=0)
    assert res.bse.isna().all() and res.conf_int().isna().all().all()
    close(res.llf, -40 * np.log(x.max() - x.min()))


def test_underdispersed_counts_put_alpha_on_the_boundary():
    y = np.array([2, 3, 2, 3, 2, 3, 2, 4])
    with pytest.warns(BoundaryWarning, match="alpha"):
        res = mr.fit_distribution(y, "negative_binomial")
    close(res.params, [y.mean(), 0.0])
    assert np.isnan(res.bse["alpha"])
    close(res.llf, np.sum(stats.poisson.logpmf(y, y.mean())))


@pytest.mark.parametrize(
    "data, name, kw, match",
    [
        ([1, -2, 3], "poisson", {}, "integers >= 0.*-2 at position 1"),
        ([1, 2.5, 3], "poisson", {}, "integers.*2.5 at position 1"),
        ([0.2, 1.0, 0.5], "beta", {}, "strictly between 0 and 1.*position 1"),
        ([1.0, np.nan], "normal", {}, "NaN"),
        ([0, 1, 2], "bernoulli", {}, "0 or 1.*2 at position 2"),
        ([3, 8], "binomial", {"trials": 5}, "exceed trials"),
        ([0, 1, 2], "geometric", {}, "integers >= 1"),
        ([3.0, 3.0, 3.0], "gamma", {}, "distinct"),
        ([-1.0, 2.0], "weibull", {}, "> 0"),
    ],
)
def test_bad_data_refused_with_a_named_problem(data, name, kw, match):
    with pytest.raises(DataError, match=match):
        mr.fit_distribution(data, name, **kw)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown distribution"):
        mr.fit_distribution([1.0, 2.0], "not_a_distribution")  # cauchy: scipy's, now taken
    with pytest.raises(TypeError, match="trials"):
        mr.fit_distribution([1, 2], "binomial")
    with pytest.raises(TypeError, match="no argument 'rate'"):
        mr.fit_distribution([1.0, 2.0], "normal", rate=2)


# --- intervals, restricted fits, model choice ------------------------------------------------
def test_profile_interval_normal_mean_closed_form():
    rt = np.array([240, 255, 261, 248, 271.0])
    res = mr.fit_distribution(rt, "normal")
    ci = res.conf_int(method="profile")
    # profile LR for mu: n log(1 + (xbar - mu)^2 / s2) = q
    half = np.sqrt(113.2 * (np.exp(Q95 / 5) - 1))
    close(ci.loc["mu"], [255 - half, 255 + half], rtol=1e-9)
    # sigma with mu profiled out: n (s2/sig2 - 1 - log(s2/sig2)) = q
    for end in ci.loc["sigma"]:
        r = 113.2 / end**2
        close(5 * (r - 1 - np.log(r)), Q95, rtol=1e-7)


def test_fixed_parameter_and_lr_test():
    x = np.array([2.1, 1.4, 3.3, 0.2, 2.8, 1.9, -0.4, 1.1])
    free = mr.fit_distribution(x, "normal")
    null = mr.fit_distribution(x, "normal", mu=0)
    assert list(null.params.index) == ["sigma"] and null.fixed == {"mu": 0.0}
    close(null.params["sigma"], np.sqrt(np.mean(x**2)))
    t = free.lr_test(null)
    s2 = np.mean((x - x.mean()) ** 2)
    close(t.statistic, 8 * np.log(1 + x.mean() ** 2 / s2))
    assert t.df == 1
    close(t.pvalue, stats.chi2.sf(t.statistic, 1))


def test_compare_distributions_ranks_by_aic_with_ks():
    x = np.random.default_rng(11).gamma(3.0, 2.0, size=300)
    names = ["normal", "gamma", "lognormal", "weibull", "exponential", "beta"]
    table = mr.compare_distributions(x, names)
    ranked = table.dropna(subset=["aic"])
    assert list(ranked["aic"]) == sorted(ranked["aic"])
    assert np.isnan(table.loc["beta", "aic"]) and "between 0 and 1" in table.loc["beta", "note"]
    g = mr.fit_distribution(x, "gamma")
    close(table.loc["gamma", "aic"], -2 * g.llf + 4)
    close(table.loc["gamma", "bic"], -2 * g.llf + 2 * np.log(300))
    shape, rate = g.params
    ks = stats.kstest(x, "gamma", args=(shape, 0, 1 / rate))
    close(table.loc["gamma", "ks_statistic"], ks.statistic, rtol=1e-12)
    with pytest.raises(ValueError, match="discrete and continuous"):
        mr.compare_distributions(x, ["normal", "poisson"])


def test_summary_renders_without_a_model():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = mr.fit_distribution([3, 5, 2, 8, 4, 6, 3, 5], "poisson")
    text = str(res.summary())
    assert "mu" in text and "Log-likelihood" in text
    assert res.data_summary["n"] == 8 and res.data_summary["mean"] == 4.5


def test_any_continuous_scipy_distribution_by_name():
    """scipy's weibull_min with loc held at 0 is the tuned Weibull (the same MLE); its
    standard errors are the observed information's, as a GenericLikelihoodModel of the
    same density gives them (finite differences both: 1e-6)."""
    from scipy import stats

    x = np.random.default_rng(8).weibull(1.7, size=300) * 2.5
    tuned = mr.fit_distribution(x, "weibull")
    res = mr.fit_distribution(x, "weibull_min", loc=0.0)
    assert res.param_names == ["c", "scale"]
    np.testing.assert_allclose(res.params, tuned.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(res.llf, tuned.llf, rtol=1e-12)
    gen = mr.GenericLikelihoodModel(
        lambda p: stats.weibull_min.logpdf(x, p[0], 0.0, p[1]), ["c", "scale"]
    ).fit(res.params.to_numpy())
    np.testing.assert_allclose(res.bse, gen.bse.to_numpy(), rtol=1e-6)
    skew = mr.fit_distribution(x, "skewnorm")
    assert skew.param_names == ["a", "loc", "scale"] and skew.converged
    assert skew.llf >= float(np.sum(stats.skewnorm.logpdf(x, *stats.skewnorm.fit(x)))) - 1e-9
    with pytest.raises(ValueError, match="continuous distribution of scipy.stats"):
        mr.fit_distribution(x, "no_such_distribution")
