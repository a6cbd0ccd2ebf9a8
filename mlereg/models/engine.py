"""The engine: a :class:`~mlereg.models.contract.RowLikelihood` over its designs,
assembled into value, gradient and information, and fitted by the Newton loop.

:class:`RowEngine` walks the row blocks of the designs once per evaluation. On each
block it forms the M linear predictors (``matvec``), asks the model for the block's
:class:`~mlereg.models.contract.RowDerivatives`, and adds the block's share of the
gradient and of every information block through the designs' matrix operations (see
:mod:`mlereg.models.contract` for the formulas). Blocks run on the row threads
(:func:`mlereg.linalg.threads.run_blocks`) and their sums are added in block order, so
the result is the same for any number of threads.

:class:`NewtonObjective` presents a :class:`~mlereg.models.contract.Likelihood` to
:func:`mlereg.optim.newton.newton` as the objective it minimises: minus the
log-likelihood, its gradient, and the information.

Examples
--------
>>> import dataclasses
>>> import numpy as np
>>> from mlereg.linalg.matrix import DenseMatrix
>>> class Unit:  # l_i = -(y_i - eta_i)^2 / 2: least squares
...     n_predictors, n_extra = 1, 0
...     y = np.array([1.0, 2.0, 4.0])
...     def loglike(self, rows, eta, theta):
...         return -0.5 * float(np.sum((self.y[rows] - eta[:, 0]) ** 2))
...     def derivatives(self, rows, eta, theta, kind):
...         d = RowDerivatives.zeros(eta.shape[0], 1, 0)
...         d.d_eta[:, 0] = self.y[rows] - eta[:, 0]
...         d.w_eta[:, 0, 0] = 1.0
...         return dataclasses.replace(d, loglike=self.loglike(rows, eta, theta))
>>> engine = RowEngine(Unit(), [DenseMatrix(np.ones((3, 1)))], [None])
>>> fit_newton(engine, np.zeros(1)).x.round(12).tolist()  # the mean
[2.333333333333]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..exceptions import ArgumentError
from ..linalg.matrix import DesignMatrix
from ..linalg.threads import run_blocks, threads_for
from ..optim.newton import NewtonResult, newton
from .contract import Evaluation, InformationKind, Likelihood, RowDerivatives, RowLikelihood


class RowEngine:
    """A :class:`RowLikelihood` on its designs, as a :class:`Likelihood`.

    Parameters
    ----------
    model : RowLikelihood
    designs : sequence of DesignMatrix
        One per linear predictor, all with the same rows.
    offsets : sequence of (ndarray or None)
        One per linear predictor.
    max_rows : int, optional
        Rows per block (default: the first design's choice).

    Attributes
    ----------
    sizes : list of int
        Columns of each design; the parameters are ``[beta_1, ..., beta_M, theta]``.
    n_params : int
    """

    def __init__(
        self,
        model: RowLikelihood,
        designs: Sequence[DesignMatrix],
        offsets: Sequence[np.ndarray | None],
        max_rows: int | None = None,
    ) -> None:
        if len(designs) != model.n_predictors or len(offsets) != model.n_predictors:
            raise ArgumentError(
                f"the model has {model.n_predictors} linear predictors but {len(designs)}"
                f" designs and {len(offsets)} offsets were given"
            )
        n = designs[0].shape[0]
        if any(d.shape[0] != n for d in designs):
            raise ArgumentError(
                f"the designs have different numbers of rows: {[d.shape for d in designs]}"
            )
        self.model = model
        self.designs = list(designs)
        self.offsets = list(offsets)
        self.sizes = [d.shape[1] for d in designs]
        self.n_params = sum(self.sizes) + model.n_extra
        widest = max(range(len(designs)), key=lambda m: self.sizes[m])
        if max_rows is None:
            self.blocks = designs[widest].row_blocks(None)  # type: ignore[arg-type]
        else:
            self.blocks = designs[widest].row_blocks(max_rows)
        self.nrows = n

    def split(self, params: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The coefficients of each linear predictor, and theta.

        Examples
        --------
        >>> import numpy as np
        >>> from mlereg.linalg.matrix import DenseMatrix
        >>> class Two:
        ...     n_predictors, n_extra = 2, 1
        >>> e = RowEngine(Two(), [DenseMatrix(np.ones((2, 2))), DenseMatrix(np.ones((2, 1)))],
        ...               [None, None])
        >>> betas, theta = e.split(np.arange(4.0))
        >>> [b.tolist() for b in betas], theta.tolist()
        ([[0.0, 1.0], [2.0]], [3.0])
        """
        out, start = [], 0
        for size in self.sizes:
            out.append(params[start : start + size])
            start += size
        return out, params[start:]

    def linear_predictors(self, params: np.ndarray, rows: slice) -> np.ndarray:
        """eta (rows x M, each column contiguous) on the rows of one block."""
        betas, _ = self.split(np.asarray(params, dtype=float))
        nb = rows.stop - rows.start
        eta = np.empty((nb, len(self.designs)), order="F")
        for m, (X, beta, offset) in enumerate(zip(self.designs, betas, self.offsets, strict=True)):
            X.matvec(beta, rows, eta[:, m])
            if offset is not None:
                eta[:, m] += offset[rows]
        return eta

    def _block(
        self, params: np.ndarray, rows: slice, order: int, kind: InformationKind
    ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """One block's log-likelihood, gradient and information."""
        eta = self.linear_predictors(params, rows)
        _, theta = self.split(params)
        if order == 0:
            return self.model.loglike(rows, eta, theta), None, None
        d = self.model.derivatives(rows, eta, theta, kind)
        return d.loglike, *self._assemble(d, rows, order)

    def _assemble(
        self, d: RowDerivatives, rows: slice, order: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Gradient and (with ``order`` 2) information of one block, blockwise."""
        edges = np.cumsum([0, *self.sizes])
        grad = np.empty(self.n_params)
        info = np.empty((self.n_params, self.n_params)) if order >= 2 else None
        designs = self.designs
        for m, X in enumerate(designs):
            pm = slice(edges[m], edges[m + 1])
            u = np.ascontiguousarray(d.d_eta[:, m])
            if info is None:
                grad[pm] = X.transpose_matvec(u, rows)
                continue
            w = np.ascontiguousarray(d.w_eta[:, m, m])
            info[pm, pm], grad[pm] = X.sandwich_and_transpose_matvec(w, u, rows)
            for ell in range(m + 1, len(designs)):
                pl = slice(edges[ell], edges[ell + 1])
                cross = X.cross_sandwich(designs[ell], d.w_eta[:, m, ell], rows)
                info[pm, pl] = cross
                info[pl, pm] = cross.T
            if self.model.n_extra:
                cross_t = X.transpose_matvec(d.w_eta_theta[:, m, :], rows)
                info[pm, edges[-1] :] = cross_t
                info[edges[-1] :, pm] = cross_t.T
        if self.model.n_extra:
            grad[edges[-1] :] = d.d_theta.sum(axis=0)
            if info is not None:
                info[edges[-1] :, edges[-1] :] = d.w_theta.sum(axis=0)
        return grad, info

    def evaluate(
        self, params: np.ndarray, order: int = 2, kind: InformationKind = "expected"
    ) -> Evaluation:
        """The log-likelihood at ``params`` (with ``order`` >= 1 its gradient, with 2
        also the information of kind ``kind``), summed over the row blocks in order."""
        params = np.asarray(params, dtype=float)
        blocks = self.blocks

        def run(chunk: list[int]) -> list[tuple[float, np.ndarray | None, np.ndarray | None]]:
            with np.errstate(all="ignore"):  # a non-finite value is the caller's to judge
                return [self._block(params, blocks[i], order, kind) for i in chunk]

        nthreads = threads_for(self.nrows, sum(self.sizes), len(blocks))
        parts = run_blocks(run, list(range(len(blocks))), nthreads)
        loglike = float(sum(part[0] for part in parts))
        if order == 0:
            return Evaluation(loglike)
        grad = np.zeros(self.n_params)
        for part in parts:
            grad += part[1]  # type: ignore[operator]
        if order == 1:
            return Evaluation(loglike, grad)
        info = np.zeros((self.n_params, self.n_params))
        for part in parts:
            info += part[2]  # type: ignore[operator]
        return Evaluation(loglike, grad, info)


class NewtonObjective:
    """A :class:`Likelihood` as the objective of :func:`mlereg.optim.newton.newton`:
    ``full(x)`` gives (-loglike, -gradient, information), ``value(x)`` -loglike.

    With ``kind="observed"`` the steps are Newton-Raphson's (quadratic convergence near
    the maximum); where the observed information is not positive definite (far from
    the maximum) that step is taken with the expected information instead (Fisher
    scoring), which is.

    Examples
    --------
    >>> import numpy as np
    >>> class Normal:  # the log-likelihood of a N(mu, 1) sample, up to a constant
    ...     n_params = 1
    ...     x = np.array([1.0, 2.0, 6.0])
    ...     def evaluate(self, p, order, kind):
    ...         r = self.x - p[0]
    ...         return Evaluation(-0.5 * float(r @ r), np.array([r.sum()]), np.eye(1) * 3)
    >>> NewtonObjective(Normal()).full(np.zeros(1))[1].tolist()
    [-9.0]
    """

    def __init__(self, likelihood: Likelihood, kind: InformationKind = "expected") -> None:
        self.likelihood = likelihood
        self.kind = kind

    def value(self, params: np.ndarray) -> float:
        """Minus the log-likelihood (inf where it is not finite)."""
        ll = self.likelihood.evaluate(params, 0, self.kind).loglike
        return -ll if np.isfinite(ll) else np.inf

    def full(self, params: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Minus the log-likelihood, its gradient, and the information."""
        ev = self.likelihood.evaluate(params, 2, self.kind)
        assert ev.gradient is not None and ev.information is not None
        info = ev.information
        if self.kind == "observed" and not _positive_definite(info):
            expected = self.likelihood.evaluate(params, 2, "expected").information
            assert expected is not None
            info = expected
        f = -ev.loglike if np.isfinite(ev.loglike) else np.inf
        return f, -ev.gradient, info


def _positive_definite(H: np.ndarray) -> bool:
    """Whether the symmetric matrix H is positive definite (a Cholesky succeeds)."""
    if not np.all(np.isfinite(H)):
        return False
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return False
    return True


def fit_newton(
    likelihood: Likelihood,
    start: np.ndarray,
    *,
    maxiter: int = 100,
    tol: float = 1e-8,
    kind: InformationKind = "expected",
) -> NewtonResult:
    """Maximise ``likelihood`` from ``start`` by the damped Newton loop (Fisher scoring
    with the expected information, Newton-Raphson with the observed one, falling back
    to scoring where it is not positive definite), under the loop's convergence rule
    (:mod:`mlereg.optim.newton`).

    Examples
    --------
    >>> import numpy as np
    >>> class Quadratic:
    ...     n_params = 1
    ...     def evaluate(self, p, order, kind):
    ...         return Evaluation(-(p[0] - 2.0) ** 2, np.array([-2 * (p[0] - 2.0)]), 2 * np.eye(1))
    >>> fit_newton(Quadratic(), np.zeros(1)).x.round(12).tolist()
    [2.0]
    """
    objective = NewtonObjective(likelihood, kind)
    return newton(objective.full, start, maxiter=maxiter, tol=tol, value_only=objective.value)
