"""Likelihood-ratio tests (mlereg.lr_test) against statsmodels."""

from __future__ import annotations

import pytest
import statsmodels.formula.api as smf
from scipy import stats

import mlereg as mr
from tests.helpers import SPECTOR, close


def test_lr_test_matches_statsmodels(spector):
    big = mr.logit(SPECTOR, spector).fit()
    small = mr.logit("GRADE ~ GPA", spector).fit()
    lr = mr.lr_test(small, big)
    lr2 = big.lr_test(small)
    rb = smf.logit(SPECTOR, spector).fit(disp=0, tol=1e-14)
    rs = smf.logit("GRADE ~ GPA", spector).fit(disp=0, tol=1e-14)
    stat, p, df = rb.compare_lr_test(rs) if hasattr(rb, "compare_lr_test") else (None,) * 3
    expected = 2 * (rb.llf - rs.llf)
    close(lr.statistic, expected)
    close(lr2.statistic, expected)
    assert lr.df == 2
    close(lr.pvalue, stats.chi2.sf(expected, 2))


def test_lr_test_refuses_different_rows(spector):
    big = mr.logit(SPECTOR, spector).fit()
    small = mr.logit("GRADE ~ GPA", spector.iloc[:30]).fit()
    with pytest.raises(mr.exceptions.DataError, match="same rows"):
        mr.lr_test(small, big)


def test_an_lr_test_prints_as_a_sentence():
    result = mr.LRTestResult(3.841458820694124, 1, 0.05)
    assert str(result) == "Likelihood-ratio test: chi2 = 3.84146 on 1 df, p = 0.05"


def test_lr_test_refuses_models_that_are_not_nested():
    """The issue's case: y ~ x1 against y ~ x2 + x3 gave p = 0.501; anova refuses it."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["x1", "x2", "x3"])
    df["y"] = (rng.random(200) < 0.5).astype(int)
    small, other = mr.logit("y ~ x1", df).fit(), mr.logit("y ~ x2 + x3", df).fit()
    with pytest.raises(mr.exceptions.DataError, match="not nested"):
        mr.lr_test(small, other)
    with pytest.raises(mr.exceptions.DataError, match="not nested"):
        mr.anova(small, other)
    nested = mr.logit("y ~ x1 + x3", df).fit()
    assert mr.lr_test(small, nested).df == 1
