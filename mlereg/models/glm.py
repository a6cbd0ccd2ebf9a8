"""The regression models: thin definitions on :class:`mlereg.models.base.SingleIndexModel`.

Each model is a family and link (see :mod:`mlereg.models.families`); the fitting loop, the
inference and the presentation are shared. OLS differs only in its solver (a direct,
accurate QR least-squares solve instead of iterations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .. import linalg
from ..design.design import Design
from ..exceptions import ArgumentTypeError
from ..inference.fitrecord import Fit
from ..inference.regression import OLSResults
from ..linalg.vectors import blockwise_sum
from ..optim.newton import Iteration, NewtonResult
from . import families as F
from . import links as L
from .base import shortcut_kwargs
from .rankwarnings import report_aliased, report_near_singular
from .singleindex import FitOptions, SingleIndexModel


class GLM(SingleIndexModel):
    """Generalised linear model with any family and link of :mod:`mlereg.models.families`.

    Parameters
    ----------
    endog, exog : array-like
        Response and design matrix (numpy or pandas). Use :meth:`from_formula` for
        formulas.
    offset, exposure, weights, freq_weights : array-like or column name, optional
        ``weights`` are R's prior weights (glm's ``weights``): they scale each
        observation's variance, leave nobs unchanged and multiply its log-likelihood
        contribution as R's family ``aic`` does. ``freq_weights`` say that a row stands
        for that many identical observations: nobs and df_resid count them.
    missing : {"drop", "raise"}

    Other Parameters
    ----------------
    family : Family
        E.g. ``mr.families.Gamma(mr.links.Log())``. Default Gaussian(identity) (a
        keyword argument).

    Notes
    -----
    Standard errors are ``sqrt(diag(phi (X' W X)^-1))`` with the Fisher weights W; the
    dispersion phi is 1 for binomial and Poisson (z tests) and Pearson chi^2 / df_resid
    for Gaussian, Gamma and inverse Gaussian (t tests on df_resid), as ``summary.glm``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 6.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> res = mr.GLM.from_formula("y ~ x", df, family=mr.families.Gamma(mr.links.Log())).fit()
    >>> round(float(res.params["x"]), 4)
    0.4252
    """

    def _init_design(self, design: Design, family: F.Family | None = None) -> None:
        if family is None:
            family = F.Gaussian()
        if not isinstance(family, F.Family):
            raise ArgumentTypeError(
                f"family must be a mlereg.models.families.Family, got {family!r}"
            )
        self.family = family
        super()._init_design(design)


class Logit(SingleIndexModel):
    """Logistic regression: binary response (0/1), logit link.

    Same as ``GLM(family=Binomial(Logit()))``; z-based inference, scale 1.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"default": [0, 0, 1, 0, 1, 1], "income": [60, 45, 20, 50, 40, 55]})
    >>> res = mr.Logit.from_formula("default ~ income", df).fit()
    >>> res.params.index.tolist()
    ['Intercept', 'income']
    """

    family = F.Binomial(L.Logit())


class Probit(SingleIndexModel):
    """Probit regression: binary response, standard normal CDF link.

    Standard errors use the expected information by default (as R's ``glm``); pass
    ``fit(information="observed")`` for the observed one (statsmodels' ``Probit``).

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [0, 0, 1, 0, 1, 1], "x": [6.0, 4.5, 2.0, 5.0, 4.0, 5.5]})
    >>> mr.Probit.from_formula("y ~ x", df).fit().params.size
    2
    """

    family = F.Binomial(L.Probit())


class Poisson(SingleIndexModel):
    """Poisson regression for counts with log link; ``offset=`` or ``exposure=``
    (logged) as a column name or an array.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"calls": [3, 5, 2, 8, 4, 6], "hour": [0, 1, 2, 3, 4, 5]})
    >>> res = mr.Poisson.from_formula("calls ~ hour", df).fit()
    >>> bool(res.converged)
    True
    """

    family = F.Poisson(L.Log())


class OLS(SingleIndexModel):
    """Linear regression fitted as a Gaussian MLE, with R's ``lm`` conventions.

    Notes
    -----
    * Estimates by a column-pivoted Householder QR with iterative refinement
      (:func:`mlereg.linalg.least_squares`); no iterations. Large well-conditioned
      designs use the normal equations (refined unless well conditioned) instead
      (:func:`mlereg.linalg.fit_least_squares`), which is faster and needs no copy of X.
    * ``weights=`` are precision weights (weighted least squares; nobs = rows).
    * ``llf`` is the Gaussian log-likelihood at sigma^2 = RSS / n (its MLE), and AIC/BIC
      count sigma as a parameter: ``AIC = -2 llf + 2 (k + 1)``, as R's ``AIC(lm)``.
    * Standard errors use s^2 = RSS / (n - k) (``res.scale``) with t tests and intervals
      on n - k degrees of freedom; ``res.sigma2_mle`` is RSS / n.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> x = np.arange(10.0); y = 10 + 4 * x + np.sin(x)
    >>> res = mr.OLS(y, np.c_[np.ones(10), x]).fit()
    >>> [round(float(v), 3) for v in res.params]
    [10.14, 4.012]
    """

    family = F.Gaussian(L.Identity())
    prediction_intervals = True
    results_class = OLSResults

    def _fit_arrays(self, options: FitOptions) -> Fit:
        """Least squares, directly (no iterations); a penalty takes the Newton loop."""
        if options.penalty is not None:  # ridge: the general penalised Newton loop
            o = options
            return super()._fit_arrays(
                FitOptions(o.start_params, o.maxiter, o.tol, penalty=o.penalty)
            )

        t = self.total_weights()
        unit = bool(np.all(t == 1))  # no weighted copy of X or y when there are no weights
        sw = None if unit else np.sqrt(t)
        Xw = self.exog if sw is None else self.exog * sw[:, None]
        yw = self.endog - self.offset if self.has_offset() else self.endog
        if sw is not None:
            yw = yw * sw
        p = Xw.shape[1]
        lsq = linalg.fit_least_squares(Xw, yw)
        aliased = lsq.aliased
        keep = np.setdiff1d(np.arange(p), aliased)
        report_aliased(self.exog_names, aliased, options.on_singular, stacklevel=4)
        report_near_singular(lsq.diagonal_ratio, stacklevel=4)
        beta = lsq.coef
        params = np.full(p, np.nan)
        params[keep] = beta
        cov = np.full((p, p), np.nan)
        cov[np.ix_(keep, keep)] = lsq.cov_unscaled
        eta = self.exog @ np.where(np.isnan(params), 0.0, params) + self.offset
        y = self.endog
        value = 0.5 * blockwise_sum(lambda r: t[r] * np.square(y[r] - eta[r]), y.shape[0])
        solver = NewtonResult(
            beta, value, 0, True, f"solved directly ({lsq.method})", (Iteration(0, value, 0.0, 0),)
        )
        method = "QR" if lsq.method == "qr" else "Cholesky"
        scale = self._scale(eta, keep.size, pearson=2 * value)  # Gaussian: chi^2 = RSS
        return Fit(
            params,
            cov,
            scale,
            eta,
            eta,
            aliased,
            solver,
            method,
            cov_root=lsq.cov_root,
            null_mu=self.null_mean() if self.has_offset() else None,
        )


M = TypeVar("M", bound=SingleIndexModel)


def _shortcut(cls: type[M]) -> Callable[..., M]:
    def make(formula: str, data: Any, **kwargs: Any) -> M:
        return cls.from_formula(formula, data, **shortcut_kwargs(kwargs))

    make.__name__ = cls.__name__.lower()
    make.__doc__ = (
        f"Shortcut for ``{cls.__name__}.from_formula(formula, data, **kwargs)``.\n\n"
        "Examples\n--------\n>>> import mlereg as mr\n"
        f">>> callable(mr.{cls.__name__.lower()})\nTrue\n"
    )
    return make


ols = _shortcut(OLS)
logit = _shortcut(Logit)
probit = _shortcut(Probit)
poisson = _shortcut(Poisson)
glm = _shortcut(GLM)
