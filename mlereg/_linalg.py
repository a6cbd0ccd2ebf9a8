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

from ._threads import run_blocks, threads_for

# Relative size of a pivoted-QR diagonal entry (columns scaled to unit norm) below which
# the column is treated as aliased. Exact collinearity gives ~1e-16; the hardest
# full-rank NIST problem (Filip, a degree-10 polynomial) gives 1.3e-9.
RANK_TOL = 1e-11

# If the Cholesky factor of the equilibrated Gram matrix has a diagonal ratio below
# this, cond(X'WX) > 1e12 and the normal equations would lose more than ~4 digits:
# take the QR path instead.
CHOL_RATIO_TOL = 1e-6

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
    """Rows per block for a design with ``p`` columns (at least 256, at most 65536)."""
    return int(min(65536, max(256, BLOCK_BYTES // (8 * max(p, 1)))))


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


def _accumulate(
    X: np.ndarray, w: np.ndarray | None, u: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """X' diag(w) X (and X' u) in one pass over row blocks of X.

    Each block's X_b' diag(w) X_b comes from :func:`block_gram` through a reused
    buffer; ``X' u`` is accumulated on the same block while it is in cache. Works on
    C- or Fortran-ordered X without copying it; the buffer takes X's layout. The blocks
    are shared among the row threads (:mod:`mlereg._threads`), BLAS on one thread.
    """
    n, p = X.shape
    B = min(n, block_rows(p)) or 1
    order = row_order(X)

    def run(chunk: list[int]) -> list[tuple[np.ndarray, np.ndarray | None]]:
        buf = np.empty((B, p), order=order)
        out = []
        for start in chunk:
            rows = slice(start, min(start + B, n))
            Xb = X[rows]
            Gb = block_gram(Xb, None if w is None else w[rows], buf)
            out.append((Gb, None if u is None else Xb.T @ u[rows]))
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


@dataclass(frozen=True)
class PivotedQR:
    """Column-equilibrated pivoted QR of a matrix A (n x p), A[:, piv] / s[piv] = Q R."""

    Q: np.ndarray | None
    R: np.ndarray
    piv: np.ndarray
    scale: np.ndarray
    rank: int

    @classmethod
    def of(cls, A: np.ndarray, *, with_q: bool = True, overwrite: bool = False) -> PivotedQR:
        """Factorise A. ``with_q=False`` keeps only R (enough for the normal equations
        and the inverse, and saves an n x p array); ``overwrite=True`` lets the
        factorisation destroy A instead of copying it."""
        # column norms without underflow: a column of 1e-160 has squares below the
        # smallest double, so scale by its largest entry first
        big = np.max(np.abs(A), axis=0) if A.shape[0] else np.ones(A.shape[1])
        big[big == 0] = 1.0
        scale = big * np.sqrt(np.einsum("ij,ij->j", A / big, A / big))
        scale[scale == 0] = 1.0
        if overwrite:
            A /= scale
        else:
            A = A / scale
        if with_q:
            Q, R, piv = sla.qr(A, mode="economic", pivoting=True, overwrite_a=True)
        else:
            Q = None
            R, piv = sla.qr(A, mode="r", pivoting=True, overwrite_a=True)
            R = R[: A.shape[1]]
        d = np.abs(np.diag(R))
        rank = int(np.sum(d > RANK_TOL * d[0])) if d.size and d[0] > 0 else 0
        return cls(Q, R, piv, scale, rank)

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

    def lstsq(self, b: np.ndarray) -> np.ndarray:
        """Least-squares solution of A x = b (full rank assumed)."""
        if self.Q is None:
            raise ValueError("this factorisation was computed without Q")
        return self._untangle(sla.solve_triangular(self.R, self.Q.T @ b))

    def solve_normal(self, g: np.ndarray) -> np.ndarray:
        """Solve (A'A) x = g using R'R = (A S^-1 P)'(A S^-1 P)."""
        gp = (g / self.scale)[self.piv]
        z = sla.solve_triangular(self.R, sla.solve_triangular(self.R, gp, trans="T"))
        return self._untangle(z)

    def inv_normal(self) -> np.ndarray:
        """(A'A)^-1, from R^-1 (never by inverting A'A)."""
        Rinv = triangular_inverse(self.R, lower=False)
        M = Rinv @ Rinv.T
        out = np.empty_like(M)
        out[np.ix_(self.piv, self.piv)] = M
        return out / np.outer(self.scale, self.scale)


def least_squares(X: np.ndarray, y: np.ndarray, refine: int = 4) -> tuple[np.ndarray, PivotedQR]:
    """Solve min ||y - X b|| accurately; X must have full column rank.

    Householder QR on unit-norm columns gives the first solution; up to ``refine``
    steps of the corrected semi-normal equations, R'R db = X'(y - X b), with the residual
    and X'r accumulated in ``np.longdouble``, then polish it. On the NIST StRD problems
    this gives >= 7.4 correct digits on Filip and Wampler5 and >= 9.5 elsewhere.

    Returns
    -------
    b : ndarray, shape (p,)
    qr : PivotedQR of X, reusable for (X'X)^-1.
    """
    qr = PivotedQR.of(X)
    b = qr.lstsq(y)
    if refine and np.finfo(np.longdouble).eps < np.finfo(float).eps:
        XL = X.astype(np.longdouble)
        yL = y.astype(np.longdouble)
        for _ in range(refine):
            r = yL - XL @ b.astype(np.longdouble)
            db = qr.solve_normal(np.asarray(XL.T @ r, dtype=float))
            b = b + db
            if np.all(np.abs(db) <= 1e-15 * np.abs(b)):
                break
    return b, qr


# OLS on a design with at least this many entries (n * p) may use the normal equations;
# smaller problems always take the QR path (it costs little there, and it is what the
# NIST StRD problems need).
NORMAL_EQUATIONS_MIN_SIZE = 1_000_000

# The normal equations are used only when LAPACK's estimate of the reciprocal condition
# number of the equilibrated X'X is above this: cond(X) < ~1e4, so the Cholesky solution
# is good to ~1e-8 before refinement and to working accuracy after it.
NORMAL_EQUATIONS_RCOND = 1e-8


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
    method : str
        ``"cholesky"`` (normal equations with iterative refinement) or ``"qr"``.
    """

    coef: np.ndarray
    aliased: np.ndarray
    cov_unscaled: np.ndarray
    method: str


def _normal_equations(X: np.ndarray, y: np.ndarray, refine: int = 3) -> LeastSquaresFit | None:
    """Cholesky of the equilibrated X'X (one blocked pass over X, no copy of X) plus
    iterative refinement b += (X'X)^-1 X'(y - X b); ``None`` when X'X is too ill
    conditioned for that to be accurate (the caller then takes the QR path)."""
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
    for _ in range(refine):
        db = solve(X.T @ (y - X @ b))
        b = b + db
        if np.max(np.abs(db)) <= 1e-15 * np.max(np.abs(b)):
            break
    Uinv = triangular_inverse(U, lower=False)
    cov = (Uinv @ Uinv.T) / np.outer(d, d)
    return LeastSquaresFit(b, np.array([], dtype=int), cov, "cholesky")


def fit_least_squares(X: np.ndarray, y: np.ndarray) -> LeastSquaresFit:
    """Solve min ||y - X b|| accurately and detect aliased columns.

    Large well-conditioned problems (n * p >= :data:`NORMAL_EQUATIONS_MIN_SIZE` and a
    reciprocal condition estimate of the equilibrated X'X above
    :data:`NORMAL_EQUATIONS_RCOND`) use the normal equations with iterative refinement:
    one blocked pass for X'X, two matrix-vector passes per refinement step, memory of a
    few p x p matrices. Everything else (small, ill-conditioned or rank-deficient
    problems) uses :func:`least_squares`, the pivoted QR with extended-precision
    refinement.

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
    qr = PivotedQR.of(X, with_q=False)
    aliased = qr.aliased if qr.rank < p else np.array([], dtype=int)
    del qr
    keep = np.setdiff1d(np.arange(p), aliased)
    b, qr = least_squares(X[:, keep] if aliased.size else X, y)
    return LeastSquaresFit(b, aliased, qr.inv_normal(), "qr")


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
            # one weighted copy of X, factorised in place; Q is never formed
            A = self.X * np.sqrt(self.w)[:, None]
            self._qr = PivotedQR.of(A, with_q=False, overwrite=True)
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

    def inverse(self) -> np.ndarray:
        """(X' W X)^-1 (for covariance matrices)."""
        if self._chol is not None:
            L, d = self._chol
            Linv = triangular_inverse(L, lower=True)
            return (Linv.T @ Linv) / np.outer(d, d)
        return self.qr().inv_normal()


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
