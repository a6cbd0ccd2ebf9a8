"""Summary, compare, anova and drop1 tables: every output form, against the numbers.

Printed numbers are checked against the results' attributes to the printed number of
decimals; anova/drop1 against stored R output (tests/reference/anova.json, made by
tools/r/anova_reference.R) and statsmodels' anova_lm; number and p-value formatting
against strings printed by R.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from mlereg.exceptions import DataError
from mlereg.report.render import escape_latex, format_column, format_pvalue

from .conftest import HERE, load_csv

ROOT = HERE.parent
TENSION = "C(tension, levels=['L', 'M', 'H'])"


# --------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warpbreaks():
    return load_csv("warpbreaks.csv")


@pytest.fixture(scope="module")
def mtcars():
    return load_csv("mtcars.csv")


@pytest.fixture(scope="module")
def poisson_fit(warpbreaks):
    return mr.poisson(f"breaks ~ wool + {TENSION}", warpbreaks).fit()


@pytest.fixture(scope="module")
def ols_fit(mtcars):
    return mr.ols("mpg ~ wt + hp + C(cyl)", mtcars).fit()


def close_to_printed(text: str, value: float) -> bool:
    """``text`` is ``value`` rounded to the decimals (or significant digits) printed."""
    x = float(text)
    if "e" in text.lower():
        mantissa = text.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(text.lower().split("e")[1])
        half_ulp = 0.5 * 10.0 ** (exponent - decimals)
    else:
        decimals = len(text.split(".")[1]) if "." in text else 0
        half_ulp = 0.5 * 10.0**-decimals
    return abs(x - value) <= half_ulp * (1 + 1e-9) + 1e-15


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


class TableParser(html.parser.HTMLParser):
    """Collects the rows of every <table>, and the tags and attributes seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_html(text: str) -> TableParser:
    p = TableParser()
    p.feed(text)
    p.close()
    return p


def markdown_cells(line: str) -> list[str]:
    """Split a pipe-table row on unescaped pipes and undo the escaping."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [re.sub(r"\\(.)", r"\1", c.strip()) for c in parts]


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
# number formatting, against R's own strings
# --------------------------------------------------------------------------------------


def test_format_column_matches_r():
    # R: format(c(-4.123456, 0.0612345), digits = 4); format(c(123456.7, 0.0012345), digits = 4)
    assert format_column([-4.123456, 0.0612345], 4) == ["-4.12346", "0.06123"]
    assert format_column([123456.7, 0.0012345], 4) == ["1.235e+05", "1.234e-03"]
    # R's summary(glm(breaks ~ wool + tension, poisson)): estimates and SEs share decimals
    est = [3.69196, -0.20599, -0.32132, -0.51849, 0.04541, 0.05157, 0.06027, 0.06396]
    assert format_column(est, 4) == [f"{v:.5f}" for v in est]
    assert format_column([np.nan, 1.5]) == ["NA", "1.5"]


def test_format_pvalue_matches_r(poisson_fit):
    # R's printCoefmat column for glm(breaks ~ wool + tension, poisson, warpbreaks)
    r_printed = ["< 2e-16", "6.49e-05", "9.73e-08", "5.21e-16"]
    ours = [format_pvalue(p) for p in poisson_fit.pvalues]
    assert ours == [s.replace("< ", "<") for s in r_printed]
    assert format_pvalue(0.0) == "<2e-16"
    assert format_pvalue(0.0312) == "0.0312"
    assert format_pvalue(0.5) == "0.5"
    assert format_pvalue(0.00123) == "0.00123"
    assert format_pvalue(4.7e-16) == "4.7e-16"  # R: format(4.7e-16, digits = 3)
    for p in (1e-300, 1e-17, 1e-5, 0.0004, 0.2):
        assert format_pvalue(p) != "0.000"


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
    assert "script" not in p.tags and "style" not in p.tags
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


def test_escape_latex_single_pass():
    assert escape_latex("\\_") == r"\textbackslash{}\_"
    assert escape_latex("50% & $5") == r"50\% \& \$5"


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
    code = _SCRIPT.format(path=str(HERE / "data" / "warpbreaks.csv"))
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


# --------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------


def test_compare_all_forms(warpbreaks):
    r1 = mr.poisson("breaks ~ wool", warpbreaks).fit()
    r2 = mr.poisson(f"breaks ~ wool + {TENSION}", warpbreaks).fit()
    t = mr.compare([r1, r2], names=["small", "big"])
    text = str(t)
    terms = list(dict.fromkeys(r1.param_names + r2.param_names))
    assert t.terms == terms
    lines = text.splitlines()
    for term in terms:
        i = next(k for k, ln in enumerate(lines) if ln.startswith(term + " "))
        est_cells, se_cells = lines[i][len(term) :].split(), lines[i + 1].split()
        models = [r for r in (r1, r2) if term in r.param_names]
        assert len(est_cells) == len(se_cells) == len(models)
        for r, e, s in zip(models, est_cells, se_cells, strict=True):
            assert close_to_printed(e.rstrip("*."), r.params[term])
            assert close_to_printed(s.strip("()"), r.bse[term])
    for label, attr in (("Log-likelihood", "llf"), ("AIC", "aic"), ("BIC", "bic")):
        vals = next(ln for ln in lines if ln.startswith(label + " ")).split()[-2:]
        assert all(
            close_to_printed(v, getattr(r, attr)) for v, r in zip(vals, (r1, r2), strict=True)
        )
    pr2 = next(ln for ln in lines if ln.startswith("Pseudo R-squared")).split()[-2:]
    assert close_to_printed(pr2[1], r2.pseudo_rsquared)
    assert "Signif. codes" in text and "***" in text
    assert "*" not in str(mr.compare([r1, r2], stars=False)).split("Standard errors")[0]

    f = t.to_frame()
    assert f.loc[("wool[T.B]", "estimate"), "big"] == r2.params["wool[T.B]"]
    assert f.loc[("wool[T.B]", "std_error"), "small"] == r1.bse["wool[T.B]"]
    assert f.loc[("AIC", ""), "small"] == r1.aic
    assert f.loc[("Covariance type", ""), "big"] == "nonrobust"
    assert np.isnan(f.loc[(terms[-1], "estimate"), "small"])

    p = parse_html(t._repr_html_())
    header, *rows = p.tables[-1]
    assert header == ["", "small", "big"]
    assert [r[0] for r in rows if r[0] in terms] == terms
    latex = t.as_latex()
    assert "\\midrule" in latex and "wool[T.B]" in latex
    md = t.as_markdown().splitlines()
    assert markdown_cells(next(ln for ln in md if "small" in ln and "big" in ln))[1:] == [
        "small",
        "big",
    ]
    aic_row = markdown_cells(next(ln for ln in md if ln.startswith("| AIC")))
    assert close_to_printed(aic_row[2], r2.aic)


def test_compare_validates_names(warpbreaks):
    r = mr.poisson("breaks ~ wool", warpbreaks).fit()
    with pytest.raises(ValueError, match="names has 1 entries for 2 models"):
        mr.compare([r, r], names=["a"])
    with pytest.raises(ValueError, match="distinct"):
        mr.compare([r, r], names=["a", "a"])
    with pytest.raises(ValueError, match="at least one"):
        mr.compare([])


# --------------------------------------------------------------------------------------
# anova and drop1 against R
# --------------------------------------------------------------------------------------

with open(HERE / "reference" / "anova.json") as fh:
    R_CASES = {c["id"]: c for c in json.load(fh)}

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
    with pytest.raises(ValueError, match="at least two"):
        mr.anova(a)
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
