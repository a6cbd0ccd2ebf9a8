"""Number, p-value and LaTeX formatting (mlereg.report.render), against strings printed
by R."""

from __future__ import annotations

import numpy as np

from mlereg.report.render import escape_latex, format_column, format_pvalue


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


def test_escape_latex_single_pass():
    assert escape_latex("\\_") == r"\textbackslash{}\_"
    assert escape_latex("50% & $5") == r"50\% \& \$5"


def test_html_carries_a_scoped_style():
    import numpy as np

    import mlereg as mr

    X = np.c_[np.ones(6), np.arange(6.0)]
    y = np.array([1.0, 3, 2, 5, 4, 6])
    res = mr.OLS(y, X).fit()
    page = res.summary()._repr_html_()
    assert page.startswith('<div class="mlereg-report">\n<style>')
    style = page[page.index("<style>") : page.index("</style>")]
    rules = [line for line in style.splitlines() if "{" in line]
    assert rules and all(line.startswith(".mlereg-report") for line in rules)
    assert "text-align: right" in style and "tabular-nums" in style
    table = mr.compare([res, mr.OLS(y, X[:, :1]).fit()])._repr_html_()
    assert '<tr class="mlereg-se">' in table  # standard errors kept under the estimate
