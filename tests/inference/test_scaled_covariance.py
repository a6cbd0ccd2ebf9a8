"""Robust covariances in equilibrated units: rescaling a column rescales its standard
error and nothing else, even where its variance leaves the range of a double."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from mlereg.exceptions import DegenerateInferenceWarning


@pytest.fixture(scope="module")
def df():
    rng = np.random.default_rng(0)
    n = 120
    out = pd.DataFrame({"x": rng.standard_normal(n), "z": rng.standard_normal(n)})
    out["y"] = 1 + out.x + 0.5 * out.z + rng.standard_normal(n) * (1 + out.x.abs())
    out["k"] = rng.poisson(np.exp(0.3 + 0.2 * out.x))
    out["g"] = np.arange(n) % 9
    return out


def _fit(df, formula, cov_type, scale):
    model = (mr.ols if formula[0] == "y" else mr.poisson)(formula, df.assign(x=df.x * scale))
    kwargs = {"groups": df.g.to_numpy()} if cov_type == "cluster" else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(cov_type=cov_type, **kwargs)
    return res, caught


@pytest.mark.parametrize("formula", ["y ~ x + z", "k ~ x + z"])
@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3", "cluster"])
@pytest.mark.parametrize("scale", [7.3, 1e-120, 1e120, 1e200, 1e-200])
def test_rescaling_a_column_rescales_its_robust_standard_error(df, formula, cov_type, scale):
    ref, _ = _fit(df, formula, cov_type, 1.0)
    res, caught = _fit(df, formula, cov_type, scale)
    np.testing.assert_allclose(res.bse * [1, scale, 1], ref.bse, rtol=1e-9)
    # no numpy RuntimeWarning; a variance out of the double range is said
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    out_of_range = abs(np.log10(scale)) > 150  # a variance of 1e+-300 or beyond
    said = [w for w in caught if issubclass(w.category, DegenerateInferenceWarning)]
    assert bool(said) == out_of_range
