"""Near-singular designs: aliasing that row order and column scale do not change, and
standard errors computed in equilibrated units."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from mlereg.exceptions import RankDeficiencyWarning


def _probit_case(seed: int = 22) -> pd.DataFrame:
    # the case: an interaction of log(|x0| + 1) with center(x0), x0 = 5 + 1e-3 z
    # (its pivoted QR diagonal ratio is 2e-9 to 7e-8 over seeds: below R's lm tolerance)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(10)
    y = (rng.random(10) < 0.5).astype(float)
    return pd.DataFrame({"y": y, "x0": 5 + 1e-3 * z})


def test_row_order_does_not_change_the_aliasing_of_a_near_singular_probit():
    # before: no warning, beta ~ 8e6 and llf -4.1175660030 against -4.1175660031 for
    # the rows permuted (params 4e-6 apart): digits of rounding
    df = _probit_case()
    f = "y ~ x0 + np.log(np.abs(x0) + 1):center(x0)"
    fits = []
    for perm in (np.arange(10), np.random.default_rng(23).permutation(10), np.arange(10)[::-1]):
        with pytest.warns(RankDeficiencyWarning, match="linear combinations"):
            fits.append(mr.probit(f, df.iloc[perm].reset_index(drop=True)).fit())
    for res in fits[1:]:
        assert res.aliased == fits[0].aliased == ["np.log(np.abs(x0) + 1):center(x0)"]
        np.testing.assert_allclose(res.llf, fits[0].llf, rtol=1e-8)
        np.testing.assert_allclose(res.params, fits[0].params, rtol=1e-8)


def _design(n: int = 200, target: float = 5e5, seed: int = 1):
    """[1, x1, x2, 0.6 x1 - 0.3 x2 + delta e]: condition of the unit-norm columns ~5e5."""
    rng = np.random.default_rng(seed)
    x1, x2, e = rng.normal(size=(3, n))
    for delta in np.logspace(-1, -9, 400):
        X = np.c_[np.ones(n), x1, x2, 0.6 * x1 - 0.3 * x2 + delta * e]
        if np.linalg.cond(X / np.linalg.norm(X, axis=0)) >= target:
            return X
    raise AssertionError("no design")


def _response(kind: str, X: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(3)
    eta = X @ np.array([0.2, 0.5, -0.4, 0.3])
    if kind == "ols":
        return eta + rng.normal(size=len(eta))
    if kind == "logit":
        return (eta + rng.logistic(size=len(eta)) > 0).astype(float)
    return rng.poisson(np.exp(eta)).astype(float)


MODELS = {"ols": mr.OLS, "logit": mr.Logit, "poisson": mr.Poisson}


def _statsmodels(kind: str, y: np.ndarray, X: np.ndarray):
    import statsmodels.api as sm

    if kind == "ols":
        return sm.OLS(y, X).fit()
    family = sm.families.Binomial() if kind == "logit" else sm.families.Poisson()
    return sm.GLM(y, X, family=family).fit(tol=1e-15, maxiter=200)


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize("c", [1e-3, 7.3, 1e4, 1e200, 1e-200])
@pytest.mark.parametrize("j", [1, 3])
def test_rescaling_a_column_at_condition_5e5(kind, c, j):
    X = _design()
    y = _response(kind, X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", mr.exceptions.MleregWarning)  # none at 5e5
        res = MODELS[kind](y, X).fit()
    ref = _statsmodels(kind, y, X)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-8)
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-8)
    Xc = X.copy()
    Xc[:, j] *= c
    with warnings.catch_warnings():
        # 1e+-200: the variance of column j is outside the double range (said so)
        warnings.simplefilter("ignore", mr.exceptions.DegenerateInferenceWarning)
        res_c = MODELS[kind](y, Xc).fit()
    back = np.ones(4)
    back[j] = c
    # SEs depend on X through (X'WX)^-1 only, with condition cond(X) = 5e5 when taken
    # from the QR of sqrt(W) X: the rounding of c X (1e-16) moves them by <= 5e-11
    # (before: 1e-5 from the Cholesky of X'WX, cond(X)^2). The estimates move with the
    # rounding of c X as the problem itself does, up to cond(X)^2 eps times the residual
    # (statsmodels' own estimates move 1e-10 to 1e-8 here): 1e-8.
    np.testing.assert_allclose(res_c.bse.to_numpy() * back, res.bse, rtol=1e-10)
    np.testing.assert_allclose(res_c.params.to_numpy() * back, res.params, rtol=1e-8)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_rescaling_by_a_power_of_two_changes_nothing(kind):
    # scaling by 2^k is exact in floating point and the equilibration divides it out
    X = _design()
    y = _response(kind, X)
    res = MODELS[kind](y, X).fit()
    Xc = X.copy()
    Xc[:, 3] *= 2.0**40
    res_c = MODELS[kind](y, Xc).fit()
    np.testing.assert_allclose(res_c.params.to_numpy() * [1, 1, 1, 2.0**40], res.params, rtol=1e-12)
    np.testing.assert_allclose(res_c.bse.to_numpy() * [1, 1, 1, 2.0**40], res.bse, rtol=1e-12)


def test_a_near_singular_least_squares_fit_says_so():
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    X = np.c_[np.ones(30), x, x + 1e-9 * rng.normal(size=30)]  # condition ~1e9
    with pytest.warns(RankDeficiencyWarning, match="near-singular"):
        res = mr.OLS(X @ [1.0, 2.0, 3.0] + rng.normal(size=30), X).fit()
    assert not res.aliased
