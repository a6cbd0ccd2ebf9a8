"""Single-index models: GLMs, OLS and the negative binomial, fitted by IRLS.

In these models the data enter the log-likelihood only through one linear predictor,
eta = X beta + offset (the row contract's case M = 1 without extra parameters, see
:mod:`mlereg.models.contract`). A model is therefore a :class:`Family` (with
its link), and from the family's per-observation functions we get, for the
objective f(beta) = deviance / 2 (which has the same maximiser as the
log-likelihood):

* gradient  d f / d beta = -X' u,   u_i = t_i (y_i - mu_i) mu_eta_i / V(mu_i)
* Fisher information  X' diag(W) X,  W_i = t_i mu_eta_i^2 / V(mu_i)

with t_i the prior weight times the frequency weight. Newton's method with the Fisher
information is Fisher scoring, which is IRLS; for canonical links it is also
Newton-Raphson with the observed information. :func:`mlereg.optim.newton.newton` runs the loop;
:mod:`mlereg.linalg` solves each step (Cholesky, pivoted QR fallback).
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .. import linalg
from ..design.design import Design
from ..exceptions import (
    ArgumentError,
    ArgumentTypeError,
    ConvergenceWarning,
    DataError,
    DegenerateInferenceWarning,
    SaturatedModelWarning,
    record_warnings,
)
from ..inference.fitrecord import Fit
from ..inference.regression import RegressionResults, variance_out_of_range
from ..inference.results import degenerate_inference
from ..linalg import threads
from ..linalg.memory import fit_memory
from ..linalg.qr import ALIAS_TOL, COVARIANCE_QR_BELOW
from ..linalg.vectors import constant_vector, is_constant_one
from ..optim import penalty as penalty_mod
from ..optim.newton import NewtonResult, newton
from . import firth, separation, validation
from .base import LikelihoodModel
from .families import Family
from .glm_rows import glm_weights
from .irls import IrlsObjective, WarmStart, warm_start
from .rankwarnings import report_aliased, warn_near_singular

InformationKind = Literal["expected", "observed"]


def _response_and_weights(design: Design, family: Family) -> tuple[np.ndarray, np.ndarray]:
    """The response as the family expects it, and the prior weights (checked against
    the family's domain by :func:`mlereg.models.validation.response_for_family`)."""
    return validation.response_for_family(design, family)


def _has_intercept(design: Design) -> bool:
    X = design.X
    if "Intercept" in design.exog_names or "const" in design.exog_names:
        return True
    return bool(X.shape[0] and np.any(np.all(X == X[0:1, :], axis=0) & (X[0] != 0)))


@dataclass(frozen=True)
class FitOptions:
    """The options of one fit of a single-index model: what ``fit`` checks and hands to
    ``_fit_arrays``, and what a model that fits in steps (negative binomial's profiled
    theta) passes on to each inner fit.

    Examples
    --------
    >>> FitOptions(maxiter=50).tol
    1e-08
    """

    start_params: Any = None
    maxiter: int = 100
    tol: float = 1e-8
    information: InformationKind = "expected"
    on_singular: Literal["warn", "raise"] = "warn"
    penalty: Any = None
    method: Literal["irls", "firth"] = "irls"
    warm: WarmStart | None = None


class SingleIndexModel(LikelihoodModel):
    """Base class of the models: loglike, score and information, and ``fit``.

    Subclasses set the class attribute ``family`` (or accept one) and are constructed
    from arrays (``Model(endog, exog, ...)``) or from a formula
    (``Model.from_formula(formula, data, ...)``). Models are immutable: ``fit`` returns a
    new results object and writes nothing onto the model.
    """

    family: Family
    # whether predictions have intervals for new observations (OLS: the residual
    # variance is the scale of a new observation's error)
    prediction_intervals = False
    # what fit() returns
    results_class: type[RegressionResults] = RegressionResults
    # parameters estimated beside the coefficients and the dispersion (AIC counts them)
    k_extra = 0

    # --- construction (the base builds the design; this takes it in) ---------------------
    def _init_designs(self, designs: tuple[Design, ...], **model_kwargs: Any) -> None:
        self._init_design(designs[0], **model_kwargs)

    @classmethod
    def _options(cls) -> Any:
        return cls._init_design

    def _init_design(self, design: Design) -> None:
        self.design = design
        self.data: Any = None
        y, w = _response_and_weights(design, self.family)
        self.endog = y
        self.exog = design.X
        self.prior_weights = w
        n = design.nrows
        self.freq_weights = (
            constant_vector(1.0, n) if design.freq_weights is None else design.freq_weights
        )
        self.offset = constant_vector(0.0, n) if design.offset is None else design.offset
        if design.has_exposure:
            if self.family.link.name != "log":
                raise DataError(
                    f"exposure= enters as log(exposure), an offset of a log link; this"
                    f" {type(self).__name__} has the {self.family.link.name} link: give"
                    " offset= instead"
                )
        self.exog_names = list(design.exog_names)
        self.endog_name = design.endog_name
        self.response_levels = design.response_levels
        self.k_constant = int(_has_intercept(design))
        t = self.total_weights()
        rows = n if is_constant_one(t) else int(np.sum(t > 0))
        if rows < self.exog.shape[1]:
            raise DataError(
                f"{rows} usable row(s) but {self.exog.shape[1]} design columns"
                f" {self.exog_names[:10]}: fewer rows than parameters"
                + (
                    f" ({design.n_dropped} row(s) dropped for missing values)"
                    if design.n_dropped
                    else ""
                )
            )

    @property
    def description(self) -> str:
        """The model in words: its class, family and link.

        Examples
        --------
        >>> import mlereg as mr
        >>> import numpy as np
        >>> mr.Probit(np.array([0.0, 1, 1, 0]), np.ones((4, 1))).description
        'Probit (binomial family, probit link)'
        """
        fam = self.family
        return f"{type(self).__name__} ({fam.name} family, {fam.link.name} link)"

    # --- derived sizes ----------------------------------------------------------------------
    @property
    def nobs(self) -> float:
        """Observations: rows with positive weight, each counted ``freq_weights`` times."""
        fw, pw = self.freq_weights, self.prior_weights
        if is_constant_one(fw):
            return float(pw.shape[0] if is_constant_one(pw) else np.sum(pw > 0))
        return float(np.sum(fw * (pw > 0)))

    # --- per-observation pieces -------------------------------------------------------------
    def total_weights(self) -> np.ndarray:
        pw, fw = self.prior_weights, self.freq_weights
        if is_constant_one(fw):  # no frequency weights
            return pw
        return pw * fw

    def linear_predictor(self, params: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """eta = X params + offset (``X``: the design's kept columns, default all)."""
        X = self.exog if X is None else X
        return X @ params + self.offset

    def irls_objective(self, X: np.ndarray) -> IrlsObjective:
        """f(beta) = deviance / 2, its gradient and the Fisher information system."""
        offset = self.offset if np.any(self.offset) else None
        return IrlsObjective(X, self.endog, self.total_weights(), offset, self.family)

    def loglike(self, params: np.ndarray) -> float:
        """Log-likelihood at ``params`` (dispersion at R's plug-in value)."""
        mu = self.family.link.inverse(self.linear_predictor(np.asarray(params, dtype=float)))
        return self.family.loglike(self.endog, mu, self.prior_weights, self.freq_weights)

    def score(self, params: np.ndarray) -> np.ndarray:
        """Gradient of the log-likelihood in beta (dispersion 1)."""
        _, g, _ = self.irls_objective(self.exog).full(np.asarray(params, dtype=float))
        return -g

    def fisher_weights(self, params: np.ndarray, kind: InformationKind = "expected") -> np.ndarray:
        """Per-row weights W with information = X' diag(W) X (dispersion 1).

        ``kind="observed"`` gives the weights of minus the Hessian of the log-likelihood,
        which differ from the expected ones for non-canonical links.
        """
        return self.weights_at_eta(self.linear_predictor(np.asarray(params, dtype=float)), kind)

    def weights_at_eta(self, eta: np.ndarray, kind: InformationKind) -> np.ndarray:
        return glm_weights(self.family, self.endog, self.total_weights(), eta, kind)

    def information(self, params: np.ndarray, kind: InformationKind = "expected") -> np.ndarray:
        """Information matrix X' diag(W) X of the log-likelihood (dispersion 1)."""
        return linalg.weighted_gram(self.exog, self.fisher_weights(params, kind))

    # --- fitting ----------------------------------------------------------------------------
    def start_system(self, X: np.ndarray) -> tuple[linalg.GramSystem, np.ndarray]:
        """One IRLS step from R's ``mustart``: weighted least squares of the working
        response z = eta + (y - mu) / mu_eta on X. Returns the system X' W X and the
        right-hand side X' W z."""
        fam, link = self.family, self.family.link
        t = self.total_weights()
        mu = fam.starting_mu(self.endog, self.prior_weights)
        eta = link.link(mu)
        mu_eta = link.mu_eta(eta)
        W = t * np.square(mu_eta) / fam.variance(mu)
        z = eta - self.offset + (self.endog - mu) / mu_eta
        gram, rhs = linalg.gram_and_score(X, W, W * z)
        return linalg.GramSystem(X, W, gram), rhs

    def null_mean(self) -> float | np.ndarray:
        """Fitted mean of the intercept-only model, offset and weights kept.

        Without an offset the score equations of that model reduce to
        sum t (y - mu) = 0 for any family and link, so mu is the weighted mean of y (R's
        ``wtdmu``, a float here); with an offset it takes an IRLS fit on a column of
        ones, as ``glm.fit`` does. A model without an intercept has the null model
        eta = offset.

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> mr.Poisson(np.array([1.0, 3.0]), np.ones((2, 1))).null_mean()
        2.0
        """
        if not self.k_constant:
            return self.family.link.inverse(self.offset)
        if not self.has_offset():
            t = self.total_weights()
            return float(np.dot(t, self.endog) / np.sum(t))
        ones = np.ones((self.exog.shape[0], 1))
        res = self.newton_fit(ones, None, 100, 1e-8)[0]
        return self.family.link.inverse(ones @ res.x + self.offset)

    def has_offset(self) -> bool:
        """Whether any row has a non-zero offset (told without reading n values when
        there is none).

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> mr.Poisson(np.array([1.0, 3.0]), np.ones((2, 1))).has_offset()
        False
        """
        offset = self.offset
        if offset.strides == (0,):  # the default: one value stands for every row
            return bool(offset.size and offset[0] != 0)
        return bool(np.any(offset))

    def without_term(self, term: str) -> SingleIndexModel:
        """The same model with the columns of formula term ``term`` removed (the rows
        used, weights and offset unchanged), for :func:`mlereg.inference.anova.drop1`.

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [1, 3, 2, 5, 4], "x": [1, 2, 3, 4, 5], "z": [0, 1, 0, 1, 1]})
        >>> mr.poisson("y ~ x + z", df).without_term("z").exog_names
        ['Intercept', 'x']
        """
        from ..design.terms import without_term

        return self._reduced(without_term(self.design, term))

    def with_columns(self, keep: list[int], formula: str) -> SingleIndexModel:
        """The same model on the design columns ``keep`` only (rows, weights and offset
        unchanged), for the sub-models of an analysis of deviance.

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [1, 3, 2, 5, 4], "x": [1, 2, 3, 4, 5]})
        >>> mr.poisson("y ~ x", df).with_columns([0], "y ~ 1").exog_names
        ['Intercept']
        """
        from ..design.terms import with_columns

        return self._reduced(with_columns(self.design, keep, formula))

    def _reduced(self, design: Design) -> SingleIndexModel:
        reduced = copy.copy(self)
        # the base initialiser: a subclass's would reset options such as the family
        SingleIndexModel._init_design(reduced, design)
        reduced.data = self.data
        return reduced

    def _aliased(self, on_singular: str, start: Any = None) -> np.ndarray:
        """Indices of aliased columns, decided at the starting weights by the pivoted QR
        of the weighted design on unit-norm columns at R's ``lm`` tolerance
        (:data:`mlereg.linalg.qr.ALIAS_TOL`), so that neither the row order nor a column's
        scale changes the decision (``start``: the result of
        ``self.start_system(self.exog)`` if already computed)."""
        system, _ = self.start_system(self.exog) if start is None else start
        aliased = system.aliased(ALIAS_TOL)
        report_aliased(self.exog_names, aliased, on_singular)
        return aliased

    def newton_fit(
        self,
        X: np.ndarray,
        start_params: np.ndarray | None,
        maxiter: int,
        tol: float,
        pen: tuple[np.ndarray, np.ndarray] | None = None,
        method: str = "irls",
        start: Any = None,
        objective: IrlsObjective | None = None,
    ) -> tuple[NewtonResult, IrlsObjective | None]:
        """Run the Newton loop; also return the IRLS objective (None for Firth), whose
        last evaluation holds eta and mu at the solution."""
        if method == "firth":
            objective = None
            full, value = firth.penalized_objective(self, X)
        else:
            objective = self.irls_objective(X) if objective is None else objective
            full, value = objective.full, objective.value
        if pen is not None:
            full, value = penalty_mod.penalise_objective(full, value, *pen)
        if start_params is None:
            system, rhs = self.start_system(X) if start is None else start
            start_params = system.solve(rhs)
        res = newton(full, start_params, maxiter=maxiter, tol=tol, value_only=value)
        return res, objective

    # every product over the rows of X in a fit is blocked and runs BLAS on one thread:
    # hold that for the whole fit rather than set and restore it around each pass
    # (threadpoolctl takes about 50 us for each, a fit makes 8-10 passes)
    @threads.one_blas_thread()
    def _fit_arrays(self, options: FitOptions) -> Fit:
        start_params, maxiter, tol = options.start_params, options.maxiter, options.tol
        information, on_singular = options.information, options.on_singular
        penalty, method, warm = options.penalty, options.method, options.warm
        if method not in ("irls", "firth"):
            raise ArgumentError(f"method must be 'irls' or 'firth', got {method!r}")
        if method == "firth":
            firth.check_supported(self)
        if information not in ("expected", "observed"):
            raise ArgumentError(
                f"information must be 'expected' or 'observed', got {information!r}"
            )
        if on_singular not in ("warn", "raise"):
            raise ArgumentError(f"on_singular must be 'warn' or 'raise', got {on_singular!r}")
        p = self.exog.shape[1]
        primed = None
        if warm is not None and start_params is None and penalty is None and method == "irls":
            primed = warm_start(self, tol, warm)
        if primed is not None:  # full rank, checked at the warm start's weights
            start_params, start, aliased = primed.last.beta, None, np.array([], dtype=int)
        else:
            start = self.start_system(self.exog) if start_params is None else None
            aliased = self._aliased(on_singular, start)
        keep = np.setdiff1d(np.arange(p), aliased)
        kept = np.ones(p, dtype=bool)
        kept[aliased] = False
        X = linalg.kept_columns(self.exog, kept)  # X itself, or a view where it can
        if start_params is not None and primed is None:
            start_params = np.asarray(start_params, dtype=float).ravel()
            if start_params.shape[0] != p:
                raise ArgumentError(
                    f"start_params has {start_params.shape[0]} values, expected {p}"
                )
            start_params = start_params[keep]
        pen = None
        if penalty is not None:
            lam, center = penalty_mod.as_penalty(penalty).resolve(
                self.exog_names, penalty_mod.constant_columns(self.exog, self.exog_names)
            )
            pen = (lam[keep], center[keep])
        names = [self.exog_names[j] for j in keep]
        sep = separation.before_fit(self, X, names, warn=method != "firth")
        res, objective = self.newton_fit(
            X, start_params, maxiter, tol, pen, method, start if keep.size == p else None, primed
        )
        if res.n_iter == 0 and not np.isfinite(res.fun):
            where = "start_params" if start_params is not None else "the starting values"
            raise ArgumentError(
                f"the log-likelihood is not finite at {where} {np.round(res.x, 6).tolist()}"
                " (the fitted means overflow or leave the family's range there); give"
                " start_params closer to the data, or rescale the predictors"
            )
        beta = res.x
        if objective is not None:
            eta, mu = objective.eta_mu(beta)
        else:
            eta = self.linear_predictor(beta, X)
            mu = self.family.link.inverse(eta)
        sep = separation.after_fit(
            self, X, names, sep, mu, warn=method != "firth", converged=res.converged
        )
        if not res.converged and sep is None:
            warnings.warn(
                f"{type(self).__name__} did not converge: {res.message}. Likely causes:"
                " separation, a badly scaled predictor, or too small maxiter.",
                ConvergenceWarning,
                stacklevel=3,
            )
        cov_k, cov_root = self._covariance(X, eta, res, information, pen, method)
        params = np.full(p, np.nan)
        params[keep] = beta
        cov = np.full((p, p), np.nan)
        cov[np.ix_(keep, keep)] = cov_k
        label = "Firth" if method == "firth" else "IRLS"
        scale = self._scale(mu, keep.size)
        half_deviance = res.fun if method == "irls" and pen is None else None
        return Fit(
            params,
            cov,
            scale,
            eta,
            mu,
            aliased,
            res,
            label,
            sep,
            half_deviance,
            cov_root,
            self.null_mean() if self.has_offset() else None,
        )

    def _covariance(
        self,
        X: np.ndarray,
        eta: np.ndarray,
        res: NewtonResult,
        information: InformationKind,
        pen: tuple[np.ndarray, np.ndarray] | None,
        method: str,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The unscaled covariance of the kept coefficients at the estimate (the inverse
        information of kind ``information``, penalised with a penalty), and its root F
        (F F' = covariance) when it comes from the expected information's factorisation."""
        if pen is not None:  # penalised information X'WX + diag(alpha)
            Wt = self.weights_at_eta(eta, information)
            return linalg.inv_psd(linalg.weighted_gram(X, Wt) + np.diag(pen[0])), None
        if information == "observed":
            Wt = self.weights_at_eta(eta, information)
            return linalg.inv_psd(linalg.weighted_gram(X, Wt)), None
        # the solver's last information is X' W X at beta: reuse its factorisation (not
        # for Firth, whose objective's information is penalised)
        system = res.information if method == "irls" else None
        if not isinstance(system, linalg.GramSystem):
            system = linalg.GramSystem(X, self.weights_at_eta(eta, information))
        elif system.w is None and system.rcond() < COVARIANCE_QR_BELOW:
            # the solver released the weights; the QR of sqrt(W) X needs them back
            W = self.weights_at_eta(eta, information)
            system = linalg.GramSystem(X, W, system.gram)
        cov_root = system.inverse_root()
        warn_near_singular(system.rcond(), res.x.size)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return cov_root @ cov_root.T, cov_root  # out of range: as in fit_least_squares

    def _scale(self, mu: np.ndarray, rank: int, pearson: float | None = None) -> float:
        """Pearson chi^2 / df_resid for families with a dispersion, else 1 (``pearson``:
        the chi^2 if the caller has it)."""
        if not self.family.has_dispersion:
            return 1.0
        df_resid = self.nobs - rank
        if df_resid <= 0:
            return np.nan
        if pearson is None:
            t = self.total_weights()
            pearson = float(np.sum(t * np.square(self.endog - mu) / self.family.variance(mu)))
        return pearson / df_resid

    @threads.one_blas_thread()  # the whole fit: see one_blas_thread
    def fit(
        self,
        *,
        start_params: Any = None,
        maxiter: int = 100,
        tol: float = 1e-8,
        information: InformationKind = "expected",
        cov_type: str = "nonrobust",
        groups: Any = None,
        on_singular: Literal["warn", "raise"] = "warn",
        penalty: Any = None,
        method: Literal["irls", "firth"] = "irls",
        warm_start: bool | WarmStart = True,
        cov_kwds: dict[str, Any] | None = None,
        disp: Any = None,
    ) -> RegressionResults:
        """Fit by maximum likelihood (Fisher scoring = IRLS, with step halving).

        Parameters
        ----------
        start_params : array, optional
            Starting coefficients; by default one IRLS step from R's ``mustart``.
        maxiter, tol : int, float
            Iteration limit and tolerance of :func:`mlereg.optim.newton.newton`.
        information : {"expected", "observed"}
            Which information matrix gives the standard errors (they coincide for
            canonical links).
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
            Covariance of the estimates; ``"cluster"`` needs ``groups``.
        groups : str or array, optional
            Cluster labels (a column name of the formula data, or an array per row used).
        on_singular : {"warn", "raise"}
            What to do with aliased (linearly dependent) columns.
        penalty : L2Penalty or float, optional
            Penalised likelihood (MAP under a Gaussian prior): adds
            alpha / 2 ||beta - m||^2 to the objective deviance / 2, the intercept
            unpenalised by default; SEs from the penalised information (see
            :mod:`mlereg.optim.penalty`). For OLS this is ridge regression with lambda = alpha.
        method : {"irls", "firth"}
            ``"firth"``: Firth's penalised likelihood (logit link only), finite estimates
            under separation; see :mod:`mlereg.models.firth`.
        warm_start : bool or WarmStart
            Start a fit of many rows from a fit to every 10th row (the same maximiser,
            fewer passes over the data): ``True`` when
            :class:`mlereg.models.irls.WarmStart`'s defaults say so, ``False`` never,
            or a ``WarmStart`` with other thresholds.
        cov_kwds : dict, optional
            statsmodels' spelling of the covariance's options: ``{"groups": g}`` for
            ``cov_type="cluster"`` (the same as ``groups=g``).
        disp : any, optional
            Accepted for statsmodels' ``fit(disp=0)``; mlereg never prints (the
            iterations are in ``res.history``).

        Returns
        -------
        RegressionResults

        Notes
        -----
        Binary models are checked for separation (:mod:`mlereg.models.separation`): the result
        is ``res.separation`` and a :class:`PerfectSeparationWarning`. With zero
        residual degrees of freedom the fit is exact: a
        :class:`SaturatedModelWarning`, and NaN standard errors where the dispersion
        is estimated.
        """
        if method not in ("irls", "firth"):
            raise ArgumentError(f"method must be 'irls' or 'firth', got {method!r}")
        if method == "firth":
            firth.check_supported(self)
        validation.check_iteration_options(maxiter, tol)
        if cov_kwds:
            unknown = sorted(set(cov_kwds) - {"groups"})
            if unknown:
                raise ArgumentTypeError(f"cov_kwds takes 'groups' only, got {unknown}")
            if groups is not None and cov_kwds.get("groups") is not None:
                raise ArgumentTypeError(
                    "give the cluster groups once: groups= or cov_kwds['groups']"
                )
            groups = cov_kwds.get("groups", groups)
        if not isinstance(warm_start, (bool, WarmStart)):
            raise ArgumentTypeError(
                f"warm_start must be True, False or a WarmStart, got {warm_start!r}"
            )
        warm = WarmStart() if warm_start is True else warm_start or None
        n_rows, n_cols = self.exog.shape
        with record_warnings() as messages, fit_memory(n_rows, n_cols, type(self).__name__):
            options = FitOptions(
                start_params, maxiter, tol, information, on_singular, penalty, method, warm
            )
            fit = self._fit_arrays(options)
            rank = int(np.sum(~np.isnan(fit.params)))
            if self.nobs - rank <= 0:
                warnings.warn(
                    f"no residual degrees of freedom: {self.nobs:g} observations for {rank}"
                    " parameters, so the fit is exact"
                    + (
                        " and the dispersion (hence the standard errors) cannot be estimated"
                        if self.family.has_dispersion
                        else ""
                    ),
                    SaturatedModelWarning,
                    stacklevel=3,
                )
        res = self.results_class(
            self,
            fit,
            cov_type=cov_type,
            groups=groups,
            information=information,
            messages=self.messages + tuple(messages),
        )
        res.penalty = penalty_mod.as_penalty(penalty)
        problem = degenerate_inference(res) or variance_out_of_range(res)
        if problem is not None:
            warnings.warn(problem, DegenerateInferenceWarning, stacklevel=2)
            res.messages = (*res.messages, problem)
        return res
