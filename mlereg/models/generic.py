"""Maximum likelihood for a user-written log-likelihood.

:class:`GenericLikelihoodModel` maximises any function of the parameter vector with
numerical derivatives (:mod:`mlereg.optim.numdiff`: Richardson-extrapolated central
differences). Standard errors come from the numerical observed information (minus
the Hessian of the log-likelihood at the estimate); when the function returns
per-observation values, ``cov_type="robust"`` gives the sandwich (HC0-type)
covariance H^-1 (S'S) H^-1 with S the n x k matrix of numerical per-observation scores.

Bounds are handled by transformation: a parameter with bounds (low, None) is
low + exp(z), (None, high) is high - exp(z), (low, high) is
low + (high - low) expit(z); the optimiser works on z and the covariance is carried
back by the delta method (at an interior optimum this equals the inverse Hessian in
the original parameters).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize

from ..exceptions import ArgumentError, ArgumentTypeError, ConvergenceWarning, record_warnings
from ..inference.lrtest import LRTestResult, nested_lr
from ..inference.profile import profile_interval
from ..inference.results import LikelihoodResults
from ..linalg import inv_psd
from ..linalg.threads import one_blas_thread
from ..optim import numdiff
from ..optim.newton import NewtonResult, newton
from ..optim.penalty import as_penalty
from ..optim.reparam import Bounds

Method = Literal["newton", "bfgs", "nm"]


def positive_definite(H: np.ndarray) -> np.ndarray:
    """A positive definite stand-in for a Hessian far from the optimum: eigenvalues
    replaced by their absolute values (floored), so the Newton direction descends.

    Examples
    --------
    >>> import numpy as np
    >>> np.linalg.eigvalsh(positive_definite(np.diag([2.0, -1.0]))).tolist()
    [1.0, 2.0]
    """
    w, V = np.linalg.eigh((H + H.T) / 2)
    if np.all(w > 0):
        return H
    floor = 1e-8 * max(float(np.max(np.abs(w))), 1e-300)
    w = np.maximum(np.abs(w), floor)
    return (V * w) @ V.T


class GenericLikelihoodModel:
    """Maximum likelihood for a log-likelihood written by the user.

    Parameters
    ----------
    loglike : callable
        ``loglike(params) -> float`` (total log-likelihood) or ``-> ndarray`` of
        per-observation values (summed for the fit; they also enable
        ``cov_type="robust"`` and set ``nobs``).
    param_names : list of str
        Names of the parameters, in the order of ``params``.
    nobs : float, optional
        Number of observations, for BIC and ``df_resid`` when ``loglike`` returns a
        total (NaN otherwise).

    Notes
    -----
    statsmodels' way works too: subclass, override ``loglikeobs(self, params)`` (the
    per-observation log-likelihood), build with ``Model(endog, exog)`` (kept as
    ``self.endog`` and ``self.exog``) and fit from ``start_params``; the parameters are
    then named ``par0``, ``par1``, ... (or set the class attribute ``param_names``).

    Derivatives are numerical (:mod:`mlereg.optim.numdiff`, accurate to about 1e-10
    relative for smooth log-likelihoods); standard errors come from the observed
    information at the estimate, with z-based tests and intervals.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> from scipy import stats
    >>> x = np.array([240.0, 255, 261, 248, 271])
    >>> model = mr.GenericLikelihoodModel(
    ...     lambda p: stats.norm.logpdf(x, p[0], p[1]), param_names=["mu", "sigma"]
    ... )
    >>> res = model.fit([250.0, 5.0], bounds=[None, (0, None)])
    >>> [round(float(v), 4) for v in res.params]
    [255.0, 10.6395]
    """

    def __init__(
        self,
        loglike: Callable[[np.ndarray], Any] | Any = None,
        param_names: Sequence[str] | Any = None,
        nobs: float | None = None,
    ) -> None:
        subclassed = type(self).loglikeobs is not GenericLikelihoodModel.loglikeobs
        self.endog: np.ndarray | None = None
        self.exog: np.ndarray | None = None
        if subclassed and not callable(loglike):
            # statsmodels' way: Model(endog, exog) with loglikeobs(params) overridden;
            # the parameters are named par0, par1, ... unless param_names is set
            self.endog = None if loglike is None else np.asarray(loglike)
            self.exog = None if param_names is None else np.asarray(param_names)
            self._loglike = self.loglikeobs
            self.param_names = list(getattr(self, "param_names", None) or [])
            self._nobs = nobs
            return
        if not callable(loglike):
            raise ArgumentTypeError(
                "loglike must be a function of the parameter vector (or subclass"
                " GenericLikelihoodModel and override loglikeobs, as in statsmodels)"
            )
        if param_names is None:
            raise ArgumentTypeError("param_names is needed with a loglike function")
        self._loglike = loglike
        self.param_names = list(param_names)
        if len(set(self.param_names)) != len(self.param_names):
            raise ArgumentError(f"param_names must be distinct, got {self.param_names}")
        self._nobs = nobs

    # --- the function and its numerical derivatives -----------------------------------------
    @property
    def description(self) -> str:
        """The model in words (its class)."""
        return type(self).__name__

    def loglikeobs(self, params: Any) -> np.ndarray:
        """Per-observation log-likelihood (the user function's array output)."""
        val = np.asarray(self._loglike(np.asarray(params, dtype=float)), dtype=float)
        if val.ndim == 0:
            raise ArgumentError(
                "loglike returns a total; per-observation values (an array) are needed"
                " for robust standard errors"
            )
        return val

    def loglike(self, params: Any) -> float:
        """Total log-likelihood at ``params``."""
        return float(np.sum(self._loglike(np.asarray(params, dtype=float))))

    def score(self, params: Any) -> np.ndarray:
        """Numerical gradient of the log-likelihood."""
        return numdiff.gradient(self.loglike, np.asarray(params, dtype=float))

    def hessian(self, params: Any) -> np.ndarray:
        """Numerical Hessian of the log-likelihood."""
        return numdiff.hessian(self.loglike, np.asarray(params, dtype=float))

    # --- fitting ----------------------------------------------------------------------------
    def _optimise(
        self,
        theta0: np.ndarray,
        free: list[int],
        bounds: Bounds,
        method: Method,
        maxiter: int | None,
        tol: float,
        pen: tuple[np.ndarray, np.ndarray] | None,
    ) -> tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], float], NewtonResult | Any]:
        """Minimise the negative (penalised) log-likelihood over the free parameters.

        Returns theta, the free z at the optimum, the objective in z, and the raw
        optimiser result.
        """
        sub = bounds.subset(free)

        def theta_of(z: np.ndarray) -> np.ndarray:
            th = theta0.copy()
            th[free] = sub.from_free(z)
            return th

        def objective_value(z: np.ndarray) -> float:
            th = theta_of(z)
            with np.errstate(all="ignore"):
                f = -self.loglike(th)
            if pen is not None:
                f += 0.5 * float(np.sum(pen[0] * np.square(th - pen[1])))
            return f if np.isfinite(f) else np.inf

        z0 = sub.to_free(theta0[free])
        if method == "newton":

            def objective(z: np.ndarray):
                return (
                    objective_value(z),
                    numdiff.gradient(objective_value, z),
                    positive_definite(numdiff.hessian(objective_value, z)),
                )

            raw = newton(objective, z0, maxiter=maxiter or 100, tol=tol, value_only=objective_value)
            z = raw.x
        elif method in ("bfgs", "nm"):
            opts: dict[str, Any] = {}
            if maxiter is not None:
                opts["maxiter"] = maxiter
            if method == "bfgs":
                opts["gtol"] = tol
                raw = optimize.minimize(
                    objective_value,
                    z0,
                    jac=lambda z: numdiff.gradient(objective_value, z),
                    method="BFGS",
                    options=opts,
                )
            else:
                opts.update(xatol=tol, fatol=tol * 1e-2, adaptive=len(free) > 2)
                opts.setdefault("maxfev", 2000 * len(free))
                opts.setdefault("maxiter", 2000 * len(free))
                raw = optimize.minimize(objective_value, z0, method="Nelder-Mead", options=opts)
            z = raw.x
        else:
            raise ArgumentError(f"method must be 'newton', 'bfgs' or 'nm', got {method!r}")
        return theta_of(z), z, objective_value, raw

    @one_blas_thread()  # the whole fit: see one_blas_thread
    def fit(
        self,
        start_params: Any = None,
        *,
        method: Method = "newton",
        bounds: Any = None,
        cov_type: Literal["nonrobust", "robust"] = "nonrobust",
        penalty: Any = None,
        maxiter: int | None = None,
        tol: float = 1e-8,
    ) -> GenericLikelihoodResults:
        """Maximise the log-likelihood from ``start_params``.

        Parameters
        ----------
        start_params : array-like
            Starting values (strictly inside any bounds); for a subclass built from
            ``exog``, zeros for its columns by default.
        method : {"newton", "bfgs", "nm"}
            ``"newton"``: :func:`mlereg.optim.newton.newton` with the numerical gradient and
            Hessian (eigenvalues made positive where the Hessian is not negative
            definite); ``"bfgs"`` / ``"nm"``: :func:`scipy.optimize.minimize` (BFGS with
            the numerical gradient, or Nelder-Mead) followed by a numerical Hessian.
        bounds : sequence of (low, high) or dict {name: (low, high)}, optional
            ``None`` for no limit; imposed by transformation (module docstring).
        cov_type : {"nonrobust", "robust"}
            Inverse observed information, or the sandwich H^-1 (S'S) H^-1 (needs
            per-observation log-likelihoods).
        penalty : L2Penalty or float, optional
            Penalised likelihood / MAP under a Gaussian prior: maximises
            loglike - sum alpha_j / 2 (theta_j - m_j)^2 (all parameters penalised unless
            excluded); SEs from the penalised information. ``llf`` stays the
            unpenalised log-likelihood; ``penalized_llf`` is the maximised objective.
        maxiter : int, optional
            Iteration limit (100 Newton steps by default; scipy's defaults otherwise).
        tol : float
            Newton: :mod:`mlereg.optim.newton` rule; BFGS: gradient norm; Nelder-Mead:
            simplex size on the transformed scale.

        Returns
        -------
        GenericLikelihoodResults

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> k = np.array([3, 5, 2, 8, 4, 6, 3, 5])
        >>> m = mr.GenericLikelihoodModel(lambda p: k * np.log(p[0]) - p[0], ["lam"])
        >>> round(float(m.fit([1.0], bounds=[(0, None)]).params["lam"]), 6)
        4.5
        """
        if cov_type not in ("nonrobust", "robust"):
            raise ArgumentError(f"cov_type must be 'nonrobust' or 'robust', got {cov_type!r}")
        if start_params is None:
            if self.exog is None or self.param_names:
                raise ArgumentTypeError("fit() needs start_params")
            start_params = np.zeros(1 if self.exog.ndim == 1 else self.exog.shape[1])
        theta0 = np.asarray(start_params, dtype=float).ravel().copy()
        if not self.param_names:
            self.param_names = [f"par{j}" for j in range(theta0.size)]
        k = len(self.param_names)
        if theta0.size != k:
            raise ArgumentError(f"start_params has {theta0.size} values, param_names {k}")
        bnd = Bounds.parse(bounds, self.param_names)
        bnd.to_free(theta0)  # start values inside the bounds, or a named error
        first = np.asarray(self._loglike(theta0), dtype=float)
        per_obs = first.ndim > 0
        if not np.all(np.isfinite(first)):
            raise ArgumentError(f"loglike is not finite at start_params {theta0.tolist()}")
        if cov_type == "robust" and not per_obs:
            raise ArgumentError(
                "cov_type='robust' needs loglike to return per-observation values (an array)"
            )
        nobs = float(first.size) if per_obs else self._nobs
        nobs = np.nan if nobs is None else float(nobs)
        pen_obj = as_penalty(penalty)
        pen = None if pen_obj is None else pen_obj.resolve(self.param_names)
        free = list(range(k))
        with record_warnings() as messages:
            theta, z, objective_value, raw = self._optimise(
                theta0, free, bnd, method, maxiter, tol, pen
            )
            if isinstance(raw, NewtonResult):
                converged, n_iter, history, msg = (
                    raw.converged,
                    raw.n_iter,
                    raw.history,
                    raw.message,
                )
            else:
                converged, n_iter, history, msg = bool(raw.success), int(raw.nit), (), raw.message
            if not converged:
                warnings.warn(
                    f"the {method} optimiser did not converge: {msg}",
                    ConvergenceWarning,
                    stacklevel=3,
                )
            J = bnd.jacobian(z)
            cov_z = inv_psd(numdiff.hessian(objective_value, z))
            if np.any(np.isnan(cov_z)):
                warnings.warn(
                    "the Hessian of the log-likelihood is not negative definite at the"
                    " estimate: no standard errors (a saddle point, a flat direction or a"
                    " boundary estimate)",
                    ConvergenceWarning,
                    stacklevel=3,
                )
            if cov_type == "robust":
                S = numdiff.jacobian(lambda zz: self.loglikeobs(bnd.from_free(zz)), z)
                cov_z = cov_z @ (S.T @ S) @ cov_z
        cov = cov_z * np.outer(J, J)
        return GenericLikelihoodResults(
            self,
            theta,
            cov,
            nobs,
            converged,
            n_iter,
            history,
            tuple(messages),
            cov_type,
            -objective_value(z),
            dict(method=method, bounds=bnd, tol=tol, pen=pen, maxiter=maxiter),
        )


class GenericLikelihoodResults(LikelihoodResults):
    """Results of :meth:`GenericLikelihoodModel.fit`.

    Beyond :class:`~mlereg.inference.results.LikelihoodResults`: ``penalized_llf`` (equal to
    ``llf`` without a penalty), profile-likelihood intervals by refitting with one
    parameter held fixed, and likelihood-ratio tests between fits.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> m = mr.GenericLikelihoodModel(lambda p: -0.5 * (np.arange(5.0) - p[0]) ** 2, ["mu"])
    >>> round(float(m.fit([0.0]).bse["mu"]), 6)
    0.447214
    """

    def __init__(
        self,
        model: GenericLikelihoodModel,
        theta: np.ndarray,
        cov: np.ndarray,
        nobs: float,
        converged: bool,
        n_iter: int,
        history: tuple,
        messages: tuple[str, ...],
        cov_type: str,
        penalized_llf: float,
        settings: dict[str, Any],
    ) -> None:
        k = len(theta)
        super().__init__(
            theta,
            cov,
            model.param_names,
            model.loglike(theta),
            nobs,
            k,
            nobs - k,
            use_t=False,
            converged=converged,
            n_iter=n_iter,
            history=history,
            messages=messages,
            cov_type=cov_type,
            model=model,
        )
        self.penalized_llf = float(penalized_llf)
        self._settings = settings

    def profile_llf(self, name: str, value: float) -> float:
        """Maximum (penalised) log-likelihood with parameter ``name`` held at ``value``."""
        s = self._settings
        j = self.param_names.index(name)
        if not s["bounds"].low[j] <= value <= s["bounds"].high[j]:
            return -np.inf
        theta0 = self.params.to_numpy().copy()
        theta0[j] = value
        free = [i for i in range(len(theta0)) if i != j]
        if not free:
            th = theta0
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # the results of this module's model refit it with one parameter held
                th, _, _, _ = self.model._optimise(  # noqa: SLF001
                    theta0, free, s["bounds"], s["method"], s["maxiter"], s["tol"], s["pen"]
                )
        val = self.model.loglike(th)
        if s["pen"] is not None:
            val -= 0.5 * float(np.sum(s["pen"][0] * np.square(th - s["pen"][1])))
        return val

    def conf_int(
        self, alpha: float = 0.05, method: Literal["wald", "profile"] = "wald"
    ) -> pd.DataFrame:
        """Wald or profile-likelihood intervals (columns lower, upper).

        The profile interval of a parameter is where 2 (max llf - profile llf) stays
        below the chi^2_1(1 - alpha) quantile, found by refitting with the parameter
        held at trial values (with the fit's method and bounds).
        """
        if method != "profile":
            return super().conf_int(alpha, method)
        if not 0 < alpha < 1:
            raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
        bnd = self._settings["bounds"]
        rows = {}
        for j, name in enumerate(self.param_names):
            rows[name] = profile_interval(
                lambda v, name=name: self.profile_llf(name, v),
                float(self.params[name]),
                float(self.bse[name]),
                bnd.subset([j]),
                self.penalized_llf,
                alpha,
            )
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])

    def lr_test(self, other: LikelihoodResults) -> LRTestResult:
        """Likelihood-ratio test against a nested fit to the same data (either order).

        The data cannot be checked here (they live in the user's function): only the
        numbers of observations are compared.
        """
        if other.nobs != self.nobs and not (np.isnan(other.nobs) and np.isnan(self.nobs)):
            raise ArgumentError(f"the fits have different nobs ({self.nobs:g} vs {other.nobs:g})")
        return nested_lr(self, other)
