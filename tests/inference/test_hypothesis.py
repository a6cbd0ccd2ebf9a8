"""Wald tests of linear restrictions against statsmodels' wald_test/t_test and the
closed forms of car::linearHypothesis."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

import mlereg as mr
from mlereg.exceptions import FormulaError
from tests.helpers import load_csv

WARP = "breaks ~ C(wool, levels=['A', 'B']) + C(tension, levels=['L', 'M', 'H'])"
M, H = (f"C(tension, levels=['L', 'M', 'H'])[T.{t}]" for t in "MH")
B = "C(wool, levels=['A', 'B'])[T.B]"


@pytest.fixture(scope="module")
def warp():
    data = load_csv("warpbreaks.csv")
    ours = mr.Poisson.from_formula(WARP, data).fit(tol=1e-12)
    theirs = sm.GLM.from_formula(WARP, data, family=sm.families.Poisson()).fit(tol=1e-13)
    return ours, theirs


def test_joint_wald_test_chi2_matches_statsmodels(warp):
    ours, theirs = warp
    restriction = f"{B} = 0, {M} = {H}"
    w = ours.wald_test(restriction)
    sw = theirs.wald_test(restriction, scalar=True)
    assert w.distribution == "chi2" and w.df == 2
    np.testing.assert_allclose(w.statistic, sw.statistic, rtol=1e-8)
    np.testing.assert_allclose(w.pvalue, sw.pvalue, rtol=1e-8)
    assert "chi2(2)" in repr(w)


def test_matrix_form_equals_string_form(warp):
    ours, _ = warp
    names = ours.param_names
    R = np.zeros((2, len(names)))
    R[0, names.index(B)] = 1
    R[1, names.index(M)], R[1, names.index(H)] = 1, -1
    by_string = ours.wald_test(f"{B} = 0, {M} = {H}")
    by_matrix = ours.wald_test(R)
    by_tuple = ours.wald_test((R, np.zeros(2)))
    assert by_matrix.statistic == by_string.statistic == by_tuple.statistic


def test_wald_test_closed_form_with_robust_covariance(warp):
    """linearHypothesis(fit, ..., vcov = sandwich) is (Rb - q)' (R V R')^-1 (Rb - q)."""
    ours, _ = warp
    data = load_csv("warpbreaks.csv")
    rob = mr.Poisson.from_formula(WARP, data).fit(tol=1e-12, cov_type="HC0")
    b, V = rob.params.to_numpy(), rob.cov_params().to_numpy()
    j = rob.param_names.index(M)
    w = rob.wald_test(f"{M} = 0.1")
    np.testing.assert_allclose(w.statistic, (b[j] - 0.1) ** 2 / V[j, j], rtol=1e-12)
    np.testing.assert_allclose(w.pvalue, stats.chi2.sf((b[j] - 0.1) ** 2 / V[j, j], 1))


def test_ols_wald_test_is_f_and_matches_statsmodels():
    df = load_csv("mtcars.csv")
    ours = mr.ols("mpg ~ wt + hp + qsec", df).fit()
    theirs = sm.OLS.from_formula("mpg ~ wt + hp + qsec", df).fit()
    w = ours.wald_test("hp = 0, qsec = 2 * wt")
    sw = theirs.wald_test("hp = 0, qsec = 2 * wt", scalar=True)
    assert w.distribution == "F" and w.df_denom == theirs.df_resid
    np.testing.assert_allclose(w.statistic, sw.statistic, rtol=1e-9)
    np.testing.assert_allclose(w.pvalue, sw.pvalue, rtol=1e-9)
    # the F test of all slopes is lm's overall F statistic
    allf = ours.wald_test("wt = 0, hp = 0, qsec = 0")
    np.testing.assert_allclose(allf.statistic, theirs.fvalue, rtol=1e-9)


def test_t_test_matches_statsmodels():
    df = load_csv("mtcars.csv")
    ours = mr.ols("mpg ~ wt + hp + qsec", df).fit()
    theirs = sm.OLS.from_formula("mpg ~ wt + hp + qsec", df).fit()
    t = ours.t_test("wt = -3, hp + qsec = 0")
    st = theirs.t_test("wt = -3, hp + qsec = 0")
    np.testing.assert_allclose(t.effect, st.effect, rtol=1e-10)
    np.testing.assert_allclose(t.sd, st.sd.ravel(), rtol=1e-10)
    np.testing.assert_allclose(t.statistic, st.tvalue.ravel(), rtol=1e-10)
    np.testing.assert_allclose(t.pvalue, st.pvalue.ravel(), rtol=1e-9)
    np.testing.assert_allclose(t.conf_int(0.1), st.conf_int(0.1), rtol=1e-10)
    assert t.names == ["wt = -3", "hp + qsec = 0"]
    assert "t(28)" in repr(t)


def test_t_test_normal_for_glm_matches_statsmodels(warp):
    ours, theirs = warp
    t = ours.t_test(f"{M} - {H} = 0")
    st = theirs.t_test(f"{M} - {H} = 0")
    assert t.df is None
    np.testing.assert_allclose(t.statistic, st.tvalue.ravel(), rtol=1e-8)
    np.testing.assert_allclose(t.pvalue, st.pvalue.ravel(), rtol=1e-8)


def test_bad_restrictions_are_refused(warp):
    ours, _ = warp
    with pytest.raises(FormulaError, match="nosuch"):
        ours.wald_test("nosuch = 0")
    with pytest.raises(ValueError, match="columns"):
        ours.wald_test(np.eye(2))
    with pytest.raises(ValueError, match="linearly dependent"):
        ours.wald_test(f"{M} = 0, 2 * {M} = 0")
