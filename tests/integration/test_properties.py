"""Property tests: invariances every maximum-likelihood fit must have.

* Row order does not change the estimates.
* Rescaling a predictor by c divides its coefficient by c and leaves the rest.
* freq_weights of 2 equal duplicated rows.
* A fit never returns NaN parameters without a warning recorded on the results.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mlereg as mr
from mlereg.exceptions import MleregError, MleregWarning

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Agreement between two fits of the same likelihood from different row orders or
# parametrisations: both stop at the solver's tolerance (1e-8 on the relative step,
# with quadratic convergence far below it), so 1e-7 leaves room for the conditioning of
# the random designs.
RTOL = 1e-7

MODELS = {
    "ols": mr.OLS,
    "logit": mr.Logit,
    "poisson": mr.Poisson,
    "probit": mr.Probit,
}


def _data(kind: str, seed: int, n: int, p: int):
    rng = np.random.default_rng(seed)
    X = np.c_[np.ones(n), rng.normal(size=(n, p))]
    beta = rng.normal(scale=0.5, size=p + 1)
    eta = X @ beta
    if kind == "ols":
        y = eta + rng.normal(size=n)
    elif kind in ("logit", "probit"):
        y = (eta + rng.logistic(size=n) > 0).astype(float)
    else:
        y = rng.poisson(np.exp(np.clip(eta, -3, 3))).astype(float)
    return y, X


def _fit(kind, y, X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MleregWarning)
        try:
            return MODELS[kind](y, X, **kw).fit()
        except MleregError:
            return None  # refused input (e.g. a constant binary response)


def _usable(res) -> bool:
    return res is not None and res.converged and getattr(res, "separation", None) is None


kinds = st.sampled_from(sorted(MODELS))
seeds = st.integers(0, 2**32 - 1)


@SETTINGS
@given(kind=kinds, seed=seeds, n=st.integers(30, 120), p=st.integers(1, 4))
def test_row_order_does_not_matter(kind, seed, n, p):
    y, X = _data(kind, seed, n, p)
    res = _fit(kind, y, X)
    assume(_usable(res))
    perm = np.random.default_rng(seed + 1).permutation(n)
    res_p = _fit(kind, y[perm], X[perm])
    np.testing.assert_allclose(res_p.params, res.params, rtol=RTOL, atol=1e-10)
    np.testing.assert_allclose(res_p.bse, res.bse, rtol=RTOL)
    np.testing.assert_allclose(res_p.llf, res.llf, rtol=1e-10)


@SETTINGS
@given(
    kind=kinds,
    seed=seeds,
    n=st.integers(30, 120),
    p=st.integers(1, 4),
    log_c=st.floats(-6, 6),
    data=st.data(),
)
def test_rescaling_a_predictor_rescales_its_coefficient(kind, seed, n, p, log_c, data):
    y, X = _data(kind, seed, n, p)
    res = _fit(kind, y, X)
    assume(_usable(res))
    j = data.draw(st.integers(1, p))
    c = 10.0**log_c
    Xc = X.copy()
    Xc[:, j] *= c
    res_c = _fit(kind, y, Xc)
    expected = res.params.to_numpy().copy()
    expected[j] /= c
    np.testing.assert_allclose(res_c.params, expected, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(res_c.llf, res.llf, rtol=1e-10)


@SETTINGS
@given(kind=kinds, seed=seeds, n=st.integers(20, 80), p=st.integers(1, 3), data=st.data())
def test_freq_weights_of_two_equal_duplicated_rows(kind, seed, n, p, data):
    y, X = _data(kind, seed, n, p)
    twice = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    fw = np.where(twice, 2.0, 1.0)
    res_w = _fit(kind, y, X, freq_weights=fw)
    assume(_usable(res_w))
    rows = np.r_[np.arange(n), np.flatnonzero(twice)]
    res_d = _fit(kind, y[rows], X[rows])
    np.testing.assert_allclose(res_w.params, res_d.params, rtol=RTOL, atol=1e-10)
    np.testing.assert_allclose(res_w.bse, res_d.bse, rtol=RTOL)
    np.testing.assert_allclose(res_w.llf, res_d.llf, rtol=1e-9)
    assert res_w.nobs == res_d.nobs and res_w.df_resid == res_d.df_resid


@st.composite
def awkward_designs(draw):
    """Small designs with duplicated, constant, zero or tiny columns and few rows."""
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    n = draw(st.integers(3, 25))
    cols = [np.ones(n)]
    for _ in range(draw(st.integers(1, 5))):
        how = draw(st.sampled_from(["normal", "copy", "sum", "const", "zero", "binary", "tiny"]))
        if how == "normal" or len(cols) == 1 and how in ("copy", "sum"):
            cols.append(rng.normal(size=n))
        elif how == "copy":
            cols.append(cols[draw(st.integers(0, len(cols) - 1))] * draw(st.floats(-3, 3)))
        elif how == "sum":
            cols.append(cols[-1] + cols[-2])
        elif how == "const":
            cols.append(np.full(n, draw(st.floats(-5, 5))))
        elif how == "zero":
            cols.append(np.zeros(n))
        elif how == "binary":
            cols.append((rng.random(n) < 0.2).astype(float))
        else:
            cols.append(rng.normal(size=n) * 1e-9)
    X = np.column_stack(cols)
    return seed, X


@SETTINGS
@given(kind=kinds, design=awkward_designs())
def test_nan_params_only_with_a_warning(kind, design):
    seed, X = design
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    y, _ = _data(kind, seed, n, 1)
    if kind == "ols":
        y = X @ rng.normal(size=X.shape[1]) + rng.normal(size=n)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = MODELS[kind](y, X).fit()
        except (MleregError, TypeError) as exc:
            assert str(exc)  # refused, with a message
            return
    ours = [w for w in caught if issubclass(w.category, MleregWarning)]
    if np.any(np.isnan(res.params)) or np.any(np.isnan(res.bse)):
        assert ours, "NaN estimates or standard errors without a warning"
        assert res.messages
    assert len(res.messages) == len(ours)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_property_data_generator_gives_fittable_data(kind):
    y, X = _data(kind, 0, 100, 2)
    res = _fit(kind, y, X)
    assert res is not None and res.converged


NEAR_SINGULAR = settings(
    max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@NEAR_SINGULAR
@given(
    kind=kinds,
    seed=seeds,
    log_cond=st.floats(2, 12),
    log_c=st.floats(-8, 8),
)
def test_near_singular_fits_are_invariant_or_warn(kind, seed, log_cond, log_c):
    """A last column x1 + delta e (condition ~1 / delta of the equilibrated design, up to
    1e12), its rows permuted and its column rescaled: the same estimates and SEs, or a
    warning. Tolerance: both fits solve problems that differ by rounding (~1e-16 of X),
    and estimates move by up to cond^2 eps times the residual's share; SEs by cond eps.
    1e3 * cond^2 * eps (capped at 1e-4) bounds that with room for the solver's tol."""
    n = 60
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    X = np.c_[np.ones(n), x1, x1 + 10.0**-log_cond * rng.normal(size=n)]
    y, _ = _data(kind, seed, n, 1)
    if kind == "ols":
        y = X[:, :2] @ [0.5, 1.0] + rng.normal(size=n)
    res, said = _fit_warned(kind, y, X)
    perm = np.random.default_rng(seed + 1).permutation(n)
    c = 10.0**log_c
    Xc = X[perm].copy()
    Xc[:, 2] *= c
    res_c, said_c = _fit_warned(kind, y[perm], Xc)
    if res is None or res_c is None or said or said_c:
        return  # refused or warned: the property asks no more
    assert res.aliased == res_c.aliased
    tol = min(1e-4, 1e3 * 10.0 ** (2 * log_cond) * np.finfo(float).eps)
    back = np.array([1.0, 1.0, c])
    np.testing.assert_allclose(res_c.params.to_numpy() * back, res.params, rtol=max(tol, RTOL))
    np.testing.assert_allclose(res_c.bse.to_numpy() * back, res.bse, rtol=max(tol, 1e-9))
    np.testing.assert_allclose(res_c.llf, res.llf, rtol=1e-9)


def _fit_warned(kind, y, X):
    """The fit (None when refused) and whether it warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = MODELS[kind](y, X).fit()
        except MleregError:
            return None, True
    return res, any(issubclass(w.category, MleregWarning) for w in caught) or not res.converged
