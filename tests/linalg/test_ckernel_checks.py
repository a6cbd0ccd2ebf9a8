"""The compiled kernel checks its own arguments (``mlereg.linalg._ckernels``).

Each exported function refuses, with a ValueError naming the argument and before it
touches any memory, an array that is not float64, has the wrong dimensions or number
of elements, is not aligned to 8 bytes, has strides its loops cannot take, or is an
output sharing bytes with an input or with the other output. The Python side
(:mod:`mlereg.linalg.blocks`) never sends it such arguments: odd layouts go to numpy
and an output that could alias an input is replaced by a new array, so fits on
misaligned or non-contiguous designs give the numbers of a contiguous copy.
"""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from mlereg import linalg
from tests.helpers import rel_error

ck = pytest.importorskip("mlereg.linalg._ckernels", reason="the compiled kernel was not built")

N, P = 37, 3


def misaligned(a: np.ndarray) -> np.ndarray:
    """A float64 copy of ``a`` whose data start one byte past an 8-byte boundary."""
    raw = np.zeros(a.size * 8 + 16, dtype=np.uint8)
    start = (1 - raw.ctypes.data) % 8  # the first address is 1 (mod 8)
    out = raw[start : start + a.size * 8].view(np.float64).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned and out.ctypes.data % 8 == 1
    return out


def data(n: int = N, p: int = P, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, rng.uniform(0.1, 2, n), rng.standard_normal(n)


def gram_args(n: int = N, p: int = P):
    X, w, u = data(n, p)
    return {"X": X, "w": w, "u": u, "G": np.full((p, p), np.nan), "g": np.full(p, np.nan)}


def eta_args(n: int = N, p: int = P):
    X, _, _ = data(n, p)
    return {"X": X, "b": np.linspace(-1, 1, p), "eta": np.full(n, np.nan)}


def call(fn, args: dict) -> None:
    if fn is ck.gram_score:
        fn(args["X"], args["w"], args["u"], args["G"], args["g"])
    else:
        fn(args["X"], args["b"], args["eta"])


def refused(fn, args: dict, match: str) -> None:
    """The call raises ValueError matching ``match`` and writes nothing anywhere."""
    before = {k: np.array(v, copy=True) for k, v in args.items() if v is not None}
    with pytest.raises(ValueError, match=match):
        call(fn, args)
    for k, v in before.items():
        np.testing.assert_array_equal(args[k], v, err_msg=k)


KERNELS = [(ck.gram_score, gram_args), (ck.linear_predictor, eta_args)]
NAMES = {ck.gram_score: ["X", "w", "u", "G", "g"], ck.linear_predictor: ["X", "b", "eta"]}
IDS = ["gram_score", "linear_predictor"]


# --- valid calls: numpy's numbers ------------------------------------------------------------
@pytest.mark.parametrize("p", [3, 9])
@pytest.mark.parametrize(
    "layout", ["C", "F", "every_other_column", "reversed_rows", "every_third_row"]
)
def test_valid_gram_score_matches_numpy(layout, p):
    # every branch of the kernel: per-column-count (rows or columns contiguous), tiles
    # (contiguous columns), panels (neither)
    X, w, u = data(1001, p, seed=1)
    X = {
        "C": lambda: X,
        "F": lambda: np.asfortranarray(X),
        "every_other_column": lambda: np.repeat(X, 2, axis=1)[:, ::2],
        "reversed_rows": lambda: X[::-1],
        "every_third_row": lambda: np.repeat(X, 3, axis=0)[::3],
    }[layout]()
    G, g = np.empty((p, p)), np.empty(p)
    ck.gram_score(X, w, u, G, g)
    assert rel_error(G, X.T @ (w[:, None] * X)) < 1e-12
    assert rel_error(g, X.T @ u) < 1e-12
    ck.gram_score(X, None, None, G, g)  # unit weights, no score (g: zeros)
    assert rel_error(G, X.T @ X) < 1e-12 and not g.any()


@pytest.mark.parametrize("every", [1, 2])
def test_valid_linear_predictor_matches_numpy(every):
    X, _, _ = data(1001, 5, seed=2)
    X = np.repeat(X, every, axis=0)[::every]
    b, eta = np.linspace(-1, 2, 5), np.empty(1001)
    ck.linear_predictor(X, b, eta)
    assert rel_error(eta, X @ b) < 1e-12


def test_empty_blocks_are_accepted():
    X = np.empty((0, 3))
    G, g = np.full((3, 3), np.nan), np.full(3, np.nan)
    ck.gram_score(X, np.empty(0), np.empty(0), G, g)
    assert not G.any() and not g.any()
    ck.linear_predictor(X, np.ones(3), np.empty(0))


# --- (a) an output that is a view of an input ------------------------------------------------
def test_gram_score_outputs_viewing_an_input():
    args = gram_args()
    refused(ck.gram_score, {**args, "G": args["X"][:P]}, "G overlaps X")
    refused(ck.gram_score, {**args, "g": args["X"][5]}, "g overlaps X")
    refused(ck.gram_score, {**args, "G": args["w"][: P * P].reshape(P, P)}, "G overlaps w")
    refused(ck.gram_score, {**args, "g": args["u"][10 : 10 + P]}, "g overlaps u")
    # an input that is a view of an output overlaps just the same
    G = np.zeros((P, P))
    refused(ck.gram_score, {**args, "X": G, "w": None, "u": None, "G": G}, "G overlaps X")


def test_linear_predictor_output_viewing_an_input():
    args = eta_args()
    refused(ck.linear_predictor, {**args, "eta": args["X"].reshape(-1)[:N]}, "eta overlaps X")
    # eta over the rows of X it has yet to read: X[:, 1:] of an (N, P + 1) array
    A = np.arange(N * (P + 1), dtype=float).reshape(N, P + 1)
    refused(
        ck.linear_predictor, {**args, "X": A[:, 1:], "eta": A.reshape(-1)[-N:]}, "eta overlaps X"
    )
    buf = np.arange(N + P, dtype=float)
    refused(
        ck.linear_predictor, {**args, "b": buf[:P], "eta": buf[P - 1 : P - 1 + N]}, "eta overlaps b"
    )


# --- (b) outputs overlapping each other ------------------------------------------------------
def test_gram_score_outputs_overlapping_each_other():
    buf = np.zeros(P * P + P)
    args = {**gram_args(), "G": buf[: P * P].reshape(P, P), "g": buf[P * P - 1 : P * P - 1 + P]}
    refused(ck.gram_score, args, "G overlaps g")
    G = np.zeros((P, P))
    refused(ck.gram_score, {**gram_args(), "G": G, "g": G[1]}, "G overlaps g")
    # side by side in one buffer they share no byte: accepted
    X, w, u = data()
    ck.gram_score(X, w, u, buf[: P * P].reshape(P, P), buf[P * P :])
    assert rel_error(buf[: P * P].reshape(P, P), X.T @ (w[:, None] * X)) < 1e-12
    assert rel_error(buf[P * P :], X.T @ u) < 1e-12


# --- (c) misaligned arrays and strides -------------------------------------------------------
@pytest.mark.parametrize(("fn", "make"), KERNELS, ids=IDS)
def test_misaligned_arguments(fn, make):
    for name in NAMES[fn]:
        args = make()
        args[name] = misaligned(args[name])
        refused(fn, args, f"{name} must be aligned to 8 bytes")


@pytest.mark.parametrize(("fn", "make"), KERNELS, ids=IDS)
def test_strides_that_are_not_whole_doubles(fn, make):
    # rows 12 bytes apart: aligned start, but every other row would not be
    args = make()
    base = np.zeros(N * 16 + 64, dtype=np.uint8)
    start = (-base.ctypes.data) % 8
    X = np.lib.stride_tricks.as_strided(
        base[start : start + N * 16].view(np.float64),
        shape=(N, 1),
        strides=(12, 8),
        writeable=False,
    )
    args["X"] = X
    if fn is ck.gram_score:
        args["G"], args["g"] = np.zeros((1, 1)), np.zeros(1)
    else:
        args["b"] = np.ones(1)
    refused(fn, args, "X must have strides that are multiples of 8 bytes")


@pytest.mark.parametrize(("fn", "make"), KERNELS, ids=IDS)
def test_vectors_must_be_contiguous(fn, make):
    for name in NAMES[fn][1:]:
        args = make()
        a = args[name]
        spaced = np.zeros((2 * a.size,)).reshape(*a.shape[:-1], 2 * a.shape[-1])[..., ::2]
        spaced[...] = a
        args[name] = spaced
        refused(fn, args, f"{name} must be C-contiguous")


# --- (d) wrong dtype, dimensions or length ---------------------------------------------------
@pytest.mark.parametrize(("fn", "make"), KERNELS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.complex128, ">f8"])
def test_wrong_dtype(fn, make, dtype):
    for name in NAMES[fn]:
        args = make()
        args[name] = np.ones(args[name].shape, dtype=dtype)
        refused(fn, args, f"{name} must be")


@pytest.mark.parametrize(("fn", "make"), KERNELS, ids=IDS)
def test_wrong_length_or_dimensions(fn, make):
    for name in NAMES[fn][1:]:
        for bad in (lambda a: a[:-1], lambda a: np.r_[a.ravel(), 0.0], lambda a: a[None]):
            args = make()
            args[name] = np.ascontiguousarray(bad(args[name]))
            refused(fn, args, f"{name} must be")
    args = make()
    args["X"] = args["X"].ravel()
    refused(fn, args, "X must be a 2-D float64 array")


@pytest.mark.parametrize(("fn", "make"), KERNELS, ids=IDS)
def test_outputs_must_be_writable(fn, make):
    for name in NAMES[fn][-2 if fn is ck.gram_score else -1 :]:
        args = make()
        args[name].flags.writeable = False
        refused(fn, args, f"{name} must be a writable|{name} must be writable")


def test_not_an_array():
    args = gram_args()
    refused(ck.gram_score, {**args, "w": [1.0] * N}, "w must be")
    refused(ck.linear_predictor, {**eta_args(), "X": "abc"}, "X must be")


# --- the Python side never trips the checks --------------------------------------------------
def test_block_functions_route_what_the_kernel_refuses():
    X, w, u = data(1001, 5, seed=3)
    b = np.linspace(-1, 1, 5)
    for Xb in (misaligned(X), np.repeat(X, 2, axis=1)[:, ::2], X[::-1], np.asfortranarray(X)):
        G, g = linalg.block_gram_score(Xb, misaligned(w), misaligned(u), np.empty(Xb.shape))
        assert rel_error(G, Xb.T @ (w[:, None] * Xb)) < 1e-12
        assert rel_error(g, Xb.T @ u) < 1e-12
        eta = linalg.block_eta(Xb, misaligned(b), np.empty(1001))
        assert rel_error(eta, Xb @ b) < 1e-12
    assert rel_error(linalg.block_eta(X, b, misaligned(np.zeros(1001))), X @ b) < 1e-12


def test_block_eta_into_an_out_that_overlaps_the_block():
    # an out over the memory of the block or of beta: the kernel would refuse it, so
    # block_eta gives numpy's answer (the inputs as they were) through a new array
    A = np.random.default_rng(4).standard_normal((50, 4))
    Xb, want = A[:, 1:], A[:, 1:] @ np.array([1.0, -2.0, 0.5])
    assert (
        rel_error(linalg.block_eta(Xb, np.array([1.0, -2.0, 0.5]), A.reshape(-1)[-50:]), want)
        < 1e-12
    )
    buf = np.r_[1.0, -2.0, 0.5, np.zeros(47)]
    X = A[:, :3].copy()
    want = X @ buf[:3]
    assert rel_error(linalg.block_eta(X, buf[:3], buf[:50]), want) < 1e-12


def _designs(n: int, p: int, seed: int):
    rng = np.random.default_rng(seed)
    X = np.c_[np.ones(n), rng.standard_normal((n, p - 1))]
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.4 * X[:, 1] - 0.3 * X[:, -1])))).astype(float)
    wide = np.zeros((n, 2 * p))
    wide[:, ::2] = X
    return y, {"misaligned": misaligned(X), "every_other_column": wide[:, ::2]}


@pytest.mark.parametrize("kind", ["misaligned", "every_other_column"])
@pytest.mark.parametrize("p", [4, 10])
def test_fits_on_odd_layouts_match_a_contiguous_copy(kind, p):
    y, odd = _designs(5000, p, seed=p)
    res = mr.Logit(y, odd[kind]).fit()
    ref = mr.Logit(y, np.ascontiguousarray(odd[kind])).fit()
    assert rel_error(res.params.to_numpy(), ref.params.to_numpy()) < 1e-12
    assert rel_error(res.bse.to_numpy(), ref.bse.to_numpy()) < 1e-12
    assert abs(res.llf - ref.llf) <= 1e-12 * abs(ref.llf)
