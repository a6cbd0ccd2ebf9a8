"""Warnings point at the user's line that called mlereg, for every model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import mlereg as mr


def _where(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [(w.filename, w.category.__name__) for w in caught]


def test_warnings_point_at_the_callers_line():
    y = np.r_[np.zeros(5), np.ones(5)]
    X = np.c_[np.ones(10), np.arange(10.0)]
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 6, 5, 8, 7, 9, 8], "x": [1.0, 2, 3, 5, 4] * 2})
    text = df.assign(x=df["x"].map(lambda v: f"{v:g}"))  # numbers as text: a DataWarning
    calls = {
        "logit": lambda: mr.Logit(y, X).fit(),
        "formula": lambda: mr.ols("y ~ x", text),
        "formula fit": lambda: mr.ols("y ~ x + I(2 * x)", df).fit(),
        "aliased": lambda: mr.OLS(np.arange(6.0), np.c_[np.ones(6), np.ones(6)]).fit(),
        "hetgaussian": lambda: mr.HetGaussian.from_formula("y ~ x", text),
    }
    for name, call in calls.items():
        seen = _where(call)
        assert seen, name
        assert all(filename == __file__ for filename, _ in seen), (name, seen)
