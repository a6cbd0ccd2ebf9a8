"""Dense linear algebra for the fitting loops.

Three jobs, all on plain numpy arrays:

* ``weighted_gram(X, w)`` forms X' diag(w) X on row blocks, so the weighted copy of
  X never exceeds one block (the memory-bound part of every Newton iteration).
* ``GramSystem`` solves (X' W X) d = r by Cholesky and falls back to a pivoted QR of
  sqrt(W) X when the Cholesky factorisation fails or is too ill-conditioned to trust.
* ``least_squares`` solves min ||y - X b|| by a column-equilibrated, column-pivoted
  Householder QR with iterative refinement (the corrected semi-normal equations, the
  residual accumulated in extended precision); that is what the NIST StRD problems
  Filip and Wampler5 need.

Rank deficiency is decided with the pivoted QR: a column whose scaled R diagonal is
below ``RANK_TOL`` times the largest is aliased (an exact linear combination of the
columns before it in pivot order), as R's ``lm`` reports NA for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

from .threads import run_blocks, threads_for

try:  # the optional compiled kernel (setup.py); without it numpy does the same work
    from . import _ckernels
except ImportError:  # pragma: no cover - a build without a C compiler
    _ckernels = None

# Relative size of a pivoted-QR diagonal entry (columns scaled to unit norm) below which
# the column is treated as aliased. Exact collinearity gives ~1e-16; the hardest
# full-rank NIST problem (Filip, a degree-10 polynomial) gives 1.3e-9.
RANK_TOL = 1e-11

# If the Cholesky factor of the equilibrated Gram matrix has a diagonal ratio below
# this, cond(X'WX) > 1e12 and the normal equations would lose more than ~4 digits:
# take the QR path instead.
CHOL_RATIO_TOL = 1e-6

# The compiled kernel takes designs of at most this many columns (its buffers are
# sized for it); wider ones go to the BLAS, which is near its peak there. It forms X b
# itself for C-ordered blocks of at most CKERNEL_ETA_MAX_COLUMNS. Both limits are the
# kernel's own (0 without it).
CKERNEL_MAX_COLUMNS = getattr(_ckernels, "MAX_COLUMNS", 0)
CKERNEL_ETA_MAX_COLUMNS = getattr(_ckernels, "ETA_MAX_COLUMNS", 0)

# Bytes of one row block when forming X' W X. Measured on a 2-core AMD EPYC (2 MiB L2
# per core, one BLAS thread) at n = 1e6, p = 10, 25, 50: blocks of 3 MiB are as fast as
# any (256 KiB to 8 MiB are within 15%) and about 0.55x numpy's X.T @ (w[:, None] * X).
BLOCK_BYTES = 3 << 20


def triangular_inverse(T: np.ndarray, lower: bool) -> np.ndarray:
    """Inverse of a nonsingular triangular matrix (LAPACK ``dtrtri``).

    Used for covariance matrices instead of solving against the identity: that goes
    through a threaded BLAS ``dtrsm``, which took 1 ms for a 50 x 50 matrix on two
    threads (50 times ``dtrtri``).

    Examples
    --------
    >>> import numpy as np
    >>> triangular_inverse(np.array([[2.0, 0.0], [1.0, 4.0]]), lower=True).tolist()
    [[0.5, 0.0], [-0.125, 0.25]]
    """
    inv, info = lapack.dtrtri(np.asarray(T, dtype=float), lower=int(lower))
    if info > 0:
        inv = np.full(T.shape, np.nan)  # singular: as inf / NaN from a solve, never silent
    elif info < 0:
        raise ValueError(f"dtrtri: argument {-info} is invalid")
    return np.tril(inv) if lower else np.triu(inv)


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


# Fewest rows of a block (blocks of fewer rows cost more in calls than they save).
BLOCK_MIN_ROWS = 256


def block_rows(p: int) -> int:
    """Rows per block for a design with ``p`` columns (at least ``BLOCK_MIN_ROWS``, at
    most 65536)."""
    return int(min(65536, max(BLOCK_MIN_ROWS, BLOCK_BYTES // (8 * max(p, 1)))))


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
    (float64, at most ``CKERNEL_MAX_COLUMNS`` columns; then it needs no buffer).

    Examples
    --------
    >>> import numpy as np
    >>> uses_ckernel(np.zeros((2, 1000)))
    False
    """
    return _ckernels is not None and X.dtype == np.float64 and X.shape[1] <= CKERNEL_MAX_COLUMNS


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
        G, g = np.empty((p, p)), np.empty(p)
        _ckernels.gram_score(
            Xb,
            None if w is None else np.ascontiguousarray(w, dtype=float),
            None if u is None else np.ascontiguousarray(u, dtype=float),
            G,
            g,
        )
        return G, None if u is None else g
    return block_gram(Xb, w, buf), None if u is None else Xb.T @ u


def block_eta(Xb: np.ndarray, beta: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``X_b beta`` into ``out``: by the compiled kernel for C-ordered blocks of at most
    ``CKERNEL_ETA_MAX_COLUMNS`` columns (at 10 columns half the time of numpy's
    ``matmul``, which hands short rows to the BLAS's dgemv), else by numpy.

    Examples
    --------
    >>> import numpy as np
    >>> block_eta(np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0]), np.empty(3)).tolist()
    [-1.0, -1.0, -1.0]
    """
    p = Xb.shape[1]
    if (
        _ckernels is not None
        and 1 <= p <= CKERNEL_ETA_MAX_COLUMNS
        and Xb.strides[1] == Xb.itemsize
        and Xb.dtype == np.float64
    ):
        _ckernels.linear_predictor(Xb, np.ascontiguousarray(beta, dtype=float), out)
        return out
    return np.matmul(Xb, beta, out=out)


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


# The QR path's blocks are a quarter of BLOCK_BYTES: it holds a block and its copy in
# long double at times, and at n = 1e5, p = 10 full-size blocks came to 0.7-0.9x X.
QR_BLOCK_SHARE = 4


def _blocked_r(
    X: np.ndarray, sw: np.ndarray | None, b: np.ndarray | None, big: np.ndarray
) -> np.ndarray:
    """The R factor of A = [diag(sw) X / big, diag(sw) b] (q x q, q = p or p + 1), by
    Householder QR on row blocks: each block is stacked under the R of the rows
    before it and that (q + B) x q matrix is factorised again (a tall-skinny QR).
    Memory is one block; Q is never formed. ``sw``: square roots of row weights
    (``None``: 1); ``b``: an extra column (``None``: none).
    """
    n, p = X.shape
    q = p + (b is not None)
    B = max(1, min(n, block_rows(QR_BLOCK_SHARE * q)))
    R = np.zeros((q, q))
    M = np.empty((q + B, q), order="F")
    with np.errstate(over="ignore", invalid="ignore"):  # an inf or NaN reaches R: caller checks
        for a in range(0, n, B):
            rows = slice(a, min(a + B, n))
            m = rows.stop - a
            if M.shape[0] != q + m:  # the last, shorter block (the full one let go first)
                M = None
                M = np.empty((q + m, q), order="F")
            M[:q] = R
            np.divide(X[rows], big, out=M[q:, :p])
            if b is not None:
                M[q:, p] = b[rows]
            if sw is not None:
                M[q:] *= sw[rows, None]
            qr, _, _, info = lapack.dgeqrf(M, overwrite_a=1)
            if info != 0:
                raise ValueError(f"dgeqrf: argument {-info} is invalid")
            R = np.triu(qr[:q])
    return R


def _column_max(X: np.ndarray) -> np.ndarray:
    """The largest |X_ij| of each column, on row blocks; ``inf`` for a column of zeros
    or of subnormal numbers only (below 2.2e-308, with a few bits of precision at most:
    nothing to fit), so that X / big makes it a column of zeros, aliased."""
    n, p = X.shape
    B = max(1, min(n, block_rows(QR_BLOCK_SHARE * p)))
    big = np.zeros(p)
    for a in range(0, n, B):
        np.maximum(big, np.abs(X[a : a + B]).max(axis=0, initial=0.0), out=big)
    big[big < np.finfo(float).tiny] = np.inf
    return big


@dataclass(frozen=True)
class PivotedQR:
    """Column-equilibrated pivoted QR of A = diag(sw) X (n x p): with s the column
    norms of A, A / s = Q R0 and R0[:, piv] = Q2 R (Q and Q2 orthogonal, R upper
    triangular with a non-increasing diagonal, as a column-pivoted QR of A / s).

    R0 comes from a Householder QR on row blocks (:func:`_blocked_r`), so neither Q
    nor a copy of X is ever held: memory is a block and a few p x p matrices. The
    pivoted QR is then of the p x p matrix R0, whose columns have the norms of A's
    (column pivoting depends only on those, and Q keeps them).

    Attributes
    ----------
    R, piv, scale, rank : the pivoted factor, its column order, s and the numerical rank.
    r0 : R0 (p x p, unit-norm columns, unpivoted), for :meth:`subset`.
    qtb0, qtb : Q'(diag(sw) b) and Q2' Q'(diag(sw) b) for the right-hand side b given
        to :meth:`of` (``None`` without one).
    """

    R: np.ndarray
    piv: np.ndarray
    scale: np.ndarray
    rank: int
    r0: np.ndarray
    qtb0: np.ndarray | None = None
    qtb: np.ndarray | None = None

    @classmethod
    def of(
        cls, X: np.ndarray, *, w: np.ndarray | None = None, b: np.ndarray | None = None
    ) -> PivotedQR:
        """Factorise diag(sqrt(w)) X (``w=None``: X itself), with the right-hand side
        ``b`` (weighted the same way) carried along for :meth:`lstsq`.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.c_[np.ones(4), [0.0, 1, 2, 3], [0.0, 2, 4, 6]]
        >>> qr = PivotedQR.of(X)
        >>> qr.rank, qr.aliased.tolist()
        (2, [2])
        """
        sw = None if w is None else np.sqrt(w)
        big = _column_max(X)  # divides X first: no squares under- or overflow
        R = _blocked_r(X, sw, b, big)
        p = X.shape[1]
        return cls._from_r(R[:p, :p], None if b is None else R[:p, p], big)

    @classmethod
    def _from_r(cls, R0: np.ndarray, qtb0: np.ndarray | None, big: np.ndarray) -> PivotedQR:
        """Equilibrate R0 (the R of A / big) to unit-norm columns and pivot it."""
        norms = np.linalg.norm(R0, axis=0)
        norms[norms == 0] = 1.0
        r0 = R0 / norms
        Q2, R, piv = sla.qr(r0, pivoting=True)
        d = np.abs(np.diag(R))
        rank = int(np.sum(d > RANK_TOL * d[0])) if d.size and d[0] > 0 else 0
        qtb = None if qtb0 is None else Q2.T @ qtb0
        return cls(R, piv, big * norms, rank, r0, qtb0, qtb)

    def subset(self, columns: np.ndarray) -> PivotedQR:
        """The factorisation of A's ``columns`` alone (with the same right-hand side),
        from R0 without another pass over X: A[:, c] / s[c] = Q R0[:, c], and the R of
        the p x k matrix R0[:, c] is that of A[:, c] / s[c]."""
        k = len(columns)
        M = self.r0[:, columns] if self.qtb0 is None else np.c_[self.r0[:, columns], self.qtb0]
        R = np.triu(sla.qr(M, mode="r")[0][: M.shape[1]])
        return self._from_r(R[:k, :k], None if self.qtb0 is None else R[:k, k], self.scale[columns])

    @property
    def aliased(self) -> np.ndarray:
        """Indices (in A's column order, sorted) of the p - rank aliased columns.

        Which columns are aliased follows R's ``lm``/``glm``: a column is aliased when it
        is a combination of the columns *before* it, so of two collinear columns the
        later one is dropped. These are the p - rank columns with the smallest distance
        to the span of the columns before them (the diagonal of an unpivoted QR of the
        unit-norm columns); the rank itself comes from the pivoted QR.
        """
        p = self.R.shape[1]
        if self.rank >= p:
            return np.array([], dtype=int)
        # A / scale = Q R P' and Q has orthonormal columns, so distances between columns
        # of A / scale equal those between columns of R P' (a small k x p matrix). Walk
        # the columns in order and measure each one's distance to the span of the columns
        # kept before it (Gram-Schmidt, orthogonalised twice for accuracy).
        RP = np.empty_like(self.R)
        RP[:, self.piv] = self.R
        basis: list[np.ndarray] = []
        d = np.zeros(p)
        for j in range(p):
            v = RP[:, j].copy()
            for _ in range(2):
                for b in basis:
                    v -= (b @ v) * b
            d[j] = np.linalg.norm(v)
            if d[j] > RANK_TOL * max(1.0, np.linalg.norm(RP[:, j])) and len(basis) < self.rank:
                basis.append(v / d[j])
            else:
                d[j] = 0.0
        return np.sort(np.argsort(d, kind="stable")[: p - self.rank])

    def _untangle(self, z: np.ndarray) -> np.ndarray:
        out = np.empty_like(z)
        out[self.piv] = z
        return out / self.scale

    def lstsq(self) -> np.ndarray:
        """Least-squares solution of A x = diag(sqrt(w)) b for the ``b`` given to
        :meth:`of` (full rank assumed)."""
        if self.qtb is None:
            raise ValueError("this factorisation was computed without a right-hand side")
        return self._untangle(sla.solve_triangular(self.R, self.qtb))

    def solve_normal(self, g: np.ndarray) -> np.ndarray:
        """Solve (A'A) x = g using R'R = (A S^-1 P)'(A S^-1 P)."""
        gp = (g / self.scale)[self.piv]
        z = sla.solve_triangular(self.R, sla.solve_triangular(self.R, gp, trans="T"))
        return self._untangle(z)

    def inverse_root(self) -> np.ndarray:
        """F with F F' = (A'A)^-1: S^-1 P R^-1 (see :meth:`GramSystem.inverse_root`)."""
        Rinv = triangular_inverse(self.R, lower=False)
        F = np.empty_like(Rinv)
        F[self.piv] = Rinv
        return F / self.scale[:, None]

    def inv_normal(self) -> np.ndarray:
        """(A'A)^-1, from R^-1 (never by inverting A'A)."""
        F = self.inverse_root()
        return F @ F.T


def _residual_score(
    X: np.ndarray, y: np.ndarray, b: np.ndarray, columns: np.ndarray | None
) -> np.ndarray:
    """X_c'(y - X_c b) with the residual and the products in ``np.longdouble``, on row
    blocks (X_c: X's ``columns``, all of them for ``None``)."""
    n, p = X.shape
    B = max(1, min(n, block_rows(QR_BLOCK_SHARE * p)))  # long doubles: twice the bytes
    bL = b.astype(np.longdouble)
    g = np.zeros(b.shape[0], dtype=np.longdouble)
    for a in range(0, n, B):
        Xb = X[a : a + B] if columns is None else X[a : a + B, columns]
        XL = Xb.astype(np.longdouble)
        # einsum: 0.6-0.9x the time of matmul's loops for long doubles. X'r must be
        # summed in long double too: in double, Wampler5 kept 6.3 digits instead of 9.3
        r = y[a : a + B] - np.einsum("ij,j->i", XL, bL)
        g += np.einsum("ij,i->j", XL, r)
    return np.asarray(g, dtype=float)


def least_squares(
    X: np.ndarray,
    y: np.ndarray,
    refine: int = 4,
    *,
    qr: PivotedQR | None = None,
    columns: np.ndarray | None = None,
) -> tuple[np.ndarray, PivotedQR]:
    """Solve min ||y - X b|| accurately; X must have full column rank.

    Householder QR on unit-norm columns gives the first solution; up to ``refine``
    steps of the corrected semi-normal equations, R'R db = X'(y - X b), with the residual
    and X'r accumulated in ``np.longdouble``, then polish it. On the NIST StRD problems
    this gives >= 7.4 correct digits on Filip and Wampler5 and >= 9.5 elsewhere. X is
    read in row blocks and never copied.

    Parameters
    ----------
    X : ndarray (n, p)
    y : ndarray (n,)
    refine : int
        Most refinement steps.
    qr : PivotedQR, optional
        The factorisation of X (of its ``columns``) with ``y`` as right-hand side, if
        already computed.
    columns : ndarray of int, optional
        Fit only these columns of X.

    Returns
    -------
    b : ndarray, shape (p,)
    qr : PivotedQR of X, reusable for (X'X)^-1.

    Examples
    --------
    >>> import numpy as np
    >>> b, _ = least_squares(np.c_[np.ones(3), [0.0, 1, 2]], np.array([1.0, 3, 5]))
    >>> b.round(12).tolist()
    [1.0, 2.0]
    """
    if qr is None:
        qr = PivotedQR.of(X if columns is None else X[:, columns], b=y)
    b = qr.lstsq()
    if refine and np.finfo(np.longdouble).eps < np.finfo(float).eps:
        last = np.inf
        for _ in range(refine):
            db = qr.solve_normal(_residual_score(X, y, b, columns))
            b = b + db
            if np.all(np.abs(db) <= 1e-15 * np.abs(b)):
                break
            # a correction no smaller than half the one before: at the noise floor, where
            # further steps only trade rounding (on a year and its square at 1e6 rows:
            # corrections 7e-10, 1e-12, 1.2e-12, 2.5e-12 relative; each pass 0.1-0.4 s)
            size = float(np.linalg.norm(db * qr.scale))
            if size > last / 2:
                break
            last = size
    return b, qr


# OLS on a design with at least this many entries (n * p) may use the normal equations;
# smaller problems always take the QR path (it costs little there, and it is what the
# NIST StRD problems need).
NORMAL_EQUATIONS_MIN_SIZE = 1_000_000

# The normal equations are used only when LAPACK's estimate of the reciprocal condition
# number of the equilibrated X'X is above this: cond(X) < ~1e4, so the Cholesky solution
# is good to ~1e-8 before refinement and to working accuracy after it.
NORMAL_EQUATIONS_RCOND = 1e-8

# ... and refined only when that estimate is below this. Above it cond(X'X) < 1e3 and the
# Cholesky solution is good to about 1e3 eps already (on the benchmark's designs,
# reciprocal condition 0.92-0.98, it was 1e-15 to 7e-15 off the refined QR solution, and
# a refinement step moved it by 7e-16 to 6e-15): each step would cost two more passes
# over X for rounding.
NORMAL_EQUATIONS_REFINE_BELOW = 1e-3


@dataclass(frozen=True)
class LeastSquaresFit:
    """Solution of min ||y - X b||.

    Attributes
    ----------
    coef : ndarray
        Coefficients of the non-aliased columns (in column order).
    aliased : ndarray of int
        Aliased columns (empty when X has full column rank).
    cov_unscaled : ndarray
        (X_k' X_k)^-1 for the kept columns X_k.
    cov_root : ndarray
        F with F F' = ``cov_unscaled`` (see :meth:`GramSystem.inverse_root`).
    method : str
        ``"cholesky"`` (normal equations with iterative refinement) or ``"qr"``.
    """

    coef: np.ndarray
    aliased: np.ndarray
    cov_unscaled: np.ndarray
    cov_root: np.ndarray
    method: str


def _normal_equations(X: np.ndarray, y: np.ndarray, refine: int = 3) -> LeastSquaresFit | None:
    """Cholesky of the equilibrated X'X (one blocked pass over X, no copy of X) plus,
    below :data:`NORMAL_EQUATIONS_REFINE_BELOW`, iterative refinement
    b += (X'X)^-1 X'(y - X b); ``None`` when X'X is too ill conditioned for that to be
    accurate (the caller then takes the QR path)."""
    G, Xty = gram_and_score(X, None, y)
    d = np.sqrt(np.diag(G))
    if not np.all(d > 0):
        return None
    Gs = G / np.outer(d, d)
    U, info = lapack.dpotrf(Gs, lower=0, clean=1)
    if info != 0:
        return None
    rcond, info = lapack.dpocon(U, np.linalg.norm(Gs, 1))
    if info != 0 or not rcond > NORMAL_EQUATIONS_RCOND:
        return None

    def solve(r: np.ndarray) -> np.ndarray:
        return sla.cho_solve((U, False), r / d) / d

    b = solve(Xty)
    for _ in range(refine if rcond < NORMAL_EQUATIONS_REFINE_BELOW else 0):
        db = solve(X.T @ (y - X @ b))
        b = b + db
        if np.max(np.abs(db)) <= 1e-15 * np.max(np.abs(b)):
            break
    root = triangular_inverse(U, lower=False) / d[:, None]  # D^-1 U^-1
    return LeastSquaresFit(b, np.array([], dtype=int), root @ root.T, root, "cholesky")


def fit_least_squares(X: np.ndarray, y: np.ndarray) -> LeastSquaresFit:
    """Solve min ||y - X b|| accurately and detect aliased columns.

    Large well-conditioned problems (n * p >= :data:`NORMAL_EQUATIONS_MIN_SIZE` and a
    reciprocal condition estimate of the equilibrated X'X above
    :data:`NORMAL_EQUATIONS_RCOND`) use the normal equations, with iterative refinement
    where the condition calls for it: one blocked pass for X'X, two matrix-vector passes
    per refinement step, memory of a few p x p matrices. Everything else (small,
    ill-conditioned or rank-deficient problems) uses :func:`least_squares`, the pivoted
    QR with extended-precision refinement.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.ones(4), [0.0, 1, 2, 3]]
    >>> fit_least_squares(X, np.array([1.0, 3, 5, 7])).coef.round(12).tolist()
    [1.0, 2.0]
    """
    n, p = X.shape
    if n * p >= NORMAL_EQUATIONS_MIN_SIZE and n > p:
        fit = _normal_equations(X, y)
        if fit is not None:
            return fit
    qr = PivotedQR.of(X, b=y)
    aliased = qr.aliased if qr.rank < p else np.array([], dtype=int)
    columns = None
    if aliased.size:  # the kept columns' factorisation, from R0 (no second pass over X)
        columns = np.setdiff1d(np.arange(p), aliased)
        qr = qr.subset(columns)
    b, qr = least_squares(X, y, qr=qr, columns=columns)
    root = qr.inverse_root()
    return LeastSquaresFit(b, aliased, root @ root.T, root, "qr")


class GramSystem:
    """The Newton system (X' W X) d = r for one iteration.

    Parameters
    ----------
    X : ndarray (n, p)
    w : ndarray (n,)
        Fisher (or observed) weights, non-negative.
    gram : ndarray (p, p), optional
        X' W X if already formed.
    release_weights : bool
        Drop the reference to ``w`` when the Cholesky factorisation is trusted (saves
        an n-vector per Newton iteration; ``qr()`` is then unavailable).
    """

    def __init__(
        self,
        X: np.ndarray,
        w: np.ndarray,
        gram: np.ndarray | None = None,
        *,
        release_weights: bool = False,
    ):
        self.X = X
        self.w: np.ndarray | None = w
        self.gram = weighted_gram(X, w) if gram is None else gram
        self._chol: tuple[np.ndarray, np.ndarray] | None = None
        self._qr: PivotedQR | None = None
        d = np.sqrt(np.abs(np.diagonal(self.gram)))
        # X' W X entries near the underflow threshold have lost their digits: use the QR
        tiny = bool(np.any((d > 0) & (d < 1e-140)))
        d[d == 0] = 1.0
        self._d = d
        if not tiny:  # LAPACK directly: numpy's cholesky costs 4x as much for p = 10
            L, info = lapack.dpotrf(self.gram / np.outer(d, d), lower=1, clean=1)
            diag = np.diagonal(L)
            ratio = diag.min() / diag.max() if info == 0 else np.nan
            if np.isfinite(ratio) and ratio > CHOL_RATIO_TOL:
                self._chol = (L, d)
        if self._chol is not None and release_weights:
            self.w = None  # only the QR needs the weights

    @property
    def method(self) -> str:
        """``"cholesky"`` or ``"qr"``: which factorisation solves the system."""
        return "cholesky" if self._chol is not None else "qr"

    def qr(self) -> PivotedQR:
        """Pivoted QR of sqrt(W) X (computed on first use)."""
        if self._qr is None:
            if self.w is None:  # Cholesky succeeded and released the weights
                raise RuntimeError("the QR of a system solved by Cholesky is not available")
            self._qr = PivotedQR.of(self.X, w=self.w)  # on row blocks: no copy of X
        return self._qr

    @property
    def rank(self) -> int:
        """Numerical rank; the QR is only computed if Cholesky was not trusted."""
        return self.gram.shape[0] if self._chol is not None else self.qr().rank

    def solve(self, r: np.ndarray) -> np.ndarray:
        """Return d with (X' W X) d = r."""
        if self._chol is not None:
            L, d = self._chol
            z, info = lapack.dpotrs(L, r / d, lower=1)  # scipy's cho_solve checks cost more
            if info != 0:
                raise ValueError(f"dpotrs: argument {-info} is invalid")
            return z / d
        return self.qr().solve_normal(r)

    def inverse_root(self) -> np.ndarray:
        """F with F F' = (X' W X)^-1, from the triangular factor (D^-1 L^-T for the
        Cholesky factorisation D^-1 X'WX D^-1 = L L').

        A quadratic form x' (X'WX)^-1 x is best taken as ||F' x||^2, a sum of squares:
        formed from the inverse itself it cancels between terms, and on an
        ill-conditioned design (Longley's) lost 4 more digits (1e-8 relative against
        1e-12).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.c_[np.ones(4), [0.0, 1, 2, 3]]
        >>> F = GramSystem(X, np.ones(4)).inverse_root()
        >>> bool(np.allclose(F @ F.T, np.linalg.inv(X.T @ X)))
        True
        """
        if self._chol is not None:
            L, d = self._chol
            return triangular_inverse(L, lower=True).T / d[:, None]
        return self.qr().inverse_root()

    def inverse(self) -> np.ndarray:
        """(X' W X)^-1 (for covariance matrices)."""
        F = self.inverse_root()
        return F @ F.T


class ScaledSystem:
    """The system (c H) d = r for a factorised H: an approximation of an information
    matrix by ``c`` times the information of a subsample of about 1/c of the rows.

    Only ``solve`` is offered: it serves a Newton step, never standard errors.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.ones(4), [0.0, 1, 2, 3]]
    >>> S = ScaledSystem(GramSystem(X, np.ones(4)), 2.0)
    >>> np.allclose(2 * (X.T @ X) @ S.solve(np.array([1.0, 2.0])), [1.0, 2.0])
    True
    """

    def __init__(self, system: GramSystem, factor: float) -> None:
        self.system = system
        self.factor = float(factor)

    def solve(self, r: np.ndarray) -> np.ndarray:
        """Return d with (c H) d = r."""
        return self.system.solve(r) / self.factor


def solve_psd(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve H x = g for a small symmetric positive definite H (equilibrated Cholesky,
    with a least-squares fallback that never hides the failure: the caller checks the
    returned step for finiteness)."""
    d = np.sqrt(np.abs(np.diag(H)))
    d[d == 0] = 1.0
    Hs = H / np.outer(d, d)
    try:
        L = np.linalg.cholesky(Hs)
        return sla.cho_solve((L, True), g / d) / d
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(Hs, g / d, rcond=None)[0] / d


def inv_psd(H: np.ndarray) -> np.ndarray:
    """Inverse of a small symmetric positive definite matrix via Cholesky.

    Returns NaNs (not a pseudo-inverse) when H is not positive definite.
    """
    d = np.sqrt(np.abs(np.diag(H)))
    d[d == 0] = 1.0
    try:
        L = np.linalg.cholesky(H / np.outer(d, d))
    except np.linalg.LinAlgError:
        return np.full_like(H, np.nan)
    Linv = triangular_inverse(L, lower=True)
    return (Linv.T @ Linv) / np.outer(d, d)
