"""Data frames other than pandas (polars, pyarrow Tables) wherever a pandas DataFrame
is taken: fitting from a formula and predicting on new data give pandas' numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlereg as mr


@pytest.fixture
def frame():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"x": rng.normal(size=80), "g": rng.choice(["a", "b", "c"], 80)})
    df["y"] = (rng.random(80) < 1 / (1 + np.exp(-df["x"]))).astype(int)
    return df


@pytest.mark.parametrize("kind", ["polars", "pyarrow"])
def test_fits_and_predictions_from_other_frames(frame, kind):
    if kind == "polars":
        pl = pytest.importorskip("polars")
        other = pl.from_pandas(frame)
    else:
        pa = pytest.importorskip("pyarrow")
        other = pa.Table.from_pandas(frame)
    ref = mr.logit("y ~ x + C(g)", frame).fit()
    res = mr.logit("y ~ x + C(g)", other).fit()
    np.testing.assert_array_equal(res.params, ref.params)
    np.testing.assert_array_equal(res.bse, ref.bse)
    new = frame.head(5)
    new_other = pl.from_pandas(new) if kind == "polars" else pa.Table.from_pandas(new)
    np.testing.assert_array_equal(np.asarray(res.predict(new_other)), np.asarray(ref.predict(new)))
    het = mr.HetGaussian.from_formula("x ~ y | y", other).fit()
    np.testing.assert_array_equal(
        het.params, mr.HetGaussian.from_formula("x ~ y | y", frame).fit().params
    )


def test_other_objects_are_refused_by_name():
    with pytest.raises(TypeError, match="must be a data frame .* got list"):
        mr.logit("y ~ x", [1, 2, 3])
