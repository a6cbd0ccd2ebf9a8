"""A GLM family as a row likelihood: the contract's case M = 1 with no theta.

Per row, with t the prior times the frequency weight, the contract's pieces of a GLM are
the IRLS quantities: d l_i / d eta_i = u_i = t_i (y_i - mu_i) mu_eta_i / V(mu_i) and the
information weight W_i = t_i mu_eta_i^2 / V(mu_i) (expected), or, observed,
W_i - t_i (y_i - mu_i) d/deta [mu_eta / V] (which differs off canonical links). The
value is minus half the deviance, which differs from the log-likelihood by a term free
of beta (and, for families with a dispersion, by the dispersion's scale).

GLM fits do not go through :class:`GLMRows`: they keep their fused pass
(:mod:`mlereg.models.rowpass`) with the specialised kernels and the warm start.
:class:`GLMRows` is what a model that has a GLM inside it (a part of a hurdle or
zero-inflated model) or a test of the engine uses; both paths compute the same numbers.

Examples
--------
>>> import numpy as np
>>> from mlereg.models.families import Poisson
>>> rows = GLMRows(Poisson(), np.array([1.0, 3.0]), None)
>>> d = rows.derivatives(slice(0, 2), np.zeros((2, 1)), np.zeros(0), "expected")
>>> d.d_eta[:, 0].tolist(), d.w_eta[:, 0, 0].tolist()
([0.0, 2.0], [1.0, 1.0])
"""

from __future__ import annotations

import numpy as np

from .contract import InformationKind, RowDerivatives
from .families import Family


def glm_weights(
    family: Family, y: np.ndarray, t: np.ndarray, eta: np.ndarray, kind: InformationKind
) -> np.ndarray:
    """The information weights W (information = X' diag(W) X, dispersion 1) at ``eta``.

    Examples
    --------
    >>> import numpy as np
    >>> from mlereg.models.families import Binomial
    >>> glm_weights(Binomial(), np.array([1.0]), np.ones(1), np.zeros(1), "expected").tolist()
    [0.25]
    """
    link = family.link
    mu = link.inverse(eta)
    m1 = link.mu_eta_at(eta, mu)
    var = family.variance(mu)
    W = t * np.square(m1) / var
    if kind == "observed":
        # d/deta [m1 / V] = (m2 V - m1^2 V') / V^2
        m2 = link.d2mu_eta2(eta)
        dv = family.dvariance(mu)
        W = W - t * (y - mu) * (m2 * var - np.square(m1) * dv) / np.square(var)
    return W


class GLMRows:
    """The row likelihood (up to a constant) of a GLM family on response ``y``.

    Parameters
    ----------
    family : Family
    y : ndarray (n,)
    t : ndarray (n,) or None
        Prior times frequency weights (None: all 1).
    """

    n_predictors, n_extra = 1, 0

    def __init__(self, family: Family, y: np.ndarray, t: np.ndarray | None) -> None:
        self.family, self.y, self.t = family, y, t

    def _weights(self, rows: slice, n: int) -> np.ndarray:
        return np.ones(n) if self.t is None else self.t[rows]

    def loglike(self, rows: slice, eta: np.ndarray, theta: np.ndarray) -> float:
        """Minus half the deviance of the rows."""
        mu = self.family.link.inverse(eta[:, 0])
        t = self._weights(rows, eta.shape[0])
        return -0.5 * float(t @ self.family.unit_deviance(self.y[rows], mu))

    def derivatives(
        self, rows: slice, eta: np.ndarray, theta: np.ndarray, kind: InformationKind
    ) -> RowDerivatives:
        """u = t (y - mu) mu_eta / V and the weights of :func:`glm_weights`."""
        e, y = eta[:, 0], self.y[rows]
        t = self._weights(rows, e.shape[0])
        link = self.family.link
        mu = link.inverse(e)
        d = RowDerivatives.zeros(e.shape[0], 1, 0, loglike=self.loglike(rows, eta, theta))
        d.d_eta[:, 0] = t * (y - mu) * link.mu_eta_at(e, mu) / self.family.variance(mu)
        d.w_eta[:, 0, 0] = glm_weights(self.family, y, t, e, kind)
        return d
