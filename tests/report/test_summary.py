"""Summaries in every output form (text, HTML, LaTeX, Markdown, data frame), against
the numbers.

Printed numbers are checked against the results' attributes to the printed number of
decimals.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from mlereg.report.render import format_pvalue
from tests.helpers import (
    DATA_DIR,
    ROOT,
    TENSION,
    close_to_printed,
    load_csv,
    markdown_cells,
    parse_html,
)

# --------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ols_fit(mtcars):
    return mr.ols("mpg ~ wt + hp + C(cyl)", mtcars).fit()


def coef_rows(text: str, terms: list[str]) -> dict[str, list[str]]:
    """The cells of each coefficient row of a text summary."""
    rows = {}
    for line in text.splitlines():
        for t in terms:
            if line.startswith(t + " ") and t not in rows:
                rest = line[len(t) :].split()
                if rest and rest[0] != ":":
                    rows[t] = rest
    return rows


def check_coefficient_cells(cells: dict[str, list[str]], res, alpha: float = 0.05) -> None:
    ci = res.conf_int(alpha)
    assert set(cells) == set(res.param_names)
    for t, c in cells.items():
        est, se, stat, p, lo, hi = c
        assert close_to_printed(est, res.params[t]), (t, est)
        assert close_to_printed(se, res.bse[t]), (t, se)
        assert close_to_printed(stat, res.zvalues[t]), (t, stat)
        assert p == format_pvalue(res.pvalues[t])
        assert close_to_printed(lo, ci.loc[t, "lower"]), (t, lo)
        assert close_to_printed(hi, ci.loc[t, "upper"]), (t, hi)


_UNLATEX = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
}


def unescape_latex(text: str) -> str:
    out = re.sub(
        r"\\(textbackslash|textasciitilde|textasciicircum|textless|textgreater)\{\}",
        lambda m: _UNLATEX[m.group(0)],
        text,
    )
    return re.sub(r"\\([&%$#_{}])", r"\1", out)


# --------------------------------------------------------------------------------------
# Summary: text
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["poisson_fit", "ols_fit"])
def test_text_coefficients_equal_attributes(which, request):
    res = request.getfixturevalue(which)
    text = str(res.summary())
    check_coefficient_cells(coef_rows(text, res.param_names), res)


def test_text_header(poisson_fit, ols_fit):
    text = str(poisson_fit.summary())
    head = dict(
        (k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in text.splitlines()[2:17])
    )
    assert head["Formula"] == f"breaks ~ wool + {TENSION}"
    assert head["Response"] == "breaks"
    assert head["Observations"].startswith("54 used, 0 dropped")
    assert head["Df model / resid"] == "3 / 50"
    assert close_to_printed(head["Log-likelihood"], poisson_fit.llf)
    aic, bic = head["AIC / BIC"].split(" / ")
    assert close_to_printed(aic, poisson_fit.aic) and close_to_printed(bic, poisson_fit.bic)
    assert close_to_printed(head["LL-null"], poisson_fit.llnull)
    chi2 = re.search(r"chi2 = (\S+) on 3 df", head["LR test vs null"]).group(1)
    assert close_to_printed(chi2, poisson_fit.llr)
    dev = re.match(r"(\S+) on 50 df / (\S+) on 53 df", head["Deviance / null"])
    assert close_to_printed(dev.group(1), poisson_fit.deviance)
    assert close_to_printed(dev.group(2), poisson_fit.null_deviance)
    assert head["Covariance type"] == "nonrobust"
    assert head["Iterations"] == f"{poisson_fit.n_iter} (converged)"
    assert "Pr(>|z|)" in text

    text = str(ols_fit.summary())
    r2 = re.search(r"R-squared / adjusted:\s+(\S+) / (\S+)", text)
    assert close_to_printed(r2.group(1), ols_fit.rsquared)
    assert close_to_printed(r2.group(2), ols_fit.rsquared_adj)
    assert "Pr(>|t|)" in text and "F-statistic" in text


def test_gamma_summary_prints_dispersion(mtcars):
    res = mr.glm("mpg ~ wt", mtcars, family=mr.families.Gamma(mr.links.Log())).fit()
    disp = re.search(r"Dispersion:\s+(\S+) \(Pearson", str(res.summary())).group(1)
    assert close_to_printed(disp, res.scale)


def test_digits_and_alpha(ols_fit):
    s = ols_fit.summary(digits=7, alpha=0.1)
    text = str(s)
    assert "5 %" in text and "95 %" in text
    cells = coef_rows(text, ols_fit.param_names)
    check_coefficient_cells(cells, ols_fit, alpha=0.1)
    assert len(cells["wt"][0].split(".")[1]) > len(
        coef_rows(str(ols_fit.summary()), ["wt"])["wt"][0].split(".")[1]
    )
    with pytest.raises(ValueError, match="digits"):
        ols_fit.summary(digits=0)
    with pytest.raises(ValueError, match="alpha"):
        ols_fit.summary(alpha=1.5)


def test_to_frame_equals_attributes(poisson_fit):
    f = poisson_fit.summary(alpha=0.1).to_frame()
    assert list(f.columns) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
    ]
    ci = poisson_fit.conf_int(0.1)
    np.testing.assert_array_equal(f["estimate"], poisson_fit.params.to_numpy())
    np.testing.assert_array_equal(f["std_error"], poisson_fit.bse.to_numpy())
    np.testing.assert_array_equal(f["statistic"], poisson_fit.zvalues.to_numpy())
    np.testing.assert_array_equal(f["p_value"], poisson_fit.pvalues.to_numpy())
    np.testing.assert_array_equal(f["conf_low"], ci["lower"].to_numpy())
    np.testing.assert_array_equal(f["conf_high"], ci["upper"].to_numpy())
    assert list(f["term"]) == poisson_fit.param_names


def test_aliased_coefficients_print_like_na():
    df = load_csv("rankdef.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mr.exceptions.MleregWarning)
        res = mr.ols("y ~ x1 + x2 + x3", df).fit()
    assert res.aliased == ["x3"]
    s = res.summary()
    row = coef_rows(str(s), ["x3"])["x3"]
    assert row == ["(aliased)", "NA", "NA", "NA", "NA", "NA"]
    assert np.isnan(s.to_frame().set_index("term").loc["x3", "estimate"])
    assert "not defined because of singularities" in str(s)
    assert "(aliased)" in s.as_markdown() and "(aliased)" in s.as_latex()


def test_warnings_are_at_the_top():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    df = pd.DataFrame({"y": (x + rng.normal(size=60) > 0).astype(float), "x": x})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mr.exceptions.MleregWarning)
        res = mr.logit("y ~ x", df).fit(maxiter=1)
    assert not res.converged
    lines = str(res.summary()).splitlines()
    first_warning = next(i for i, ln in enumerate(lines) if ln.startswith("Warning:"))
    assert first_warning < next(i for i, ln in enumerate(lines) if ln.startswith("Model:"))
    assert "converge" in lines[first_warning]
    assert "NOT CONVERGED" in str(res.summary())
    assert "Warning:" in res.summary()._repr_html_() and "Warning:" in res.summary().as_latex()


def test_summary_without_model():
    # a distribution fit: no model, no design, no family
    r = mr.LikelihoodResults(
        np.array([2.5, 0.7]), np.diag([0.04, 0.01]), ["mu", "sigma"], -12.3, 20, 2, 18
    )
    s = r.summary()
    text = str(s)
    assert "Maximum likelihood fit" in text
    check_coefficient_cells(coef_rows(text, ["mu", "sigma"]), r)
    assert "<table" in s._repr_html_() and "\\toprule" in s.as_latex()
    assert "`sigma`" in s.as_markdown()
    assert list(s.to_frame()["term"]) == ["mu", "sigma"]


# --------------------------------------------------------------------------------------
# Summary: HTML, LaTeX, Markdown
# --------------------------------------------------------------------------------------


def test_html_is_semantic_and_equals_text(poisson_fit):
    s = poisson_fit.summary()
    page = s._repr_html_()
    p = parse_html(page)
    # no scripts and no inline styles; one style block, scoped to the report's classes
    assert "script" not in p.tags and p.tags.count("style") == 1
    assert not any(k == "style" or k.startswith("on") for k, _ in p.attrs)
    assert {"thead", "tbody", "th", "td"} <= set(p.tags)
    info, coef = p.tables
    info_map = dict(info)
    assert info_map["Formula"] == poisson_fit.model.design.formula
    assert close_to_printed(info_map["Log-likelihood"], poisson_fit.llf)
    header, *rows = coef
    assert header[1:] == ["Estimate", "Std. Error", "z value", "Pr(>|z|)", "2.5 %", "97.5 %"]
    cells = {r[0]: r[1:] for r in rows}
    check_coefficient_cells(cells, poisson_fit)
    assert cells == coef_rows(str(s), poisson_fit.param_names)


def test_markdown_equals_text(poisson_fit):
    s = poisson_fit.summary()
    lines = s.as_markdown().splitlines()
    head = next(i for i, ln in enumerate(lines) if "Estimate" in ln)
    assert markdown_cells(lines[head])[1:4] == ["Estimate", "Std. Error", "z value"]
    assert set(lines[head + 1]) <= set("|:-")
    rows = {}
    for ln in lines[head + 2 :]:
        if not ln.startswith("|"):
            break
        c = markdown_cells(ln)
        assert c[0].startswith("`") and c[0].endswith("`")
        rows[c[0].strip("`")] = c[1:]
    check_coefficient_cells(rows, poisson_fit)


def test_latex_booktabs_and_escaping():
    name = "a&b#c$d{e}~f^g_h%i\\j"
    rng = np.random.default_rng(3)
    exog = pd.DataFrame({"const": 1.0, name: rng.normal(size=40), "inc_k": rng.normal(size=40)})
    res = mr.Poisson(pd.Series(rng.poisson(3, 40), name="y"), exog).fit()
    assert res.param_names == ["const", name, "inc_k"]
    latex = res.summary().as_latex()
    for rule in ("\\toprule", "\\midrule", "\\bottomrule", "\\begin{tabular}", "\\end{tabular}"):
        assert rule in latex
    assert r"a\&b\#c\$d\{e\}\textasciitilde{}f\textasciicircum{}g\_h\%i\textbackslash{}j" in latex
    assert "inc\\_k" in latex
    rows = {}
    for ln in latex.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)&", ln.removesuffix("\\\\"))]
        if len(cells) == 7 and cells[1] not in ("Estimate",):
            rows[unescape_latex(cells[0])] = [unescape_latex(c) for c in cells[1:]]
    assert set(rows) == set(res.param_names)
    check_coefficient_cells(rows, res)
    # the markdown and HTML forms carry the raw name
    assert name.replace("|", "\\|") in res.summary().as_markdown()
    assert any(
        r and r[0] == res.param_names[1] for r in parse_html(res.summary()._repr_html_()).tables[1]
    )


# --------------------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------------------

_SCRIPT = """
import mlereg as mr, pandas as pd
df = pd.read_csv({path!r})
a = mr.poisson("breaks ~ wool", df).fit()
b = mr.poisson("breaks ~ wool + tension", df).fit()
s = b.summary()
print(s); print(s._repr_html_()); print(s.as_latex()); print(s.as_markdown())
print(mr.compare([a, b])); print(mr.anova(a, b)); print(b.drop1())
"""


def test_separate_processes_give_identical_output():
    code = _SCRIPT.format(path=str(DATA_DIR / "warpbreaks.csv"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random"}
    outs = []
    for seed in ("1", "2"):
        env["PYTHONHASHSEED"] = seed
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outs.append(run.stdout)
    assert outs[0] == outs[1]
    assert "Poisson regression results" in outs[0]
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", outs[0])


def test_every_results_class_says_what_its_summary_shows():
    """The summary header is the results' own entries, formatted: a distribution fit
    names its distribution, a fit without a formula has no Formula line."""
    dist = mr.fit_distribution([3.1, 5.2, 2.4, 8.8, 4.0, 6.3], "gamma")
    assert dist.model_description == "Gamma distribution"
    assert "Model:" in str(dist.summary()) and "Gamma distribution" in str(dist.summary())
    ols = mr.OLS(np.array([1.0, 3, 2, 5]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    labels = [label for label, _ in ols.summary_entries()]
    assert labels[:4] == ["Model", "Response", "Method", "Observations"]
    assert "Formula" not in labels
    table = mr.compare([ols, dist])
    assert "(2):  Gamma distribution: shape, rate" in str(table)


def test_values_within_rounding_of_zero_print_as_zero():
    from mlereg.report.render import format_fixed

    assert format_fixed(-2e-13, 3) == "0.000" and format_fixed(-0.0004, 3) == "0.000"
    assert format_fixed(-0.0006, 3) == "-0.001"
    y = np.array([1.0, 3, 2, 5, 4, 6, 2, 3])
    null = mr.Poisson(y, np.ones((8, 1))).fit()  # the intercept-only model itself
    assert null.pseudo_rsquared == 0.0
    assert "Pseudo R-squared:  0 (McFadden)" in str(null.summary())


def test_statistics_of_another_model_are_not_there():
    y = np.array([0.0, 1, 0, 1, 1, 0, 1, 1])
    res = mr.Logit(y, np.c_[np.ones(8), np.arange(8.0)]).fit()
    for name in ("rsquared", "rsquared_adj", "sigma2_mle"):
        assert not hasattr(res, name)
    with pytest.raises(AttributeError, match="Gaussian"):
        res.rsquared  # noqa: B018


def test_warnings_are_wrapped_at_the_table_width():
    y = np.r_[np.zeros(5), np.ones(5)]
    with pytest.warns(mr.exceptions.PerfectSeparationWarning):
        res = mr.Logit(y, np.c_[np.ones(10), np.arange(10.0)]).fit()
    text = str(res.summary())
    width = len(text.splitlines()[1])  # the rule under the title
    assert "Warning: Logit: complete separation" in text
    assert max(len(line) for line in text.splitlines()) <= width
    assert "Log-likelihood:    0.000" in text  # never -0.000


def test_significance_marks_cannot_be_read_as_decimals():
    from mlereg.report.render import STARS_NOTE, significance_stars

    assert significance_stars(0.07) == "+" and "+ p<0.1" in STARS_NOTE
