"""Regression results (mlereg.inference.regression): OLS's overall F test against
statsmodels."""

from __future__ import annotations

import numpy as np

import mlereg as mr


def test_ols_f_test_matches_statsmodels():
    """The F test of all slopes (summary.lm's F-statistic) is a results attribute."""
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    X = np.c_[np.ones(40), rng.normal(size=(40, 3))]
    y = X @ np.array([1.0, 0.3, -0.2, 0.0]) + rng.normal(size=40)
    ours, ref = mr.OLS(y, X).fit(), sm.OLS(y, X).fit()
    np.testing.assert_allclose(ours.fvalue, ref.fvalue, rtol=1e-10)
    np.testing.assert_allclose(ours.f_pvalue, ref.f_pvalue, rtol=1e-9)
    np.testing.assert_allclose(ours.resid_std_err, np.sqrt(ref.scale), rtol=1e-12)
    assert f"{ours.fvalue:.4g}" in str(ours.summary())
