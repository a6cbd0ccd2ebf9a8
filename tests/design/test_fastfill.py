"""The fast formula path (numpy fills the design patsy learned on a few rows) against
patsy itself: the same matrices, names, rows and response, bit for bit."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import patsy
import pytest

from mlereg.design import fastfill as fastdesign
from mlereg.design import formula as fm
from mlereg.design import frame as design_frame
from mlereg.design.formula import design_from_formula
from mlereg.design.terms import drop_scope, without_term
from mlereg.exceptions import FormulaError
from mlereg.linalg import tuned


def _data(n: int = 300, seed: int = 11, missing: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "f": rng.poisson(3, n).astype(float),
            "x1": rng.normal(size=n),
            "x2": rng.uniform(0.5, 3, n),
            "x3": rng.integers(-3, 4, n),
            "g": pd.Series(rng.choice(["a", "b", "c", "d"], n), dtype=object),
            # a category dtype with an unused category ("zz"): patsy keeps its column
            "h": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), ["lo", "mid", "hi", "zz"]),
            "b": rng.random(n) < 0.4,
            "s": pd.Series(rng.choice(["p", "q", "r"], n), dtype="string"),
            "t": pd.Series(list(rng.choice(["u", "v", "w"], n))),  # pandas' default str
            "weird name": rng.normal(size=n),
        }
    )
    if missing:
        df.loc[rng.choice(n, 7, replace=False), "x1"] = np.nan
        df.loc[rng.choice(n, 5, replace=False), "g"] = None
        df.loc[rng.choice(n, 4, replace=False), "h"] = np.nan
        df.loc[rng.choice(n, 3, replace=False), "y"] = np.nan
    return df


SIMPLE = [
    "y ~ x1 + x2 + x3",
    "y ~ 1",
    "y ~ x1 + g",
    "y ~ g + h + b",
    "y ~ s + x2",
    "y ~ t:x2 + C(t, Sum)",
    "y ~ C(g)",
    "y ~ C(g, Treatment)",
    "y ~ C(g, Treatment('c')) + x1",
    "y ~ C(g, Sum) + C(h, Helmert)",
    "y ~ C(g, levels=['d', 'c', 'b', 'a'])",
    "y ~ C(x3)",
    "y ~ C(b) + C(s)",
    "y ~ x1 - 1",
    "y ~ 0 + g + x1",
    "y ~ g - 1 + h",
    "y ~ x1:g",
    "y ~ g:h",
    "y ~ x1 * g",
    "y ~ g * h * b",
    "y ~ x1:x2:x3 + x2:h",
    "y ~ x1 + x1:x2",
    'y ~ Q("weird name") + x1',
    'y ~ Q("weird name"):g',
    'Q("y") ~ x1 + g',
    "y + f ~ x1 + g",
    "x3 ~ x1 + h",
]

FALLBACK = [
    "y ~ I(x2**2) + g",
    "y ~ np.log(x2) + x1",
    "y ~ center(x1) + g",
    "y ~ standardize(x2):h",
    "np.log(f + 1) ~ x1",
]


@pytest.fixture()
def spy(monkeypatch):
    """Record whether design_from_formula took the fast path."""
    taken: list[bool] = []
    real = fm.fast_matrices

    def wrapper(*args, **kwargs):
        out = real(*args, **kwargs)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(fm, "fast_matrices", wrapper)
    return taken


def _assert_as_patsy(formula: str, df: pd.DataFrame) -> None:
    design = design_from_formula(formula, df)
    # the rows with a missing value in a used column go first (a stateful transform
    # learns from the kept rows), then patsy builds the matrices
    used = [c for c in fm.formula_names(formula) if c in df.columns]
    complete = df.dropna(subset=used)
    ydf, xdf = patsy.dmatrices(formula, complete, NA_action="raise", return_type="dataframe")
    assert np.array_equal(design.X, xdf.to_numpy())
    assert design.X.dtype == np.float64
    assert design.exog_names == tuple(xdf.columns)
    yref = ydf.to_numpy()
    assert np.array_equal(design.y, yref[:, 0] if yref.shape[1] == 1 else yref)
    assert design.endog_name == " + ".join(ydf.columns)
    assert design.row_index.equals(xdf.index)
    assert design.n_dropped == len(df) - len(xdf)


@pytest.mark.parametrize("formula", SIMPLE)
def test_fast_path_matches_patsy(formula, spy):
    df = _data()
    _assert_as_patsy(formula, df)
    assert spy == [True]
    # without a stateful transform patsy's own dropping of missing rows agrees
    design = design_from_formula(formula, df)
    _, xdf = patsy.dmatrices(formula, df, NA_action="drop", return_type="dataframe")
    assert np.array_equal(design.X, xdf.to_numpy())
    assert design.row_index.equals(xdf.index)


@pytest.mark.parametrize("formula", FALLBACK)
def test_other_factors_fall_back_to_patsy(formula, spy):
    _assert_as_patsy(formula, _data())
    assert spy == [False]


@pytest.mark.parametrize("formula", ["y ~ x1 + g", "y ~ x1:g + h:b + x2"])
def test_many_row_blocks(formula, spy):
    # the smallest block (256 rows) on 1000 rows: four blocks, the last one short
    with tuned(fill_block_bytes=1):
        _assert_as_patsy(formula, _data(n=1000, seed=3))
    assert spy == [True]


def test_without_missing_values(spy):
    _assert_as_patsy("y ~ x1 + x2 + x3 + g + h + b", _data(missing=False))
    assert spy == [True]


def test_non_numeric_response_keeps_its_levels(spy):
    df = _data()
    design = design_from_formula("b ~ x1 + g", df)
    xdf = patsy.dmatrix("x1 + g", df.dropna(subset=["x1", "g"]), return_type="dataframe")
    assert np.array_equal(design.X, xdf.to_numpy())
    assert design.exog_names == tuple(xdf.columns)
    assert design.response_levels == (False, True)
    assert np.array_equal(design.y, df.loc[xdf.index, "b"].to_numpy(dtype=float))
    assert spy == [True]


def test_shadowed_builtin_falls_back(spy):
    # a column named C: C(g) is then not patsy's C. A checked formula refuses the call
    # of a column; a trusted one goes to patsy's own path, which decides
    df = _data(missing=False).assign(C=1.0)
    with pytest.raises(FormulaError, match="uses 'C'"):
        design_from_formula("y ~ C(g)", df)
    assert spy == []
    with pytest.raises(Exception):  # noqa: B017 - patsy's error, whatever it is
        patsy.dmatrices("y ~ C(g)", df)
    with pytest.raises(Exception):  # noqa: B017
        design_from_formula("y ~ C(g)", df, trusted=True)
    assert spy == [False]


def _design_both_ways(formula, df, monkeypatch):
    fast = design_from_formula(formula, df)
    with monkeypatch.context() as m:
        m.setattr(fm, "fast_matrices", lambda *a, **k: None)
        slow = design_from_formula(formula, df)
    return fast, slow


@pytest.mark.parametrize("formula", ["y ~ x1 * g + h", "y ~ Q('weird name') + b + s"])
def test_same_design_as_the_patsy_path(formula, monkeypatch):
    df = _data()
    fast, slow = _design_both_ways(formula, df, monkeypatch)
    for name in ("exog_names", "endog_name", "n_dropped", "dropped_by", "response_levels"):
        assert getattr(fast, name) == getattr(slow, name)
    assert np.array_equal(fast.X, slow.X) and np.array_equal(fast.y, slow.y)
    assert fast.row_index.equals(slow.row_index)
    assert drop_scope(fast) == drop_scope(slow)
    term = list(drop_scope(fast))[-1]
    assert np.array_equal(without_term(fast, term).X, without_term(slow, term).X)
    new = _data(n=40, seed=5)
    expected = slow.builder.build(new)
    assert np.array_equal(fast.builder.build(new), expected, equal_nan=True)
    restored = pickle.loads(pickle.dumps(fast.builder))
    assert np.array_equal(restored.build(new), expected, equal_nan=True)


def test_prototype_keeps_levels_only():
    df = _data(missing=False)
    design = design_from_formula("y ~ x1 + x2 + g + C(x3)", df)
    proto = design.builder._frame
    # row 0 and at most one row per level of g and of x3: no row for the numeric columns
    assert len(proto) <= 1 + df["g"].nunique() + df["x3"].nunique()
    assert set(proto["g"]) == set(df["g"]) and set(proto["x3"]) == set(df["x3"])
    numeric_only = design_from_formula("y ~ x1 + x2", df)
    assert len(numeric_only.builder._frame) == 1
    restored = pickle.loads(pickle.dumps(design.builder))
    assert restored.design_info.column_names == design.builder.design_info.column_names


def test_stateful_transform_keeps_every_row():
    df = _data(missing=False)
    design = design_from_formula("y ~ center(x1) + g", df)
    assert len(design.builder._frame) == len(df)
    restored = pickle.loads(pickle.dumps(design.builder))
    new = _data(n=20, seed=9, missing=False)
    assert np.array_equal(restored.build(new), design.builder.build(new))


def test_infinite_value_is_reported_by_column():
    df = _data(missing=False)
    df.loc[4, "x2"] = np.inf
    with pytest.raises(fm.DataError, match=r"the column 'x2' has 1 infinite"):
        design_from_formula("y ~ x1 + x2 + g", df)


def test_a_fill_that_disagrees_with_patsy_is_not_used(spy, monkeypatch):
    # the check on the prototype rows sends a wrong fill back to patsy's own path
    real = fastdesign._fill
    monkeypatch.setattr(fastdesign, "_DESIGN_CACHE", {})  # the check runs when patsy does
    monkeypatch.setattr(fastdesign, "_fill", lambda info, values, n: real(info, values, n) + 1.0)
    _assert_as_patsy("y ~ x1 + g", _data())
    assert spy == [False]


def test_refits_of_a_formula_reuse_patsys_design(monkeypatch):
    """A formula of bare column names is handed to patsy once per formula, column types
    and levels; a refit on other rows builds the same matrices as patsy without it."""
    monkeypatch.setattr(fastdesign, "_DESIGN_CACHE", {})
    calls: list[str] = []
    real = patsy.dmatrices

    def counting(formula, *args, **kwargs):
        calls.append(formula)
        return real(formula, *args, **kwargs)

    monkeypatch.setattr(fastdesign.patsy, "dmatrices", counting)
    df = _data(missing=False)
    _assert_as_patsy("y ~ x1 + g:x2 + h", df)
    assert len(calls) == 2  # the fit, and the reference in the check
    other = _data(seed=12, missing=False)  # other values, the same levels
    calls.clear()
    design = design_from_formula("y ~ x1 + g:x2 + h", other)
    assert calls == []  # from the cache
    ydf, xdf = real("y ~ x1 + g:x2 + h", other, return_type="dataframe")
    assert np.array_equal(design.X, xdf.to_numpy())
    assert design.exog_names == tuple(xdf.columns)
    fewer = other[other["g"] != "d"]  # a level gone: patsy again
    calls.clear()
    _assert_as_patsy("y ~ x1 + g:x2 + h", fewer)
    assert calls == ["y ~ x1 + g:x2 + h"] * 2  # the fit, and the reference in the check
    calls.clear()
    design_from_formula("y ~ C(g) + x1", other)  # C() may take arguments: never cached
    design_from_formula("y ~ C(g) + x1", other)
    assert len(calls) == 2


def test_levels_equal_as_numbers_are_not_confused_by_the_cache(monkeypatch):
    monkeypatch.setattr(fastdesign, "_DESIGN_CACHE", {})
    rng = np.random.default_rng(4)
    y = rng.normal(size=40)
    ints = pd.DataFrame({"y": y, "g": pd.Series([1, 2] * 20, dtype=object)})
    floats = pd.DataFrame({"y": y, "g": pd.Series([1.0, 2.0] * 20, dtype=object)})
    _assert_as_patsy("y ~ g", ints)
    _assert_as_patsy("y ~ g", floats)  # g[T.2.0], not the cached g[T.2]


@pytest.mark.parametrize("formula", SIMPLE)
def test_new_data_design_filled_with_numpy_equals_patsy(formula):
    # new data of at least FAST_BUILD_MIN_ROWS rows are filled as the fit's design is;
    # the result is patsy's matrix, value for value
    fit_data = _data(400, seed=3, missing=False)
    new = _data(3000, seed=4, missing=False)
    builder = design_from_formula(formula, fit_data).builder
    built = builder.build(new)
    assert builder._fast_build(design_frame.clean_frame(new, builder.columns)) is not None
    (expected,) = patsy.build_design_matrices([builder.design_info], new, NA_action="raise")
    np.testing.assert_array_equal(built, np.asarray(expected))


def test_new_data_with_missing_values_or_transforms_take_patsy():
    fit_data = _data(400, seed=3, missing=False)
    new = _data(3000, seed=4, missing=True)
    for formula in ["y ~ x1 * g + h", "y ~ np.log(x2) + C(x3) + center(f)"]:
        builder = design_from_formula(formula, fit_data).builder
        built = builder.build(new)
        na = new[list(builder.columns)].isna().any(axis=1).to_numpy()
        assert np.isnan(built[na]).all() and not np.isnan(built[~na]).any()
        (expected,) = patsy.build_design_matrices(
            [builder.design_info], new.loc[~na], NA_action="raise"
        )
        np.testing.assert_allclose(built[~na], np.asarray(expected), rtol=1e-15)
