"""Negative binomial (NB2) regression, all of it: theta's score and information, the
fit (the one Newton loop on log(theta), beta's IRLS fit at each theta: theta
profiled, as ``glm.nb`` reaches the same maximum by alternating), and the results.

The family itself, with theta fixed (R's ``negative.binomial(theta)``), is
:class:`mlereg.models.families.NegativeBinomial`.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import special

from ..design.design import Design
from ..exceptions import BoundaryWarning, ConvergenceWarning, RankDeficiencyWarning
from ..inference.fitrecord import Fit
from ..inference.regression import RegressionResults
from ..optim.newton import newton
from ..report.entries import Digits, Entry
from . import families as F
from . import links as L
from .base import shortcut_kwargs
from .singleindex import FitOptions, SingleIndexModel


def nb_theta_score(theta: float, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """d loglik / d theta of the negative binomial at fixed mu (MASS ``theta.ml``).

    ``sum w (psi(theta + y) - psi(theta) + log theta + 1 - log(theta + mu)
    - (y + theta) / (mu + theta))``, with ``w`` the prior times frequency weights.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 2.0, 5.0, 1.0]); mu = np.full(4, 2.0)
    >>> round(nb_theta_score(1.0, y, mu, np.ones(4)), 6)
    0.388884
    """
    terms = (
        special.digamma(theta + y)
        - special.digamma(theta)
        + np.log(theta)
        + 1.0
        - np.log(theta + mu)
        - (y + theta) / (mu + theta)
    )
    return float(np.sum(w * terms))


def nb_theta_information(theta: float, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """-d^2 loglik / d theta^2 at fixed mu (MASS ``theta.ml``; ``1 / sqrt`` of it is
    MASS's ``SE.theta``).

    ``sum w (psi'(theta) - psi'(theta + y) - 1 / theta + 2 / (mu + theta)
    - (y + theta) / (mu + theta)^2)``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.0, 2.0, 5.0, 1.0]); mu = np.full(4, 2.0)
    >>> round(nb_theta_information(1.0, y, mu, np.ones(4)), 6)
    1.046944
    """
    terms = (
        special.polygamma(1, theta)
        - special.polygamma(1, theta + y)
        - 1.0 / theta
        + 2.0 / (mu + theta)
        - (y + theta) / np.square(mu + theta)
    )
    return float(np.sum(w * terms))


@dataclass(frozen=True)
class NegativeBinomialFit(Fit):
    """A :class:`~mlereg.models.base.Fit` of beta at the estimated theta, with theta itself.

    ``fixed_model`` is the model with alpha = 1 / theta held at the estimate: the
    results' deviance, llf, covariances and predictions are those of that model.
    """

    theta: float = np.nan
    theta_se: float = np.nan
    fixed_model: Any = None
    n_outer: int = 0
    n_irls: int = 0


class NegativeBinomial(SingleIndexModel):
    """Negative binomial (NB2) regression with theta estimated by maximum likelihood.

    ``Var(y) = mu + alpha mu^2`` with ``alpha = 1 / theta``; log link by default
    (``link=mr.links.Identity()`` or ``Sqrt()`` as in MASS). The estimates are MASS's
    ``glm.nb``'s (the same maximum), found with theta profiled: Newton's method on
    log(theta), each step refitting beta by IRLS at that theta (the same loop as every
    GLM).

    Parameters
    ----------
    endog, exog, offset, exposure, weights, freq_weights, missing
        As for :class:`GLM`.

    Other Parameters
    ----------------
    link : Link, optional
        Default :class:`mlereg.models.links.Log` (a keyword argument).

    Notes
    -----
    * ``res.theta``, ``res.theta_se`` (MASS's ``SE.theta``, from the theta information
      at fixed mu), ``res.alpha = 1 / theta`` and ``res.alpha_se`` (delta method).
    * ``bse`` and ``cov_params()`` are those of beta at fixed theta (R's ``vcov`` for
      ``glm.nb``), which ignore the beta-theta cross information; statsmodels'
      ``NegativeBinomial`` inverts the full Hessian instead and differs by a few percent.
    * ``llf`` is the negative binomial log-likelihood at (beta, theta); AIC and BIC count
      theta as a parameter (``rank + 1``), as R's ``logLik.negbin``. ``deviance``,
      ``null_deviance`` and ``llnull`` hold theta at its estimate, as ``glm.nb``.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [0, 3, 1, 8, 2, 12, 4, 1, 9, 0], "x": range(10)})
    >>> res = mr.NegativeBinomial.from_formula("y ~ x", df).fit()
    >>> bool(res.theta > 0)
    True
    """

    family = F.NegativeBinomial(L.Log())
    k_extra = 1

    def _init_design(self, design: Design, link: L.Link | None = None) -> None:
        if link is not None:
            self.family = F.NegativeBinomial(link)
        super()._init_design(design)

    @property
    def results_class(self) -> type[NegativeBinomialResults]:
        return NegativeBinomialResults

    def _with_family(self, family: F.Family) -> NegativeBinomial:
        model = copy.copy(self)  # __getstate__ leaves out the data reference: restore it
        model.family = family
        model.data = self.data
        return model

    def _fit_arrays(self, options: FitOptions) -> Fit:
        """theta profiled: the Newton loop on s = log(theta), each evaluation the GLM fit
        of beta at that theta (the same loop, warm-started), under the loop's own
        convergence rule. By the envelope theorem the profile's gradient is theta's
        score at the fitted means; its curvature is taken as theta's information at
        fixed means (the beta-theta cross information is zero in expectation)."""
        link = self.family.link
        # MASS: a Poisson fit, then theta from the method of moments
        # (the GLM fit of the base class, on copies of this model with a fixed family)
        poisson = self._with_family(F.Poisson(link))
        first = SingleIndexModel._fit_arrays(poisson, options)  # noqa: SLF001
        y, pw, fw = self.endog, self.prior_weights, self.freq_weights
        tw = self.total_weights()
        theta0 = float(np.sum(tw) / np.sum(tw * np.square(y / first.mu - 1.0)))
        fits: dict[float, tuple[NegativeBinomial, Fit, float]] = {}
        irls_steps = [first.solver.n_iter]  # every beta fit's iterations, counted
        start = {"params": np.nan_to_num(first.params)}

        def profile(s: np.ndarray) -> tuple[NegativeBinomial, Fit, float]:
            """beta's MLE at theta = exp(s) (the last two kept: a trial and the accepted)."""
            key = float(s[0])
            if key not in fits:
                theta = float(np.exp(key))
                model = self._with_family(F.NegativeBinomial(link, alpha=1.0 / theta))
                # the base class's GLM fit, on this model's copy with theta fixed
                inner = replace(options, start_params=start["params"])
                fit = SingleIndexModel._fit_arrays(model, inner)  # noqa: SLF001
                while len(fits) >= 2:
                    fits.pop(next(iter(fits)))
                fits[key] = (model, fit, theta)
                irls_steps.append(fit.solver.n_iter)
            return fits[key]

        def value(s: np.ndarray) -> float:
            model, fit, _ = profile(s)
            with np.errstate(all="ignore"):
                f = -model.family.loglike(y, fit.mu, pw, fw)
            return f if np.isfinite(f) else np.inf

        def full(s: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
            _, fit, theta = profile(s)
            start["params"] = np.nan_to_num(fit.params)  # the next refits start here
            score = nb_theta_score(theta, y, fit.mu, tw)
            info = nb_theta_information(theta, y, fit.mu, tw)
            # chain rule to s; the absolute value keeps the step a descent direction far
            # from the optimum, where the fixed-mu information can be negative
            return value(s), np.array([-score * theta]), np.array([[abs(info) * theta**2 + 1e-12]])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficiencyWarning)  # said once already
            res = newton(
                full,
                np.array([np.log(theta0)]),
                maxiter=options.maxiter,
                tol=options.tol,
                value_only=value,
            )
            model, fit, theta = profile(res.x)
        if not res.converged:
            warnings.warn(
                f"NegativeBinomial: theta did not converge ({res.message}); a very large"
                " theta means the data show no overdispersion (use Poisson)",
                ConvergenceWarning,
                stacklevel=3,
            )
        info = nb_theta_information(theta, y, fit.mu, tw)
        theta_se = 1.0 / np.sqrt(info) if info > 0 else np.nan
        if not np.isfinite(theta_se) or float(np.mean(fit.mu)) / theta < 1e-6:
            warnings.warn(
                f"NegativeBinomial: theta = {theta:.3g} runs off to infinity: the data show"
                " no overdispersion (the variance is the mean), the negative binomial is"
                " the Poisson here and theta has no standard error; fit Poisson instead",
                BoundaryWarning,
                stacklevel=3,
            )
        solver = fit.solver
        if not res.converged:
            solver = dataclasses.replace(solver, converged=False)
        return NegativeBinomialFit(
            **{f.name: getattr(fit, f.name) for f in dataclasses.fields(Fit)} | {"solver": solver},
            theta=theta,
            theta_se=float(theta_se),
            fixed_model=model,
            n_outer=res.n_iter,
            n_irls=int(sum(irls_steps)),
        )


class NegativeBinomialResults(RegressionResults):
    """Results of :class:`mlereg.NegativeBinomial`: a regression fit plus theta.

    ``model`` is the model with alpha held at its estimate (so ``res.model.family`` is
    the fitted negative binomial family). Extra attributes: ``theta`` and
    ``theta_se`` (MASS's ``theta`` and ``SE.theta``), ``alpha = 1 / theta`` and
    ``alpha_se = theta_se / theta^2`` (delta method).

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [0, 3, 1, 8, 2, 12, 4, 1, 9, 0], "x": range(10)})
    >>> res = mr.NegativeBinomial.from_formula("y ~ x", df).fit()
    >>> bool(abs(res.alpha * res.theta - 1) < 1e-12)
    True
    """

    def __init__(self, model: SingleIndexModel, fit: Fit, **kwargs: Any) -> None:
        super().__init__(fit.fixed_model, fit, **kwargs)
        self.theta = float(fit.theta)
        self.theta_se = float(fit.theta_se)
        self.alpha = 1.0 / self.theta
        self.alpha_se = self.theta_se / self.theta**2
        self.n_iter = fit.n_irls  # every IRLS iteration of every beta fit
        self.n_iter_theta = fit.n_outer

    def fit_statistics(self) -> list[Entry]:
        """``summary.negbin``'s theta and its standard error, then the GLM lines."""
        theta = ("Theta", (Digits(self.theta), " (std. error ", Digits(self.theta_se), ")"))
        return [theta, *super().fit_statistics()]

    def summary_entries(self) -> list[Entry]:
        """The GLM header, its iterations split between beta and theta."""
        status = "converged" if self.converged else "NOT CONVERGED"
        text = f"{self.n_iter} IRLS, {self.n_iter_theta} for theta ({status})"
        return [
            (label, (text,) if label == "Iterations" else parts)
            for label, parts in super().summary_entries()
        ]


def negativebinomial(formula: str, data: Any, **kwargs: Any) -> NegativeBinomial:
    """Shortcut for ``NegativeBinomial.from_formula(formula, data, **kwargs)``.

    Examples
    --------
    >>> import mlereg as mr
    >>> callable(mr.negativebinomial)
    True
    """
    return NegativeBinomial.from_formula(formula, data, **shortcut_kwargs(kwargs))
