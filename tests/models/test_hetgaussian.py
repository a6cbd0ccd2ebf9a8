"""HetGaussian (mean | log sigma), the first model on the row contract: against a
GenericLikelihoodModel of the same likelihood (numerical derivatives, scipy's normal
log-density), against OLS when log sigma is a constant, and its derivatives against
finite differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mlereg as mr
from mlereg.exceptions import DataError, FormulaError
from mlereg.optim import numdiff
from tests.helpers import close


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20261205)
    n = 400
    x1, x2, z = rng.normal(size=n), rng.normal(size=n), rng.uniform(-1, 1, n)
    y = 1 + 2 * x1 - x2 + np.exp(0.3 + 0.5 * x1 - 0.4 * z) * rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    fw = rng.integers(1, 4, n).astype(float)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "z": z, "w": w, "fw": fw})


def _generic(df):
    y, x1, x2, z = (df[c].to_numpy() for c in ("y", "x1", "x2", "z"))

    def loglikeobs(p):
        return stats.norm.logpdf(
            y, p[0] + p[1] * x1 + p[2] * x2, np.exp(p[3] + p[4] * x1 + p[5] * z)
        )

    return mr.GenericLikelihoodModel(loglikeobs, param_names=list("abcdef"))


def test_matches_a_generic_model_of_the_same_likelihood(data):
    res = mr.HetGaussian.from_formula("y ~ x1 + x2 | x1 + z", data).fit(tol=1e-12)
    gen = _generic(data).fit(np.zeros(6), tol=1e-12)
    assert res.converged and gen.converged
    close(res.params, gen.params.to_numpy(), rtol=1e-8)
    close(res.llf, gen.llf, rtol=1e-12)
    # the generic model's SEs come from a finite-difference Hessian (about 1e-8 relative
    # in the Hessian): compared with the observed information, at 1e-6
    obs = mr.HetGaussian.from_formula("y ~ x1 + x2 | x1 + z", data).fit(
        tol=1e-12, information="observed"
    )
    close(obs.params, res.params, rtol=1e-9)
    close(obs.bse, gen.bse.to_numpy(), rtol=1e-6)
    assert res.aic == pytest.approx(-2 * res.llf + 2 * 6, rel=1e-14)


def test_a_constant_sigma_is_ols(data):
    res = mr.HetGaussian.from_formula("y ~ x1 + x2", data).fit(tol=1e-12)
    ols = mr.ols("y ~ x1 + x2", data).fit()
    close(res.params_of("mean"), ols.params.to_numpy(), rtol=1e-10)
    close(res.llf, ols.llf, rtol=1e-12)
    close(np.exp(2 * res.params["log_sigma_Intercept"]), ols.sigma2_mle, rtol=1e-10)
    # an explicit `| 1` is the same model
    same = mr.HetGaussian.from_formula("y ~ x1 + x2 | 1", data).fit(tol=1e-12)
    close(same.params, res.params.to_numpy(), rtol=1e-14)


def test_precision_weights_are_weighted_least_squares(data):
    res = mr.HetGaussian.from_formula("y ~ x1 + x2", data, weights="w").fit(tol=1e-12)
    wls = mr.ols("y ~ x1 + x2", data, weights="w").fit()
    close(res.params_of("mean"), wls.params.to_numpy(), rtol=1e-10)
    close(res.llf, wls.llf, rtol=1e-12)  # R's logLik.lm with weights


def test_frequency_weights_count_rows(data):
    res = mr.HetGaussian.from_formula("y ~ x1 | z", data, freq_weights="fw").fit(tol=1e-12)
    rep = data.loc[data.index.repeat(data["fw"].astype(int))].reset_index(drop=True)
    expanded = mr.HetGaussian.from_formula("y ~ x1 | z", rep).fit(tol=1e-12)
    close(res.params, expanded.params.to_numpy(), rtol=1e-9)
    close(res.llf, expanded.llf, rtol=1e-12)
    close(res.bse, expanded.bse.to_numpy(), rtol=1e-9)
    assert res.nobs == expanded.nobs == data["fw"].sum()


def test_arrays_give_the_formula_fit(data):
    X = np.c_[np.ones(len(data)), data[["x1", "x2"]]]
    Z = np.c_[np.ones(len(data)), data["x1"]]
    arrays = mr.HetGaussian(data["y"].to_numpy(), X, Z).fit(tol=1e-12)
    formula = mr.HetGaussian.from_formula("y ~ x1 + x2 | x1", data).fit(tol=1e-12)
    close(arrays.params, formula.params.to_numpy(), rtol=1e-12)
    assert arrays.param_names[0] == "mean_const"


def test_score_and_information_against_finite_differences(data):
    model = mr.HetGaussian.from_formula("y ~ x1 + x2 | x1 + z", data)
    p = np.array([0.8, 1.9, -1.1, 0.2, 0.4, -0.3])
    close(model.score(p), numdiff.gradient(model.loglike, p), rtol=1e-7, atol=1e-6)
    observed = model.information(p, "observed")
    close(observed, -numdiff.jacobian(model.score, p), rtol=1e-7, atol=1e-6)
    # expected: E[r] = 0 and E[r^2] = sigma^2 in the observed blocks
    X, Z = model.exog
    s = Z @ p[3:]
    expected = model.information(p, "expected")
    close(expected[:3, :3], X.T @ (np.exp(-2 * s)[:, None] * X), rtol=1e-12)
    close(expected[3:, 3:], 2 * Z.T @ Z, rtol=1e-12)
    assert np.all(expected[:3, 3:] == 0)


def test_missing_values_in_any_part_drop_the_row_everywhere(data):
    df = data.copy()
    df.loc[[3, 7], "z"] = np.nan
    df.loc[11, "x2"] = np.nan
    model = mr.HetGaussian.from_formula("y ~ x1 + x2 | z", df)
    assert model.design.n_dropped == 3
    assert [X.shape[0] for X in model.exog] == [len(df) - 3] * 2
    full = mr.HetGaussian.from_formula("y ~ x1 + x2 | z", df.drop(index=[3, 7, 11])).fit()
    close(model.fit().params, full.params.to_numpy(), rtol=1e-12)


def test_predictions_on_new_data(data):
    res = mr.HetGaussian.from_formula("y ~ x1 + x2 | x1", data).fit()
    new = pd.DataFrame({"x1": [0.0, 1.0], "x2": [1.0, -1.0]}, index=["a", "b"])
    mean, gamma = res.params_of("mean"), res.params_of("log_sigma")
    close(res.predict(new), mean["Intercept"] + mean["x1"] * new.x1 + mean["x2"] * new.x2)
    close(res.predict(new, which="sigma"), np.exp(gamma["Intercept"] + gamma["x1"] * new.x1))
    assert list(res.predict(new).index) == ["a", "b"]
    close(res.fittedvalues, res.predict(data))
    with pytest.raises(ValueError, match="which must be one of"):
        res.predict(new, which="median")


def test_formula_parts_are_checked(data):
    with pytest.raises(FormulaError, match="3 parts"):
        mr.HetGaussian.from_formula("y ~ x1 | x2 | z", data)
    with pytest.raises(FormulaError, match="empty part"):
        mr.HetGaussian.from_formula("y ~ x1 | ", data)
    with pytest.raises(DataError, match="precision weights"):
        mr.HetGaussian.from_formula("y ~ x1", data.assign(w=0.0), weights="w")
    # a `|` inside a call is not a separator
    res = mr.HetGaussian.from_formula("y ~ I((x1 > 0) | (x2 > 0))", data)
    assert res.part_names[0] == ["Intercept", "I((x1 > 0) | (x2 > 0))[T.True]"]


def test_the_summary_names_the_parts(data):
    text = str(mr.HetGaussian.from_formula("y ~ x1 | z", data).fit().summary())
    assert "Formula:           y ~ x1 | z" in text
    assert "log_sigma_z" in text and "Newton-Raphson" in text
