"""Arguments checked at the boundary, and numbers at the edges said out loud (the
issue's cases)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from tests.helpers import ROOT


@pytest.fixture
def df():
    rng = np.random.default_rng(3)
    out = pd.DataFrame({"x": rng.normal(size=80), "t": rng.uniform(1, 3, 80)})
    out["y"] = (rng.random(80) < 0.5).astype(int)
    out["c"] = rng.poisson(2.0, 80)
    return out


def test_iteration_options_are_checked(df):
    with pytest.raises(TypeError, match="maxiter must be a positive whole number"):
        mr.logit("y ~ x", df).fit(maxiter=2.5)
    with pytest.raises(TypeError, match="maxiter"):
        mr.HetGaussian.from_formula("x ~ y", df).fit(maxiter=0)
    with pytest.raises(ValueError, match="tol must be a positive finite number"):
        mr.poisson("c ~ x", df).fit(tol=float("nan"))


def test_exposure_needs_a_log_link(df):
    with pytest.raises(mr.exceptions.DataError, match="log link"):
        mr.logit("y ~ x", df, exposure="t")
    with pytest.raises(mr.exceptions.DataError, match="takes no exposure"):
        mr.HetGaussian.from_formula("x ~ y", df, exposure="t")
    assert mr.poisson("c ~ x", df, exposure="t").fit().converged


def test_a_bad_thread_count_in_the_environment_is_named():
    code = "import mlereg as mr; mr.get_num_threads()"
    env = {"MLEREG_NUM_THREADS": "abc", "PYTHONPATH": str(ROOT), "PATH": ""}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "MLEREG_NUM_THREADS must be a whole number of threads, got 'abc'" in proc.stderr


def test_underdispersed_counts_say_use_poisson():
    """theta runs off to infinity when the variance is the mean or less."""
    y = np.tile([1.0, 2.0, 2.0, 3.0, 2.0], 20)  # variance below the mean
    x = np.linspace(0, 1, 100)
    with pytest.warns(mr.exceptions.BoundaryWarning, match="no overdispersion.*Poisson"):
        res = mr.NegativeBinomial(y, np.c_[np.ones(100), x]).fit()
    assert any("no overdispersion" in m for m in res.messages)


def test_a_zero_or_infinite_standard_error_is_not_printed_silently():
    """The issue's case: a column scaled by 1e200 gave SE = 0 and p = 0 for OLS."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=50)
    y = 1 + x + rng.normal(size=50)
    with pytest.warns(mr.exceptions.DegenerateInferenceWarning):
        res = mr.OLS(y, np.c_[np.ones(50), x * 1e200]).fit()
    assert "Warning:" in str(res.summary())


def test_design_edges_get_mlereg_errors(df):
    with pytest.raises(mr.exceptions.FormulaError, match="no terms and no intercept"):
        mr.ols("y ~ 0", df)
    with pytest.raises(mr.exceptions.DataError, match=r"more than one column named \['x'\]"):
        mr.ols("y ~ x", pd.concat([df, df[["x"]]], axis=1))
    with pytest.raises(mr.exceptions.DataError, match="named 'Intercept'"):
        mr.ols("y ~ x + Intercept", df.assign(Intercept=df["x"] * 2))


def test_small_integers_do_not_wrap_around(df):
    """I(i8 * i8) on an int8 column gave 121 for 16129 (127 * 127)."""
    small = df.assign(i8=np.full(len(df), 127, dtype=np.int8))
    model = mr.ols("y ~ x + I(i8 * i8)", small.assign(i8=small["i8"] - np.int8(df.index % 2)))
    assert model.exog[:, 2].max() == 127 * 127
    assert mr.ols("y ~ C(i8)", small.assign(i8=(df.index % 3).astype(np.int8))).exog_names[1] == (
        "C(i8)[T.1]"
    )


def test_predict_matches_integer_column_labels(df):
    """A model fitted on a DataFrame with integer column labels predicts on the same
    kind of frame (it asked for the columns '0', '1')."""
    X = pd.DataFrame({0: np.ones(len(df)), 1: df["x"]})
    res = mr.OLS(df["x"] * 2 + 1, X).fit()
    np.testing.assert_allclose(res.predict(pd.DataFrame({0: [1.0], 1: [2.0]})), [5.0])


def test_categories_in_another_order_at_predict(df):
    """The same levels in another order are the same data ('mismatching levels')."""
    g = pd.Categorical(np.resize(["a", "b", "c"], len(df)), categories=["a", "b", "c"])
    res = mr.ols("x ~ g", df.assign(g=g)).fit()
    reordered = pd.Categorical(["b", "c"], categories=["c", "b", "a"])
    same = pd.Categorical(["b", "c"], categories=["a", "b", "c"])
    np.testing.assert_array_equal(
        res.predict(pd.DataFrame({"g": reordered})), res.predict(pd.DataFrame({"g": same}))
    )


def test_a_formula_too_long_for_patsy_is_named(df):
    formula = "y ~ " + " + ".join(f"I(x * {i})" for i in range(3000))
    with pytest.raises(mr.exceptions.FormulaError, match="too long for patsy"):
        mr.ols(formula, df)


def test_a_factor_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    """A factor of 1e5 levels asked numpy for 55.6 GiB (MemoryError); the design's size
    is checked against the machine's memory first (here a pretend 1 GiB machine)."""
    from mlereg.design import size

    monkeypatch.setattr(size, "physical_memory", lambda: 2.0**30)
    n = 20_000
    data = pd.DataFrame({"y": np.linspace(0, 1, n), "g": np.arange(n) % 10_000})
    with pytest.raises(mr.exceptions.DataError, match=r"GiB .*'g': 10000 levels"):
        mr.ols("y ~ C(g)", data)


def test_unusable_column_types_are_named(df):
    with pytest.raises(mr.exceptions.DataError, match="'td' holds durations"):
        mr.ols("x ~ td", df.assign(td=pd.to_timedelta(np.arange(len(df)), unit="D")))
    with pytest.raises(mr.exceptions.DataError, match="'z' holds complex numbers"):
        mr.ols("x ~ z", df.assign(z=np.arange(len(df)) + 1j))
    res = mr.ols("x ~ t", df).fit()
    with pytest.raises(mr.exceptions.DataError, match="the column 't' holds"):
        res.predict(pd.DataFrame({"t": ["a", "b"]}))


def test_misaligned_and_structured_designs():
    """The compiled kernel takes aligned doubles only: a misaligned X goes to numpy (the
    kernel raised its own ValueError before); a structured array is named."""
    rng = np.random.default_rng(0)
    n = 1000
    X = np.c_[np.ones(n), rng.normal(size=(n, 3))]
    y = (rng.random(n) < 0.5).astype(float)
    raw = bytearray(X.nbytes + 1)
    shifted = np.frombuffer(raw, dtype=np.float64, offset=1, count=X.size).reshape(X.shape)
    shifted[...] = X
    assert not shifted.flags.aligned
    np.testing.assert_allclose(
        mr.Logit(y, shifted).fit().params, mr.Logit(y, X).fit().params, rtol=1e-12
    )
    with pytest.raises(mr.exceptions.DataError, match="structured dtype"):
        mr.Logit(y, np.zeros(n, dtype=[("a", float), ("b", float)]))
