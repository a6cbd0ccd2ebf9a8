"""Least squares (pivoted QR on row blocks, or the refined normal equations) and the
Gram systems of the Newton steps, against numpy's lstsq, solve and inv (relative 1e-10:
rounding only), and OLS fits against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import mlereg as mr
from mlereg import linalg
from tests.helpers import random_design, rel_error


@pytest.fixture
def normal_equations_always():
    """OLS of any size solves the normal equations when they are well conditioned."""
    with linalg.tuned(normal_equations_min_size=0):
        yield


def test_gram_system_solve_and_inverse_match_numpy():
    X = random_design(2000, 8, "F")
    w = np.random.default_rng(4).uniform(0.1, 1, 2000)
    r = np.random.default_rng(5).standard_normal(8)
    H = X.T @ (w[:, None] * X)
    system = linalg.GramSystem(X, w)
    assert system.method == "cholesky"
    assert rel_error(system.solve(r), np.linalg.solve(H, r)) < 1e-10
    assert rel_error(system.inverse(), np.linalg.inv(H)) < 1e-10


@pytest.mark.parametrize("order", ["C", "F"])
def test_qr_fallback_on_row_blocks_matches_numpy(order, small_blocks):
    X = random_design(2000, 5, order)
    w = np.random.default_rng(6).uniform(0.1, 1, 2000)
    r = np.random.default_rng(7).standard_normal(5)
    qr = linalg.GramSystem(X, w).qr()  # the R of sqrt(W) X, on 8 blocks of 256 rows
    H = X.T @ (w[:, None] * X)
    assert rel_error(qr.solve_normal(r), np.linalg.solve(H, r)) < 1e-10
    assert rel_error(qr.inv_normal(), np.linalg.inv(H)) < 1e-10
    # R P' R'... : the pivoted factor reproduces sqrt(W) X / s up to an orthogonal factor
    A = np.sqrt(w)[:, None] * X / qr.scale
    RP = np.empty_like(qr.R)
    RP[:, qr.piv] = qr.R
    assert rel_error(RP.T @ RP, A.T @ A) < 1e-12


def test_blocked_qr_takes_blocks_smaller_than_the_columns(small_blocks):
    X = random_design(50, 7, "C")
    y = X @ np.arange(7.0) + np.random.default_rng(9).standard_normal(50)
    with linalg.tuned(min_block_rows=3):  # blocks of 3 rows, 7 columns
        b, _ = linalg.least_squares(X, y)
    assert rel_error(b, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-12


@pytest.mark.parametrize("order", ["C", "F"])
def test_rank_deficient_ols_on_row_blocks(order, small_blocks):
    X = random_design(3000, 6, order)
    X = np.asarray(np.c_[X[:, :3], X[:, 1] - 2 * X[:, 2], X[:, 3:]], order=order)
    y = X @ np.arange(1.0, 8.0) + np.random.default_rng(10).standard_normal(3000)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "qr" and fit.aliased.tolist() == [3]  # the later of the set
    keep = [0, 1, 2, 4, 5, 6]
    Xk = X[:, keep]
    assert rel_error(fit.coef, np.linalg.lstsq(Xk, y, rcond=None)[0]) < 1e-10
    assert rel_error(fit.cov_unscaled, np.linalg.inv(Xk.T @ Xk)) < 1e-10


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
    assert rel_error(fit.coef, np.linalg.solve(R, Q.T @ y) / s) < 1e-8


@pytest.mark.parametrize("order", ["C", "F"])
def test_normal_equations_ols_matches_lstsq(order, normal_equations_always, small_blocks):
    X = random_design(3000, 6, order)
    y = X @ np.arange(1.0, 7.0) + np.random.default_rng(8).standard_normal(3000)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "cholesky"
    assert rel_error(fit.coef, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-10
    assert rel_error(fit.cov_unscaled, np.linalg.inv(X.T @ X)) < 1e-10


def test_moderately_conditioned_ols_is_refined(normal_equations_always, small_blocks):
    # cond(X'X) ~ 1e7: the normal equations, refined (the unrefined Cholesky solution
    # is 1.4e-9 off here, reciprocal condition 2e-7), agree with the QR solution refined
    # in long double
    rng = np.random.default_rng(13)
    x = rng.standard_normal(5000)
    X = np.c_[np.ones(5000), x, x + 1e-3 * rng.standard_normal(5000)]
    y = X @ [1.0, 2.0, -1.0] + rng.standard_normal(5000)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "cholesky"
    b, _ = linalg.least_squares(X, y)
    assert rel_error(fit.coef, b) < 1e-10


def test_ill_conditioned_ols_takes_the_qr_path(normal_equations_always):
    x = np.linspace(0, 1, 400)
    X = np.vander(x, 9, increasing=True)  # cond ~ 1e7: normal equations would lose digits
    y = np.cos(3 * x)
    fit = linalg.fit_least_squares(X, y)
    assert fit.method == "qr"
    assert rel_error(fit.coef, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-6


@pytest.mark.parametrize("order", ["C", "F"])
def test_large_ols_matches_statsmodels(order, normal_equations_always, small_blocks):
    X = random_design(5000, 6, order)
    y = X @ np.linspace(-1, 1, 6) + np.random.default_rng(12).standard_normal(5000)
    res = mr.OLS(y, X).fit()
    ref = sm.OLS(y, X).fit()
    assert rel_error(res.params, ref.params) < 1e-10
    assert rel_error(res.bse, ref.bse) < 1e-10
    assert res.llf == pytest.approx(ref.llf, rel=1e-12)
