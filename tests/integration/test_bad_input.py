"""Bad input, separation and rank deficiency: every failure explains itself.

One test (or more) per row of the behaviour list: the exception class, that the message
names the column / level / argument, and for warnings that the results carry them.
Numbers are checked against R (tests/reference) or statsmodels.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mlereg as mr
from mlereg.exceptions import (
    ConvergenceWarning,
    DataError,
    DataWarning,
    DomainWarning,
    FormulaError,
    MleregError,
    MleregWarning,
    PerfectSeparationWarning,
    RankDeficiencyWarning,
    SaturatedModelWarning,
    SingularDesignError,
)
from tests.helpers import close, load_csv, load_reference


def _sm_logit(df, cols, y="y"):
    return sm.GLM(
        df[y].astype(float), sm.add_constant(df[cols].astype(float)), family=sm.families.Binomial()
    ).fit(tol=1e-12)


@pytest.fixture()
def df():
    rng = np.random.default_rng(1)
    n = 60
    out = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    out["y"] = (out.x + rng.logistic(size=n) > 0).astype(int)
    out["count"] = rng.poisson(np.exp(0.5 + 0.3 * out.x))
    out["g"] = rng.choice(["a", "b", "c"], n)
    out["w"] = rng.uniform(0.5, 2.0, n)
    return out


# --- exception hierarchy ------------------------------------------------------------------
def test_errors_are_value_errors_and_warnings_filterable(df):
    assert issubclass(DataError, ValueError) and issubclass(DataError, MleregError)
    assert issubclass(FormulaError, ValueError)
    d = df.assign(c=df["count"] + 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MleregWarning)
        with pytest.raises(DomainWarning):
            mr.poisson("c ~ x", d)


# --- missing values -------------------------------------------------------------------------
def test_nan_rows_dropped_together_and_counted(df):
    d = df.copy()
    d.loc[[0, 1], "x"] = np.nan
    d.loc[[1, 2], "y"] = np.nan
    d.loc[5, "w"] = np.nan
    with pytest.warns(DomainWarning, match="non-integer numbers of successes"):
        res = mr.glm("y ~ x + z", d, family=mr.families.Binomial(), weights="w").fit()
    assert res.n_dropped == 4
    assert res.dropped_by == {"x": 2, "y": 2, "w": 1}
    assert res.nobs == len(d) - 4
    text = str(res.summary())
    assert "4 dropped" in text and "x: 2" in text
    keep = d.dropna(subset=["x", "y", "w"])
    ref = sm.GLM(
        keep.y, sm.add_constant(keep[["x", "z"]]), family=sm.families.Binomial(), var_weights=keep.w
    ).fit(tol=1e-12)
    close(res.params, ref.params)


def test_missing_raise_names_columns_and_counts(df):
    d = df.copy()
    d.loc[[3, 4, 7], "z"] = np.nan
    with pytest.raises(DataError, match=r"3 row.*'z': 3"):
        mr.ols("y ~ x + z", d, missing="raise")


def test_nan_in_offset_and_groups_dropped(df):
    d = df.copy()
    d["off"] = 0.1
    d.loc[2, "off"] = np.nan
    res = mr.poisson("count ~ x", d, offset="off").fit()
    assert res.n_dropped == 1 and res.dropped_by == {"off": 1}


@pytest.mark.parametrize("dtype", ["Float64", "Int64"])
def test_nullable_numeric_dtypes(df, dtype):
    d = df.copy()
    d["xi"] = (d.x * 10).round().astype(dtype)
    d.loc[[0, 5], "xi"] = pd.NA
    d["yn"] = d.y.astype("Int64")
    d.loc[9, "yn"] = pd.NA
    res = mr.logit("yn ~ xi + z", d).fit()
    assert res.n_dropped == 3
    keep = d.dropna(subset=["xi", "yn"]).astype({"xi": float, "yn": float})
    close(res.params, _sm_logit(keep, ["xi", "z"], "yn").params)


def test_boolean_string_and_category_predictors(df):
    d = df.copy()
    d["b"] = (d.z > 0).astype("boolean")
    d.loc[3, "b"] = pd.NA
    d["s"] = d.g.astype("string")
    d.loc[4, "s"] = pd.NA
    d["k"] = d.g.astype("category")
    res = mr.logit("y ~ x + b + s", d).fit()
    assert res.n_dropped == 2
    keep = d.drop(index=[3, 4])
    X = pd.DataFrame(
        {
            "b[T.True]": keep.b.astype(float),
            "s[T.b]": (keep.s == "b").astype(float),
            "s[T.c]": (keep.s == "c").astype(float),
            "x": keep.x,
        }
    )
    ref = sm.GLM(keep.y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    close(res.params[X.columns], ref.params[X.columns])
    res_k = mr.logit("y ~ x + k", d).fit()
    res_g = mr.logit("y ~ x + g", d).fit()
    close(res_k.params, res_g.params, 1e-12)
    res_bool = mr.logit("y ~ x + bb", d.assign(bb=d.z > 0)).fit()
    assert "bb[T.True]" in res_bool.params.index


# --- infinite values --------------------------------------------------------------------------
def test_inf_raises_naming_column_and_row(df):
    d = df.copy()
    d.loc[7, "z"] = np.inf
    with pytest.raises(DataError, match=r"'z'.*infinite.*\[7\]"):
        mr.ols("y ~ x + z", d)
    X = np.c_[np.ones(len(d)), d.x, d.z]
    with pytest.raises(DataError, match=r"'x2'.*\[7\]"):
        mr.OLS(d.y.to_numpy(float), X)


def test_inf_found_in_copies_products_and_overflowing_columns(df):
    """The formula fast path reads a copied column once (its missing values and
    finiteness together) and checks products of columns in the design itself."""
    d = df.copy()
    d.loc[3, "x"], d.loc[9, "x"] = np.nan, -np.inf  # one row dropped, one refused
    with pytest.raises(DataError, match=r"'x'.*infinite.*\[9\]"):
        mr.ols("y ~ x + z", d)
    d = df.copy()
    d.loc[[5, 8], "x"] = 1e308  # finite, but their sum and x * z overflow
    d.loc[[5, 8], "z"] = [10.0, 0.0]
    with pytest.raises(DataError, match=r"'x:z'.*infinite.*\[5\]"):
        mr.ols("y ~ x + z + x:z", d)
    design = mr.ols("y ~ x + z", d).design  # an overflowing sum alone is no error
    assert design.n_dropped == 0 and np.isfinite(design.X).all()


def test_inf_after_conversion_or_from_contrasts_is_refused(df):
    """Values finite in their own dtype but not as float64, and contrast matrices with
    inf or overflowing products, are caught in the design."""
    d = df.copy()
    d["x"] = d.x.astype(np.longdouble)
    d.loc[3, "x"] = np.longdouble("1e400")
    with pytest.raises(DataError, match=r"'x'.*infinite.*\[3\]"):
        mr.ols("y ~ x", d)
    bad = np.array([[0.0], [np.inf], [1.0]])  # noqa: F841 - used by the formula
    with pytest.raises(DataError, match=r"C\(g, bad\).*infinite"):
        mr.ols("y ~ C(g, bad)", df, trusted=True)
    big = np.array([[0.0], [1e200], [1.0]])  # noqa: F841 - used by the formula
    with pytest.raises(DataError, match=r"C\(g, big\).*:C\(g2, big\).*infinite"):
        mr.ols("y ~ C(g, big):C(g2, big)", df.assign(g2=df.g), trusted=True)


def test_inf_in_response_and_weights(df):
    d = df.astype({"count": float})
    d.loc[4, "count"] = np.inf
    with pytest.raises(DataError, match=r"response 'count'.*\[4\]"):
        mr.poisson("count ~ x", d)
    d = df.copy()
    d.loc[6, "w"] = np.inf
    with pytest.raises(DataError, match=r"weights \('w'\).*\[6\]"):
        mr.ols("y ~ x", d, weights="w")


def test_array_response_nan_inf_and_huge_values():
    rng = np.random.default_rng(3)
    X = np.c_[np.ones(20), rng.standard_normal(20)]
    y = rng.standard_normal(20)
    y_nan = y.copy()
    y_nan[[2, 5]] = np.nan
    model = mr.OLS(y_nan, X)
    assert model.design.n_dropped == 2 and model.design.dropped_by == {"endog": 2}
    y_inf = y.copy()
    y_inf[11] = -np.inf
    with pytest.raises(DataError, match=r"endog.*infinite.*\[11\]"):
        mr.OLS(y_inf, X)
    # finite values whose sum overflows: no NaN, no inf, nothing dropped
    y_big = np.r_[np.full(2, 1e308), y[2:]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no numpy overflow warning
        assert mr.OLS(y_big, X).design.n_dropped == 0


# --- response outside the family's domain -------------------------------------------------------
@pytest.mark.parametrize("model", [mr.logit, mr.probit])
def test_binary_response_coded_1_2_refused(df, model):
    d = df.assign(y=df.y + 1)
    with pytest.raises(DataError, match=r"'y'.*0/1.*\{1, 2\}.*\(y == 2\)"):
        model("y ~ x", d)


def test_binomial_glm_response_out_of_range(df):
    with pytest.raises(DataError, match="'count'.*0/1"):
        mr.glm("count ~ x", df, family=mr.families.Binomial())


@pytest.mark.parametrize(
    "convert",
    [
        lambda y: np.where(y == 1, "yes", "no"),
        lambda y: pd.Series(np.where(y == 1, "yes", "no")).astype("string"),
        lambda y: y == 1,
        lambda y: pd.Categorical(np.where(y == 1, "yes", "no"), categories=["no", "yes"]),
    ],
    ids=["object", "string", "bool", "category"],
)
def test_two_level_response_mapped_and_stated(df, convert):
    d = df.assign(r=convert(df.y.to_numpy()))
    res = mr.logit("r ~ x + z", d).fit()
    close(res.params, _sm_logit(df, ["x", "z"]).params)
    assert len(res.response_levels) == 2
    level1 = res.response_levels[1]
    assert f"1 = {level1!r}" in str(res.summary())


def test_category_order_decides_the_modelled_level(df):
    d = df.assign(r=pd.Categorical(np.where(df.y == 1, "yes", "no"), categories=["yes", "no"]))
    res = mr.logit("r ~ x + z", d).fit()
    assert res.response_levels == ("yes", "no")
    close(res.params, -_sm_logit(df, ["x", "z"]).params)


def test_text_response_with_three_levels_or_for_ols_refused(df):
    with pytest.raises(DataError, match=r"'g' has 3 level.*\['a', 'b', 'c'\]"):
        mr.logit("g ~ x", df)
    d = df.assign(r=np.where(df.y == 1, "yes", "no"))
    with pytest.raises(DataError, match=r"'r' is not numeric.*gaussian"):
        mr.ols("r ~ x", d)


@pytest.mark.parametrize("value", [0, 1])
def test_constant_binary_response_refused(df, value):
    with pytest.raises(DataError, match=f"'y' has no variation: every value is {value}"):
        mr.logit("y ~ x", df.assign(y=value))


def test_all_zero_counts_refused(df):
    with pytest.raises(DataError, match="'count' has no variation"):
        mr.poisson("count ~ x", df.assign(count=0))


def test_negative_counts_refused_naming_rows(df):
    d = df.copy()
    d.loc[[2, 8], "count"] = -1
    with pytest.raises(DataError, match=r"'count'.*non-negative.*2 negative.*\[2, 8\]"):
        mr.poisson("count ~ x", d)


def test_non_integer_counts_warn_once_and_are_recorded(df):
    d = df.assign(c=df["count"] + 0.25)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = mr.poisson("c ~ x", d).fit()
    domain = [w for w in caught if issubclass(w.category, DomainWarning)]
    assert len(domain) == 1 and "'c'" in str(domain[0].message)
    assert any("non-integer" in m for m in res.messages)
    assert "non-integer" in str(res.summary())
    # the estimates are the quasi-likelihood ones statsmodels gives
    ref = sm.GLM(d.c, sm.add_constant(d[["x"]]), family=sm.families.Poisson()).fit(tol=1e-12)
    close(res.params, ref.params)


@pytest.mark.parametrize(
    "family", [mr.families.Gamma(mr.links.Log()), mr.families.InverseGaussian(mr.links.Log())]
)
def test_positive_families_refuse_non_positive_response(df, family):
    d = df.assign(v=np.exp(df.x))
    d.loc[5, "v"] = 0.0
    with pytest.raises(DataError, match=r"'v' must be positive.*\[5\]"):
        mr.glm("v ~ x", d, family=family)


# --- offset, exposure, weights ---------------------------------------------------------------
def test_non_positive_exposure_negative_weights_inf_offset(df):
    d = df.assign(expo=1.0, off=0.0)
    d.loc[3, "expo"] = 0.0
    with pytest.raises(DataError, match=r"exposure \('expo'\).*positive.*\[3\]"):
        mr.poisson("count ~ x", d, exposure="expo")
    d.loc[4, "w"] = -1.0
    with pytest.raises(DataError, match=r"weights \('w'\).*negative.*\[4\]"):
        mr.ols("y ~ x", d, weights="w")
    d.loc[6, "off"] = -np.inf
    with pytest.raises(DataError, match=r"offset \('off'\).*infinite"):
        mr.poisson("count ~ x", d, offset="off")
    with pytest.raises(DataError, match="freq_weights.*negative"):
        mr.Poisson(d["count"], np.c_[np.ones(len(d)), d.x], freq_weights=-np.ones(len(d)))


def test_text_weights_column_refused(df):
    with pytest.raises(DataError, match=r"weights='g'.*numeric"):
        mr.ols("y ~ x", df, weights="g")


# --- empty data, too few rows ----------------------------------------------------------------
def test_empty_data_and_no_rows_left(df):
    with pytest.raises(DataError, match="no rows"):
        mr.ols("y ~ x", df.iloc[:0])
    with pytest.raises(DataError, match="no rows"):
        mr.OLS(np.array([]), np.ones((0, 1)))
    d = df.copy()
    d.loc[::2, "x"] = np.nan
    d.loc[1::2, "z"] = np.nan
    with pytest.raises(DataError, match=r"no rows left.*'x' 30, 'z' 30"):
        mr.ols("y ~ x + z", d)


def test_fewer_rows_than_parameters_raise(df):
    with pytest.raises(DataError, match=r"2 usable row\(s\) but 3 design columns"):
        mr.ols("y ~ x + z", df.iloc[:2])


def test_zero_residual_df_gives_nan_se_and_warning(df):
    d = df.iloc[:3]
    with pytest.warns(SaturatedModelWarning, match="no residual degrees of freedom"):
        res = mr.ols("y ~ x + z", d).fit()
    assert res.df_resid == 0
    assert np.all(np.isnan(res.bse))
    assert any("no residual degrees" in m for m in res.messages)
    ref = np.linalg.solve(np.c_[np.ones(3), d.x, d.z], d.y.to_numpy(float))
    close(res.params, ref, 1e-10)


# --- array API -----------------------------------------------------------------------------
@pytest.mark.parametrize("arg", ["weights", "offset", "exposure", "freq_weights"])
def test_array_length_mismatch_names_argument(df, arg):
    X = np.c_[np.ones(len(df)), df.x]
    with pytest.raises(DataError, match=f"{arg} has 5 values but the data have 60 rows"):
        mr.Poisson(df["count"].to_numpy(), X, **{arg: np.ones(5)})


def test_exog_length_mismatch(df):
    with pytest.raises(DataError, match="exog has 10 rows but endog has 60"):
        mr.OLS(df.y.to_numpy(float), np.ones((10, 1)))


def test_unknown_keyword_arguments_raise_type_error(df):
    with pytest.raises(TypeError, match="'weigths'; did you mean 'weights'"):
        mr.ols("y ~ x", df, weigths="w")
    with pytest.raises(TypeError, match="'familly'; did you mean 'family'"):
        mr.GLM(df.y, np.ones((len(df), 1)), familly=mr.families.Binomial())
    with pytest.raises(TypeError, match="maxiters"):
        mr.ols("y ~ x", df).fit(maxiters=3)


# --- formula errors ---------------------------------------------------------------------------
def test_unknown_variable_named_with_suggestion(df):
    with pytest.raises(FormulaError, match=r"'zz'.*did you mean 'z'"):
        mr.ols("y ~ x + zz", df)


def test_numeric_looking_text_column_warns(df):
    d = df.assign(s=df["count"].astype(str))
    d.loc[0, "s"] = "n/a"
    with pytest.warns(DataWarning, match=r"'s' holds text.*\['n/a'\]"):
        res = mr.ols("y ~ s", d).fit()
    assert any("'s' holds text" in m for m in res.messages)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        mr.ols("y ~ C(s)", d)


# --- predict ----------------------------------------------------------------------------------
def test_predict_missing_column_and_unseen_level(df):
    res = mr.ols("y ~ x + C(g)", df).fit()
    with pytest.raises(DataError, match=r"lack the column\(s\) \['g'\]"):
        res.predict(df[["x"]])
    new = pd.DataFrame({"x": [0.0, 1.0, 2.0], "g": ["a", "d", "e"]})
    with pytest.raises(DataError, match=r"'g' has level\(s\) \['d', 'e'\].*\['a', 'b', 'c'\]"):
        res.predict(new)


def test_predict_with_missing_values_gives_nan_rows(df):
    res = mr.ols("y ~ x + g", df).fit()
    new = pd.DataFrame({"x": [0.5, np.nan, 1.0], "g": ["b", "a", None]})
    pred = res.predict(new)
    assert np.isnan(pred.iloc[1]) and np.isnan(pred.iloc[2])
    close(
        pred.iloc[0], res.params["Intercept"] + 0.5 * res.params["x"] + res.params["g[T.b]"], 1e-12
    )


# --- rank deficiency ------------------------------------------------------------------------
def test_rank_deficient_ols_matches_r():
    ref = load_reference("rankdef")["rankdef_ols"]
    data = load_csv("rankdef.csv")
    with pytest.warns(RankDeficiencyWarning, match=r"\['x3'\]"):
        res = mr.ols(ref["formula"], data).fit()
    assert res.aliased == ["x3"] and np.isnan(res.params["x3"]) and np.isnan(res.bse["x3"])
    close(res.params.iloc[:3], ref["params"][:3])
    close(res.bse.iloc[:3], ref["bse"][:3])
    close(res.llf, ref["llf"])
    assert res.df_resid == ref["df_resid"]
    assert "x3" in res.messages[0]


def test_rank_deficient_poisson_matches_r():
    ref = load_reference("rankdef")["rankdef_poisson"]
    data = load_csv("rankdef.csv")
    with pytest.warns(RankDeficiencyWarning, match=r"\['x3'\]"):
        res = mr.poisson(ref["formula"], data).fit()
    close(res.params.iloc[:3], ref["params"][:3])
    close(res.bse.iloc[:3], ref["bse"][:3])
    close(res.llf, ref["llf"])


@pytest.mark.parametrize(
    "make",
    [
        lambda d: mr.logit("y ~ x + z + x2", d),
        lambda d: mr.glm("v ~ x + z + x2", d, family=mr.families.Gamma(mr.links.Log())),
    ],
    ids=["logit", "gamma"],
)
def test_rank_deficient_logit_and_glm(df, make):
    d = df.assign(x2=2 * df.x - df.z, v=np.exp(0.3 * df.x) * (1 + df.w))
    with pytest.warns(RankDeficiencyWarning, match=r"\['x2'\]"):
        res = make(d).fit()
    assert np.isnan(res.params["x2"])
    model = res.model
    fam = (
        sm.families.Binomial()
        if "y" == model.endog_name
        else sm.families.Gamma(sm.families.links.Log())
    )
    ref = sm.GLM(model.endog, sm.add_constant(d[["x", "z"]]), family=fam).fit(tol=1e-12)
    close(res.params.iloc[:3], ref.params)
    with pytest.raises(SingularDesignError, match="x2"):
        make(d).fit(on_singular="raise")


def test_constant_column_beside_intercept_and_empty_cell(df):
    d = df.assign(k=3.0)
    with pytest.warns(RankDeficiencyWarning, match=r"\['k'\]"):
        res = mr.poisson("count ~ x + k", d).fit()
    assert res.aliased == ["k"]
    d = df.assign(h=np.where(df.x > 0, "p", "q"))
    d = d[~((d.g == "c") & (d.h == "q"))]  # empty cell g=c, h=q
    with pytest.warns(RankDeficiencyWarning, match="g\\[T.c\\]:h\\[T.q\\]"):
        res = mr.ols("y ~ g * h", d).fit()
    assert res.aliased == ["g[T.c]:h[T.q]"]
    with pytest.raises(SingularDesignError):
        mr.ols("y ~ g * h", d).fit(on_singular="raise")


# --- separation ----------------------------------------------------------------------------------
def test_complete_separation_detected_and_named():
    data = load_csv("separated.csv")
    ref = load_reference("separation")["separated_firth"]["detect_separation"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = mr.logit("y ~ x", data).fit()
    sep = res.separation
    assert sep.kind == "complete"
    assert sep.terms == ("Intercept", "x")
    signs = [-1 if b == "-Inf" else 1 for b in ref["beta"]]
    assert list(sep.directions) == signs
    kinds = [w.category for w in caught]
    assert kinds.count(PerfectSeparationWarning) == 1
    assert ConvergenceWarning not in kinds  # one problem, one warning
    text = str(res.summary())
    # printed at the top, under the title, not in a footnote
    assert "Warning: Logit: complete separation" in "\n".join(text.splitlines()[:4])
    assert "fit(method='firth')" in text


def test_quasi_complete_separation_names_only_the_separating_terms():
    data = load_csv("quasisep.csv")
    ref = load_reference("separation")["quasisep_firth"]["detect_separation"]
    with pytest.warns(PerfectSeparationWarning, match="quasi-complete"):
        res = mr.glm("y ~ x + z", data, family=mr.families.Binomial()).fit()
    infinite = [n for n, b in zip(["Intercept", "x", "z"], ref["beta"], strict=True) if b != 0]
    assert list(res.separation.terms) == infinite
    with pytest.warns(PerfectSeparationWarning):
        res_p = mr.probit("y ~ x + z", data).fit()
    assert res_p.separation.kind == "quasi-complete"


def test_no_separation_on_real_data(spector):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        res = mr.logit("GRADE ~ GPA + TUCE + PSI", spector).fit()
    assert res.separation is None


def test_separation_with_binomial_counts():
    d = pd.DataFrame({"s": [0, 0, 3, 5], "f": [4, 6, 0, 0], "x": [1.0, 2, 3, 4]})
    with pytest.warns(PerfectSeparationWarning):
        res = mr.glm("s + f ~ x", d, family=mr.families.Binomial()).fit()
    assert res.separation.kind == "complete"
    d.loc[1, "s"] = 1  # both outcomes at x = 2: still quasi-completely separated
    with pytest.warns(PerfectSeparationWarning, match="quasi-complete"):
        res = mr.glm("s + f ~ x", d, family=mr.families.Binomial()).fit()
    assert res.separation.kind == "quasi-complete"
    d.loc[2, "f"] = 1  # both outcomes at x = 2 and x = 3: no longer separated
    res = mr.glm("s + f ~ x", d, family=mr.families.Binomial()).fit()
    assert res.separation is None


# --- Firth ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,case",
    [
        ("separation", "separated_firth"),
        ("separation", "quasisep_firth"),
        ("spector", "spector_firth_logit"),
    ],
)
def test_firth_matches_r_brglm2(name, case):
    ref = load_reference(name)[case]
    data = load_csv(ref["data"])
    res = mr.logit(ref["formula"], data).fit(method="firth")
    # the penalised score converges linearly under Fisher scoring: 1e-8 on the estimates
    close(res.params, ref["params"], 1e-8)
    close(res.bse, ref["bse"], 1e-8)
    close(res.llf, ref["llf"], 1e-8)
    close(res.deviance, ref["deviance"], 1e-8)
    # a tiny off-diagonal covariance (|c| ~ 1e-2 of the diagonal) is compared to the
    # matrix's scale: relative error there is amplified by its smallness
    vcov = np.asarray(ref["vcov"])
    np.testing.assert_allclose(res.cov_params(), vcov, rtol=1e-8, atol=1e-8 * np.abs(vcov).max())
    assert res.converged and res.method == "Firth"
    glm = mr.glm(ref["formula"], data, family=mr.families.Binomial()).fit(method="firth")
    close(glm.params, ref["params"], 1e-8)


def test_firth_records_separation_without_warning():
    data = load_csv("separated.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", MleregWarning)
        res = mr.logit("y ~ x", data).fit(method="firth")
    assert res.separation.kind == "complete"
    text = str(res.summary())
    assert "Firth" in text and "complete separation" in text


def test_firth_refused_for_other_links(df):
    with pytest.raises(ValueError, match="logit link.*Probit"):
        mr.probit("y ~ x", df).fit(method="firth")
    with pytest.raises(ValueError, match="OLS"):
        mr.ols("y ~ x", df).fit(method="firth")
    with pytest.raises(ValueError, match="method must be"):
        mr.logit("y ~ x", df).fit(method="newtn")


# --- non-convergence -------------------------------------------------------------------------
def test_non_convergence_warns_with_criterion(df):
    d = df.assign(v=np.exp(0.3 * df.x) * (1 + df.w))
    with pytest.warns(ConvergenceWarning, match=r"maximum number of iterations \(2\).*tol"):
        res = mr.glm("v ~ x", d, family=mr.families.Gamma(mr.links.Log())).fit(maxiter=2)
    assert res.converged is False
    assert "NOT CONVERGED" in str(res.summary())
    assert any("did not converge" in m for m in res.messages)


def test_large_designs_check_separation_after_the_fit():
    from mlereg.linalg import tuned

    data = load_csv("separated.csv")
    with (
        tuned(separation_lp_max_cells=0),  # as for a large design
        pytest.warns(PerfectSeparationWarning, match="complete separation"),
    ):
        res = mr.logit("y ~ x", data).fit()
    assert res.separation.terms == ("Intercept", "x")


@pytest.mark.parametrize("model", [mr.OLS, mr.Logit])
def test_column_of_subnormal_numbers_is_aliased(model):
    # values of 5e-324 carry one bit: the column is as good as zeros (its coefficient
    # would overflow). It was fitted as a full column and failed inside LAPACK.
    X = np.array([[1.0, 1.73, 1e-323], [1.0, 1.03, 5e-324], [1.0, 1.11, 5e-324], [1.0, 0.2, 0.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0]) if model is mr.Logit else np.array([0.3, 1.0, 2.0, 0.5])
    with pytest.warns(RankDeficiencyWarning, match="x2"):
        res = model(y, X).fit()
    assert np.isnan(res.params.iloc[2]) and res.aliased == ["x2"]
    assert np.all(np.isfinite(res.params.iloc[:2]))


# KeyError stays for names looked up (a part, a term: Python's lookup error, as
# statsmodels); RuntimeError marks internal misuse, never bad input
_BUILTIN_ERRORS = {"ValueError", "TypeError"}


def test_every_error_mlereg_raises_is_its_own():
    """No module raises a bare ValueError or TypeError: argument errors are
    ArgumentError and ArgumentTypeError (still ValueError and TypeError), so
    ``except MleregError`` catches every failure of bad input."""
    import ast

    from tests.helpers import ROOT

    bare = []
    for path in sorted((ROOT / "mlereg").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                if isinstance(func, ast.Name) and func.id in _BUILTIN_ERRORS:
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno} {func.id}")
    assert bare == []
    with pytest.raises(mr.exceptions.MleregError, match="maxiter"):
        mr.OLS(np.arange(5.0), np.c_[np.ones(5), np.arange(5.0) ** 2]).fit(maxiter=2.5)
    with pytest.raises(TypeError, match="maxiter"):  # what statsmodels users catch
        mr.OLS(np.arange(5.0), np.c_[np.ones(5), np.arange(5.0) ** 2]).fit(maxiter=2.5)
