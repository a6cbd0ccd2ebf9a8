"""GenericLikelihoodModel against OLS (closed form), statsmodels' HC0 sandwich and a
profile interval in closed form."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

import mlereg as mr
from tests.helpers import Q95, close


def _gaussian_model(x, y):
    return mr.GenericLikelihoodModel(
        lambda p: stats.norm.logpdf(y, p[0] + p[1] * x, p[2]), param_names=["b0", "b1", "sigma"]
    )


@pytest.mark.parametrize(
    "method, bounds, rtol",
    [
        ("newton", None, 1e-8),
        ("newton", [None, None, (0, None)], 1e-8),
        ("bfgs", None, 1e-8),
        ("nm", {"sigma": (0, None)}, 1e-6),  # Nelder-Mead stops at simplex size 1e-8
    ],
)
def test_generic_gaussian_reproduces_ols(tutorial, method, bounds, rtol):
    x, y = tutorial
    n, k = y.size, 2
    ols = mr.OLS(y, np.c_[np.ones(n), x]).fit()
    res = _gaussian_model(x, y).fit([9.0, 3.5, 2.5], method=method, bounds=bounds)
    assert res.converged and res.nobs == n and res.k_params == 3
    close(res.params[:2], ols.params, rtol=rtol)
    sigma = np.sqrt(ols.sigma2_mle)
    close(res.params["sigma"], sigma, rtol=rtol)
    close(res.llf, ols.llf, rtol=1e-10)
    # MLE information: sigma_mle^2 (X'X)^-1, i.e. lm's SEs times sqrt((n - k) / n)
    close(res.bse[:2], ols.bse * np.sqrt((n - k) / n), rtol=1e-5)
    close(res.bse["sigma"], sigma / np.sqrt(2 * n), rtol=1e-5)
    close(res.aic, -2 * ols.llf + 6, rtol=1e-10)
    assert "b1" in str(res.summary())


def test_robust_is_statsmodels_hc0(tutorial):
    x, y = tutorial
    X = np.c_[np.ones(y.size), x]
    res = _gaussian_model(x, y).fit([9.0, 3.5, 2.5], cov_type="robust")
    ref = sm.OLS(y, X).fit(cov_type="HC0")
    close(res.bse[:2], ref.bse, rtol=1e-6)
    assert res.cov_type == "robust"


def test_total_loglike_needs_nobs_and_refuses_robust(tutorial):
    x, y = tutorial
    total = mr.GenericLikelihoodModel(
        lambda p: np.sum(stats.norm.logpdf(y, p[0] + p[1] * x, p[2])),
        ["b0", "b1", "sigma"],
        nobs=y.size,
    )
    res = total.fit([9.0, 3.5, 2.5])
    close(res.bic, -2 * res.llf + 3 * np.log(y.size), rtol=1e-12)
    with pytest.raises(ValueError, match="per-observation"):
        total.fit([9.0, 3.5, 2.5], cov_type="robust")


def test_bad_start_and_bounds(tutorial):
    x, y = tutorial
    m = _gaussian_model(x, y)
    with pytest.raises(ValueError, match="'sigma' is not strictly inside"):
        m.fit([9.0, 3.5, -1.0], bounds={"sigma": (0, None)})
    with pytest.raises(ValueError, match="2 values, param_names 3"):
        m.fit([1.0, 2.0])
    with pytest.raises(ValueError, match="method"):
        m.fit([9.0, 3.5, 2.5], method="cg")


def test_profile_interval_normal_mean_closed_form():
    rt = np.array([240, 255, 261, 248, 271.0])
    m = mr.GenericLikelihoodModel(lambda p: stats.norm.logpdf(rt, p[0], p[1]), ["mu", "sigma"])
    res = m.fit([250.0, 8.0], bounds=[None, (0, None)])
    ci = res.conf_int(method="profile")
    half = np.sqrt(113.2 * (np.exp(Q95 / 5) - 1))
    close(ci.loc["mu"], [255 - half, 255 + half], rtol=1e-7)
    ref = mr.fit_distribution(rt, "normal").conf_int(method="profile")
    close(ci.loc["sigma"], ref.loc["sigma"], rtol=1e-6)


def test_a_statsmodels_style_subclass():
    """Override loglikeobs, build with (endog, exog), names par0..: the issue's failing
    case; the estimates are OLS's (a Gaussian likelihood with known unit variance)."""
    from scipy import stats

    class Normal(mr.GenericLikelihoodModel):
        def loglikeobs(self, params):
            return stats.norm.logpdf(self.endog, self.exog @ params, 1.0)

    rng = np.random.default_rng(6)
    X = np.c_[np.ones(50), rng.normal(size=50)]
    y = X @ np.array([1.0, 2.0]) + rng.normal(size=50)
    res = Normal(y, X).fit()
    assert res.param_names == ["par0", "par1"] and res.nobs == 50
    ols = mr.OLS(y, X).fit()
    np.testing.assert_allclose(res.params, ols.params.to_numpy(), rtol=1e-8)
