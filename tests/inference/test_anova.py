"""anova and drop1 tables (mlereg.inference.anova) against stored R output
(tests/reference/anova.json, made by tools/r/anova_reference.R) and statsmodels'
anova_lm."""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from mlereg.exceptions import DataError
from tests.helpers import TENSION, load_csv, load_reference

R_CASES = load_reference("anova")

_MODELS = {
    "poisson": (mr.poisson, {}),
    "ols": (mr.ols, {}),
    "logit": (mr.logit, {}),
    "gamma_log": (mr.glm, {"family": mr.families.Gamma(mr.links.Log())}),
}
_DATA = {"warpbreaks": "warpbreaks.csv", "mtcars": "mtcars.csv", "spector": "spector.csv"}


def _fits(case):
    data = load_csv(_DATA[case["id"].split("_")[0]])
    make, kw = _MODELS[case["model"]]
    return [make(f, data, **kw).fit() for f in case["formulas"]]


def _assert_column(ours, theirs, rtol=1e-8):
    theirs = np.array([np.nan if v is None else v for v in theirs], dtype=float)
    np.testing.assert_allclose(np.asarray(ours, dtype=float), theirs, rtol=rtol, atol=0)


@pytest.mark.parametrize("cid", [k for k, c in R_CASES.items() if c["kind"] == "anova"])
def test_anova_matches_r(cid):
    case = R_CASES[cid]
    fits = _fits(case)
    test = "F" if "F" in case["columns"] else "Chisq"
    table = mr.anova(*reversed(fits), test=test)  # order does not matter
    frame = table.to_frame()
    assert list(frame.columns) == list(case["columns"])
    for col, values in case["columns"].items():
        _assert_column(frame[col], values)
    text = str(table)
    assert all(f in text for f in case["formulas"])


def test_anova_ols_matches_statsmodels(mtcars):
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    forms = ["mpg ~ wt", "mpg ~ wt + hp", "mpg ~ wt + hp + C(cyl)"]
    # p-values are left out: statsmodels takes the F denominator df from each row's model,
    # R (and mlereg, checked against R above) from the largest model.
    sm = anova_lm(*[smf.ols(f, mtcars).fit() for f in forms])
    ours = mr.anova(*[mr.ols(f, mtcars).fit() for f in forms]).to_frame()
    for a, b in (
        ("Res.Df", "df_resid"),
        ("RSS", "ssr"),
        ("Sum of Sq", "ss_diff"),
        ("F", "F"),
    ):
        got, want = ours[a].to_numpy(float), sm[b].to_numpy(float)
        ok = ~np.isnan(want)
        np.testing.assert_allclose(got[ok], want[ok], rtol=1e-8)


@pytest.mark.parametrize("cid", [k for k, c in R_CASES.items() if c["kind"] == "drop1"])
def test_drop1_matches_r(cid):
    case = R_CASES[cid]
    (fit,) = _fits(case)
    frame = fit.drop1().to_frame()
    # rows: R's term names are inside patsy's (tension -> C(tension, levels=...))
    order = ["<none>"] + [
        next(t for t in frame.index if t == r or f"({r}" in t) for r in case["rows"][1:]
    ]
    frame = frame.loc[order]
    cols = case["columns"]
    if case["model"] == "ols":
        # drop1.lm(test = "Chisq"): LRT = n log(RSS_reduced / RSS); AIC is extractAIC
        n = case["nobs"][0]
        rss = np.array(cols["RSS"], dtype=float)
        _assert_column(frame["Deviance"], cols["RSS"])
        _assert_column(frame["Df"], cols["Df"])
        _assert_column(frame["LRT"].iloc[1:], n * np.log(rss[1:] / rss[0]))
        _assert_column(frame["Pr(>Chi)"], cols["Pr(>Chi)"])
        _assert_column(np.diff(frame["AIC"]), np.diff(cols["AIC"]))  # same up to a constant
    else:
        for col in ("Df", "Deviance", "AIC", "LRT", "Pr(>Chi)"):
            _assert_column(frame[col], cols[col])
    assert "Single term deletions" in str(fit.drop1())


def test_drop1_respects_marginality(warpbreaks):
    fit = mr.poisson(f"breaks ~ wool * {TENSION}", warpbreaks).fit()
    assert list(fit.drop1().to_frame().index) == ["<none>", f"wool:{TENSION}"]


def test_drop1_needs_a_formula():
    res = mr.OLS(np.array([1.0, 3, 2, 5]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    with pytest.raises(TypeError, match="from_formula"):
        res.drop1()


def test_anova_refuses_bad_comparisons(mtcars, warpbreaks):
    a = mr.ols("mpg ~ wt", mtcars).fit()
    with pytest.raises(DataError, match="same rows"):
        mr.anova(a, mr.ols("mpg ~ wt + hp", mtcars.iloc[:30]).fit())
    with pytest.raises(DataError, match=r"not nested.*\['wt'\]"):
        mr.anova(a, mr.ols("mpg ~ hp + qsec", mtcars).fit())
    with pytest.raises(DataError, match="same number of parameters"):
        mr.anova(a, mr.ols("mpg ~ hp", mtcars).fit())
    sp = load_csv("spector.csv")
    with pytest.raises(DataError, match="different links"):
        mr.anova(mr.logit("GRADE ~ GPA", sp).fit(), mr.probit("GRADE ~ GPA + PSI", sp).fit())
    with pytest.raises(DataError, match="famil"):
        mr.anova(
            mr.poisson("breaks ~ wool", warpbreaks).fit(),
            mr.ols("breaks ~ wool + tension", warpbreaks).fit(),
        )
    with pytest.raises(ValueError, match="needs a fitted model"):
        mr.anova()  # one fit alone is R's sequential table (tests below)
    with pytest.raises(ValueError, match="dispersion"):
        mr.anova(
            mr.poisson("breaks ~ wool", warpbreaks).fit(),
            mr.poisson("breaks ~ wool + tension", warpbreaks).fit(),
            test="F",
        )


def test_anova_chisq_is_lr_test_for_poisson(warpbreaks):
    a = mr.poisson("breaks ~ wool", warpbreaks).fit()
    b = mr.poisson("breaks ~ wool + tension", warpbreaks).fit()
    row = mr.anova(a, b).to_frame().iloc[1]
    lr = mr.lr_test(a, b)
    np.testing.assert_allclose(row["Deviance"], lr.statistic, rtol=1e-10)
    np.testing.assert_allclose(row["Pr(>Chi)"], lr.pvalue, rtol=1e-8)
