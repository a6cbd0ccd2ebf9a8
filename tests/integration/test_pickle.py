"""Results and models pickle, and predict(newdata) works after unpickling."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from mlereg.exceptions import DataError


@pytest.fixture()
def df():
    rng = np.random.default_rng(7)
    n = 80
    out = pd.DataFrame(
        {
            "x": rng.uniform(1, 5, n),
            "z": rng.normal(size=n),
            "g": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), ["lo", "mid", "hi"]),
            "h": rng.choice(["p", "q"], n),
        }
    )
    out["y"] = (out.z + 0.3 * out.x + rng.logistic(size=n) > 1).astype(int)
    out["count"] = rng.poisson(np.exp(0.2 + 0.2 * out.x))
    out["years"] = rng.uniform(0.5, 3, n)
    return out


def _roundtrip(obj):
    return pickle.loads(pickle.dumps(obj))


@pytest.mark.parametrize(
    "fit",
    [
        lambda d: mr.ols("z ~ center(x) + np.log(x) + C(g) * h", d).fit(),
        lambda d: mr.logit("y ~ standardize(x) + z + g", d).fit(),
        lambda d: mr.poisson("count ~ x + I(x**2) + h", d, exposure="years").fit(),
        lambda d: mr.glm("y ~ x + g", d, family=mr.families.Binomial()).fit(method="firth"),
        lambda d: mr.ols("z ~ 1", d).fit(),
    ],
    ids=["ols-transforms", "logit", "poisson-exposure", "firth", "intercept-only"],
)
def test_results_roundtrip_and_predict(df, fit):
    res = fit(df)
    back = _roundtrip(res)
    pd.testing.assert_series_equal(back.params, res.params)
    pd.testing.assert_frame_equal(back.cov_params(), res.cov_params())
    assert back.llf == res.llf
    assert str(back.summary()) == str(res.summary())
    new = df.sample(15, random_state=3)
    # stateful transforms keep the training data's mean/sd: predictions on a subset of
    # rows equal the fitted values there
    np.testing.assert_allclose(back.predict(new), res.predict(new), rtol=1e-14)
    np.testing.assert_allclose(back.predict(new), res.fittedvalues[new.index], rtol=1e-12)


def test_unseen_level_still_detected_after_unpickling(df):
    back = _roundtrip(mr.logit("y ~ x + g", df).fit())
    with pytest.raises(DataError, match=r"'g' has level\(s\) \['top'\].*\['lo', 'mid', 'hi'\]"):
        back.predict(pd.DataFrame({"x": [1.0], "g": ["top"]}))


def test_model_pickles_without_the_data_frame(df):
    model = mr.poisson("count ~ x + h", df)
    assert model.data is df
    back = _roundtrip(model)
    assert back.data is None
    np.testing.assert_allclose(back.fit().params, model.fit().params, rtol=1e-14)


def test_array_model_results_pickle(df):
    X = np.c_[np.ones(len(df)), df.x, df.z]
    res = mr.Logit(df.y.to_numpy(), X).fit()
    back = _roundtrip(res)
    np.testing.assert_allclose(back.predict(X[:5]), res.predict(X[:5]), rtol=1e-14)
    assert back.converged == res.converged and back.n_iter == res.n_iter
