"""Marginal effects against statsmodels' get_margeff, and exponentiated coefficients
against R's confint.default."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mlereg as mr
from tests.helpers import SPECTOR, load_csv
from tests.refmodels import all_cases, arr, fit_case


@pytest.mark.parametrize("at", ["overall", "mean"])
@pytest.mark.parametrize(
    "ours_cls, theirs_cls", [(mr.Logit, sm.Logit), (mr.Probit, sm.Probit), (mr.Poisson, sm.Poisson)]
)
def test_margeff_matches_statsmodels(ours_cls, theirs_cls, at):
    df = load_csv("spector.csv")
    formula = SPECTOR if ours_cls is not mr.Poisson else "TUCE ~ GPA + PSI + GRADE"
    # statsmodels' discrete models use the observed information; for the canonical
    # links (logit, log) it is the expected one, for probit ask for it explicitly
    ours = ours_cls.from_formula(formula, df).fit(tol=1e-12, information="observed")
    theirs = theirs_cls.from_formula(formula, df).fit(disp=0, tol=1e-14, method="newton")
    me = ours.get_margeff(at=at)
    sme = theirs.get_margeff(at=at)
    assert me.names == list(sme.summary_frame().index)
    np.testing.assert_allclose(me.margeff, sme.margeff, rtol=1e-8)
    np.testing.assert_allclose(me.margeff_se, sme.margeff_se, rtol=1e-7)
    np.testing.assert_allclose(me.pvalues, sme.pvalues, rtol=1e-7)
    np.testing.assert_allclose(me.conf_int(0.1), sme.conf_int(0.1), rtol=1e-7)


def test_margeff_robust_covariance_matches_statsmodels():
    df = load_csv("spector.csv")
    ours = mr.logit(SPECTOR, df).fit(tol=1e-12, cov_type="HC0")
    theirs = sm.Logit.from_formula(SPECTOR, df).fit(disp=0, tol=1e-14, cov_type="HC0")
    np.testing.assert_allclose(
        ours.get_margeff().margeff_se, theirs.get_margeff().margeff_se, rtol=1e-7
    )


@pytest.mark.parametrize("case_id", ["spector_logit", "warpbreaks_poisson"])
def test_exp_params_are_exponentiated_r_intervals(case_id):
    case = next(c for c in all_cases(("glm",)) if c["id"] == case_id)
    table = fit_case(case).exp_params()
    np.testing.assert_allclose(table["exp_params"], np.exp(arr(case["params"])), rtol=1e-8)
    np.testing.assert_allclose(
        table[["lower", "upper"]], np.exp(arr(case["confint_wald"])), rtol=1e-8
    )


def test_bad_at_is_refused():
    res = mr.logit(SPECTOR, load_csv("spector.csv")).fit()
    with pytest.raises(ValueError, match="at must be"):
        res.get_margeff(at="middle")  # statsmodels' "median" and "zero" are taken
    with pytest.raises(ValueError, match="method must be"):
        res.get_margeff(method="dyey")


@pytest.mark.parametrize("at", ["overall", "mean", "median", "zero"])
@pytest.mark.parametrize("method", ["dydx", "eyex", "dyex", "eydx"])
@pytest.mark.parametrize("discrete", [False, True])
def test_margeff_options_match_statsmodels(at, method, discrete):
    """Every method and point, with dummy= and count= (PSI is 0/1, TUCE a count)."""
    df = load_csv("spector.csv")
    ours = mr.logit(SPECTOR, df).fit(tol=1e-12)
    theirs = sm.Logit.from_formula(SPECTOR, df).fit(disp=0, tol=1e-14, method="newton")
    kw = dict(at=at, method=method, dummy=discrete, count=discrete)
    if discrete and (method in ("eyex", "dyex") or at in ("median", "zero")):
        with pytest.raises(ValueError, match="not allowed"):
            theirs.get_margeff(**kw)
        with pytest.raises(ValueError, match="not defined"):
            ours.get_margeff(**kw)
        return
    me, sme = ours.get_margeff(**kw), theirs.get_margeff(**kw)
    np.testing.assert_allclose(me.margeff, sme.margeff, rtol=1e-8, atol=1e-12)
    # statsmodels' standard errors come from its own numerical derivatives
    np.testing.assert_allclose(me.margeff_se, sme.margeff_se, rtol=1e-6)


def test_factor_levels_change_from_the_reference_level():
    """A level of C(g) moves from the reference level (the factor's other columns at
    0): the discrete change in the mean, averaged over the rows, by hand."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=300), "g": rng.choice(["a", "b", "c"], 300)})
    df["y"] = (rng.random(300) < 1 / (1 + np.exp(-(df["x"] + (df["g"] == "c"))))).astype(int)
    res = mr.logit("y ~ x + C(g)", df).fit()
    me = res.get_margeff(dummy=True)
    b = res.params
    base = b["Intercept"] + b["x"] * df["x"]
    expit = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    expected = np.mean(expit(base + b["C(g)[T.c]"]) - expit(base))
    got = dict(zip(me.names, me.margeff, strict=True))["C(g)[T.c]"]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert "Discrete changes: C(g)[T.b], C(g)[T.c]" in str(me.summary())
