"""The blocked X'WX (the compiled kernel, or dsyrk on row blocks; fused with X'u)
against the plain numpy formulas (rounding only), and fits whose aliased columns are
the last ones run on a view of X."""

from __future__ import annotations

import numpy as np
import pytest

from mlereg import linalg
from tests.helpers import random_design, rel_error


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
def kernel(request):
    """Each block through the compiled kernel, or through numpy's BLAS calls."""
    with linalg.tuned(compiled_kernel=request.param == "compiled"):
        yield request.param


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n", [1, 255, 1000, 5003])
def test_weighted_gram_matches_numpy(order, n, small_blocks, kernel):
    X = random_design(n, 7, order)
    w = np.random.default_rng(1).uniform(0, 3, n)
    expected = X.T @ (w[:, None] * X)
    got = linalg.weighted_gram(X, w)
    assert rel_error(got, expected) < 1e-12
    assert np.array_equal(got, got.T)
    assert rel_error(linalg.weighted_gram(X), X.T @ X) < 1e-12


def test_weighted_gram_negative_weights_and_strided_input(small_blocks, kernel):
    X = random_design(3000, 6, "C")[:, ::2]  # neither C- nor F-contiguous
    w = np.random.default_rng(2).uniform(-1, 2, 3000)  # observed information can be < 0
    assert rel_error(linalg.weighted_gram(X, w), X.T @ (w[:, None] * X)) < 1e-12


@pytest.mark.parametrize("order", ["C", "F"])
def test_gram_and_score_matches_numpy(order, small_blocks, kernel):
    X = random_design(4000, 9, order)
    rng = np.random.default_rng(3)
    w, u = rng.uniform(0, 1, 4000), rng.standard_normal(4000)
    G, g = linalg.gram_and_score(X, w, u)
    assert rel_error(G, X.T @ (w[:, None] * X)) < 1e-12
    assert rel_error(g, X.T @ u) < 1e-12


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
    assert rel_error(res.params.to_numpy()[:10], ref.params.to_numpy()) < 1e-12
    assert rel_error(res.bse.to_numpy()[:10], ref.bse.to_numpy()) < 1e-12
