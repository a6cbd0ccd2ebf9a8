"""The base of models given by the row contract: M linear predictors, each from a part
of the formula, and a :class:`~mlereg.models.contract.RowLikelihood`.

A model class names its parts and extra parameters, and supplies three things: the row
likelihood on its data (:meth:`RowModel.row_likelihood`), starting values
(:meth:`RowModel.start_params`) and what a prediction means
(:meth:`RowModel.predict_from_eta`). Construction from formulas or arrays, fitting
(:func:`mlereg.models.engine.fit_newton`), standard errors from the information, and
the results are shared. :class:`mlereg.HetGaussian` is the worked example.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

from ..design.design import Design
from ..exceptions import ArgumentError, ConvergenceWarning, DataError, record_warnings
from ..inference.partresults import RowModelResults
from ..linalg import inv_psd
from ..linalg.matrix import DenseMatrix
from ..linalg.memory import fit_memory
from ..linalg.threads import one_blas_thread
from .base import LikelihoodModel
from .contract import InformationKind, RowLikelihood
from .engine import RowEngine, fit_newton
from .validation import check_iteration_options


class RowModel(LikelihoodModel):
    """A model of M linear predictors eta_m = X_m beta_m + offset_m and extra
    parameters theta, fitted by maximum likelihood.

    Subclasses set ``parts`` (a name per linear predictor, the prefixes of the
    parameter names) and ``extra_params`` (names of theta), and implement
    :meth:`row_likelihood`, :meth:`start_params` and :meth:`predict_from_eta`.
    Models are immutable: ``fit`` returns a new results object.

    Parameters
    ----------
    endog : array-like
        The response.
    exog : array-like
        Design of the first linear predictor.
    *part_exog : array-like or None
        Designs of the other linear predictors, in the order of ``parts`` (None or
        left out: an intercept only).
    offset, exposure : array-like, optional
        Offset of the first linear predictor (exposure is logged into it).
    weights, freq_weights : array-like, optional
        As the model defines them (see the model's docstring).
    missing : {"drop", "raise"}
    """

    parts: ClassVar[tuple[str, ...]] = ()
    extra_params: ClassVar[tuple[str, ...]] = ()
    # whether exposure= makes sense: log(exposure) offsets the first linear predictor
    takes_exposure: ClassVar[bool] = False

    def _init_designs(self, designs: tuple[Design, ...]) -> None:
        first = designs[0]
        if first.has_exposure and not self.takes_exposure:
            raise DataError(
                f"{type(self).__name__} takes no exposure= (its log would offset the"
                f" {self.parts[0]} part); give offset= instead"
            )
        self.designs = designs
        self.design = first  # the response, rows, offset and weights, the whole formula
        self.endog = np.asarray(first.y, dtype=float)
        if self.endog.ndim != 1:
            raise DataError(f"{type(self).__name__} takes one response column")
        self.exog = [d.X for d in designs]
        n = first.nrows
        self.offset = first.offset
        self.weights = first.weights
        self.freq_weights = first.freq_weights
        self.endog_name = first.endog_name
        self.part_names = [list(d.exog_names) for d in designs]
        prefixed = zip(self.parts, self.part_names, strict=True)
        self.param_names = [f"{part}_{name}" for part, names in prefixed for name in names]
        self.param_names += list(self.extra_params)
        if n < len(self.param_names):
            raise DataError(
                f"{n} usable row(s) for {len(self.param_names)} parameters: fewer rows than"
                " parameters"
            )

    # --- what a model supplies ----------------------------------------------------------------
    def row_likelihood(self) -> RowLikelihood:
        """The model's :class:`RowLikelihood` on its data."""
        raise NotImplementedError

    def part_offsets(self) -> list[np.ndarray | None]:
        """The offset of each linear predictor (by default: the model's offset on the
        first, none on the others)."""
        return [self.offset] + [None] * (len(self.parts) - 1)

    def start_params(self) -> np.ndarray:
        """Starting values of all parameters."""
        raise NotImplementedError

    def predict_from_eta(self, eta: np.ndarray, which: str) -> np.ndarray:
        """A prediction from the linear predictors (rows x M) of new rows."""
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------------
    @property
    def description(self) -> str:
        """The model in words (its class)."""
        return type(self).__name__

    @property
    def nobs(self) -> float:
        """Observations: rows, each counted ``freq_weights`` times."""
        fw = self.freq_weights
        return float(self.endog.shape[0] if fw is None else np.sum(fw))

    def engine(self) -> RowEngine:
        """The row likelihood on the model's designs (value, gradient, information)."""
        return RowEngine(
            self.row_likelihood(), [DenseMatrix(X) for X in self.exog], self.part_offsets()
        )

    def loglike(self, params: Any) -> float:
        """The log-likelihood at ``params``."""
        return self.engine().evaluate(np.asarray(params, dtype=float), 0).loglike

    def score(self, params: Any) -> np.ndarray:
        """The gradient of the log-likelihood at ``params``."""
        ev = self.engine().evaluate(np.asarray(params, dtype=float), 1)
        assert ev.gradient is not None
        return ev.gradient

    def information(self, params: Any, kind: InformationKind = "expected") -> np.ndarray:
        """The information matrix at ``params`` (expected or observed)."""
        ev = self.engine().evaluate(np.asarray(params, dtype=float), 2, kind)
        assert ev.information is not None
        return ev.information

    @one_blas_thread()  # the whole fit: see one_blas_thread
    def fit(
        self,
        *,
        start_params: Any = None,
        maxiter: int = 100,
        tol: float = 1e-8,
        information: InformationKind = "expected",
    ) -> RowModelResults:
        """Maximise the likelihood by the damped Newton loop: Newton-Raphson steps on the
        observed information (Fisher scoring where that is not positive definite). The
        standard errors come from the information of kind ``information`` at the
        estimate (expected by default, as R's ``glm``).

        Parameters
        ----------
        start_params : array, optional
            Starting values (default: :meth:`start_params`).
        maxiter, tol : int, float
            Iteration limit and tolerance of :func:`mlereg.optim.newton.newton`.
        information : {"expected", "observed"}
            The information that gives the standard errors.

        Returns
        -------
        RowModelResults
        """
        if information not in ("expected", "observed"):
            raise ArgumentError(
                f"information must be 'expected' or 'observed', got {information!r}"
            )
        check_iteration_options(maxiter, tol)
        engine = self.engine()
        k = engine.n_params
        start = self.start_params() if start_params is None else start_params
        start = np.asarray(start, dtype=float).ravel()
        if start.shape[0] != k:
            raise ArgumentError(f"start_params has {start.shape[0]} values, expected {k}")
        n_rows, n_cols = self.exog[0].shape[0], sum(X.shape[1] for X in self.exog)
        with record_warnings() as messages, fit_memory(n_rows, n_cols, type(self).__name__):
            res = fit_newton(engine, start, maxiter=maxiter, tol=tol, kind="observed")
            if not np.isfinite(res.fun):
                raise ArgumentError(
                    f"the log-likelihood is not finite at the starting values {start.tolist()}"
                )
            if not res.converged:
                warnings.warn(
                    f"{type(self).__name__} did not converge: {res.message}",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            info = self.information(res.x, information)
            cov = inv_psd(info)
        return RowModelResults(
            self,
            res.x,
            cov,
            llf=-res.fun,
            information=information,
            solver=res,
            messages=self.messages + tuple(messages),
        )
