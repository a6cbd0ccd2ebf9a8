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

# Relative size of a pivoted-QR diagonal entry (columns scaled to unit norm) below which
# the column is treated as aliased. Exact collinearity gives ~1e-16; the hardest
# full-rank NIST problem (Filip, a degree-10 polynomial) gives 1.3e-9.
RANK_TOL = 1e-11

# If the Cholesky factor of the equilibrated Gram matrix has a diagonal ratio below
# this, cond(X'WX) > 1e12 and the normal equations would lose more than ~4 digits:
# take the QR path instead.
CHOL_RATIO_TOL = 1e-6

# Rows per block when forming X' W X (a block of 50 columns is ~3 MB).
BLOCK_ROWS = 8192


def weighted_gram(X: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Return X' diag(w) X, accumulated over row blocks.

    Parameters
    ----------
    X : ndarray, shape (n, p)
    w : ndarray, shape (n,), optional
        Non-negative weights; ``None`` means all ones.

    Returns
    -------
    ndarray, shape (p, p), symmetric.
    """
    n, p = X.shape
    if n <= BLOCK_ROWS:
        Xw = X if w is None else X * w[:, None]
        return Xw.T @ X
    G = np.zeros((p, p))
    for start in range(0, n, BLOCK_ROWS):
        Xb = X[start : start + BLOCK_ROWS]
        Xw = Xb if w is None else Xb * w[start : start + BLOCK_ROWS, None]
        G += Xw.T @ Xb
    return G


@dataclass(frozen=True)
class PivotedQR:
    """Column-equilibrated pivoted QR of a matrix A (n x p), A[:, piv] / s[piv] = Q R."""

    Q: np.ndarray
    R: np.ndarray
    piv: np.ndarray
    scale: np.ndarray
    rank: int

    @classmethod
    def of(cls, A: np.ndarray) -> PivotedQR:
        # column norms without underflow: a column of 1e-160 has squares below the
        # smallest double, so scale by its largest entry first
        big = np.max(np.abs(A), axis=0) if A.shape[0] else np.ones(A.shape[1])
        big[big == 0] = 1.0
        scale = big * np.sqrt(np.einsum("ij,ij->j", A / big, A / big))
        scale[scale == 0] = 1.0
        Q, R, piv = sla.qr(A / scale, mode="economic", pivoting=True)
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
        A = np.empty((self.Q.shape[0], p))
        A[:, self.piv] = self.Q @ self.R  # A / scale, in A's column order
        d = np.abs(np.diag(sla.qr(A, mode="r")[0][: min(A.shape), :]))
        d = np.concatenate([d, np.zeros(p - d.size)])  # more columns than rows
        return np.sort(np.argsort(d, kind="stable")[: p - self.rank])

    def _untangle(self, z: np.ndarray) -> np.ndarray:
        out = np.empty_like(z)
        out[self.piv] = z
        return out / self.scale

    def lstsq(self, b: np.ndarray) -> np.ndarray:
        """Least-squares solution of A x = b (full rank assumed)."""
        return self._untangle(sla.solve_triangular(self.R, self.Q.T @ b))

    def solve_normal(self, g: np.ndarray) -> np.ndarray:
        """Solve (A'A) x = g using R'R = (A S^-1 P)'(A S^-1 P)."""
        gp = (g / self.scale)[self.piv]
        z = sla.solve_triangular(self.R, sla.solve_triangular(self.R, gp, trans="T"))
        return self._untangle(z)

    def inv_normal(self) -> np.ndarray:
        """(A'A)^-1, from R^-1 (never by inverting A'A)."""
        p = self.R.shape[0]
        Rinv = sla.solve_triangular(self.R, np.eye(p))
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


class GramSystem:
    """The Newton system (X' W X) d = r for one iteration.

    Parameters
    ----------
    X : ndarray (n, p)
    w : ndarray (n,)
        Fisher (or observed) weights, non-negative.
    gram : ndarray (p, p), optional
        X' W X if already formed.
    """

    def __init__(self, X: np.ndarray, w: np.ndarray, gram: np.ndarray | None = None):
        self.X = X
        self.w = w
        self.gram = weighted_gram(X, w) if gram is None else gram
        self._chol: tuple[np.ndarray, np.ndarray] | None = None
        self._qr: PivotedQR | None = None
        d = np.sqrt(np.abs(np.diag(self.gram)))
        d[d == 0] = 1.0
        self._d = d
        # X' W X entries near the underflow threshold have lost their digits: use the QR
        tiny = np.any((d > 0) & (d < 1e-140))
        try:
            if tiny:
                raise np.linalg.LinAlgError("Gram matrix entries underflow")
            L = np.linalg.cholesky(self.gram / np.outer(d, d))
            ratio = np.min(np.diag(L)) / np.max(np.diag(L))
            if np.isfinite(ratio) and ratio > CHOL_RATIO_TOL:
                self._chol = (L, d)
        except np.linalg.LinAlgError:
            pass

    @property
    def method(self) -> str:
        """``"cholesky"`` or ``"qr"``: which factorisation solves the system."""
        return "cholesky" if self._chol is not None else "qr"

    def qr(self) -> PivotedQR:
        """Pivoted QR of sqrt(W) X (computed on first use)."""
        if self._qr is None:
            self._qr = PivotedQR.of(self.X * np.sqrt(self.w)[:, None])
        return self._qr

    @property
    def rank(self) -> int:
        """Numerical rank; the QR is only computed if Cholesky was not trusted."""
        return self.gram.shape[0] if self._chol is not None else self.qr().rank

    def solve(self, r: np.ndarray) -> np.ndarray:
        """Return d with (X' W X) d = r."""
        if self._chol is not None:
            L, d = self._chol
            z = sla.cho_solve((L, True), r / d)
            return z / d
        return self.qr().solve_normal(r)

    def inverse(self) -> np.ndarray:
        """(X' W X)^-1 (for covariance matrices)."""
        if self._chol is not None:
            L, d = self._chol
            Linv = sla.solve_triangular(L, np.eye(L.shape[0]), lower=True)
            return (Linv.T @ Linv) / np.outer(d, d)
        return self.qr().inv_normal()


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
    Linv = sla.solve_triangular(L, np.eye(H.shape[0]), lower=True)
    return (Linv.T @ Linv) / np.outer(d, d)
