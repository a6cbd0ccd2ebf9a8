"""Negative binomial regression (theta by ML) against MASS::glm.nb (stored values).

The generic comparisons (coefficients, SEs, llf/AIC/BIC, deviances, predictions,
sandwich covariances) run over these cases in tests/integration/test_glm_reference.py
and tests/inference/test_covariance.py; this file checks theta and the NB-specific
conventions.
"""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from mlereg.models.negbin import nb_theta_score
from tests.helpers import load_csv
from tests.refmodels import all_cases, fit_case

CASES = all_cases(("glm.nb",))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_theta_matches_glm_nb(case):
    res = fit_case(case)
    assert res.converged
    np.testing.assert_allclose(res.theta, case["theta"], rtol=1e-8)
    np.testing.assert_allclose(res.alpha, case["alpha"], rtol=1e-8)
    # MASS's SE.theta is 1/sqrt(information) evaluated one Newton step before theta.ml's
    # last (it stops when the step is below eps^0.25 ~ 1.2e-4): good to about 1e-5 only
    np.testing.assert_allclose(res.theta_se, case["theta_se"], rtol=1e-4)
    np.testing.assert_allclose(res.alpha_se, case["alpha_se"], rtol=1e-4)
    np.testing.assert_allclose(0.5 * case["twologlik"], res.llf, rtol=1e-10)
    assert res.k_params == res.rank + 1


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_theta_se_is_the_curvature_of_the_likelihood(case):
    """theta_se = 1 / sqrt(-d2 llf / d theta2) at fixed mu, by central differences."""
    res = fit_case(case)
    m = res.model
    mu = res.fittedvalues.to_numpy()

    def llf(theta):
        fam = mr.families.NegativeBinomial(alpha=1.0 / theta)
        return fam.loglike(m.endog, mu, m.prior_weights, m.freq_weights)

    h = 1e-3 * res.theta
    d2 = (llf(res.theta + h) - 2 * llf(res.theta) + llf(res.theta - h)) / h**2
    np.testing.assert_allclose(res.theta_se, 1 / np.sqrt(-d2), rtol=1e-5)  # O(h^2) error


def test_theta_score_is_zero_and_beta_is_the_glm_fit_at_theta():
    """At the estimate, beta is the GLM fit with alpha fixed at 1/theta (MASS's
    negative.binomial(theta) family) and theta maximises the likelihood at those means."""
    case = next(c for c in CASES if c["id"] == "quine_nb")
    res = fit_case(case)
    fixed = mr.GLM.from_formula(
        case["formula"],
        load_csv(case["data"]),
        family=mr.families.NegativeBinomial(alpha=res.alpha),
    ).fit(tol=1e-12)
    np.testing.assert_allclose(res.params, fixed.params, rtol=1e-10)
    np.testing.assert_allclose(res.bse, fixed.bse, rtol=1e-10)
    m = res.model
    score = nb_theta_score(res.theta, m.endog, res.fittedvalues.to_numpy(), m.total_weights())
    assert abs(score) < 1e-8 * len(m.endog)


def test_shortcut_and_anova_lr_statistic():
    """mr.negativebinomial is the formula shortcut; the LR test between two NB fits (theta
    re-estimated in both) is R's anova.negbin statistic."""
    case = next(c for c in CASES if "anova" in c)
    data = load_csv(case["data"])
    full = mr.negativebinomial(case["anova"]["full_formula"], data).fit(tol=1e-12)
    small = mr.negativebinomial(case["anova"]["reduced_formula"], data).fit(tol=1e-12)
    lr = mr.lr_test(small, full)
    np.testing.assert_allclose(lr.statistic, case["anova"]["statistic"], rtol=1e-7)
    assert lr.df == case["anova"]["df"]
    np.testing.assert_allclose(lr.pvalue, case["anova"]["pvalue"], rtol=1e-6)


def test_the_summary_shows_theta_and_every_iteration():
    case = CASES[0]
    res = fit_case(case)
    text = str(res.summary(digits=6))
    assert "Theta:" in text and f"{res.theta:.6g}" in text and f"{res.theta_se:.6g}" in text
    assert f"Iterations:        {res.n_iter} IRLS, {res.n_iter_theta} for theta" in text
    assert res.n_iter > res.n_iter_theta >= 1
