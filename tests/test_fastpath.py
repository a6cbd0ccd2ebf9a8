"""The optimised kernels against straightforward numpy formulas, and whole fits against
statsmodels.

The blocked X'WX (the compiled kernel, or dsyrk on row blocks; fused with X'u), the
reuse of the solver's last information for the covariance, and the normal-equations
OLS path must give the numbers of the plain formulas: relative 1e-10 for the kernels
(rounding only), 1e-8 for fits against statsmodels (the issue's tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import mlereg as mr
from mlereg import linalg


def _rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 rows, so that moderate n crosses many block boundaries."""
    monkeypatch.setattr(linalg.blocks, "BLOCK_BYTES", 1)


@pytest.fixture(
    params=[
        pytest.param(
            "compiled",
            marks=pytest.mark.skipif(
                linalg._ckernels is None, reason="built without a C compiler: numpy only"
            ),
        ),
        "numpy",
    ]
)
def kernel(request, monkeypatch):
    """Each block through the compiled kernel, or through numpy's BLAS calls."""
    if request.param == "numpy":
        monkeypatch.setattr(linalg.blocks, "_ckernels", None)
    return request.param


def _design(n, p, order, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p)
    X[:, 0] = 1.0
    return np.asarray(X, order=order)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n", [1, 255, 1000, 5003])
def test_weighted_gram_matches_numpy(order, n, small_blocks, kernel):
    X = _design(n, 7, order)
    w = np.random.default_rng(1).uniform(0, 3, n)
    expected = X.T @ (w[:, None] * X)
    got = linalg.weighted_gram(X, w)
    assert _rel(got, expected) < 1e-12
    assert np.array_equal(got, got.T)
    assert _rel(linalg.weighted_gram(X), X.T @ X) < 1e-12


def test_weighted_gram_negative_weights_and_strided_input(small_blocks, kernel):
    X = _design(3000, 6, "C")[:, ::2]  # neither C- nor F-contiguous
    w = np.random.default_rng(2).uniform(-1, 2, 3000)  # observed information can be < 0
    assert _rel(linalg.weighted_gram(X, w), X.T @ (w[:, None] * X)) < 1e-12


@pytest.mark.parametrize("order", ["C", "F"])
def test_gram_and_score_matches_numpy(order, small_blocks, kernel):
    X = _design(4000, 9, order)
    rng = np.random.default_rng(3)
    w, u = rng.uniform(0, 1, 4000), rng.standard_normal(4000)
    G, g = linalg.gram_and_score(X, w, u)
    assert _rel(G, X.T @ (w[:, None] * X)) < 1e-12
    assert _rel(g, X.T @ u) < 1e-12


def test_gram_system_solve_and_inverse_match_numpy():
    X = _design(2000, 8, "F")
    w = np.random.default_rng(4).uniform(0.1, 1, 2000)
    r = np.random.default_rng(5).standard_normal(8)
    H = X.T @ (w[:, None] * X)
    system = linalg.GramSystem(X, w)
    assert system.method == "cholesky"
    assert _rel(system.solve(r), np.linalg.solve(H, r)) < 1e-10
    assert _rel(system.inverse(), np.linalg.inv(H)) < 1e-10


@pytest.mark.parametrize("order", ["C", "F"])
def test_qr_fallback_on_row_blocks_matches_numpy(order, small_blocks):
    X = _design(2000, 5, order)
    w = np.random.default_rng(6).uniform(0.1, 1, 2000)
    r = np.random.default_rng(7).standard_normal(5)
    qr = linalg.GramSystem(X, w).qr()  # the R of sqrt(W) X, on 8 blocks of 256 rows
    H = X.T @ (w[:, None] * X)
    assert _rel(qr.solve_normal(r), np.linalg.solve(H, r)) < 1e-10
    assert _rel(qr.inv_normal(), np.linalg.inv(H)) < 1e-10
    # R P' R'... : the pivoted factor reproduces sqrt(W) X / s up to an orthogonal factor
    A = np.sqrt(w)[:, None] * X / qr.scale
    RP = np.empty_like(qr.R)
    RP[:, qr.piv] = qr.R
    assert _rel(RP.T @ RP, A.T @ A) < 1e-12


def test_blocked_qr_takes_blocks_smaller_than_the_columns(monkeypatch, small_blocks):
    monkeypatch.setattr(linalg.blocks, "BLOCK_MIN_ROWS", 3)  # blocks of 3 rows, 7 columns
    X = _design(50, 7, "C")
    y = X @ np.arange(7.0) + np.random.default_rng(9).standard_normal(50)
    b, _ = linalg.least_squares(X, y)
    assert _rel(b, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-12


@pytest.mark.parametrize("order", ["C", "F"])
def test_rank_deficient_ols_on_row_blocks(order, small_blocks):
    X = _design(3000, 6, order)
    X = np.asarray(np.c_[X[:, :3], X[:, 1] - 2 * X[:, 2], X[:, 3:]], order=order)
    y = X @ np.arange(1.0, 8.0) + np.random.default_rng(10).standard_normal(3000)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "qr" and fit.aliased.tolist() == [3]  # the later of the set
    keep = [0, 1, 2, 4, 5, 6]
    Xk = X[:, keep]
    assert _rel(fit.coef, np.linalg.lstsq(Xk, y, rcond=None)[0]) < 1e-10
    assert _rel(fit.cov_unscaled, np.linalg.inv(Xk.T @ Xk)) < 1e-10


def test_ill_conditioned_ols_holds_no_copy_of_x(monkeypatch):
    # year and year^2: cond(X'X) ~ 1e13 after equilibration, so the QR path; it works
    # on row blocks and never copies X (the factorisation held a scaled copy of X, its
    # Q, and an extended-precision copy: 4x X in all)
    import tracemalloc

    rng = np.random.default_rng(12)
    t = rng.uniform(1990, 2020, 400_000)
    X = np.c_[np.ones_like(t), t, t**2, rng.standard_normal((t.size, 2))]
    y = X @ [1.0, 0.5, -1e-4, 0.1, 0.2] + rng.standard_normal(t.size)
    tracemalloc.start()
    try:
        fit = linalg.fit_least_squares(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert fit.method == "qr"
    assert peak < 0.5 * X.nbytes, peak / X.nbytes
    # the same solution as the unblocked pivoted QR of the equilibrated columns
    s = np.linalg.norm(X, axis=0)
    Q, R = np.linalg.qr(X / s)
    assert _rel(fit.coef, np.linalg.solve(R, Q.T @ y) / s) < 1e-8


@pytest.mark.parametrize("order", ["C", "F"])
def test_normal_equations_ols_matches_lstsq(order, monkeypatch, small_blocks):
    monkeypatch.setattr(linalg.qr, "NORMAL_EQUATIONS_MIN_SIZE", 0)
    X = _design(3000, 6, order)
    y = X @ np.arange(1.0, 7.0) + np.random.default_rng(8).standard_normal(3000)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "cholesky"
    assert _rel(fit.coef, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-10
    assert _rel(fit.cov_unscaled, np.linalg.inv(X.T @ X)) < 1e-10


def test_moderately_conditioned_ols_is_refined(monkeypatch, small_blocks):
    # cond(X'X) ~ 1e7: the normal equations, refined (the unrefined Cholesky solution
    # is 1.4e-9 off here, reciprocal condition 2e-7), agree with the QR solution refined
    # in long double
    monkeypatch.setattr(linalg.qr, "NORMAL_EQUATIONS_MIN_SIZE", 0)
    rng = np.random.default_rng(13)
    x = rng.standard_normal(5000)
    X = np.c_[np.ones(5000), x, x + 1e-3 * rng.standard_normal(5000)]
    y = X @ [1.0, 2.0, -1.0] + rng.standard_normal(5000)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "cholesky"
    b, _ = linalg.least_squares(X, y)
    assert _rel(fit.coef, b) < 1e-10


def test_ill_conditioned_ols_takes_the_qr_path(monkeypatch):
    monkeypatch.setattr(linalg.qr, "NORMAL_EQUATIONS_MIN_SIZE", 0)
    x = np.linspace(0, 1, 400)
    X = np.vander(x, 9, increasing=True)  # cond ~ 1e7: normal equations would lose digits
    y = np.cos(3 * x)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "qr"
    assert _rel(fit.coef, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-6


def _glm_data(kind, n=20000, p=8, order="C"):
    rng = np.random.default_rng(11)
    X = np.asarray(np.c_[np.ones(n), rng.standard_normal((n, p - 1))], order=order)
    beta = rng.uniform(-0.5, 0.5, p)
    if kind == "logit":
        y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)
    else:
        y = rng.poisson(np.exp(X @ beta)).astype(float)
    return X, y


def _plain_irls(X, y, kind, tol=1e-13):
    """The unoptimised path: textbook IRLS with numpy's solve, run to convergence."""
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        eta = X @ beta
        if kind == "logit":
            mu = 1 / (1 + np.exp(-eta))
            w = mu * (1 - mu)
        else:
            mu = np.exp(eta)
            w = mu
        step = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    return beta, np.linalg.inv(X.T @ (w[:, None] * X))


@pytest.mark.parametrize("kind", ["logit", "poisson"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_fit_matches_plain_irls_and_statsmodels(kind, order, small_blocks):
    X, y = _glm_data(kind, order=order)
    model = mr.Logit(y, X) if kind == "logit" else mr.Poisson(y, X)
    res = model.fit(tol=1e-10)
    beta, cov = _plain_irls(X, y, kind)
    assert _rel(res.params, beta) < 1e-10
    assert _rel(res.cov_params(), cov) < 1e-10
    ref = (sm.Logit(y, X) if kind == "logit" else sm.Poisson(y, X)).fit(disp=0, tol=1e-12)
    assert _rel(res.params, ref.params) < 1e-8
    assert _rel(res.bse, ref.bse) < 1e-8
    assert res.llf == pytest.approx(ref.llf, rel=1e-10)


@pytest.mark.parametrize("order", ["C", "F"])
def test_large_ols_matches_statsmodels(order, monkeypatch, small_blocks):
    monkeypatch.setattr(linalg.qr, "NORMAL_EQUATIONS_MIN_SIZE", 0)
    X = _design(5000, 6, order)
    y = X @ np.linspace(-1, 1, 6) + np.random.default_rng(12).standard_normal(5000)
    res = mr.OLS(y, X).fit()
    ref = sm.OLS(y, X).fit()
    assert _rel(res.params, ref.params) < 1e-10
    assert _rel(res.bse, ref.bse) < 1e-10
    assert res.llf == pytest.approx(ref.llf, rel=1e-12)


def test_trailing_aliased_column_fits_on_a_view_of_x():
    # aliased columns at the end: the fit runs on X's first columns without a copy
    import tracemalloc
    import warnings

    import mlereg as mr

    rng = np.random.default_rng(14)
    n = 200_000
    X = np.c_[np.ones(n), rng.standard_normal((n, 9))]
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, 1]))).astype(float)
    Xd = np.c_[X, X[:, 1] + X[:, 2]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        try:
            res = mr.Logit(y, Xd).fit()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert res.aliased == ["x10"]
    # 1.14x X here, against 2.05x with a copy of the kept columns
    assert peak < 1.5 * Xd.nbytes, peak / Xd.nbytes
    ref = mr.Logit(y, X).fit()
    assert _rel(res.params.to_numpy()[:10], ref.params.to_numpy()) < 1e-12
    assert _rel(res.bse.to_numpy()[:10], ref.bse.to_numpy()) < 1e-12
