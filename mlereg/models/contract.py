"""The model contract: what a model supplies so that the engine can fit it.

A model is a log-likelihood over rows,

    l(beta, theta) = sum_i l_i(eta_i1, ..., eta_iM, theta),
    eta_m = X_m beta_m + offset_m,   m = 1..M,

where each linear predictor eta_m comes from its own design X_m (a part of a formula,
``y ~ x1 + x2 | z``) and theta are a few extra parameters (a dispersion, a shape,
cut-points). The parameter vector is ``[beta_1, ..., beta_M, theta]``.

A model supplies, for a block of rows (:class:`RowLikelihood`), the value sum_i l_i and
per row

* the first derivatives d l_i / d eta_im (``d_eta``, n_b x M) and d l_i / d theta
  (``d_theta``, n_b x k);
* the second-derivative blocks, as information (minus the second derivatives, or their
  expectation): ``w_eta`` (n_b x M x M), ``w_eta_theta`` (n_b x M x k) and
  ``w_theta`` (n_b x k x k).

The engine (:mod:`mlereg.models.engine`) turns them into the gradient and the full
information matrix blockwise, through the design's matrix operations
(:class:`mlereg.linalg.matrix.DesignMatrix`):

    gradient_beta_m        = X_m' d_eta[:, m]
    information_(m, l)     = X_m' diag(w_eta[:, m, l]) X_l
    information_(m, theta) = X_m' w_eta_theta[:, m, :]
    information_(theta)    = sum_i w_theta[i]

on the same row blocks (and threads) as the GLM passes. A GLM is the case M = 1 with no
theta: its per-row pieces are the IRLS residuals and weights (:mod:`mlereg.models.glm_rows`),
and it keeps a fused pass of its own (:mod:`mlereg.models.rowpass`) for speed.

A model whose likelihood is not a sum of independent rows (Cox's partial likelihood)
supplies the assembled pieces instead, as a :class:`Likelihood`: the value, gradient
and information at a point. The Newton loop (:func:`mlereg.optim.newton.newton`) sees
only that level, so both kinds of model are fitted by the same loop with the same
convergence rule.

Examples
--------
>>> import numpy as np
>>> d = RowDerivatives.zeros(rows=3, n_predictors=2, n_extra=1)
>>> d.d_eta.shape, d.w_eta.shape, d.w_eta_theta.shape, d.w_theta.shape
((3, 2), (3, 2, 2), (3, 2, 1), (3, 1, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

InformationKind = Literal["expected", "observed"]


@dataclass(frozen=True)
class RowDerivatives:
    """The first and second derivatives of l_i for the rows of one block.

    Attributes
    ----------
    loglike : float
        sum_i l_i over the block.
    d_eta : ndarray (n_b, M)
        d l_i / d eta_im.
    d_theta : ndarray (n_b, k)
        d l_i / d theta_j.
    w_eta : ndarray (n_b, M, M)
        -d2 l_i / d eta_im d eta_il (or its expectation), symmetric in (m, l).
    w_eta_theta : ndarray (n_b, M, k)
        -d2 l_i / d eta_im d theta_j (or its expectation).
    w_theta : ndarray (n_b, k, k)
        -d2 l_i / d theta_j d theta_h (or its expectation).
    """

    loglike: float
    d_eta: np.ndarray
    d_theta: np.ndarray
    w_eta: np.ndarray
    w_eta_theta: np.ndarray
    w_theta: np.ndarray

    @classmethod
    def zeros(
        cls, rows: int, n_predictors: int, n_extra: int, loglike: float = 0.0
    ) -> RowDerivatives:
        """Zero derivatives of the right shapes (and the block's ``loglike``), for a
        model to fill in.

        Examples
        --------
        >>> RowDerivatives.zeros(2, 1, 0).d_theta.shape
        (2, 0)
        """
        m, k = n_predictors, n_extra
        return cls(
            loglike,
            np.zeros((rows, m)),
            np.zeros((rows, k)),
            np.zeros((rows, m, m)),
            np.zeros((rows, m, k)),
            np.zeros((rows, k, k)),
        )


class RowLikelihood(Protocol):
    """A log-likelihood that is a sum over rows of a function of M linear predictors
    and k extra parameters. The model holds its per-row data (response, weights) and
    reads the rows of a block by the slice it is given.

    Attributes
    ----------
    n_predictors : int
        M, the number of linear predictors (designs).
    n_extra : int
        k, the number of extra parameters theta.
    """

    n_predictors: int
    n_extra: int

    def loglike(self, rows: slice, eta: np.ndarray, theta: np.ndarray) -> float:
        """sum_i l_i over ``rows`` at ``eta`` (n_b x M) and ``theta`` (k,)."""
        ...

    def derivatives(
        self, rows: slice, eta: np.ndarray, theta: np.ndarray, kind: InformationKind
    ) -> RowDerivatives:
        """The value and the derivatives over ``rows``; ``kind`` says whether the
        second-derivative blocks are the expected or the observed information."""
        ...


@dataclass(frozen=True)
class Evaluation:
    """A log-likelihood evaluated at a point: value, gradient and information.

    ``gradient`` and ``information`` are of the log-likelihood (the information is
    minus its Hessian, or the expectation of that); None when only the value was asked.
    """

    loglike: float
    gradient: np.ndarray | None = None
    information: np.ndarray | None = None


class Likelihood(Protocol):
    """The assembled level of the contract: what the Newton loop needs.

    A :class:`RowLikelihood` becomes one through :class:`mlereg.models.engine.RowEngine`;
    a model whose likelihood is not a sum over rows implements it directly.
    """

    n_params: int

    def evaluate(self, params: np.ndarray, order: int, kind: InformationKind) -> Evaluation:
        """The log-likelihood at ``params``; with ``order`` 1 its gradient too, with 2
        also the information of kind ``kind``."""
        ...
