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
