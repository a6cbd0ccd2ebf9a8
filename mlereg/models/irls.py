"""IRLS for GLMs: the objective deviance / 2 on the fused row pass, and the warm start.

:class:`IrlsObjective` gives :func:`mlereg.optim.newton.newton` the value, gradient
and information (a :class:`~mlereg.linalg.GramSystem`) of a GLM, each evaluation one
pass over the row blocks of X (:func:`mlereg.models.rowpass.evaluate`).
:func:`warm_start` starts a large fit from a fit to every k-th row; :class:`WarmStart`
says when (the measurements behind its defaults are in ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import linalg
from ..linalg.matrix import DenseMatrix
from ..linalg.vectors import is_constant_one
from ..optim.newton import newton
from . import rowkernels, rowpass
from .families import Family


@dataclass(frozen=True)
class WarmStart:
    """When a GLM fit starts from a fit to every k-th row, and how that fit stops.

    Attributes
    ----------
    min_rows : int
        No warm start below this many rows.
    small_rows_per_column : int
        Below ``large_rows``, only with this many rows per column, and only for
        canonical links (Newton's method, whose end point does not depend on its start;
        Fisher scoring's does, by about 1e-10).
    large_rows : int
        From this many rows, with 50 rows per column, for any link.
    fraction : float
        The share of rows fitted first (k = 1 / fraction).
    info_rows_per_column : int
        With this many subsample rows per column, the subsample's X'WX, scaled, is the
        information of the first full-data step (its relative error is then about
        sqrt(p / rows) <= 3%).
    tol : float
        The subsample fit's tolerance: its estimate is off the full one by its sampling
        error anyway.
    decrement_per_column : float
        The subsample fit also stops before a Newton step that would decrease
        deviance / 2 by at most this much per column, in units of the mean prior weight
        (canonical links of families without a dispersion only: there deviance / 2 is
        on the log-likelihood's scale and IRLS is Newton's method).

    Examples
    --------
    >>> WarmStart().fraction, WarmStart(min_rows=10**12).min_rows
    (0.1, 1000000000000)
    """

    min_rows: int = 20_000
    small_rows_per_column: int = 2000
    large_rows: int = 100_000
    fraction: float = 0.1
    info_rows_per_column: int = 1000
    tol: float = 1e-3
    decrement_per_column: float = 0.02


class IrlsObjective:
    """The objective deviance / 2 of a GLM in the form :func:`mlereg.optim.newton.newton` takes.

    ``full(beta)`` returns ``(f, gradient, GramSystem)``, ``value(beta)`` the value only.
    A trial point is usually accepted, so ``value`` evaluates the gradient and the
    information too, in the same pass over X (:func:`mlereg.models.rowpass.evaluate`), and
    ``full`` at that point then costs nothing. Only after a rejected trial (step
    halving) does ``value`` compute the value alone. ``last`` is the most recent
    evaluation; its per-row arrays are reused by the next one, except those handed out
    by ``eta_mu`` (which serve the results).
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        t: np.ndarray,
        offset: np.ndarray | None,
        family: Family,
    ) -> None:
        unit = is_constant_one(t) or bool(np.all(t == 1.0))
        self.X = X
        self.design = DenseMatrix(X)  # the row passes' view of X (one per fit: its buffers)
        self.kernel = rowkernels.kernel_for(family, y, None if unit else t)
        self.offset = offset
        self.last: rowpass.Evaluation | None = None
        self._halving = False
        self._primed: linalg.ScaledSystem | None = None
        self._rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _evaluate(
        self, beta: np.ndarray, information: bool, gram: bool = True
    ) -> rowpass.Evaluation:
        """Evaluate at beta into this objective's eta, mu and W arrays (allocated once:
        each evaluation overwrites the previous one's)."""
        self.last = None
        if self._rows is None:
            n = self.X.shape[0]
            self._rows = (np.empty(n), np.empty(n), np.empty(n))
        self.last = rowpass.evaluate(
            self.design,
            beta,
            self.offset,
            self.kernel,
            information=information,
            gram=gram,
            out=self._rows,
        )
        return self.last

    def prime(self, beta: np.ndarray, system: linalg.ScaledSystem) -> float:
        """Evaluate the value and the gradient at ``beta`` and take ``system`` (an
        approximation) as the information there: the first ``full(beta)`` returns them,
        so the first Newton step costs no X'WX. Returns deviance / 2 at beta."""
        ev = self._evaluate(beta, information=True, gram=False)
        self._primed = system
        return ev.f

    def _cached(self, beta: np.ndarray) -> rowpass.Evaluation | None:
        last = self.last
        if last is not None and last.gram is not None and np.array_equal(last.beta, beta):
            return last
        return None

    def value(self, beta: np.ndarray) -> float:
        """deviance / 2 at beta (with the gradient and information kept for ``full``
        unless the previous trial point was rejected)."""
        ev = self._evaluate(beta, information=not self._halving)
        self._halving = True  # until full() accepts a point, further calls are halvings
        return ev.f

    def full(self, beta: np.ndarray) -> tuple[float, np.ndarray, linalg.GramSystem]:
        """deviance / 2, its gradient -X'u and the information system X'WX at beta."""
        self._halving = False
        last, primed = self.last, self._primed
        self._primed = None
        if primed is not None and last is not None and np.array_equal(last.beta, beta):
            assert last.score is not None
            return last.f, -last.score, primed  # type: ignore[return-value]
        ev = self._cached(beta) or self._evaluate(beta, information=True)
        assert ev.gram is not None and ev.score is not None and ev.weights is not None
        system = linalg.GramSystem(self.X, ev.weights, ev.gram, release_weights=True)
        if system.w is not None:  # kept for a QR: not the array the next pass overwrites
            system.w = system.w.copy()
        return ev.f, -ev.score, system

    def eta_mu(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """eta and mu at beta (from the last evaluation when it was at beta)."""
        last = self.last
        if last is None or not np.array_equal(last.beta, beta):
            last = self._evaluate(beta, information=False)
        self._rows = None  # handed out: later evaluations write to new arrays
        return last.eta, last.mu


def warm_start(model: Any, tol: float, settings: WarmStart) -> IrlsObjective | None:
    """For a large n, start from the fit to a systematic subsample of the rows.

    Every k-th row (a ``settings.fraction`` of them) is fitted first; its
    estimate is within sampling error of the full one, close enough that Newton's
    method on all rows then converges in fewer full passes than from R's
    ``mustart``. The full-data iterations and the convergence rule are unchanged, so
    the answer is the same maximiser. Returns the full-data objective primed at the
    subsample's estimate (value and gradient on all rows, the information taken as
    the subsample's scaled up: see :meth:`IrlsObjective.prime`), or None when the
    data are too small or the subsample fit does not give a usable, full-rank start
    (the caller then starts from ``mustart`` as usual).
    """
    n, p = model.exog.shape
    large = n >= settings.large_rows
    if n < settings.min_rows or n < (50 if large else settings.small_rows_per_column) * p:
        return None
    if not (large or model.family.is_canonical):
        return None
    k = max(2, int(round(1 / settings.fraction)))
    sub = copy.copy(model)
    # a copy in X's layout (cheaper than strided passes)
    sub.exog = np.array(model.exog[::k], order="K")
    sub.endog = model.endog[::k]
    sub.prior_weights = model.prior_weights[::k]
    sub.freq_weights = model.freq_weights[::k]
    sub.offset = model.offset[::k]
    decrement_tol = None
    if model.family.is_canonical and not model.family.has_dispersion:
        mean_weight = float(np.mean(sub.total_weights()))
        decrement_tol = settings.decrement_per_column * p * mean_weight
    with np.errstate(all="ignore"):
        system, rhs = sub.start_system(sub.exog)
        if system.rank < p:
            return None
        res = newton(
            (obj := sub.irls_objective(sub.exog)).full,
            system.solve(rhs),
            maxiter=10,
            tol=max(tol, settings.tol),
            value_only=obj.value,
            decrement_tol=decrement_tol,
        )
    if not (res.converged and np.all(np.isfinite(res.x))):
        return None
    info = res.information  # the subsample's X'WX at res.x
    if not isinstance(info, linalg.GramSystem) or info.rank < p:
        return None
    sub_rows, sub_weight = sub.exog.shape[0], float(np.sum(sub.total_weights()))
    del sub, obj  # the subsample's copy of X and its vectors: not held in the full pass
    objective = model.irls_objective(model.exog)
    if sub_rows < settings.info_rows_per_column * p:
        objective.full(res.x)
        return objective if np.isfinite(objective.last.f) else None  # type: ignore[union-attr]
    # the full X'WX is about k times the subsample's: the first Newton step on all
    # rows takes that and skips forming X'WX (the steps after it use the exact one)
    factor = float(np.sum(model.total_weights())) / sub_weight
    if not np.isfinite(objective.prime(res.x, linalg.ScaledSystem(info, factor))):
        return None
    return objective
