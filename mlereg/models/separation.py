"""Detection of complete and quasi-complete separation in binary models.

A binary response is *separated* by the design when some direction b != 0 has

    x_i' b >= 0 for every row with y_i = 1   and   x_i' b <= 0 for every row with y_i = 0,

strictly for every row (complete separation) or for some rows only (quasi-complete).
Moving the coefficients along b never decreases the likelihood, so the maximum-likelihood
estimates of the terms with b_j != 0 are infinite (Albert and Anderson 1984).

The check before fitting is the linear program of Konis (2007), as in R's
``detectseparation``: maximise sum_i s_i x_i' b subject to s_i x_i' b >= 0 and
-1 <= b_j <= 1, with s_i = +1 for y_i = 1 and -1 for y_i = 0 (a row with a proportion
strictly between 0 and 1 has both outcomes and gives x_i' b = 0). The optimum is 0
exactly when there is no separation; otherwise the non-zero entries of the solution name
the terms whose estimates diverge, and their signs say to which infinity. Columns are
scaled to unit maximum before solving (a positive rescaling keeps the signs).

After fitting, R's check is applied too: fitted probabilities within 10 machine epsilon
of 0 or 1. When the linear program was skipped (large designs, see
the tuning's ``separation_lp_max_cells`` (:mod:`mlereg.linalg.tuning`)) that check triggers it.

References
----------
Konis, K. (2007). Linear programming algorithms for detecting separated data in binary
logistic regression models. DPhil thesis, University of Oxford.

Examples
--------
>>> import numpy as np
>>> X = np.c_[np.ones(6), np.arange(6.0)]
>>> y = np.array([0, 0, 0, 1, 1, 1.0])
>>> detect_separation(X, y, np.ones(6), ["Intercept", "x"]).kind
'complete'
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.optimize import linprog

from ..exceptions import PerfectSeparationWarning
from ..linalg.tuning import tuning
from .families import Binomial

# Relative size below which an entry of the LP solution, or a margin s_i x_i' b, is 0.
LP_TOL = 1e-7

# R's glm.fit: fitted probabilities within this distance of 0 or 1 are "numerically 0 or 1".
PROB_EPS = 10 * np.finfo(float).eps


@dataclass(frozen=True)
class Separation:
    """What the separation check found.

    Attributes
    ----------
    kind : {"complete", "quasi-complete"}
    terms : tuple of str
        The design columns whose maximum-likelihood estimates are infinite.
    directions : tuple of int
        +1 or -1 for each term: the sign of the infinity its estimate goes to.
    n_separated : int
        Rows whose outcome the separating direction predicts perfectly.
    n_rows : int
        Rows with positive weight.

    Examples
    --------
    >>> s = Separation("complete", ("x",), (1,), 10, 10)
    >>> str(s)
    'complete separation (10 of 10 rows perfectly predicted): the estimates diverge, x to +inf'
    """

    kind: Literal["complete", "quasi-complete"]
    terms: tuple[str, ...]
    directions: tuple[int, ...]
    n_separated: int
    n_rows: int

    def __str__(self) -> str:
        parts = ", ".join(
            f"{t} to {'+' if d > 0 else '-'}inf"
            for t, d in zip(self.terms, self.directions, strict=True)
        )
        return (
            f"{self.kind} separation ({self.n_separated} of {self.n_rows} rows perfectly"
            f" predicted): the estimates diverge, {parts}"
        )


def detect_separation(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray, names: list[str]
) -> Separation | None:
    """Run Konis' linear program; return a :class:`Separation` or None.

    Parameters
    ----------
    X : ndarray (n, p)
        Design matrix of full column rank (aliased columns removed).
    y : ndarray (n,)
        Proportions of successes in [0, 1] (0/1 for a binary response).
    weights : ndarray (n,)
        Rows with weight 0 are ignored.
    names : list of str
        Column names of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.ones(4), [1.0, 2, 3, 4]]
    >>> detect_separation(X, np.array([0, 1, 0, 1.0]), np.ones(4), ["a", "b"]) is None
    True
    """
    used = weights > 0
    X, y = X[used], y[used]
    n, p = X.shape
    if n == 0 or p == 0:
        return None
    scale = np.max(np.abs(X), axis=0)
    scale[scale == 0] = 1.0
    Xs = X / scale
    ones, zeros = y >= 1, y <= 0
    both = ~(ones | zeros)
    s = np.where(ones, 1.0, -1.0)
    strict = ~both
    A_ub = -(s[strict, None] * Xs[strict])
    c = -(s[strict] @ Xs[strict])
    A_eq = Xs[both] if both.any() else None
    b_eq = np.zeros(int(both.sum())) if both.any() else None
    lp = linprog(
        c,
        A_ub=A_ub,
        b_ub=np.zeros(A_ub.shape[0]),
        A_eq=A_eq,
        b_eq=b_eq,
        bounds=[(-1.0, 1.0)] * p,
        method="highs",
    )
    if lp.status != 0 or -lp.fun <= LP_TOL * max(1.0, n):
        return None
    b = lp.x
    margins = s[strict] * (Xs[strict] @ b)
    tol = LP_TOL * max(1.0, float(np.max(np.abs(margins))))
    if not np.any(margins > tol):
        return None
    active = np.flatnonzero(np.abs(b) > LP_TOL)
    n_sep = int(np.sum(margins > tol))
    # The maximiser above touches some rows (margin 0) even under complete separation;
    # complete separation is the feasibility of s_i x_i' b >= 1 for every row.
    complete = not both.any() and (
        n_sep == n
        or linprog(
            np.zeros(p),
            A_ub=A_ub,
            b_ub=-np.ones(A_ub.shape[0]),
            bounds=[(None, None)] * p,
            method="highs",
        ).status
        == 0
    )
    if complete:
        n_sep = n
    kind: Literal["complete", "quasi-complete"] = "complete" if complete else "quasi-complete"
    return Separation(
        kind,
        tuple(names[j] for j in active),
        tuple(int(np.sign(b[j])) for j in active),
        n_sep,
        n,
    )


def _is_binary_model(model: Any) -> bool:
    return isinstance(model.family, Binomial)


def _warn(sep: Separation, model: Any) -> None:
    warnings.warn(
        f"{type(model).__name__}: {sep}; the maximum-likelihood estimates of those terms"
        " do not exist (they diverge) and their standard errors and Wald tests are"
        " meaningless. Remedies: fit(method='firth') for finite (penalised) estimates,"
        " or drop or merge the separating terms",
        PerfectSeparationWarning,
        stacklevel=5,
    )


def before_fit(model: Any, X: np.ndarray, names: list[str], warn: bool = True) -> Separation | None:
    """The linear-programming check before a binary fit (None for other models or when
    the design is too large: the tuning's ``separation_lp_max_cells``,
    :mod:`mlereg.linalg.tuning`)."""
    if not _is_binary_model(model) or X.size > tuning().separation_lp_max_cells:
        return None
    sep = detect_separation(X, model.endog, model.total_weights(), names)
    if sep is not None and warn:
        _warn(sep, model)
    return sep


def after_fit(
    model: Any,
    X: np.ndarray,
    names: list[str],
    sep: Separation | None,
    mu: np.ndarray,
    warn: bool = True,
    converged: bool = True,
) -> Separation | None:
    """The fitted-probability check after a binary fit (R's "fitted probabilities
    numerically 0 or 1 occurred"); runs the linear program if it was skipped and the
    fit has fitted probabilities of 0 or 1 or did not converge."""
    if not _is_binary_model(model) or sep is not None:
        return sep
    used = model.total_weights() > 0
    extreme = used & ((mu < PROB_EPS) | (mu > 1 - PROB_EPS))
    if not extreme.any() and (converged or X.size <= tuning().separation_lp_max_cells):
        return None
    if X.size > tuning().separation_lp_max_cells:
        sep = detect_separation(X, model.endog, model.total_weights(), names)
        if sep is not None:
            if warn:
                _warn(sep, model)
            return sep
    if warn and extreme.any():
        warnings.warn(
            f"{type(model).__name__}: fitted probabilities numerically 0 or 1 occurred in"
            f" {int(extreme.sum())} row(s) although the data are not separated; some"
            " estimates are very large: check for extreme predictor values",
            PerfectSeparationWarning,
            stacklevel=5,
        )
    return None
