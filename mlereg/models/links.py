"""Link functions g(mu) = eta for generalised linear models.

A link is a stateless value object with four vectorised functions: ``link`` (g),
``inverse`` (g^-1), ``mu_eta`` (d mu / d eta) and ``d2mu_eta2`` (its derivative, used for
the observed information). Where R's ``make.link`` clamps to stay inside the valid
range (logit, probit, cloglog, log), so do we, so results agree with ``glm`` even in
(quasi-)separated fits.

Examples
--------
>>> import numpy as np, mlereg as mr
>>> mr.links.Logit().inverse(np.array([0.0]))
array([0.5])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

EPS = np.finfo(float).eps
LOGIT_THRESH = -np.log(EPS)  # R's logit_linkinv clamps |eta| at 36.04
_PROBIT_THRESH = -stats.norm.ppf(EPS)


@dataclass(frozen=True)
class Link:
    """Base class of links; subclasses define the four functions."""

    name: str = "link"

    def link(self, mu: np.ndarray) -> np.ndarray:
        """eta = g(mu)."""
        raise NotImplementedError

    def inverse(self, eta: np.ndarray) -> np.ndarray:
        """mu = g^-1(eta)."""
        raise NotImplementedError

    def mu_eta(self, eta: np.ndarray) -> np.ndarray:
        """d mu / d eta."""
        raise NotImplementedError

    def d2mu_eta2(self, eta: np.ndarray) -> np.ndarray:
        """d^2 mu / d eta^2."""
        raise NotImplementedError

    def mu_eta_at(self, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """d mu / d eta when mu = inverse(eta) is already known (saves a pass for links
        whose derivative is a function of mu)."""
        return self.mu_eta(eta)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@dataclass(frozen=True, repr=False)
class Identity(Link):
    """eta = mu."""

    name: str = "identity"

    def link(self, mu):
        return np.asarray(mu, dtype=float)

    def inverse(self, eta):
        return np.asarray(eta, dtype=float)

    def mu_eta(self, eta):
        return np.ones_like(eta, dtype=float)

    def d2mu_eta2(self, eta):
        return np.zeros_like(eta, dtype=float)


@dataclass(frozen=True, repr=False)
class Log(Link):
    """eta = log(mu); mu is kept >= machine epsilon, as in R."""

    name: str = "log"

    def link(self, mu):
        return np.log(mu)

    def inverse(self, eta):
        return np.maximum(np.exp(eta), EPS)

    def mu_eta(self, eta):
        return np.maximum(np.exp(eta), EPS)

    def d2mu_eta2(self, eta):
        return np.maximum(np.exp(eta), EPS)

    def mu_eta_at(self, eta, mu):
        return mu  # inverse and mu_eta are the same function here


@dataclass(frozen=True, repr=False)
class Logit(Link):
    """eta = log(mu / (1 - mu)); |eta| is clamped at -log(eps) like R's ``binomial()``."""

    name: str = "logit"

    def link(self, mu):
        return special.logit(mu)

    def inverse(self, eta):
        return special.expit(np.clip(eta, -LOGIT_THRESH, LOGIT_THRESH))

    def mu_eta(self, eta):
        mu = self.inverse(eta)
        return np.maximum(mu * (1 - mu), EPS)

    def mu_eta_at(self, eta, mu):
        return np.maximum(mu * (1 - mu), EPS)

    def d2mu_eta2(self, eta):
        mu = self.inverse(eta)
        return mu * (1 - mu) * (1 - 2 * mu)


@dataclass(frozen=True, repr=False)
class Probit(Link):
    """eta = Phi^-1(mu), the standard normal quantile."""

    name: str = "probit"

    def link(self, mu):
        return special.ndtri(mu)

    def inverse(self, eta):
        return special.ndtr(np.clip(eta, -_PROBIT_THRESH, _PROBIT_THRESH))

    def mu_eta(self, eta):
        return np.maximum(np.exp(-0.5 * np.square(eta)) / np.sqrt(2 * np.pi), EPS)

    def d2mu_eta2(self, eta):
        return -eta * np.exp(-0.5 * np.square(eta)) / np.sqrt(2 * np.pi)


@dataclass(frozen=True, repr=False)
class CLogLog(Link):
    """eta = log(-log(1 - mu))."""

    name: str = "cloglog"

    def link(self, mu):
        return np.log(-np.log1p(-np.asarray(mu, dtype=float)))

    def inverse(self, eta):
        return np.clip(-np.expm1(-np.exp(eta)), EPS, 1 - EPS)

    def mu_eta(self, eta):
        eta = np.minimum(eta, 700)
        return np.maximum(np.exp(eta - np.exp(eta)), EPS)

    def d2mu_eta2(self, eta):
        eta = np.minimum(eta, 700)
        return np.exp(eta - np.exp(eta)) * (1 - np.exp(eta))


@dataclass(frozen=True, repr=False)
class Inverse(Link):
    """eta = 1 / mu (the canonical link of the Gamma family)."""

    name: str = "inverse"

    def link(self, mu):
        return 1.0 / np.asarray(mu, dtype=float)

    def inverse(self, eta):
        return 1.0 / np.asarray(eta, dtype=float)

    def mu_eta(self, eta):
        return -1.0 / np.square(eta)

    def d2mu_eta2(self, eta):
        return 2.0 / np.power(eta, 3)


@dataclass(frozen=True, repr=False)
class InverseSquared(Link):
    """eta = 1 / mu^2 (the canonical link of the inverse Gaussian family)."""

    name: str = "1/mu^2"

    def link(self, mu):
        return 1.0 / np.square(mu)

    def inverse(self, eta):
        return 1.0 / np.sqrt(eta)

    def mu_eta(self, eta):
        return -1.0 / (2.0 * np.power(eta, 1.5))

    def d2mu_eta2(self, eta):
        return 3.0 / (4.0 * np.power(eta, 2.5))


@dataclass(frozen=True, repr=False)
class Sqrt(Link):
    """eta = sqrt(mu)."""

    name: str = "sqrt"

    def link(self, mu):
        return np.sqrt(mu)

    def inverse(self, eta):
        return np.square(eta)

    def mu_eta(self, eta):
        return 2.0 * np.asarray(eta, dtype=float)

    def d2mu_eta2(self, eta):
        return np.full_like(eta, 2.0, dtype=float)
