"""Pivoted QR on row blocks and accurate least squares.

``least_squares`` solves min ||y - X b|| by a column-equilibrated, column-pivoted
Householder QR with iterative refinement (the corrected semi-normal equations, the
residual accumulated in extended precision); that is what the NIST StRD problems Filip
and Wampler5 need. ``fit_least_squares`` takes the normal equations instead where a
problem is large and well conditioned. The QR reads X in row blocks (:mod:`.blocks`)
and never copies it.

Rank deficiency is decided with the pivoted QR of the columns scaled to unit norm: a
column whose R diagonal is at most a tolerance times the largest is aliased (a linear
combination of the columns before it in pivot order, to that tolerance), as R's ``lm``
reports NA for it. On unit-norm columns the decision does not change when a column is
rescaled, and the diagonal moves with the row order only by rounding (about 1e-16 of
R_11), so it is the same for any row order unless it falls within ~1e-16 of the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

from ..exceptions import ArgumentError
from .blocks import block_rows, column_abs_max, gram_and_score
from .tuning import tuning

# Relative size of a pivoted-QR diagonal entry (columns scaled to unit norm) below which
# the column is treated as aliased. Exact collinearity gives ~1e-16; the hardest
# full-rank NIST problem (Filip, a degree-10 polynomial) gives 1.3e-9.
RANK_TOL = 1e-11

# The tolerance of the fits by IRLS (GLMs), whose Newton steps and standard errors have no
# extended-precision refinement: R's ``lm`` tolerance. Beyond a condition of 1e7 of the
# weighted, equilibrated design the information matrix has condition 1e14 and the fit's
# digits are rounding (a near-singular probit at 1.1e-8 went to beta ~ 1e13 and changed
# with the row order). Least squares keeps RANK_TOL: its refinement solves Filip (1.2e-9)
# to the certified digits; between the two it warns instead (NEAR_SINGULAR_TOL).
ALIAS_TOL = 1e-7

# A pivoted R diagonal ratio below this (condition of the equilibrated design above 1e7)
# makes a kept fit "near-singular": the estimates of the columns involved carry few digits.
NEAR_SINGULAR_TOL = 1e-7

# The QR path's blocks are a quarter of the tuning's block_bytes: it holds a block and its copy in
# long double at times, and at n = 1e5, p = 10 full-size blocks came to 0.7-0.9x X.
QR_BLOCK_SHARE = 4


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
        raise ArgumentError(f"dtrtri: argument {-info} is invalid")
    return np.tril(inv) if lower else np.triu(inv)


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
                raise ArgumentError(f"dgeqrf: argument {-info} is invalid")
            R = np.triu(qr[:q])
    return R


def _rank(R: np.ndarray, tol: float) -> int:
    """Columns of a pivoted R with |R_jj| above ``tol * |R_11|``."""
    d = np.abs(np.diag(R))
    return int(np.sum(d > tol * d[0])) if d.size and d[0] > 0 else 0


def _column_max(X: np.ndarray) -> np.ndarray:
    """The largest |X_ij| of each column, on row blocks; ``inf`` for a column of zeros
    or of subnormal numbers only (below 2.2e-308, with a few bits of precision at most:
    nothing to fit), so that X / big makes it a column of zeros, aliased."""
    big = column_abs_max(X)
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
    tol : the rank tolerance: a column whose |R_jj| is at most ``tol * |R_11|`` is aliased.
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
    tol: float = RANK_TOL

    @classmethod
    def of(
        cls,
        X: np.ndarray,
        *,
        w: np.ndarray | None = None,
        b: np.ndarray | None = None,
        tol: float = RANK_TOL,
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
        return cls._from_r(R[:p, :p], None if b is None else R[:p, p], big, tol)

    @classmethod
    def _from_r(
        cls, R0: np.ndarray, qtb0: np.ndarray | None, big: np.ndarray, tol: float = RANK_TOL
    ) -> PivotedQR:
        """Equilibrate R0 (the R of A / big) to unit-norm columns and pivot it."""
        norms = np.linalg.norm(R0, axis=0)
        norms[norms == 0] = 1.0
        r0 = R0 / norms
        Q2, R, piv = sla.qr(r0, pivoting=True)
        qtb = None if qtb0 is None else Q2.T @ qtb0
        return cls(R, piv, big * norms, _rank(R, tol), r0, qtb0, qtb, tol)

    def with_tol(self, tol: float) -> PivotedQR:
        """The same factorisation with the rank decided at tolerance ``tol``.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.c_[np.ones(4), [0.0, 1, 2, 3], [0.0, 1, 2, 3 + 1e-9]]
        >>> PivotedQR.of(X).rank, PivotedQR.of(X).with_tol(1e-7).rank
        (3, 2)
        """
        return replace(self, rank=_rank(self.R, tol), tol=tol)

    @property
    def diagonal_ratio(self) -> float:
        """|R_pp| / |R_11|: about the reciprocal condition number of the equilibrated
        design (within a factor of a few p); 0 for a design of zeros."""
        d = np.abs(np.diag(self.R))
        return float(d[-1] / d[0]) if d.size and d[0] > 0 else 0.0

    def subset(self, columns: np.ndarray) -> PivotedQR:
        """The factorisation of A's ``columns`` alone (with the same right-hand side),
        from R0 without another pass over X: A[:, c] / s[c] = Q R0[:, c], and the R of
        the p x k matrix R0[:, c] is that of A[:, c] / s[c]."""
        k = len(columns)
        M = self.r0[:, columns] if self.qtb0 is None else np.c_[self.r0[:, columns], self.qtb0]
        R = np.triu(sla.qr(M, mode="r")[0][: M.shape[1]])
        qtb0 = None if self.qtb0 is None else R[:k, k]
        return self._from_r(R[:k, :k], qtb0, self.scale[columns], self.tol)

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
            if d[j] > self.tol * max(1.0, np.linalg.norm(RP[:, j])) and len(basis) < self.rank:
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
            raise ArgumentError("this factorisation was computed without a right-hand side")
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


# Below this reciprocal condition estimate of an equilibrated X'X (cond(X) above ~300)
# the inverse of its Cholesky factor is off by cond(X)^2 eps > 1e-11 relative: covariance
# matrices are then taken from a QR of the design, off by cond(X) eps only (statsmodels'
# pinv of X does as well: 1e-11 at cond 5e5).
COVARIANCE_QR_BELOW = 1e-5


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
    diagonal_ratio : float
        |R_pp| / |R_11| of the pivoted QR of the kept, equilibrated columns (about the
        reciprocal condition number); the normal equations give sqrt(rcond) of the
        equilibrated X'X, which is within a few p of it.
    """

    coef: np.ndarray
    aliased: np.ndarray
    cov_unscaled: np.ndarray
    cov_root: np.ndarray
    method: str
    diagonal_ratio: float = 1.0


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
    if rcond < COVARIANCE_QR_BELOW:
        # the inverse from U carries cond(X)^2 rounding (a column rescaled by 7.3 moved
        # the SEs by 1e-5 relative at cond 5e5): take it from the QR of X (cond(X) only)
        # at the cost of one more pass over X, for ill-conditioned designs only
        root = PivotedQR.of(X).inverse_root()
    else:
        root = triangular_inverse(U, lower=False) / d[:, None]  # D^-1 U^-1
    empty = np.array([], dtype=int)
    return LeastSquaresFit(b, empty, root @ root.T, root, "cholesky", float(np.sqrt(rcond)))


def fit_least_squares(X: np.ndarray, y: np.ndarray) -> LeastSquaresFit:
    """Solve min ||y - X b|| accurately and detect aliased columns.

    Large well-conditioned problems (n * p at least the tuning's
    ``normal_equations_min_size``, and a
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
    if n * p >= tuning().normal_equations_min_size and n > p:
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
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        # a column scaled by 1e+-200 has a variance outside the range of a double: the
        # results say so, and take its standard error from the root
        cov = root @ root.T
    return LeastSquaresFit(b, aliased, cov, root, "qr", qr.diagonal_ratio)
