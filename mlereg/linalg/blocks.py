"""Row blocks of a design and the products formed on them.

``weighted_gram(X, w)`` forms X' diag(w) X on row blocks, so the weighted copy of X
never exceeds one block (the memory-bound part of every Newton iteration);
``gram_and_score`` forms X'u in the same pass. Each block goes through the optional
compiled kernel (``_ckernels``, built by setup.py) where it applies, else through
numpy's BLAS calls; the two agree to rounding. The per-block products
(:func:`block_gram_score`, :func:`block_eta`) also serve the models' own row passes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .threads import run_blocks, threads_for
from .tuning import tuning

try:  # the optional compiled kernel (setup.py); without it numpy does the same work
    from . import _ckernels
except ImportError:  # pragma: no cover - a build without a C compiler
    _ckernels = None

# The compiled kernel takes designs of at most this many columns (its buffers are
# sized for it); wider ones go to the BLAS, which is near its peak there. It forms X b
# itself for C-ordered blocks of at most CKERNEL_ETA_MAX_COLUMNS. Both limits are the
# kernel's own (0 without it).
CKERNEL_MAX_COLUMNS = getattr(_ckernels, "MAX_COLUMNS", 0)
CKERNEL_ETA_MAX_COLUMNS = getattr(_ckernels, "ETA_MAX_COLUMNS", 0)
# Without 512-bit vectors (AVX2 and narrower) the kernel's 4 x 4 tiles and panels spill
# their accumulators and run slower than the BLAS path; there the kernel takes only
# the blocks its per-column-count functions cover: contiguous rows of at most
# CKERNEL_FIXED_COLUMNS, contiguous columns of at most CKERNEL_FIXED_F_COLUMNS.
CKERNEL_WIDE_VECTORS = bool(getattr(_ckernels, "WIDE_VECTORS", 0))
CKERNEL_FIXED_COLUMNS = getattr(_ckernels, "FIXED_COLUMNS", 0)
CKERNEL_FIXED_F_COLUMNS = getattr(_ckernels, "FIXED_F_COLUMNS", 0)


def has_compiled_kernel() -> bool:
    """Whether the compiled kernel was built (else numpy does its work).

    Examples
    --------
    >>> isinstance(has_compiled_kernel(), bool)
    True
    """
    return _ckernels is not None


def _kernel() -> Any:
    """The compiled kernel, or None when it was not built or the tuning turns it off."""
    return _ckernels if tuning().compiled_kernel else None


def row_order(X: np.ndarray) -> str:
    """``"C"`` when each row of X is contiguous (a C-ordered array, or every k-th row
    of one), else ``"F"``: the layout a block buffer takes to match X.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((6, 3))
    >>> row_order(X), row_order(X[::2]), row_order(np.asfortranarray(X))
    ('C', 'C', 'F')
    """
    return "C" if X.strides[-1] == X.itemsize and not X.flags.f_contiguous else "F"


def block_rows(p: int) -> int:
    """Rows per block for a design with ``p`` columns: ``block_bytes`` of the tuning,
    at least its ``min_block_rows``, at most 65536.

    Examples
    --------
    >>> from mlereg.linalg import tuned
    >>> with tuned(block_bytes=1):
    ...     block_rows(4)
    256
    """
    t = tuning()
    return int(min(65536, max(t.min_block_rows, t.block_bytes // (8 * max(p, 1)))))


def column_abs_max(X: np.ndarray) -> np.ndarray:
    """The largest |X_ij| of each column (0 for a column of zeros), on row blocks: no
    n x p temporary.

    Examples
    --------
    >>> column_abs_max(np.array([[1.0, -3.0], [-2.0, 0.0]])).tolist()
    [2.0, 3.0]
    """
    n, p = X.shape
    step = max(1, min(n, block_rows(p)))
    top = np.zeros(p)
    for a in range(0, n, step):
        np.maximum(top, np.abs(X[a : a + step]).max(axis=0, initial=0.0), out=top)
    return top


def block_gram(Xb: np.ndarray, w: np.ndarray | None, buf: np.ndarray) -> np.ndarray:
    """X_b' diag(w) X_b for one row block (``w=None``: X_b' X_b), through ``buf``.

    With non-negative weights the block is scaled by sqrt(w) into the buffer and A' A
    is formed (numpy hands a product of a matrix with its own transpose to the BLAS
    rank-k update: half the flops of a general product, and no weighted copy of X);
    with a negative weight (observed information off a canonical link) the block is
    scaled by w and multiplied by itself, and the result symmetrised. ``buf`` has at
    least as many rows as the block and X's layout (:func:`row_order`).

    Examples
    --------
    >>> import numpy as np
    >>> Xb = np.arange(6.0).reshape(3, 2); w = np.array([1.0, -2.0, 0.5])
    >>> bool(np.allclose(block_gram(Xb, w, np.empty((3, 2))), Xb.T @ (w[:, None] * Xb)))
    True
    """
    A = buf[: Xb.shape[0]]
    if w is None:
        np.copyto(A, Xb)
        return A.T @ A
    if w.min() >= 0:
        np.multiply(Xb, np.sqrt(w)[:, None], out=A)
        return A.T @ A
    np.multiply(Xb, w[:, None], out=A)
    G = A.T @ Xb
    return (G + G.T) / 2


def uses_ckernel(X: np.ndarray) -> bool:
    """Whether :func:`block_gram_score` runs the compiled kernel on blocks of ``X``
    (float64, at most ``CKERNEL_MAX_COLUMNS`` columns, and without 512-bit vectors only
    the layouts and widths where it is faster than the BLAS; then it needs no buffer).

    Examples
    --------
    >>> import numpy as np
    >>> uses_ckernel(np.zeros((2, 1000)))
    False
    """
    if _kernel() is None or X.dtype != np.float64 or X.ndim != 2:
        return False
    if not 1 <= X.shape[1] <= CKERNEL_MAX_COLUMNS:
        return False
    if not X.flags.aligned or X.strides[0] % X.itemsize or X.strides[1] % X.itemsize:
        # the kernel reads whole aligned doubles (and refuses anything else with a
        # ValueError): numpy takes the rest
        return False
    if CKERNEL_WIDE_VECTORS:
        return True
    p = X.shape[1]
    if X.strides[0] == X.itemsize:  # contiguous columns (the kernel's first test)
        return p <= CKERNEL_FIXED_F_COLUMNS
    return X.strides[1] == X.itemsize and p <= CKERNEL_FIXED_COLUMNS


def block_gram_score(
    Xb: np.ndarray, w: np.ndarray | None, u: np.ndarray | None, buf: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X_b' diag(w) X_b, X_b' u)`` for one row block of float64 X (``w=None``: unit
    weights; ``u=None``: no score, None in its place).

    With the compiled kernel (:func:`uses_ckernel`) each row is read once and its
    w x x' added to accumulators held in registers: at p = 10 and 16,384 rows in cache
    that took 0.3-0.4x the time of the numpy path below (one thread). Without it,
    :func:`block_gram` and a matrix-vector product through ``buf``, which then has at
    least as many rows as the block and X's layout (:func:`row_order`). The two agree
    to rounding (about 1e-15 relative).

    Examples
    --------
    >>> import numpy as np
    >>> Xb = np.arange(6.0).reshape(3, 2); w = np.array([1.0, -2.0, 0.5])
    >>> G, g = block_gram_score(Xb, w, np.ones(3), np.empty((3, 2)))
    >>> bool(np.allclose(G, Xb.T @ (w[:, None] * Xb))), g.tolist()
    (True, [6.0, 9.0])
    """
    p = Xb.shape[1]
    if uses_ckernel(Xb):
        # G and g are new, so they share no memory with the inputs (the kernel refuses
        # outputs that overlap an input)
        G, g = np.empty((p, p)), np.empty(p)
        w_k = None if w is None else _kernel_vector(w)
        u_k = None if u is None else _kernel_vector(u)
        _kernel().gram_score(Xb, w_k, u_k, G, g)
        return G, None if u is None else g
    return block_gram(Xb, w, buf), None if u is None else Xb.T @ u


def _kernel_vector(a: np.ndarray) -> np.ndarray:
    """``a`` as the compiled kernel takes a vector: C-contiguous float64 aligned to 8
    bytes (a copy only when it is not already)."""
    return np.require(a, dtype=np.float64, requirements=["C", "A"])


def _kernel_output(out: Any, n: int) -> bool:
    """Whether the compiled kernel can write ``n`` values into ``out`` itself: a
    writable, aligned, C-contiguous float64 ndarray of shape ``(n,)``."""
    return (
        isinstance(out, np.ndarray)
        and out.dtype == np.float64
        and out.shape == (n,)
        and out.flags.c_contiguous
        and out.flags.aligned
        and out.flags.writeable
    )


def block_eta(Xb: np.ndarray, beta: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``X_b beta`` into ``out``: by the compiled kernel for C-ordered blocks of at most
    ``CKERNEL_ETA_MAX_COLUMNS`` columns (at 10 columns half the time of numpy's
    ``matmul``, which hands short rows to the BLAS's dgemv), else by numpy. The kernel
    gets only arguments it accepts: aligned float64 blocks, and an ``out`` it can write
    that shares no memory with ``Xb`` or ``beta`` (otherwise it writes a new array,
    copied into ``out``).

    Examples
    --------
    >>> import numpy as np
    >>> block_eta(np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0]), np.empty(3)).tolist()
    [-1.0, -1.0, -1.0]
    """
    kernel = _kernel()
    if (
        kernel is None
        or Xb.ndim != 2
        or not 1 <= Xb.shape[1] <= CKERNEL_ETA_MAX_COLUMNS
        or Xb.dtype != np.float64
        or Xb.strides[1] != Xb.itemsize
        or not Xb.flags.aligned
        or Xb.strides[0] % Xb.itemsize
    ):
        return np.matmul(Xb, beta, out=out)
    b = _kernel_vector(beta)
    if b.shape != (Xb.shape[1],) or not _kernel_output(out, Xb.shape[0]):
        return np.matmul(Xb, beta, out=out)  # numpy's shapes, casts and errors
    # The kernel refuses an eta that overlaps X_b or beta (it would overwrite rows it
    # has yet to read): then it writes a new array, copied into ``out``. The test is
    # the kernel's own, on byte ranges.
    if np.may_share_memory(out, Xb) or np.may_share_memory(out, b):
        eta = np.empty(Xb.shape[0])
        kernel.linear_predictor(Xb, b, eta)
        out[...] = eta
    else:
        kernel.linear_predictor(Xb, b, out)
    return out


def _accumulate(
    X: np.ndarray, w: np.ndarray | None, u: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """X' diag(w) X (and X' u) in one pass over row blocks of X.

    Each block's X_b' diag(w) X_b and X_b' u come from :func:`block_gram_score`,
    through a reused buffer where it needs one. Works on C- or Fortran-ordered X
    without copying it; the buffer takes X's layout. The blocks are shared among the
    row threads (:mod:`mlereg.linalg.threads`), BLAS on one thread.
    """
    n, p = X.shape
    B = min(n, block_rows(p)) or 1
    order = row_order(X)

    def run(chunk: list[int]) -> list[tuple[np.ndarray, np.ndarray | None]]:
        buf = np.empty((0 if uses_ckernel(X) else B, p), order=order)
        out = []
        for start in chunk:
            rows = slice(start, min(start + B, n))
            w_b = None if w is None else w[rows]
            out.append(block_gram_score(X[rows], w_b, None if u is None else u[rows], buf))
        return out

    starts = list(range(0, n, B))
    parts = run_blocks(run, starts, threads_for(n, p, len(starts)))
    G = np.zeros((p, p))
    g = None if u is None else np.zeros(p)
    for Gb, gb in parts:  # in block order: the same sums for any number of threads
        G += Gb
        if g is not None:
            g += gb
    return G, g


def weighted_gram(X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Return X' diag(w) X, accumulated over cache-sized row blocks.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        C- or Fortran-ordered; never copied.
    w : ndarray, shape (n,), optional
        Weights (``None`` means all ones). Negative weights are allowed (observed
        information of a non-canonical link) and take a slower path.

    Returns
    -------
    ndarray, shape (p, p), symmetric.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2); w = np.array([1.0, 2.0, 0.5])
    >>> bool(np.allclose(weighted_gram(X, w), X.T @ (w[:, None] * X)))
    True
    """
    return _accumulate(X, w, None)[0]


def gram_and_score(
    X: np.ndarray, w: np.ndarray | None, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X' diag(w) X, X' u)`` computed in one pass over row blocks of X
    (``w=None``: unit weights).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6.0).reshape(3, 2); w = np.ones(3); u = np.array([1.0, 0.0, -1.0])
    >>> G, g = gram_and_score(X, w, u)
    >>> g.tolist()
    [-4.0, -4.0]
    """
    G, g = _accumulate(X, w, u)
    assert g is not None
    return G, g


def kept_columns(X: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``X[:, keep]`` for a boolean ``keep``, without a copy of X where it can: X itself
    when every column is kept (no aliased coefficients), a view of its first columns
    when the dropped ones are the last; a copy otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((3, 3))
    >>> kept_columns(X, np.array([True] * 3)) is X
    True
    >>> kept_columns(X, np.array([True, True, False])).base is X
    True
    >>> kept_columns(X, np.array([True, False, True])).base is X
    False
    """
    k = int(np.count_nonzero(keep))
    if k == keep.size:
        return X
    if bool(np.all(keep[:k])):  # the kept ones come first
        return X[:, :k]
    return X[:, keep]


def row_forms(X: np.ndarray, M: np.ndarray, *, root: bool) -> np.ndarray:
    """Per row x of X: ``||x M||^2`` when ``root`` (M a root F of a matrix F F', see
    :meth:`GramSystem.inverse_root`), else the quadratic form ``x' M x``; on row blocks,
    so no n x k product is held.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [0.0, 1.0]]); F = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> row_forms(X, F, root=True).tolist(), row_forms(X, F @ F.T, root=False).tolist()
    ([13.0, 2.0], [13.0, 2.0])
    """
    n, k = X.shape
    out = np.empty(n)
    step = block_rows(k)
    for a in range(0, n, step):
        Xb = X[a : a + step]
        P = Xb @ M
        out[a : a + step] = np.einsum("ij,ij->i", P, P if root else Xb)
    return out
