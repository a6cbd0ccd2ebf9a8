"""GenericLikelihoodModel, numerical derivatives and L2 penalties, against OLS (closed
form), statsmodels' HC0 sandwich, closed-form ridge and scikit-learn's penalised logit."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.linear_model import LogisticRegression

import mlereg as mr
from mlereg.optim import numdiff

Q95 = stats.chi2.isf(0.05, 1)


def close(a, b, rtol=1e-8, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def tutorial():
    """The tutorial's regression y = 10 + 4 x + e."""
    rng = np.random.default_rng(42)
    n = 100
    x = rng.uniform(0, 10, n)
    y = 10 + 4 * x + rng.normal(0, 3, n)
    return x, y


def _gaussian_model(x, y):
    return mr.GenericLikelihoodModel(
        lambda p: stats.norm.logpdf(y, p[0] + p[1] * x, p[2]), param_names=["b0", "b1", "sigma"]
    )


# --- numdiff ---------------------------------------------------------------------------------
def test_numdiff_against_analytic_derivatives():
    def f(b):
        return np.sin(b[0] * b[1]) + np.exp(b[2]) * b[0] ** 2

    b = np.array([0.7, 1.3, -0.4])
    s, c, e = np.sin(b[0] * b[1]), np.cos(b[0] * b[1]), np.exp(b[2])
    grad = [b[1] * c + 2 * e * b[0], b[0] * c, e * b[0] ** 2]
    hess = [
        [-(b[1] ** 2) * s + 2 * e, c - b[0] * b[1] * s, 2 * e * b[0]],
        [c - b[0] * b[1] * s, -(b[0] ** 2) * s, 0.0],
        [2 * e * b[0], 0.0, e * b[0] ** 2],
    ]
    close(numdiff.gradient(f, b), grad, rtol=1e-10)
    close(numdiff.hessian(f, b), hess, rtol=1e-8, atol=1e-9)
    J = numdiff.jacobian(lambda t: np.array([t[0] * t[1], t[2] ** 2]), b)
    close(J, [[b[1], b[0], 0], [0, 0, 2 * b[2]]], rtol=1e-10, atol=1e-12)


# --- the tutorial regression -----------------------------------------------------------------
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


# --- penalties -------------------------------------------------------------------------------
def test_penalised_ols_is_closed_form_ridge(longley):
    y = longley["TOTEMP"].to_numpy()
    Z = longley[["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]].to_numpy()
    Z = (Z - Z.mean(0)) / Z.std(0)
    X = np.c_[np.ones(len(y)), Z]
    lam = 3.0
    res = mr.OLS(y, X).fit(penalty=mr.L2Penalty(lam))
    P = np.diag([0.0] + [lam] * 6)  # intercept unpenalised by default
    beta = np.linalg.solve(X.T @ X + P, X.T @ y)
    close(res.params, beta, rtol=1e-9)
    resid = y - X @ beta
    s2 = resid @ resid / (len(y) - 7)
    close(res.bse, np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X + P))), rtol=1e-8)
    # including the intercept on request
    res_all = mr.OLS(y, X).fit(penalty=mr.L2Penalty(lam, exclude=[]))
    close(res_all.params, np.linalg.solve(X.T @ X + lam * np.eye(7), X.T @ y), rtol=1e-9)


def test_penalised_logit_matches_sklearn(spector):
    X = spector[["GPA", "TUCE", "PSI"]].to_numpy()
    y = spector["GRADE"].to_numpy()
    alpha = 0.5
    res = mr.Logit(y, np.c_[np.ones(len(y)), X]).fit(penalty=mr.L2Penalty(alpha))
    ref = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    close(res.params, np.r_[ref.intercept_, ref.coef_.ravel()], rtol=1e-6)  # lbfgs, tol 1e-12
    assert res.converged and res.penalty.alpha == alpha


def test_generic_map_is_ridge_with_prior(tutorial):
    x, y = tutorial
    X = np.c_[np.ones(y.size), x]
    m = mr.GenericLikelihoodModel(lambda b: -0.5 * (y - X @ b) ** 2, ["b0", "b1"])
    prior = mr.L2Penalty.from_prior(mean={"b1": 3.0}, sd={"b1": 0.1})
    res = m.fit([0.0, 0.0], penalty=prior)
    P = np.diag([0.0, 100.0])
    beta = np.linalg.solve(X.T @ X + P, X.T @ y + P @ [0.0, 3.0])
    close(res.params, beta, rtol=1e-8)
    close(res.cov_params(), np.linalg.inv(X.T @ X + P), rtol=1e-6)
    close(res.llf, -0.5 * np.sum((y - X @ beta) ** 2), rtol=1e-10)
    close(res.penalized_llf, res.llf - 50.0 * (beta[1] - 3.0) ** 2, rtol=1e-10)
