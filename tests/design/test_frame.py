"""Rows with a missing value in a used column (mlereg.design.frame): dropped together
and counted by column, or refused with missing="raise"."""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from tests.helpers import SPECTOR, close


def test_missing_rows_dropped_together_and_counted(spector):
    df = spector.copy()
    df.loc[[0, 3], "GPA"] = np.nan
    df.loc[[3, 5], "TUCE"] = np.nan
    df["w"] = 1.0
    df.loc[7, "w"] = np.nan
    res = mr.logit(SPECTOR, df, weights="w").fit()
    assert res.n_dropped == 4 and res.nobs == 28
    assert res.model.design.dropped_by == {"GPA": 2, "TUCE": 2, "w": 1}
    ref = mr.logit(SPECTOR, spector.drop(index=[0, 3, 5, 7])).fit()
    close(res.params, ref.params, rtol=1e-12)
    with pytest.raises(mr.exceptions.DataError, match="GPA"):
        mr.logit(SPECTOR, df, missing="raise")


def test_offset_terms_in_a_formula_are_rs_offsets():
    """`offset(np.log(t))` in a formula is exposure=t: the same fit, the same
    predictions on new data (also after pickling); the summary shows the formula."""
    import pickle

    import numpy as np
    import pandas as pd

    import mlereg as mr

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.uniform(20, 60, 200), "years": rng.uniform(1, 5, 200)})
    df["claims"] = rng.poisson(0.2 * df["years"] * np.exp(0.01 * df["age"]))
    df.loc[5, "years"] = np.nan  # a missing value in the offset drops the row
    a = mr.poisson("claims ~ age + offset(np.log(years))", df).fit()
    b = mr.Poisson.from_formula("claims ~ age", df, exposure="years").fit()
    np.testing.assert_array_equal(a.params, b.params)
    assert a.nobs == b.nobs == 199
    new = pd.DataFrame({"age": [30.0, 40.0], "years": [2.0, 3.0]})
    np.testing.assert_allclose(a.predict(new), b.predict(new), rtol=1e-14)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(a)).predict(new), a.predict(new))
    assert "Formula:           claims ~ age + offset(np.log(years))" in str(a.summary())
    with_arg = mr.poisson("claims ~ age + offset(np.log(years))", df, offset=np.zeros(200))
    np.testing.assert_array_equal(with_arg.offset, a.model.offset)
