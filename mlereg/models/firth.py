"""Firth's penalised likelihood for logistic regression (``fit(method="firth")``).

Firth (1993) removes the O(1/n) bias of the maximum-likelihood estimate by penalising
the log-likelihood with Jeffreys' prior,

    l*(beta) = l(beta) + 1/2 log det I(beta),    I(beta) = X' W X,  W_i = t_i mu_i (1 - mu_i),

whose maximiser is finite even when the data are separated (Heinze and Schemper 2002).
Its gradient is the modified score

    U*(beta) = X' (t (y - mu) + h (1/2 - mu)),

with h_i = W_i x_i' (X' W X)^-1 x_i the diagonal of the hat matrix. The estimate is found
by the shared Newton loop (:func:`mlereg.optim.newton.newton`) on f(beta) = -l*(beta) up to a
constant, i.e. deviance / 2 - 1/2 log det(X' W X), with the Fisher information X' W X
as the Newton matrix (as R's ``logistf`` and ``brglm2``) and step halving on f.
Standard errors are from (X' W X)^-1 at the estimate, and ``llf`` is the ordinary
(unpenalised) log-likelihood there, as in ``logistf``/``brglm2``.

Only the logit link is supported: for it, Firth's adjustment equals brglm2's mean bias
reduction (``type = "AS_mean"``).

References
----------
Firth, D. (1993). Bias reduction of maximum likelihood estimates. Biometrika 80, 27-38.

Examples
--------
>>> import pandas as pd, mlereg as mr
>>> df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "y": [0, 0, 0, 1, 1, 1]})
>>> res = mr.Logit.from_formula("y ~ x", df).fit(method="firth")
>>> bool(abs(res.params["x"]) < 10)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from .. import linalg
from ..exceptions import ArgumentError
from . import links as L
from .families import Binomial


def check_supported(model: Any) -> None:
    """Raise ValueError unless ``model`` is a binomial model with the logit link.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> m = mr.OLS(np.array([1.0, 2.0, 4.0]), np.c_[np.ones(3), [0.0, 1, 2]])
    >>> try:
    ...     check_supported(m)
    ... except ValueError as e:
    ...     print(str(e)[:46])
    method='firth' needs a binomial model with the
    """
    fam = getattr(model, "family", None)
    if not (isinstance(fam, Binomial) and isinstance(fam.link, L.Logit)):
        what = f"the {fam.name} family with the {fam.link.name} link" if fam else "no family"
        raise ArgumentError(
            "method='firth' needs a binomial model with the logit link (Logit, or GLM"
            f" with Binomial(Logit())); {type(model).__name__} has {what}"
        )


def _logdet_and_hat(X: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """log det(X' W X) and the hat diagonal h_i = W_i x_i' (X' W X)^-1 x_i."""
    gram = linalg.weighted_gram(X, W)
    d = np.sqrt(np.diag(gram))
    d[d == 0] = 1.0
    try:
        C = np.linalg.cholesky(gram / np.outer(d, d))
    except np.linalg.LinAlgError:
        return -np.inf, np.full(X.shape[0], np.nan)
    logdet = 2.0 * float(np.sum(np.log(np.diag(C)))) + 2.0 * float(np.sum(np.log(d)))
    # (X' W X)^-1 = D^-1 C^-T C^-1 D^-1, so h_i = || C^-1 D^-1 sqrt(W_i) x_i ||^2
    A = sla.solve_triangular(C, (X / d * np.sqrt(W)[:, None]).T, lower=True)
    return logdet, np.einsum("ij,ij->j", A, A)


def penalized_objective(model: Any, X: np.ndarray):
    """f(beta) = deviance / 2 - 1/2 log det(X' W X), its gradient and information.

    Returns ``(full, value)`` in the form :func:`mlereg.optim.newton.newton` takes, like
    :meth:`mlereg.models.singleindex.SingleIndexModel.irls_objective`.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> m = mr.Logit(np.array([0.0, 0, 1, 1]), np.c_[np.ones(4), [1.0, 2, 3, 4]])
    >>> full, value = penalized_objective(m, m.exog)
    >>> bool(np.isclose(full(np.zeros(2))[0], value(np.zeros(2))))
    True
    """
    fam, link, y, t = model.family, model.family.link, model.endog, model.total_weights()

    def pieces(beta: np.ndarray):
        eta = model.linear_predictor(beta, X)
        mu = link.inverse(eta)
        W = t * mu * (1.0 - mu)
        with np.errstate(all="ignore"):
            dev = fam.deviance(y, mu, t)
        logdet, h = _logdet_and_hat(X, W)
        return mu, W, 0.5 * dev - 0.5 * logdet, h

    def value(beta: np.ndarray) -> float:
        return pieces(beta)[2]

    def full(beta: np.ndarray):
        mu, W, f, h = pieces(beta)
        u = t * (y - mu) + h * (0.5 - mu)
        return f, -(X.T @ u), linalg.GramSystem(X, W)

    return full, value
