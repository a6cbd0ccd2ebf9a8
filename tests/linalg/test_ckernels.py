"""The compiled kernel of the row passes (``mlereg.linalg._ckernels``) against numpy.

``gram_score(X, w, u, G, g)`` writes X' diag(w) X and X' u for one row block, and
``linear_predictor(X, b, eta)`` writes X b for a block of contiguous rows. They must
give numpy's numbers to rounding (1e-13 relative: only the order of the additions
differs) for every column count and layout, and fits must not depend on whether it
was built (1e-10, the issue's tolerance for optimised paths). Without a C compiler the
package installs without the kernel; these tests are then skipped, and the numpy path
runs everywhere else.
"""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from mlereg import linalg
from tests.helpers import rel_error

ck = pytest.importorskip("mlereg.linalg._ckernels", reason="the compiled kernel was not built")


def _gram_score(X, w, u):
    p = X.shape[1]
    G, g = np.full((p, p), np.nan), np.full(p, np.nan)
    ck.gram_score(X, w, u, G, g)
    return G, g


@pytest.mark.parametrize("p", [*range(1, 18), 23, 40, 64])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_gram_score_matches_numpy(p, layout):
    rng = np.random.default_rng(p)
    n = 1001  # odd, and not a multiple of the kernel's 128-row buffer
    A = rng.standard_normal((n, 2 * p)) * rng.uniform(0.1, 10, 2 * p)
    X = {"C": np.ascontiguousarray(A[:, :p]), "F": np.asfortranarray(A[:, :p])}.get(
        layout, A[:, ::2]
    )
    w = rng.uniform(-0.5, 2, n)  # observed information can have negative weights
    u = rng.standard_normal(n)
    G, g = _gram_score(X, w, u)
    assert rel_error(G, X.T @ (w[:, None] * X)) < 1e-13
    assert rel_error(g, X.T @ u) < 1e-13
    assert np.array_equal(G, G.T)
    G1, _ = _gram_score(X, None, None)  # unit weights, no score
    assert rel_error(G1, X.T @ X) < 1e-13
    G2, g2 = _gram_score(X, w, u)
    assert np.array_equal(G, G2) and np.array_equal(g, g2)  # the same bits every time


@pytest.mark.parametrize("p", [3, 30])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 9, 129])
@pytest.mark.parametrize("order", ["C", "F"])
def test_gram_score_few_rows(n, p, order):
    X = np.asarray(np.arange(1.0, n * p + 1).reshape(n, p) / 7, order=order)
    w, u = np.linspace(0.5, 1.5, n), np.linspace(-1, 1, n)
    G, g = _gram_score(X, w, u)
    np.testing.assert_allclose(G, X.T @ (w[:, None] * X), rtol=1e-14, atol=0)
    np.testing.assert_allclose(g, X.T @ u, rtol=1e-14, atol=1e-15)


def test_gram_score_rejects_what_it_cannot_take():
    G, g = np.empty((2, 2)), np.empty(2)
    with pytest.raises(ValueError, match="float64"):
        ck.gram_score(np.ones((4, 2), dtype=np.float32), None, None, G, g)
    with pytest.raises(ValueError, match="64 columns"):
        ck.gram_score(np.ones((4, 65)), None, None, np.empty((65, 65)), np.empty(65))
    with pytest.raises(ValueError, match="w must be float64 with 4 elements"):
        ck.gram_score(np.ones((4, 2)), np.ones(3), None, G, g)
    with pytest.raises(ValueError, match="G must be"):
        ck.gram_score(np.ones((4, 2)), None, None, np.empty((3, 3)), g)


@pytest.mark.parametrize("p", range(1, 15))
@pytest.mark.parametrize("every", [1, 3])
def test_linear_predictor_matches_numpy(p, every):
    rng = np.random.default_rng(100 + p)
    X = rng.standard_normal((3001, p))[::every]  # every 3rd row: rows apart in memory
    b = rng.standard_normal(p)
    eta = np.full(X.shape[0], np.nan)
    ck.linear_predictor(X, b, eta)
    assert rel_error(eta, X @ b) < 1e-14


def test_linear_predictor_rejects_what_it_cannot_take():
    eta = np.empty(4)
    with pytest.raises(ValueError, match="contiguous rows of 1 to 14 columns"):
        ck.linear_predictor(np.ones((4, 2), order="F"), np.ones(2), eta)
    with pytest.raises(ValueError, match="contiguous rows of 1 to 14 columns"):
        ck.linear_predictor(np.ones((4, 15)), np.ones(15), eta)
    with pytest.raises(ValueError, match="b must be float64 with 2 elements"):
        ck.linear_predictor(np.ones((4, 2)), np.ones(3), eta)
    with pytest.raises(ValueError, match="eta must be"):
        ck.linear_predictor(np.ones((4, 2)), np.ones(2), np.empty(5))


def test_block_eta_takes_numpy_where_the_kernel_does_not_apply():
    X = np.arange(40.0).reshape(4, 10)
    b = np.linspace(-1, 1, 10)
    for Xb in (X, np.asfortranarray(X), X[:, ::2]):
        bb = b[: Xb.shape[1]]
        eta = linalg.block_eta(Xb, bb, np.empty(4))
        assert np.all(np.abs(eta - Xb @ bb) <= 1e-14 * (np.abs(Xb) @ np.abs(bb)))


def test_wide_or_other_dtype_designs_take_the_blas():
    k = linalg.CKERNEL_MAX_COLUMNS
    wide = linalg.blocks.CKERNEL_WIDE_VECTORS  # 512-bit vectors: tiles and panels too
    assert linalg.uses_ckernel(np.zeros((3, linalg.blocks.CKERNEL_FIXED_COLUMNS)))
    assert linalg.uses_ckernel(np.zeros((3, 5), order="F"))
    assert linalg.uses_ckernel(np.zeros((3, k))) == wide
    assert linalg.uses_ckernel(np.zeros((30, 20), order="F")) == wide
    assert not linalg.uses_ckernel(np.zeros((3, k + 1)))
    assert not linalg.uses_ckernel(np.zeros((3, 2), dtype=np.float32))
    X = np.arange(12.0, dtype=np.float32).reshape(4, 3)  # the numpy path, same numbers
    G, g = linalg.block_gram_score(X, None, np.ones(4), np.empty((4, 3), dtype=np.float32))
    np.testing.assert_array_equal(G, X.T @ X)
    np.testing.assert_array_equal(g, X.sum(axis=0))


def _fit_both_ways(monkeypatch, fit):
    with_kernel = fit()
    with linalg.tuned(compiled_kernel=False):
        without = fit()
    return with_kernel, without


@pytest.mark.parametrize(
    "kind, p, order",
    [
        ("logit", 10, "C"),
        ("logit", 10, "F"),
        ("poisson", 5, "C"),
        ("gamma", 20, "F"),
        ("poisson", 70, "C"),
    ],
)
def test_fits_do_not_depend_on_the_kernel(kind, p, order, monkeypatch):
    # 30,000 rows: the warm start on a subsample runs too
    rng = np.random.default_rng(11)
    n = 30_000
    X = np.asarray(np.c_[np.ones(n), rng.standard_normal((n, p - 1))], order=order)
    eta = 0.3 * X[:, 1] - 0.2 * X[:, -1] + 0.1
    if kind == "logit":
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
        make = lambda: mr.Logit(y, X)  # noqa: E731
    elif kind == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
        make = lambda: mr.Poisson(y, X)  # noqa: E731
    else:
        y = rng.gamma(2.0, np.exp(eta) / 2.0)
        make = lambda: mr.GLM(y, X, family=mr.families.Gamma(mr.links.Log()))  # noqa: E731

    def fit():
        res = make().fit(cov_type="HC3")
        return res.params, res.bse, res.llf

    (b1, s1, l1), (b0, s0, l0) = _fit_both_ways(monkeypatch, fit)
    assert rel_error(b1, b0) < 1e-10 and rel_error(s1, s0) < 1e-10
    assert abs(l1 - l0) < 1e-10 * abs(l0)
