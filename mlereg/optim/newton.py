"""One damped Newton loop, used by every model.

``newton`` minimises an objective f (the negative log-likelihood) given a callable that
returns, at a point x, the value f(x), the gradient g(x) and a positive definite
"information" H(x) (the Fisher information for Fisher scoring / IRLS, or the observed
Hessian). The step solves H d = -g. This module knows no statistics and no pandas.

Convergence rule
----------------
After each accepted step the loop stops with ``converged=True`` when both

* the relative change in the objective, ``|f_old - f_new| / (|f_new| + 0.1)``, is at
  most ``tol`` (R's ``glm.fit`` rule on the deviance), and
* the largest relative step, ``max_i |d_i| / (|x_i| + 1e-3)``, is at most ``tol``.
  Newton-Raphson converges quadratically, so the returned point is then accurate far
  beyond ``tol``; Fisher scoring with a non-canonical link converges linearly, and the
  step test is what makes its answer accurate to about ``tol`` too.

It also stops, before taking it, when the Newton step from the current point is
negligible: its largest relative size is at most ``tol / 100`` and the decrease it
predicts, ``|g'd| / 2``, is at most ``tol`` relative to the objective. The current point
is then within that step of the optimum (Newton's step is the distance to the optimum
of the local quadratic), so the step, and the evaluation of the objective after it (a
pass over the data), would change the answer by less than ``tol / 100``.

Step halving: when a full step increases the objective (or makes it non-finite) the
step is halved, up to ``max_halvings`` times. If no halved step decreases the objective
the loop stops with ``converged=False`` and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..linalg import solve_psd


class Information(Protocol):
    """Anything that can solve H d = r (e.g. :class:`mlereg.linalg.GramSystem`)."""

    def solve(self, r: np.ndarray) -> np.ndarray: ...


Objective = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray | Information]]


@dataclass(frozen=True)
class Iteration:
    """One accepted Newton step."""

    iteration: int
    objective: float
    max_rel_step: float
    halvings: int


@dataclass(frozen=True)
class NewtonResult:
    """What ``newton`` found.

    Attributes
    ----------
    x : the last accepted point.
    fun : objective at ``x``.
    n_iter : number of accepted steps.
    converged : whether the convergence rule held.
    message : a sentence saying why the loop stopped.
    history : one :class:`Iteration` per step, iteration 0 being the start.
    information : the information ``H`` the objective returned at ``x`` (so the caller
        can reuse its factorisation, e.g. for the covariance, instead of forming it again).
    """

    x: np.ndarray
    fun: float
    n_iter: int
    converged: bool
    message: str
    history: tuple[Iteration, ...] = field(default_factory=tuple)
    information: Any = field(default=None, repr=False, compare=False)


def _solve(H: Any, r: np.ndarray) -> np.ndarray:
    if isinstance(H, np.ndarray):
        return solve_psd(H, r)
    return H.solve(r)


def newton(
    objective: Objective,
    x0: np.ndarray,
    *,
    maxiter: int = 100,
    tol: float = 1e-8,
    max_halvings: int = 30,
    value_only: Callable[[np.ndarray], float] | None = None,
    decrement_tol: float | None = None,
) -> NewtonResult:
    """Minimise ``objective`` by damped Newton steps from ``x0``.

    Parameters
    ----------
    objective : callable
        ``objective(x) -> (f, g, H)``; ``H`` is an ndarray or has ``.solve(r)``.
    x0 : ndarray
        Starting point.
    maxiter : int
        Most Newton steps taken.
    tol : float
        Convergence tolerance (see the module docstring for the rule).
    max_halvings : int
        Most step halvings per iteration.
    value_only : callable, optional
        ``value_only(x) -> f``, a cheaper evaluation used for trial points. The loop
        always calls ``objective`` at the trial point it has just accepted with
        ``value_only`` and at no other point in between, so an objective may keep the
        per-observation quantities of its last ``value_only`` call and reuse them.
    decrement_tol : float, optional
        Also stop, with ``converged=True``, before a step whose predicted decrease
        ``|g'd| / 2`` (half the squared Newton decrement) is at most this, in the
        objective's own units. For a negative log-likelihood that is a statistical
        scale: a decrease of 0.01 leaves the point about 0.14 standard errors from the
        maximum, in the direction of the step.

    Returns
    -------
    NewtonResult

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: (float((x[0] - 3) ** 2), np.array([2 * (x[0] - 3)]), np.eye(1) * 2)
    >>> newton(f, np.zeros(1)).x
    array([3.])
    """
    if value_only is None:

        def value_only(x: np.ndarray) -> float:
            return objective(x)[0]

    x = np.array(x0, dtype=float)
    f, g, H = objective(x)
    if not np.isfinite(f):
        return NewtonResult(x, f, 0, False, "the objective is not finite at the start")
    history = [Iteration(0, f, np.nan, 0)]
    step_tol = tol
    message = f"maximum number of iterations ({maxiter}) reached"
    converged = False
    for it in range(1, maxiter + 1):
        d = -_solve(H, g)
        if not np.all(np.isfinite(d)):
            message = f"the Newton step was not finite at iteration {it}"
            break
        if decrement_tol is not None and 0.5 * abs(float(g @ d)) <= decrement_tol:
            converged = True
            message = (
                f"converged after {it - 1} iterations (the next Newton step would decrease"
                f" the objective by {0.5 * abs(float(g @ d)):.1e}, at most {decrement_tol:g})"
            )
            break
        if it > 1 and d.size:
            next_x = float(np.max(np.abs(d) / (np.abs(x) + 1e-3)))
            next_f = 0.5 * abs(float(g @ d)) / (abs(f) + 0.1)
            if next_x <= tol / 100 and next_f <= tol:
                converged = True
                message = (
                    f"converged after {it - 1} iterations (the next Newton step,"
                    f" {next_x:.1e} relative, is negligible)"
                )
                break
        halvings = 0
        x_new = x + d
        f_new = value_only(x_new)
        while not (np.isfinite(f_new) and f_new <= f + 1e-12 * (abs(f) + 1)):
            if halvings >= max_halvings:
                break
            d = d / 2
            halvings += 1
            x_new = x + d
            f_new = value_only(x_new)
        if not (np.isfinite(f_new) and f_new <= f + 1e-12 * (abs(f) + 1)):
            message = (
                f"no step along the Newton direction decreased the objective at iteration {it}"
                f" after {halvings} halvings"
            )
            break
        rel_f = abs(f - f_new) / (abs(f_new) + 0.1)
        rel_x = float(np.max(np.abs(d) / (np.abs(x_new) + 1e-3))) if d.size else 0.0
        x = x_new
        f, g, H = objective(x)
        history.append(Iteration(it, f, rel_x, halvings))
        if rel_f <= tol and rel_x <= step_tol:
            converged = True
            message = f"converged after {it} iterations"
            break
        if it == maxiter:
            message = (
                f"maximum number of iterations ({maxiter}) reached: relative change in the"
                f" objective {rel_f:.2e} (tol {tol:.0e}), largest relative step {rel_x:.2e}"
                f" (tol {step_tol:.0e})"
            )
    return NewtonResult(x, f, len(history) - 1, converged, message, tuple(history), H)
