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
Newton-Raphson with the observed information. :func:`mlereg.solver.newton` runs the loop;
:mod:`mlereg._linalg` solves each step (Cholesky, pivoted QR fallback).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import _linalg
from .exceptions import (
    ConvergenceWarning,
    DataError,
    MleregWarning,
    RankDeficiencyWarning,
    SingularDesignError,
)
from .families import Binomial, Family
from .formula import Design, design_from_arrays, design_from_formula
from .solver import NewtonResult, newton

InformationKind = Literal["expected", "observed"]


@contextmanager
def record_warnings() -> Iterator[list[str]]:
    """Collect the text of every :class:`MleregWarning` raised inside the block (so the
    results can carry and print them) and re-emit them to the caller."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    for w in caught:
        if issubclass(w.category, MleregWarning):
            messages.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@dataclass(frozen=True)
class Fit:
    """The numerical outcome of a fit, before labels are attached.

    ``params`` and ``cov`` are full length, NaN for aliased columns.
    """

    params: np.ndarray
    cov_unscaled: np.ndarray
    scale: float
    eta: np.ndarray
    mu: np.ndarray
    aliased: np.ndarray
    solver: NewtonResult
    method: str


def _response_and_weights(design: Design, family: Family) -> tuple[np.ndarray, np.ndarray]:
    """The response as the family expects it, and the prior weights.

    A two-column binomial response (successes, failures) becomes the proportion of
    successes with the number of trials as prior weight, like R's ``cbind(s, f)``.
    """
    y = design.y
    w = np.ones(design.nrows) if design.weights is None else design.weights
    if y.ndim == 2:
        if not isinstance(family, Binomial) or y.shape[1] != 2:
            raise DataError(
                f"the response {design.endog_name!r} has {y.shape[1]} columns; only a"
                " binomial model takes two (successes + failures)"
            )
        if np.any(y < 0):
            raise DataError(f"the counts in {design.endog_name!r} must be non-negative")
        trials = y.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            prop = np.where(trials > 0, y[:, 0] / trials, 0.0)
        return prop, w * trials
    problem = family.check_y(y)
    if problem is not None:
        raise DataError(
            f"the response {design.endog_name!r} is not valid for the {family.name}"
            f" family: {problem}"
        )
    return y, w


def _has_intercept(design: Design) -> bool:
    X = design.X
    if "Intercept" in design.exog_names or "const" in design.exog_names:
        return True
    return bool(X.shape[0] and np.any(np.all(X == X[0:1, :], axis=0) & (X[0] != 0)))


class LikelihoodModel:
    """Base class of the models: loglike, score and information, and ``fit``.

    Subclasses set the class attribute ``family`` (or accept one) and are constructed
    from arrays (``Model(endog, exog, ...)``) or from a formula
    (``Model.from_formula(formula, data, ...)``). Models are immutable: ``fit`` returns a
    new results object and writes nothing onto the model.
    """

    family: Family

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
        model = cls.__new__(cls)
        model._init_design(design, **model_kwargs)
        model.data = data  # a reference (no copy), for groups= given as a column name
        return model

    def _init_design(self, design: Design) -> None:
        self.design = design
        self.data: Any = None
        y, w = _response_and_weights(design, self.family)
        self.endog = y
        self.exog = design.X
        self.prior_weights = w
        n = design.nrows
        self.freq_weights = np.ones(n) if design.freq_weights is None else design.freq_weights
        self.offset = np.zeros(n) if design.offset is None else design.offset
        self.exog_names = list(design.exog_names)
        self.endog_name = design.endog_name
        self.k_constant = int(_has_intercept(design))

    # --- derived sizes ----------------------------------------------------------------------
    @property
    def nobs(self) -> float:
        """Observations: rows with positive weight, each counted ``freq_weights`` times."""
        return float(np.sum(self.freq_weights * (self.prior_weights > 0)))

    # --- per-observation pieces -------------------------------------------------------------
    def _total_weights(self) -> np.ndarray:
        return self.prior_weights * self.freq_weights

    def _eta(self, params: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        X = self.exog if X is None else X
        return X @ params + self.offset

    def _objective(self, X: np.ndarray):
        """f(beta) = deviance / 2, its gradient and the Fisher information system."""
        fam, link, y, t = self.family, self.family.link, self.endog, self._total_weights()
        last: list = [None, None, None, None]  # beta, eta, mu, f of the last value() call

        def value(beta: np.ndarray) -> float:
            eta = self._eta(beta, X)
            mu = link.inverse(eta)
            with np.errstate(all="ignore"):
                f = 0.5 * fam.deviance(y, mu, t)
            last[:] = [beta.copy(), eta, mu, f]
            return f

        def full(beta: np.ndarray):
            if last[0] is not None and np.array_equal(last[0], beta):
                _, eta, mu, f = last  # the solver accepted the point it just evaluated
            else:
                eta = self._eta(beta, X)
                mu = link.inverse(eta)
                with np.errstate(all="ignore"):
                    f = 0.5 * fam.deviance(y, mu, t)
            mu_eta = link.mu_eta(eta)
            with np.errstate(all="ignore"):
                var = fam.variance(mu)
            u = t * (y - mu) * mu_eta / var
            W = t * np.square(mu_eta) / var
            gram, score = _linalg.gram_and_score(X, W, u)
            return f, -score, _linalg.GramSystem(X, W, gram)

        return full, value

    def loglike(self, params: np.ndarray) -> float:
        """Log-likelihood at ``params`` (dispersion at R's plug-in value)."""
        mu = self.family.link.inverse(self._eta(np.asarray(params, dtype=float)))
        return self.family.loglike(self.endog, mu, self.prior_weights, self.freq_weights)

    def score(self, params: np.ndarray) -> np.ndarray:
        """Gradient of the log-likelihood in beta (dispersion 1)."""
        _, g, _ = self._objective(self.exog)[0](np.asarray(params, dtype=float))
        return -g

    def fisher_weights(self, params: np.ndarray, kind: InformationKind = "expected") -> np.ndarray:
        """Per-row weights W with information = X' diag(W) X (dispersion 1).

        ``kind="observed"`` gives the weights of minus the Hessian of the log-likelihood,
        which differ from the expected ones for non-canonical links.
        """
        return self._weights_at_eta(self._eta(np.asarray(params, dtype=float)), kind)

    def _weights_at_eta(self, eta: np.ndarray, kind: InformationKind) -> np.ndarray:
        fam, link, y, t = self.family, self.family.link, self.endog, self._total_weights()
        mu = link.inverse(eta)
        m1 = link.mu_eta(eta)
        var = fam.variance(mu)
        W = t * np.square(m1) / var
        if kind == "observed":
            # d/deta [m1 / V] = (m2 V - m1^2 V') / V^2
            m2 = link.d2mu_eta2(eta)
            dv = fam.dvariance(mu)
            W = W - t * (y - mu) * (m2 * var - np.square(m1) * dv) / np.square(var)
        return W

    def information(self, params: np.ndarray, kind: InformationKind = "expected") -> np.ndarray:
        """Information matrix X' diag(W) X of the log-likelihood (dispersion 1)."""
        return _linalg.weighted_gram(self.exog, self.fisher_weights(params, kind))

    # --- fitting ----------------------------------------------------------------------------
    def _start(self, X: np.ndarray) -> tuple[_linalg.GramSystem, np.ndarray]:
        """One IRLS step from R's ``mustart``: weighted least squares of the working
        response z = eta + (y - mu) / mu_eta on X. Returns the system X' W X and the
        right-hand side X' W z."""
        fam, link = self.family, self.family.link
        t = self._total_weights()
        mu = fam.starting_mu(self.endog, self.prior_weights)
        eta = link.link(mu)
        mu_eta = link.mu_eta(eta)
        W = t * np.square(mu_eta) / fam.variance(mu)
        z = eta - self.offset + (self.endog - mu) / mu_eta
        gram, rhs = _linalg.gram_and_score(X, W, W * z)
        return _linalg.GramSystem(X, W, gram), rhs

    def _aliased(self, on_singular: str, start: Any = None) -> np.ndarray:
        """Indices of aliased columns, decided on the starting weighted Gram matrix
        (``start``: the result of ``self._start(self.exog)`` if already computed)."""
        system, _ = self._start(self.exog) if start is None else start
        if system.rank == self.exog.shape[1]:
            return np.array([], dtype=int)
        aliased = system.qr().aliased
        names = [self.exog_names[j] for j in aliased]
        if on_singular == "raise":
            raise SingularDesignError(
                f"the design is rank deficient: {names} are linear combinations of other"
                " columns; remove them or use on_singular='warn'"
            )
        warnings.warn(
            f"the design is rank deficient: {names} are linear combinations of other columns"
            " and are reported as NaN (aliased), like R's NA",
            RankDeficiencyWarning,
            stacklevel=4,
        )
        return aliased

    def _estimate(
        self,
        X: np.ndarray,
        start_params: np.ndarray | None,
        maxiter: int,
        tol: float,
        start: Any = None,
    ) -> NewtonResult:
        full, value = self._objective(X)
        if start_params is None:
            system, rhs = self._start(X) if start is None else start
            start_params = system.solve(rhs)
        return newton(full, start_params, maxiter=maxiter, tol=tol, value_only=value)

    def _fit_arrays(
        self,
        *,
        start_params: Any = None,
        maxiter: int = 100,
        tol: float = 1e-8,
        information: InformationKind = "expected",
        on_singular: Literal["warn", "raise"] = "warn",
    ) -> Fit:
        if information not in ("expected", "observed"):
            raise ValueError(f"information must be 'expected' or 'observed', got {information!r}")
        if on_singular not in ("warn", "raise"):
            raise ValueError(f"on_singular must be 'warn' or 'raise', got {on_singular!r}")
        p = self.exog.shape[1]
        start = self._start(self.exog) if start_params is None else None
        aliased = self._aliased(on_singular, start)
        keep = np.setdiff1d(np.arange(p), aliased)
        X = self.exog if keep.size == p else self.exog[:, keep]
        if start_params is not None:
            start_params = np.asarray(start_params, dtype=float).ravel()
            if start_params.shape[0] != p:
                raise ValueError(f"start_params has {start_params.shape[0]} values, expected {p}")
            start_params = start_params[keep]
        res = self._estimate(X, start_params, maxiter, tol, start if keep.size == p else None)
        if not res.converged:
            warnings.warn(
                f"{type(self).__name__} did not converge: {res.message}. Likely causes:"
                " separation, a badly scaled predictor, or too small maxiter.",
                ConvergenceWarning,
                stacklevel=3,
            )
        beta = res.x
        eta = self._eta(beta, X)
        mu = self.family.link.inverse(eta)
        if information == "expected":
            # the solver's last information is X' W X at beta: reuse its factorisation
            system = res.information
            if not isinstance(system, _linalg.GramSystem):
                system = _linalg.GramSystem(X, self._weights_at_eta(eta, information))
            cov_k = system.inverse()
        else:
            Wt = self._weights_at_eta(eta, information)
            cov_k = _linalg.inv_psd(_linalg.weighted_gram(X, Wt))
        params = np.full(p, np.nan)
        params[keep] = beta
        cov = np.full((p, p), np.nan)
        cov[np.ix_(keep, keep)] = cov_k
        return Fit(params, cov, self._scale(mu, keep.size), eta, mu, aliased, res, "IRLS")

    def _scale(self, mu: np.ndarray, rank: int) -> float:
        """Pearson chi^2 / df_resid for families with a dispersion, else 1."""
        if not self.family.has_dispersion:
            return 1.0
        df_resid = self.nobs - rank
        if df_resid <= 0:
            return np.nan
        t = self._total_weights()
        return float(np.sum(t * np.square(self.endog - mu) / self.family.variance(mu)) / df_resid)

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
    ):
        """Fit by maximum likelihood (Fisher scoring = IRLS, with step halving).

        Parameters
        ----------
        start_params : array, optional
            Starting coefficients; by default one IRLS step from R's ``mustart``.
        maxiter, tol : int, float
            Iteration limit and tolerance of :func:`mlereg.solver.newton`.
        information : {"expected", "observed"}
            Which information matrix gives the standard errors (they coincide for
            canonical links).
        cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
            Covariance of the estimates; ``"cluster"`` needs ``groups``.
        groups : str or array, optional
            Cluster labels (a column name of the formula data, or an array per row used).
        on_singular : {"warn", "raise"}
            What to do with aliased (linearly dependent) columns.

        Returns
        -------
        RegressionResults
        """
        from .results import RegressionResults

        with record_warnings() as messages:
            fit = self._fit_arrays(
                start_params=start_params,
                maxiter=maxiter,
                tol=tol,
                information=information,
                on_singular=on_singular,
            )
        return RegressionResults(
            self,
            fit,
            cov_type=cov_type,
            groups=groups,
            information=information,
            messages=tuple(messages),
        )
