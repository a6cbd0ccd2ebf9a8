"""Formulas and pickles are not a way in: a formula is checked before anything in it is
evaluated, and a pickled model's formula again when it loads."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from mlereg.design.safety import check_formula
from mlereg.exceptions import DataError, FormulaError


@pytest.fixture()
def df():
    rng = np.random.default_rng(11)
    n = 60
    out = pd.DataFrame(
        {
            "x1": rng.uniform(1, 4, n),
            "x2": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "t": rng.uniform(0.5, 2, n),
        }
    )
    out["y"] = 1 + 0.5 * out.x1 - out.x2 + rng.normal(size=n)
    out["k"] = rng.poisson(np.exp(0.3 * out.x1) * out.t)
    out["a b"] = rng.normal(size=n)
    return out


def _writer(path):
    return f"I(x1*0 + __import__('pathlib').Path({str(path)!r}).write_text('x'))"


def test_the_file_write_of_a_formula_does_not_happen(df, tmp_path):
    path = tmp_path / "pwned"
    with pytest.raises(FormulaError, match="uses '__import__'.*trusted=True"):
        mr.ols(f"y ~ x1 + {_writer(path)}", df)
    with pytest.raises(FormulaError, match="uses '__import__'"):
        mr.HetGaussian.from_formula(f"y ~ x1 | {_writer(path)}", df)
    with pytest.raises(FormulaError, match="uses '__import__'"):
        mr.poisson(f"k ~ x1 + offset({_writer(path)[2:-1]})", df)
    assert not path.exists()


@pytest.mark.parametrize(
    ("term", "token"),
    [
        ("x1.__class__", "x1.__class__"),
        ("I(x1[0])", "x1[0]"),
        ("I((lambda v: v)(x1))", "lambda v: v"),
        ("I([v for v in x1])", "[v for v in x1]"),
        ("I(getattr(x1, 'mean')())", "getattr"),
        ("Q('__builtins__')", "Q('__builtins__')"),
        ("I(np.random.seed(1) or x1)", "np.random"),
        ("I(np.load('f.npy'))", "np.load"),
        ("I(np.log(**{'x': x1}))", "**"),
        ("I(x1(2))", "x1"),
        ("I(np.log(x1).sum())", "np.log(x1).sum"),
        ("I(eval('x1'))", "eval"),
        ("I(open)", "open"),
        ("I(b'x')", "b'x'"),
        ("I(np.log(x1, out=x1))", "out="),
        ("I(pow(10, 10 ** 9))", "pow"),
    ],
)
def test_anything_else_is_refused_naming_the_token(df, term, token):
    with pytest.raises(FormulaError) as info:
        mr.ols(f"y ~ x1 + {term}", df)
    assert f"uses {token!r}" in str(info.value)


def test_a_misspelt_column_gets_a_suggestion(df):
    with pytest.raises(FormulaError, match="uses 'x11'.*did you mean 'x1'"):
        mr.ols("y ~ x11", df)


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ np.log(x1) + numpy.sqrt(x1) + log(x1) + exp(x2 / 10) + abs(x2)",
        "y ~ center(x1) + standardize(x2) + scale(x2) + bs(x1, df=4)",
        "y ~ cr(x1, df=4, constraints='center')",
        "y ~ C(g, Treatment('b')) + C(g, levels=['c', 'b', 'a']):x1",
        "y ~ Q('a b') + I(x1 > 2) + I(x2 ** 2) + I(np.where(x1 > 2, 1.0, 0.0)) - 1",
        "y ~ (x1 + x2 + g) ** 2 + I(np.pi * x1) + round(x2, 1) + max(x1.size, 0)",
    ],
)
def test_the_allowed_formulas_fit_as_patsy_evaluates_them(df, formula):
    # the same formula, trusted (patsy's evaluation in the caller's frame), gives the
    # same design
    if "max(x1.size" in formula:  # attribute access is refused even of a column
        with pytest.raises(FormulaError, match="uses 'x1.size'"):
            mr.ols(formula, df)
        return
    checked = mr.ols(formula, df)
    names = {"np": np, "numpy": np, "log": np.log, "exp": np.exp}
    trusted = mr.ols(formula, df, eval_env=names)
    assert checked.exog_names == trusted.exog_names
    np.testing.assert_array_equal(checked.exog, trusted.exog)


def test_offsets_and_exposure_in_checked_formulas(df):
    res = mr.poisson("k ~ x1 + offset(np.log(t))", df).fit()
    ref = mr.poisson("k ~ x1", df, exposure="t").fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(res.predict(df.iloc[:5]), ref.predict(df.iloc[:5]), rtol=1e-10)


def test_trusted_and_eval_env_opt_in_to_the_callers_names(df):
    kk = 3.0  # noqa: F841 - used by the formulas

    def twice(v):
        return 2 * v

    with pytest.raises(FormulaError, match="uses 'kk'"):
        mr.ols("y ~ I(x1 * kk)", df)
    a = mr.ols("y ~ I(x1 * kk) + twice(x2)", df, trusted=True).fit()
    b = mr.OLS.from_formula("y ~ I(x1 * kk) + twice(x2)", df, trusted=True).fit()
    names = {"kk": 3.0, "twice": twice}
    c = mr.OLS.from_formula("y ~ I(x1 * kk) + twice(x2)", df, eval_env=names)
    d = mr.ols("y ~ I(3 * x1) + I(2 * x2)", df).fit()
    for res in (a, b, c.fit()):
        np.testing.assert_allclose(res.fittedvalues, d.fittedvalues, rtol=1e-12)
    with pytest.raises(TypeError, match="eval_env must be"):
        mr.ols("y ~ x1", df, eval_env="k")


class _Recording(pickle.Unpickler):
    """Records the globals a pickle loads."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.seen: set[tuple[str, str]] = set()

    def find_class(self, module, name):
        self.seen.add((module, name))
        return super().find_class(module, name)


def _genuine_globals(data: bytes) -> set[tuple[str, str]]:
    """The (module, name) pairs a genuine pickle loads."""
    loader = _Recording(data)
    loader.load()
    return loader.seen


class _Restricted(pickle.Unpickler):
    """Allows only the globals a genuine pickle of the same results needs."""

    def __init__(self, data: bytes, allowed: set[tuple[str, str]]):
        super().__init__(io.BytesIO(data))
        self.allowed = allowed

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"{module}.{name} refused")
        return super().find_class(module, name)


def test_an_edited_pickle_does_not_run_its_formula(df, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "pwned"
    honest = "I(x1 * 1.0 + 0.0 * x2 + 0.0 * x2 + 0.0 * x2 + 0.0 * x2 + 0.0 * x2 + 0.0 * x2)"
    attack = "I(x1*0 + __import__('pathlib').Path('pwned').write_text('x'))"
    attack = attack.ljust(len(honest))
    assert len(attack) == len(honest)
    res = mr.ols(f"y ~ {honest}", df).fit()
    data = pickle.dumps(res)
    allowed = _genuine_globals(data)
    assert _Restricted(data, allowed).load().params.equals(res.params)
    edited = data.replace(honest.encode(), attack.encode())
    assert edited != data
    with pytest.raises(FormulaError, match="loading a pickled model.*__import__"):
        _Restricted(edited, allowed).load()
    with pytest.raises(FormulaError, match="loading a pickled model"):
        pickle.loads(edited)
    assert not path.exists()


def test_an_edited_environment_in_a_pickle_is_not_used(df):
    res = mr.ols("y ~ np.log(x1)", df).fit()
    builder = res.model.design.builder
    state = builder.__getstate__()
    assert state["env"] == {}  # a checked formula stores no names
    state["env"] = {"np": ("module", "os"), "log": ("object", print)}
    back = type(builder).__new__(type(builder))
    back.__setstate__(state)
    new = df.iloc[:4]
    np.testing.assert_array_equal(back.build(new), builder.build(new))
    assert back._eval_env.namespace["np"] is np  # noqa: SLF001 - what the load resolved


def scaled_log(v):
    """A user's function, found by reference when a trusted pickle loads."""
    return np.log(v) * 2


def test_a_trusted_formula_pickles_and_loads_only_when_trusted(df):
    res = mr.ols("y ~ scaled_log(x1) + x2", df, trusted=True).fit()
    data = pickle.dumps(res)
    with pytest.raises(FormulaError, match="uses 'scaled_log'.*trusted_formulas"):
        pickle.loads(data)
    with mr.trusted_formulas():
        back = pickle.loads(data)
    np.testing.assert_allclose(back.predict(df.iloc[:5]), res.predict(df.iloc[:5]), rtol=1e-14)
    # outside the block, loading is checked again
    with pytest.raises(FormulaError):
        pickle.loads(data)


def test_a_trusted_fit_of_an_allowed_formula_loads_checked(df):
    res = mr.ols("y ~ np.log(x1) + C(g)", df, trusted=True).fit()
    back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.predict(df), res.predict(df))


def test_the_listed_functions():
    assert {"C", "I", "Q", "center", "bs", "np.log", "numpy.exp", "log"} <= set(
        mr.FORMULA_FUNCTIONS
    )
    assert not {"eval", "exec", "open", "getattr", "__import__", "np.load"} & set(
        mr.FORMULA_FUNCTIONS
    )
    check_formula("s + f ~ x | z + offset(log(t))", ["s", "f", "x", "z", "t"])
    with pytest.raises(FormulaError, match="cannot parse"):
        check_formula("y ~ x +", ["y", "x"])


def test_a_trusted_formula_of_a_local_function_is_refused_when_pickled(df):
    def local_log(v):
        return np.log(v)

    res = mr.ols("y ~ local_log(x1)", df, trusted=True).fit()
    with pytest.raises(FormulaError, match="uses 'local_log', which cannot be pickled"):
        pickle.dumps(res)


def test_a_trusted_pickle_stores_only_the_names_the_formula_reads(df):
    # 'df' is a keyword of bs() here, not the caller's data frame of that name
    model = mr.ols("y ~ bs(x1, df=4) + I(x2 * scale2)", df, eval_env={"scale2": 2.0, "df": df})
    res = model.fit()
    state = res.model.design.builder.__getstate__()
    assert state["env"] == {"scale2": ("object", 2.0)}
    with mr.trusted_formulas():
        back = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(back.model.design.builder.build(df), res.model.exog)


@pytest.mark.parametrize(
    "term",
    [
        "I(x1 * 10 ** 10 ** 10)",
        "I(x1 + (1 << 10 ** 10))",
        "I(x1 ** 1e6)",
        "C(g, levels=['a'] * 10 ** 9)",
    ],
)
def test_literal_arithmetic_that_would_not_end_is_refused(df, term):
    with pytest.raises(FormulaError, match="exponent or shift|does not repeat"):
        mr.ols(f"y ~ {term}", df)


def test_powers_of_columns_and_small_literals_pass(df):
    res = mr.ols("y ~ I(x1 ** 2) + I(x2 ** -1) + I(2 ** x1) + I(x1 ** (1 / 3))", df)
    assert res.exog_names[1:] == ["I(x1 ** 2)", "I(x2 ** -1)", "I(2 ** x1)", "I(x1 ** (1 / 3))"]


# --- what an attacker tried (each reproduced the problem before its check) -------------


def test_names_python_reads_as_others_are_refused(df, tmp_path, monkeypatch):
    # 'ｅｖａｌ' (full-width) is 'eval' to Python: with a column named eval, the check
    # took it for the column while patsy's frame lacked it, and eval ran the text
    monkeypatch.chdir(tmp_path)
    d = df.assign(eval=1.0, exit=1.0)
    code = "\"__import__('pathlib').Path('pwned').write_text('x')\""
    for formula in (
        f"y ~ x1 + I(max([{code}], key=\uff45\uff56\uff41\uff4c) == 0)",
        "y ~ x1 + Q('\\x65val')",
        "y ~ \uff45\uff56\uff41\uff4c",
    ):
        with pytest.raises(FormulaError):
            mr.ols(formula, d)
    with pytest.raises(FormulaError, match="uses 'key='"):
        mr.ols(f"y ~ x1 + I(max([{code}], key=eval) == 0)", d)
    assert not (tmp_path / "pwned").exists()


def test_builtins_a_formula_may_not_use_are_shadowed():
    from mlereg.design.safety import safe_namespace

    ns = safe_namespace()
    for name in ("eval", "exec", "open", "__import__", "exit", "getattr", "__builtins__"):
        with pytest.raises(FormulaError, match=f"may not use '{name}'"):
            ns[name]("1")
    # the builtins formulas may call are not shadowed: Python's own are found
    assert not {"abs", "round", "min", "max"} & set(ns)


def test_a_pickle_edited_to_call_a_builtin_does_not_run(df, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = mr.ols("y ~ x1", df).fit()
    builder = res.model.design.builder
    state = builder.__getstate__()
    state["formula_columns"] = ("x1", "exec")
    state["rhs"] = "x1 + I(max([\"open('pwned', 'w').write('x')\"], key=exec) == 0)"
    with pytest.raises(FormulaError):
        type(builder).__new__(type(builder)).__setstate__(state)
    state["rhs"] = 'x1 + exec(\'open("pwned", "w")\')'  # a 'column' the rows lack
    with pytest.raises(FormulaError):
        type(builder).__new__(type(builder)).__setstate__(state)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "formula",
    [
        "k ~ x1 + offset(np.log(t, t))",
        "k ~ np.log(x1, x1)",
        "k ~ x1 + offset(np.maximum(t, 100, t))",
    ],
)
def test_numpy_outputs_given_by_position_are_refused(df, formula):
    before = df.copy()
    with pytest.raises(FormulaError, match="arguments"):
        mr.poisson(formula, df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ I(10 ** abs(10000000000))",
        "y ~ I(10 ** max(10000000000, 1))",
        "y ~ I(10 ** round(1e10))",
        "y ~ x + offset(10 ** abs(10000000000))",
        "y ~ I(max(max(9 ** 300, 1) ** 1000, 1) ** 1000)",
        "y ~ I(round(1, -10000000000))",
        "y ~ I(1 << abs(100000000000))",
        "y ~ I(('a' if 1 else 0) * 10000000000 == x)",
        "y ~ I(([0] if 1 else 0) * 1000000000 == x)",
        "y ~ I((min('ab') * 10 ** 9) * 3 == 'a')",
        "y ~ " + " * ".join(f"I(x + {i})" for i in range(1, 19)),
        "y ~ (" + " + ".join(f"I(x + {i})" for i in range(1, 19)) + ") ** 18",
        "y ~ bs(x, df=1000000)",
        "y ~ bs(x, degree=100000)",
        "y ~ te(cr(x, df=300), cr(x, df=300), cr(x, df=300))",
        "y ~ cr(x, df=20000)",
    ],
)
def test_formulas_that_would_not_end_are_refused_before_evaluation(formula):
    # each ran for minutes or asked for gigabytes on a frame of six rows
    with pytest.raises(FormulaError):
        check_formula(formula, ["y", "x", "t"])


@pytest.mark.parametrize(
    "formula",
    [
        "y ~ np",
        "y ~ I(np)",
        "np ~ x1",
        "y ~ bs(x1, df=2, degree=5)",
        "y ~ I(None)",
        "y ~ C(g, 5)",
        "y ~ C(g, 'abc')",
        "y ~ I(1j * x1)",
        "y ~ I(x1" + "+1" * 5000 + ")",
        "y ~ I(" + "-" * 100000 + "1)",
    ],
)
def test_terms_patsy_cannot_evaluate_are_formula_errors(df, formula):
    with pytest.raises(FormulaError):
        mr.ols(formula, df)


def test_a_bare_module_in_an_offset_is_a_formula_error(df):
    with pytest.raises(FormulaError):
        mr.poisson("k ~ x1 + offset(np)", df)


# --- a second attacker's findings --------------------------------------------------------


def test_new_data_cannot_shadow_what_an_offset_calls(df):
    res = mr.poisson("k ~ x1 + offset(np.log(t))", df).fit()
    new = df.iloc[:3].assign(np=[-5.0, -6.0, 7.0], I=1.0, log=2.0)
    np.testing.assert_allclose(res.predict(new), res.predict(df.iloc[:3]), rtol=1e-14)
    with pytest.raises(FormulaError, match="inplace="):
        mr.ols(
            "y ~ x1 + offset(np.clip(x1, 0, 1) if max(x1) > 100 else 0 * x1.clip(inplace=True))", df
        )


def test_computing_with_text_or_python_objects_is_refused(df):
    big = df.assign(s="a", n=10**9, o=pd.Series([10**30] * len(df), dtype=object))
    with pytest.raises(DataError, match="computes with the column 's'"):
        mr.ols("y ~ I(s * n)", big)
    with pytest.raises(DataError, match="computes with the column 'o'"):
        mr.ols("y ~ I(o ** x1)", big)
    res = mr.ols("y ~ I(x1 * x2)", df).fit()
    with pytest.raises(DataError, match="the column 'x1' holds"):
        res.predict(df.iloc[:1].assign(x1=pd.Series(["a"], dtype=object, index=df.index[:1])))


@pytest.mark.parametrize(
    "formula",
    [
        'y ~ x1 + I("%0999999999d" % 1)',
        "y ~ I(np.maximum(x1, [[0, 0], [0, 0]]))",
        "y ~ I(np.maximum(x1, [" + ", ".join(["0"] * 10_001) + "]))",
    ],
)
def test_text_formatting_and_nested_or_huge_literals_are_refused(df, formula):
    with pytest.raises(FormulaError):
        mr.ols(formula, df)


def test_designs_of_far_more_columns_than_rows_are_refused_before_building():
    rng = np.random.default_rng(5)
    n = 100
    d = pd.DataFrame({c: rng.choice([f"{c}{i}" for i in range(100)], n) for c in "abc"})
    d["y"], d["x"], d["z"] = rng.normal(size=(3, n))
    for formula in ("y ~ a:b:c", "y ~ C((x)):C((z)):a", "y ~ cr(x, df=1000):cr(z, df=1000)"):
        with pytest.raises(DataError, match="columns for 100 rows"):
            mr.ols(formula, d)


def test_new_data_of_duplicated_or_ragged_columns_are_data_errors(df):
    res = mr.ols("y ~ x1 + x2", df).fit()
    with pytest.raises(DataError, match="more than one column"):
        res.predict(pd.DataFrame([[1.0, 2.0, 3.0]], columns=["x1", "x1", "x2"]))
    with pytest.raises(DataError, match="dict of columns"):
        res.predict({"x1": [[1.0] * 10], "x2": [1.0, 2.0]})


@pytest.mark.parametrize(
    ("key", "value"),
    [("frame", {"x1": [1.0]}), ("columns", [["x1"]]), ("formula_columns", 5), ("rhs", 5)],
)
def test_a_pickle_state_of_other_types_is_refused(df, key, value):
    res = mr.ols("y ~ x1", df).fit()
    builder = res.model.design.builder
    state = {**builder.__getstate__(), key: value}
    with pytest.raises(DataError, match="not what mlereg stores"):
        type(builder).__new__(type(builder)).__setstate__(state)
