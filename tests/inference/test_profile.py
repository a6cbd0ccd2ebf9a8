"""Profile-likelihood intervals against R's confint (MASS profile.glm), stored.

``confint_profile_exact`` solves R's profile equation by root finding (tight), and
``confint_profile`` is what R's spline interpolation reports (good to ~1e-4).
"""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from tests.helpers import load_csv
from tests.refmodels import all_cases, arr, fit_case

CASES = [c for c in all_cases(("glm", "glm.nb")) if "confint_profile_exact" in c]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_profile_intervals_match_r(case):
    res = fit_case(case)
    ci = res.conf_int(method="profile").to_numpy()
    exact = arr(case["confint_profile_exact"])
    # relative 1e-8, measured on the larger of the end and the interval's width (an end
    # near 0 is located as accurately as any other, not to 8 digits of itself)
    width = (exact[:, 1] - exact[:, 0])[:, None]
    assert np.all(np.abs(ci - exact) <= 1e-8 * np.maximum(np.abs(exact), width))
    # R's own spline-interpolated answer: about 1e-3 (README of the reference data)
    np.testing.assert_allclose(ci, arr(case["confint_profile"]), rtol=5e-3)


def test_profile_interval_of_ols_is_the_normal_wald_interval():
    """For a linear model the profile is exactly quadratic: bhat -/+ z * se."""
    df = load_csv("mtcars.csv")
    res = mr.ols("mpg ~ wt + hp", df).fit()
    wald = (
        res.params.to_numpy()[:, None]
        + np.array([-1, 1]) * 1.959963984540054 * res.bse.to_numpy()[:, None]
    )
    np.testing.assert_allclose(res.conf_int(method="profile"), wald, rtol=1e-8)


@pytest.mark.parametrize("case_id", ["separated_firth", "quasisep_firth"])
def test_separation_gives_an_infinite_end(case_id):
    """Separated data: the profile never reaches the cutoff on the side where the MLE
    diverges (detect_separation's +/-Inf for x), so that end is infinite; a coefficient
    not involved in the separation (quasisep's z) keeps a finite interval."""
    case = next(c for c in all_cases(("firth",)) if c["id"] == case_id)
    data = load_csv(case["data"])
    with pytest.warns(mr.exceptions.MleregWarning):
        res = mr.logit(case["formula"], data).fit()
    ci = res.conf_int(method="profile")
    directions = case["detect_separation"]["beta"]
    assert directions[1] == "Inf"
    assert ci.loc["x", "upper"] == np.inf
    if case_id == "quasisep_firth":
        assert directions[2] == 0
        assert np.all(np.isfinite(ci.loc["z"]))
