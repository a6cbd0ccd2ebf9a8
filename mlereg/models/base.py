"""The likelihood engine shared by every regression model.

In every regression model here the data enter the log-likelihood only through the
linear predictor eta = X beta + offset. A model is therefore a :class:`Family` (with
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
from ..design.arrays import design_from_arrays
from ..design.design import Design
from ..design.formula import design_from_formula
from ..exceptions import (
    ConvergenceWarning,
    DataError,
    RankDeficiencyWarning,
    SaturatedModelWarning,
    SingularDesignError,
    record_warnings,
)
from ..inference.results import RegressionResults
from ..linalg import threads
from ..linalg.vectors import constant_vector, is_constant_one
from ..optim import penalty as penalty_mod
from ..optim.newton import NewtonResult, newton
from . import firth, rowkernels, rowpass, separation, validation
from .families import Family
from .glm_rows import glm_weights

InformationKind = Literal["expected", "observed"]

# Fits start from a fit to every k-th row, k = 1 / SUBSAMPLE_FRACTION (see
# LikelihoodModel._warm_start), from SUBSAMPLE_LARGE_ROWS rows with 50 rows per
# parameter; and from SUBSAMPLE_MIN_ROWS rows with SUBSAMPLE_SMALL_ROWS_PER_COLUMN per
# parameter for canonical links only (Newton's method, whose end point does not depend
# on the start: Fisher scoring's does, and a Gamma fit with log link at 25,000 rows
# ended 1.7e-10 from the fit without the warm start, over the 1e-10 held to).
# Logit and Poisson, one thread, interleaved, time with the warm start over time
# without: 0.75-0.92x at 2e4 x 10, 3e4 x 15 and 4e4 x 20 (2,000 rows per column),
# 0.87-0.90x at 1e5 x 100; 0.94-1.06x at 5e4 x 50 and 2e4 x 50, 1.04-1.06x at 1e4 x 10.
SUBSAMPLE_MIN_ROWS = 20_000
SUBSAMPLE_SMALL_ROWS_PER_COLUMN = 2000
SUBSAMPLE_LARGE_ROWS = 100_000
SUBSAMPLE_FRACTION = 0.1
# the subsample's X'WX, scaled, stands in for the full one in the first full-data step
# when the subsample has at least this many rows per column (its relative error is then
# about sqrt(p / rows) <= 3%). Measured on seeded logit and Poisson data: the same
# iterations as the exact first step in 30 of 30 fits at 1000-2000 rows per column; one
# more in 5 of 12 fits at 200-714 rows per column
SUBSAMPLE_INFO_ROWS_PER_COLUMN = 1000
# the subsample's estimate is off the full one by its sampling error (1e-2 to 3e-3 at
# 1e4 to 1e5 rows), so its own fit stops at a relative change of 1e-3: one pass fewer
# than at 1e-6 in all eight benchmark cases, with the same full-data iterations
SUBSAMPLE_TOL = 1e-3
# ... and before a Newton step that would decrease its objective, deviance / 2, by at
# most this much per column (in units of the mean prior weight). With the dispersion
# fixed at 1 (binomial, Poisson) that is log-likelihood. The subsample's maximum is off
# the full one by about 0.45 p there (half a chi^2_p scaled by 1 - 1/k, in the
# subsample's information metric); the stop leaves the start within a squared
# distance of 0.04 p of the subsample's maximum, against about 0.9 p for that sampling
# error. It saves a subsample pass in 7 of the 8 benchmark cases, with the same
# full-data iterations. Only for canonical links of families without a dispersion:
# IRLS is then Newton's method, whose full-data iterations end at the maximiser to
# rounding from any start near it (Fisher scoring off a canonical link converges
# linearly, and where it stops depends on its start, by about 1e-10 here); and with a
# dispersion, deviance / 2 is not on the log-likelihood's scale.
SUBSAMPLE_DECREMENT_PER_COLUMN = 0.02


@dataclass(frozen=True)
class Fit:
    """The numerical outcome of a fit, before labels are attached.

    ``params`` and ``cov`` are full length, NaN for aliased columns. ``half_deviance``
    is deviance / 2 at ``params`` when the solver's objective was exactly that (an
    unpenalised IRLS fit), else None. ``cov_root`` is F (kept columns only) with
    F F' = ``cov_unscaled`` of the kept columns, from the factorisation that gave it
    (:meth:`mlereg.linalg.GramSystem.inverse_root`), or None.
    """

    params: np.ndarray
    cov_unscaled: np.ndarray
    scale: float
    eta: np.ndarray
    mu: np.ndarray
    aliased: np.ndarray
    solver: NewtonResult
    method: str
    separation: separation.Separation | None = None
    half_deviance: float | None = None
    cov_root: np.ndarray | None = None
    null_mu: float | np.ndarray = np.nan


def _response_and_weights(design: Design, family: Family) -> tuple[np.ndarray, np.ndarray]:
    """The response as the family expects it, and the prior weights (checked against
    the family's domain by :func:`mlereg.models.validation.response_for_family`)."""
    return validation.response_for_family(design, family)


def _has_intercept(design: Design) -> bool:
    X = design.X
    if "Intercept" in design.exog_names or "const" in design.exog_names:
        return True
    return bool(X.shape[0] and np.any(np.all(X == X[0:1, :], axis=0) & (X[0] != 0)))


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
            self.X,
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


class LikelihoodModel:
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

    # --- construction ---------------------------------------------------------------------
    def __init__(
        self,
        endog: Any,
        exog: Any,
        *,
        offset: Any = None,
        exposure: Any = None,
        weights: Any = None,
        freq_weights: Any = None,
        missing: Literal["drop", "raise"] = "drop",
        **model_kwargs: Any,
    ) -> None:
        validation.check_kwargs(self._init_design, model_kwargs, type(self).__name__)
        with record_warnings() as messages:
            design = design_from_arrays(
                endog,
                exog,
                offset=offset,
                exposure=exposure,
                weights=weights,
                freq_weights=freq_weights,
                missing=missing,
            )
            self._init_design(design, **model_kwargs)
        self.messages = tuple(messages)

    @classmethod
    def from_formula(
        cls,
        formula: str,
        data: Any,
        *,
        offset: Any = None,
        exposure: Any = None,
        weights: Any = None,
        freq_weights: Any = None,
        missing: Literal["drop", "raise"] = "drop",
        eval_env: int = 0,
        **model_kwargs: Any,
    ):
        """Build the model from a patsy formula and a DataFrame (or dict of columns).

        ``offset``, ``exposure`` (logged into the offset), ``weights`` and
        ``freq_weights`` are column names of ``data`` or arrays. Rows with a missing value
        in any variable used are dropped together (``missing="drop"``) and counted.
        """
        validation.check_kwargs(cls._init_design, model_kwargs, f"{cls.__name__}.from_formula")
        model = cls.__new__(cls)
        with record_warnings() as messages:
            design = design_from_formula(
                formula,
                data,
                offset=offset,
                exposure=exposure,
                weights=weights,
                freq_weights=freq_weights,
                missing=missing,
                eval_env=eval_env + 1,
            )
            # the class's own initialiser, on the instance it has just made
            model._init_design(design, **model_kwargs)  # noqa: SLF001
        model.messages = tuple(messages)
        model.data = data  # a reference (no copy), for groups= given as a column name
        return model

    def __getstate__(self) -> dict[str, Any]:
        # The data frame is only a reference kept for groups= column names: not pickled.
        state = self.__dict__.copy()
        state["data"] = None
        return state

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
        self.exog_names = list(design.exog_names)
        self.endog_name = design.endog_name
        self.response_levels = design.response_levels
        self.k_constant = int(_has_intercept(design))
        self.messages: tuple[str, ...] = ()
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

    def _objective(self, X: np.ndarray) -> IrlsObjective:
        """f(beta) = deviance / 2, its gradient and the Fisher information system."""
        offset = self.offset if np.any(self.offset) else None
        return IrlsObjective(X, self.endog, self.total_weights(), offset, self.family)

    def loglike(self, params: np.ndarray) -> float:
        """Log-likelihood at ``params`` (dispersion at R's plug-in value)."""
        mu = self.family.link.inverse(self.linear_predictor(np.asarray(params, dtype=float)))
        return self.family.loglike(self.endog, mu, self.prior_weights, self.freq_weights)

    def score(self, params: np.ndarray) -> np.ndarray:
        """Gradient of the log-likelihood in beta (dispersion 1)."""
        _, g, _ = self._objective(self.exog).full(np.asarray(params, dtype=float))
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
    def _start(self, X: np.ndarray) -> tuple[linalg.GramSystem, np.ndarray]:
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
        if not np.any(self.offset):
            t = self.total_weights()
            return float(np.dot(t, self.endog) / np.sum(t))
        ones = np.ones((self.exog.shape[0], 1))
        res = self.newton_fit(ones, None, 100, 1e-8)[0]
        return self.family.link.inverse(ones @ res.x + self.offset)

    def without_term(self, term: str) -> LikelihoodModel:
        """The same model with the columns of formula term ``term`` removed (the rows
        used, weights and offset unchanged), for :func:`mlereg.inference.anova.drop1`.

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [1, 3, 2, 5, 4], "x": [1, 2, 3, 4, 5], "z": [0, 1, 0, 1, 1]})
        >>> mr.poisson("y ~ x + z", df).without_term("z").exog_names
        ['Intercept', 'x']
        """
        from ..design.formula import without_term

        reduced = copy.copy(self)
        LikelihoodModel._init_design(reduced, without_term(self.design, term))
        reduced.data = self.data
        return reduced

    def _aliased(self, on_singular: str, start: Any = None) -> np.ndarray:
        """Indices of aliased columns, decided on the starting weighted Gram matrix
        (``start``: the result of ``self._start(self.exog)`` if already computed)."""
        system, _ = self._start(self.exog) if start is None else start
        if system.rank == self.exog.shape[1]:
            return np.array([], dtype=int)
        aliased = system.qr().aliased
        self._report_aliased(aliased, on_singular)
        return aliased

    def _report_aliased(self, aliased: np.ndarray, on_singular: str, stacklevel: int = 5) -> None:
        """Raise (``on_singular="raise"``) or warn, naming the aliased columns
        (``stacklevel`` counts up to the user's ``fit()`` call)."""
        if not aliased.size:
            return
        names = [self.exog_names[j] for j in aliased]
        msg = f"the design is rank deficient: {names} are linear combinations of other columns"
        if on_singular == "raise":
            raise SingularDesignError(msg + "; remove them or use on_singular='warn'")
        warnings.warn(
            msg + " and are reported as NaN (aliased), like R's NA",
            RankDeficiencyWarning,
            stacklevel=stacklevel,
        )

    def _warm_start(self, tol: float) -> IrlsObjective | None:
        """For a large n, start from the fit to a systematic subsample of the rows.

        Every k-th row (about ``SUBSAMPLE_FRACTION`` of them) is fitted first; its
        estimate is within sampling error of the full one, close enough that Newton's
        method on all rows then converges in fewer full passes than from R's
        ``mustart``. The full-data iterations and the convergence rule are unchanged, so
        the answer is the same maximiser. Returns the full-data objective primed at the
        subsample's estimate (value and gradient on all rows, the information taken as
        the subsample's scaled up: see :meth:`IrlsObjective.prime`), or None when the
        data are too small or the subsample fit does not give a usable, full-rank start
        (the caller then starts from ``mustart`` as usual).
        """
        n, p = self.exog.shape
        large = n >= SUBSAMPLE_LARGE_ROWS
        if n < SUBSAMPLE_MIN_ROWS or n < (50 if large else SUBSAMPLE_SMALL_ROWS_PER_COLUMN) * p:
            return None
        if not (large or self.family.is_canonical):
            return None
        k = max(2, int(round(1 / SUBSAMPLE_FRACTION)))
        sub = copy.copy(self)
        # a copy in X's layout (cheaper than strided passes)
        sub.exog = np.array(self.exog[::k], order="K")
        sub.endog = self.endog[::k]
        sub.prior_weights = self.prior_weights[::k]
        sub.freq_weights = self.freq_weights[::k]
        sub.offset = self.offset[::k]
        decrement_tol = None
        if self.family.is_canonical and not self.family.has_dispersion:
            mean_weight = float(np.mean(sub.total_weights()))
            decrement_tol = SUBSAMPLE_DECREMENT_PER_COLUMN * p * mean_weight
        with np.errstate(all="ignore"):
            # sub is a copy of this model (same class) on every k-th row
            system, rhs = sub._start(sub.exog)  # noqa: SLF001
            if system.rank < p:
                return None
            res = newton(
                (obj := sub._objective(sub.exog)).full,  # noqa: SLF001
                system.solve(rhs),
                maxiter=10,
                tol=max(tol, SUBSAMPLE_TOL),
                value_only=obj.value,
                decrement_tol=decrement_tol,
            )
        if not (res.converged and np.all(np.isfinite(res.x))):
            return None
        info = res.information  # the subsample's X'WX at res.x
        if not isinstance(info, linalg.GramSystem) or info.rank < p:
            return None
        objective = self._objective(self.exog)
        if sub.exog.shape[0] < SUBSAMPLE_INFO_ROWS_PER_COLUMN * p:
            objective.full(res.x)
            return objective if np.isfinite(objective.last.f) else None  # type: ignore[union-attr]
        # the full X'WX is about k times the subsample's: the first Newton step on all
        # rows takes that and skips forming X'WX (the steps after it use the exact one)
        factor = float(np.sum(self.total_weights())) / float(np.sum(sub.total_weights()))
        if not np.isfinite(objective.prime(res.x, linalg.ScaledSystem(info, factor))):
            return None
        return objective

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
            objective = self._objective(X) if objective is None else objective
            full, value = objective.full, objective.value
        if pen is not None:
            full, value = penalty_mod.penalise_objective(full, value, *pen)
        if start_params is None:
            system, rhs = self._start(X) if start is None else start
            start_params = system.solve(rhs)
        res = newton(full, start_params, maxiter=maxiter, tol=tol, value_only=value)
        return res, objective

    # every product over the rows of X in a fit is blocked and runs BLAS on one thread:
    # hold that for the whole fit rather than set and restore it around each pass
    # (threadpoolctl takes about 50 us for each, a fit makes 8-10 passes)
    @threads.one_blas_thread()
    def _fit_arrays(
        self,
        *,
        start_params: Any = None,
        maxiter: int = 100,
        tol: float = 1e-8,
        information: InformationKind = "expected",
        on_singular: Literal["warn", "raise"] = "warn",
        penalty: Any = None,
        method: Literal["irls", "firth"] = "irls",
    ) -> Fit:
        if method not in ("irls", "firth"):
            raise ValueError(f"method must be 'irls' or 'firth', got {method!r}")
        if method == "firth":
            firth.check_supported(self)
        if information not in ("expected", "observed"):
            raise ValueError(f"information must be 'expected' or 'observed', got {information!r}")
        if on_singular not in ("warn", "raise"):
            raise ValueError(f"on_singular must be 'warn' or 'raise', got {on_singular!r}")
        p = self.exog.shape[1]
        warm = None
        if start_params is None and penalty is None and method == "irls":
            warm = self._warm_start(tol)
        if warm is not None:  # full rank, checked at the warm start's weights
            start_params, start, aliased = warm.last.beta, None, np.array([], dtype=int)
        else:
            start = self._start(self.exog) if start_params is None else None
            aliased = self._aliased(on_singular, start)
        keep = np.setdiff1d(np.arange(p), aliased)
        kept = np.ones(p, dtype=bool)
        kept[aliased] = False
        X = linalg.kept_columns(self.exog, kept)  # X itself, or a view where it can
        if start_params is not None and warm is None:
            start_params = np.asarray(start_params, dtype=float).ravel()
            if start_params.shape[0] != p:
                raise ValueError(f"start_params has {start_params.shape[0]} values, expected {p}")
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
            X, start_params, maxiter, tol, pen, method, start if keep.size == p else None, warm
        )
        if res.n_iter == 0 and not np.isfinite(res.fun):
            where = "start_params" if start_params is not None else "the starting values"
            raise ValueError(
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
            self.null_mean(),
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
        cov_root = system.inverse_root()
        return cov_root @ cov_root.T, cov_root

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
    ):
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
            raise ValueError(f"method must be 'irls' or 'firth', got {method!r}")
        if method == "firth":
            firth.check_supported(self)
        kwargs: dict[str, Any] = {"on_singular": on_singular}
        if method != "irls":
            kwargs["method"] = method
        if penalty is not None:
            kwargs["penalty"] = penalty
        with record_warnings() as messages:
            fit = self._fit_arrays(
                start_params=start_params,
                maxiter=maxiter,
                tol=tol,
                information=information,
                **kwargs,
            )
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
        return res
