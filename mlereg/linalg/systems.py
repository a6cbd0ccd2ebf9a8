"""Solves with information matrices.

``GramSystem`` solves the Newton system (X' W X) d = r by Cholesky and falls back to a
pivoted QR of sqrt(W) X (:mod:`.qr`) when the Cholesky factorisation fails or is too
ill-conditioned to trust. ``solve_psd`` and ``inv_psd`` solve with and invert small
symmetric positive definite matrices.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

from ..exceptions import ArgumentError
from .blocks import weighted_gram
from .qr import COVARIANCE_QR_BELOW, PivotedQR, triangular_inverse

# If the Cholesky factor of the equilibrated Gram matrix has a diagonal ratio below
# this, cond(X'WX) > 1e12 and the normal equations would lose more than ~4 digits:
# take the QR path instead.
CHOL_RATIO_TOL = 1e-6

# The Cholesky factor gives the pivoted R of the equilibrated design to about 1% at a
# diagonal ratio of 1e-7 (rounding of X'WX, ~1e-16, against a squared ratio of 1e-14):
# an estimate more than this factor above a rank tolerance settles "full rank" without
# the QR; closer to it, the QR of sqrt(W) X decides (off by ~1e-9 relative there).
SCREEN_MARGIN = 100.0


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
        if not tiny and np.all(np.isfinite(d)):  # LAPACK directly: numpy's cholesky
            # costs 4x as much for p = 10; an overflowed X'WX (a column of 1e200) takes
            # the QR
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

    def aliased(self, tol: float) -> np.ndarray:
        """Aliased columns at rank tolerance ``tol`` (see :class:`PivotedQR`): decided by
        the pivoted QR of sqrt(W) X on unit-norm columns unless the Cholesky factor
        shows the diagonal ratio far above ``tol``.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.c_[np.ones(4), [0.0, 1, 2, 3], [0.0, 1, 2, 3 + 1e-9]]
        >>> GramSystem(X, np.ones(4)).aliased(1e-7).tolist()
        [2]
        """
        if self._chol is not None:
            # L' is an R factor of the equilibrated sqrt(W) X; pivoting it is O(p^3)
            R = sla.qr(self._chol[0].T, mode="r", pivoting=True)[0]
            dr = np.abs(np.diag(R))
            if dr[-1] > SCREEN_MARGIN * tol * dr[0]:
                return np.array([], dtype=int)
            if self.w is None:
                raise RuntimeError("the weights were released: the rank cannot be decided")
        return self.qr().with_tol(tol).aliased

    def rcond(self) -> float:
        """An estimate of the reciprocal condition number of the equilibrated X'WX
        (LAPACK ``dpocon`` on the Cholesky factor; the squared pivoted-QR diagonal ratio
        when the QR solves the system)."""
        if self._chol is None:
            return self.qr().diagonal_ratio ** 2
        L = self._chol[0]
        Gs = L @ L.T
        rcond, info = lapack.dpocon(L.T, np.linalg.norm(Gs, 1))
        return float(rcond) if info == 0 else 0.0

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
                raise ArgumentError(f"dpotrs: argument {-info} is invalid")
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
        if self._chol is not None and (self.w is None or self.rcond() >= COVARIANCE_QR_BELOW):
            L, d = self._chol
            return triangular_inverse(L, lower=True).T / d[:, None]
        # ill-conditioned: the inverse of the Cholesky factor of X'WX carries cond(X)^2
        # rounding (a column rescaled by 7.3 moved logit SEs by 2e-5 at cond 5e5); the QR
        # of sqrt(W) X, one more pass over X, carries cond(X) only
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
