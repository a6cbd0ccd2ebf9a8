"""Tables of several fits side by side (mlereg.compare, mlereg.report.tables) in every
output form, against the fits' numbers."""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from tests.helpers import TENSION, close_to_printed, markdown_cells, parse_html


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
