"""Exponential-family distributions for generalised linear models.

A family is a small stateless bundle, like R's ``family`` objects: the variance
function V(mu) and its derivative, the unit deviance, the log-likelihood that R's
``aic`` uses, a check of the response's domain, and starting values for mu. The fitting
loop (:mod:`mlereg.models.singleindex`) knows nothing of any particular family.

Log-likelihood conventions (R's ``family$aic``, so ``llf`` and ``AIC`` equal R's):

* Gaussian: the dispersion in the likelihood is its MLE, ``sum(w * r^2) / n``; prior
  weights are precisions (``Var(y_i) = sigma^2 / w_i``).
* Gamma: dispersion ``deviance / sum(w)``, each log-density multiplied by ``w``.
* Inverse Gaussian: dispersion ``deviance / sum(w)``, each log-density multiplied by ``w``.
* Binomial: ``y`` is the proportion of successes and ``w`` the number of trials, so
  ``log C(w, w y) + w (y log mu + (1 - y) log(1 - mu))``.
* Poisson, negative binomial: each log-probability multiplied by ``w``.

Families with a free dispersion (Gaussian, Gamma, inverse Gaussian) count it as an
estimated parameter in AIC and BIC, as R's ``logLik.glm`` does.

Examples
--------
>>> import mlereg as mr
>>> fam = mr.families.Gamma(mr.links.Log())
>>> fam.link.name
'log'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy import special

from ..exceptions import ArgumentError
from ..linalg.vectors import blockwise_sum, is_constant_one
from . import links as L


def _xlogy_ratio(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """y * log(y / mu), taken as 0 where y == 0.

    One logarithm per element (this sits inside every deviance evaluation); where
    y / mu under- or overflows, the two-logarithm form xlogy(y, y) - xlogy(y, mu).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(y > 0, y * np.log(y / mu), 0.0)
        bad = ~np.isfinite(out)
        if bad.any():
            yb = np.broadcast_to(y, out.shape)[bad]
            mb = np.broadcast_to(mu, out.shape)[bad]
            out[bad] = np.where(yb > 0, special.xlogy(yb, yb) - special.xlogy(yb, mb), 0.0)
    return out


def _xlogy_pos(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """y log(mu), 0 where y == 0: ``special.xlogy`` itself, or where every mu is positive
    and finite (fitted means are) the plain product, in a fifth of the time (numpy's
    vectorised logarithm differs from scipy's in the last bit for about 1 value in
    5,000).

    Examples
    --------
    >>> _xlogy_pos(np.array([0.0, 2.0]), np.array([0.5, 4.0])).tolist()
    [0.0, 2.772588722239781]
    """
    mu = np.asarray(mu, dtype=float)
    if mu.size and np.isfinite(mu.max()) and mu.min() > 0:
        out = y * np.log(mu)
        out += 0.0  # 0 log(mu) for mu < 1 is -0.0; xlogy gives 0.0
        return out
    return special.xlogy(y, mu)


def _log_factorial(y: np.ndarray) -> np.ndarray:
    """log(y!) = gammaln(y + 1), by lookup in a table of gammaln(k + 1) when the counts
    are whole numbers below 100,000 (the same values, without a gammaln per row).

    Examples
    --------
    >>> _log_factorial(np.array([0.0, 3.0, 2.5])).round(6).tolist()
    [0.0, 1.791759, 1.200974]
    """
    y = np.asarray(y, dtype=float)
    if y.size >= 1000 and y.ndim == 1:
        top = float(np.max(y)) if np.all(np.isfinite(y)) else np.inf
        if 0 <= top < 100_000 and float(np.min(y)) >= 0:
            k = y.astype(np.intp)
            if np.array_equal(k, y):
                return special.gammaln(np.arange(int(top) + 1, dtype=float) + 1)[k]
    return special.gammaln(y + 1)


def _lgamma_ratio(y: np.ndarray, theta: float) -> np.ndarray:
    """log Gamma(y + theta) - log Gamma(theta), accurate for a huge theta too.

    The plain difference of two ``gammaln`` loses digits as theta grows (5e-5 relative
    at theta = 2e13); for theta above 1e4 it is computed as
    log Gamma(y) - log B(y, theta), which scipy's ``betaln`` evaluates stably.

    Examples
    --------
    >>> round(float(_lgamma_ratio(np.array([3.0]), 2.0)[0]), 12)  # log(2 * 3 * 4)
    3.178053830348
    """
    y = np.asarray(y, dtype=float)
    if theta <= 1e4:
        return special.gammaln(y + theta) - special.gammaln(theta)
    out = np.zeros_like(y)
    pos = y > 0
    out[pos] = special.gammaln(y[pos]) - special.betaln(y[pos], theta)
    return out


def is_binary(y: np.ndarray) -> bool:
    """Whether every response value is exactly 0 or 1 (a Bernoulli response)."""
    y = np.asarray(y)
    return bool(np.all((y == 0) | (y == 1)))


@dataclass(frozen=True)
class Family:
    """Base class of GLM families.

    Attributes
    ----------
    link : Link
        The link function.
    has_dispersion : bool
        Whether the dispersion is estimated (Pearson chi^2 / df_resid) and
        inference is t-based.
    canonical_link : type of Link or None
        The family's canonical link (None where no supported link is canonical).
    """

    link: L.Link = field(default_factory=L.Identity)
    name: ClassVar[str] = "family"
    has_dispersion: ClassVar[bool] = False
    allowed_links: ClassVar[tuple[type[L.Link], ...]] = ()
    canonical_link: ClassVar[type[L.Link] | None] = None

    def __post_init__(self) -> None:
        if self.allowed_links and not isinstance(self.link, self.allowed_links):
            names = ", ".join(c.__name__ for c in self.allowed_links)
            raise ArgumentError(
                f"the {self.name} family does not support the {type(self.link).__name__}"
                f" link; supported links: {names}"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.link!r})"

    @property
    def is_canonical(self) -> bool:
        """Whether the link is the canonical one: the expected information is then the
        observed one, and IRLS is Newton's method.

        Examples
        --------
        >>> Poisson().is_canonical, Poisson(L.Sqrt()).is_canonical
        (True, False)
        """
        return self.canonical_link is not None and type(self.link) is self.canonical_link

    # --- the functions a family defines -------------------------------------------------
    def variance(self, mu: np.ndarray) -> np.ndarray:
        """V(mu)."""
        raise NotImplementedError

    def dvariance(self, mu: np.ndarray) -> np.ndarray:
        """dV/dmu (for the observed information)."""
        raise NotImplementedError

    def unit_deviance(self, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """d(y, mu); the deviance is sum(w * d)."""
        raise NotImplementedError

    def loglike_obs(self, y, mu, w, scale) -> np.ndarray:
        """Per-observation log-likelihood at dispersion ``scale`` (prior weights ``w``)."""
        raise NotImplementedError

    def loglike_scale(self, y, mu, w, fw) -> float:
        """The dispersion R plugs into the log-likelihood (1 for binomial/Poisson)."""
        return 1.0

    def check_y(self, y: np.ndarray) -> str | None:
        """Return a description of what is wrong with the response, or None."""
        return None

    def saturated_loglike(self, y: np.ndarray) -> float | None:
        """The log-likelihood at mu = y when it is known without a pass over the data
        and free of the dispersion, else None. The fitted log-likelihood is then this
        minus deviance / 2 (the deviance is twice the distance to the saturated model).

        Examples
        --------
        >>> import numpy as np
        >>> y = np.array([0.0, 1.0])
        >>> Binomial().saturated_loglike(y), Poisson().saturated_loglike(y)
        (0.0, None)
        """
        return None

    def starting_mu(self, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Starting values of mu (R's ``mustart``)."""
        return np.asarray(y, dtype=float).copy()

    # --- derived quantities (shared by every family) ------------------------------------
    def loglike(self, y, mu, w, fw) -> float:
        """Total log-likelihood with R's conventions (see the module docstring)."""
        scale = self.loglike_scale(y, mu, w, fw)
        y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
        if y.ndim != 1 or mu.shape != y.shape:
            return float(np.sum(fw * self.loglike_obs(y, mu, w, scale)))
        w, fw = np.broadcast_to(w, y.shape), np.broadcast_to(fw, y.shape)
        return blockwise_sum(
            lambda r: fw[r] * self.loglike_obs(y[r], mu[r], w[r], scale), y.shape[0]
        )

    def deviance(self, y, mu, w) -> float:
        """sum(w * d(y, mu)); ``w`` carries prior times frequency weights."""
        return float(np.sum(w * self.unit_deviance(y, mu)))


@dataclass(frozen=True, repr=False)
class Gaussian(Family):
    """Normal errors, Var(y) = phi. Default link identity."""

    link: L.Link = field(default_factory=L.Identity)
    name = "gaussian"
    has_dispersion = True
    allowed_links = (L.Identity, L.Log, L.Inverse)
    canonical_link = L.Identity

    def variance(self, mu):
        return np.ones_like(mu)

    def dvariance(self, mu):
        return np.zeros_like(mu)

    def unit_deviance(self, y, mu):
        return np.square(y - mu)

    def loglike_scale(self, y, mu, w, fw):

        t = fw if is_constant_one(w) else fw * w  # no product for the default weights
        return float(np.dot(t, np.square(y - mu))) / float(np.sum(fw))

    def loglike(self, y, mu, w, fw) -> float:
        """At the dispersion's MLE s = RSS / N (:meth:`loglike_scale`; N = sum of the
        frequency weights) the sum of :meth:`loglike_obs` is
        -(N (log(2 pi s) + 1) - sum fw log w) / 2: one pass over the rows instead of
        three. Zero weights and exact fits take the row-wise sum."""

        unit = is_constant_one(w)
        if not (unit or np.all(w > 0)):
            return super().loglike(y, mu, w, fw)
        scale = self.loglike_scale(y, mu, w, fw)
        if not scale > 0:
            return super().loglike(y, mu, w, fw)
        log_w = 0.0 if unit else float(np.dot(fw, np.log(w)))
        return -0.5 * (float(np.sum(fw)) * (np.log(2 * np.pi * scale) + 1.0) - log_w)

    def loglike_obs(self, y, mu, w, scale):
        with np.errstate(divide="ignore", invalid="ignore"):
            # an exact fit (scale 0) has r / scale = 0 / 0: taken as 0, so llf = +inf as R's
            r2 = np.where(y == mu, 0.0, w * np.square(y - mu) / scale)
            return -0.5 * (np.log(2 * np.pi * scale / w) + r2)


@dataclass(frozen=True, repr=False)
class Binomial(Family):
    """Bernoulli/binomial response: y in [0, 1] as a proportion of ``w`` trials.

    Default link logit. A two-column response (successes, failures) is turned into a
    proportion and trials by the model, as in R's ``cbind(s, f) ~ x``.
    """

    link: L.Link = field(default_factory=L.Logit)
    name = "binomial"
    allowed_links = (L.Logit, L.Probit, L.CLogLog, L.Log, L.Identity)
    canonical_link = L.Logit

    def variance(self, mu):
        return mu * (1 - mu)

    def dvariance(self, mu):
        return 1 - 2 * mu

    def unit_deviance(self, y, mu):
        if is_binary(y):
            # y in {0, 1}: d = -2 log(mu) or -2 log(1 - mu), one logarithm per row
            return -2.0 * np.log(np.where(y > 0.5, mu, 1.0 - mu))
        return 2 * (_xlogy_ratio(y, mu) + _xlogy_ratio(1 - y, 1 - mu))

    def loglike_obs(self, y, mu, w, scale):
        if is_binary(y):  # log C(w, w y) = 0 when y is 0 or 1
            return w * np.log(np.where(y > 0.5, mu, 1.0 - mu))
        k = w * y
        lchoose = special.gammaln(w + 1) - special.gammaln(k + 1) - special.gammaln(w - k + 1)
        return lchoose + w * (special.xlogy(y, mu) + special.xlog1py(1 - y, -mu))

    def saturated_loglike(self, y):
        # each row's likelihood is 1 at mu = y when y is 0 or 1 (and log C(w, w y) = 0)
        return 0.0 if is_binary(y) else None

    def check_y(self, y):
        if np.any((y < 0) | (y > 1)):
            return "values must be 0/1 (or proportions in [0, 1] with trials as weights)"
        return None

    def starting_mu(self, y, w):
        return (w * y + 0.5) / (w + 1)


@dataclass(frozen=True, repr=False)
class Poisson(Family):
    """Counts, Var(y) = mu. Default link log."""

    link: L.Link = field(default_factory=L.Log)
    name = "poisson"
    allowed_links = (L.Log, L.Identity, L.Sqrt)
    canonical_link = L.Log

    def variance(self, mu):
        return np.asarray(mu, dtype=float)

    def dvariance(self, mu):
        return np.ones_like(mu)

    def unit_deviance(self, y, mu):
        return 2 * (_xlogy_ratio(y, mu) - (y - mu))

    def loglike_obs(self, y, mu, w, scale):
        return w * (_xlogy_pos(y, mu) - mu - _log_factorial(y))

    def check_y(self, y):
        if np.any(y < 0):
            return "counts must be non-negative"
        return None

    def starting_mu(self, y, w):
        return y + 0.1


@dataclass(frozen=True, repr=False)
class Gamma(Family):
    """Positive continuous response, Var(y) = phi mu^2. Default link inverse (as R)."""

    link: L.Link = field(default_factory=L.Inverse)
    name = "Gamma"
    has_dispersion = True
    allowed_links = (L.Inverse, L.Log, L.Identity)
    canonical_link = L.Inverse

    def variance(self, mu):
        return np.square(mu)

    def dvariance(self, mu):
        return 2 * np.asarray(mu, dtype=float)

    def unit_deviance(self, y, mu):
        return 2 * (-np.log(y / mu) + (y - mu) / mu)

    def loglike_scale(self, y, mu, w, fw):
        return float(np.sum(fw * w * self.unit_deviance(y, mu)) / np.sum(fw * w))

    def loglike_obs(self, y, mu, w, scale):
        shape = 1.0 / scale
        # log dgamma(y; shape, scale = mu / shape)
        logpdf = (
            shape * np.log(shape * y / mu) - shape * y / mu - np.log(y) - special.gammaln(shape)
        )
        return w * logpdf

    def check_y(self, y):
        if np.any(y <= 0):
            return "values must be positive"
        return None


@dataclass(frozen=True, repr=False)
class InverseGaussian(Family):
    """Positive continuous response, Var(y) = phi mu^3. Default link 1/mu^2."""

    link: L.Link = field(default_factory=L.InverseSquared)
    name = "inverse.gaussian"
    has_dispersion = True
    allowed_links = (L.InverseSquared, L.Inverse, L.Log, L.Identity)
    canonical_link = L.InverseSquared

    def variance(self, mu):
        return np.power(mu, 3)

    def dvariance(self, mu):
        return 3 * np.square(mu)

    def unit_deviance(self, y, mu):
        return np.square(y - mu) / (y * np.square(mu))

    def loglike_scale(self, y, mu, w, fw):
        return float(np.sum(fw * w * self.unit_deviance(y, mu)) / np.sum(fw * w))

    def loglike_obs(self, y, mu, w, scale):
        return (
            -0.5
            * w
            * (np.log(2 * np.pi * scale * np.power(y, 3)) + self.unit_deviance(y, mu) / scale)
        )

    def check_y(self, y):
        if np.any(y <= 0):
            return "values must be positive"
        return None


@dataclass(frozen=True, repr=False)
class NegativeBinomial(Family):
    """Counts with Var(y) = mu + alpha mu^2 (alpha = 1 / theta of MASS), alpha fixed.

    :class:`mlereg.NegativeBinomial` estimates alpha by maximum likelihood.
    """

    link: L.Link = field(default_factory=L.Log)
    alpha: float = 1.0
    name = "negative binomial"
    allowed_links = (L.Log, L.Identity, L.Sqrt)

    def variance(self, mu):
        return mu + self.alpha * np.square(mu)

    def dvariance(self, mu):
        return 1 + 2 * self.alpha * np.asarray(mu, dtype=float)

    def unit_deviance(self, y, mu):
        theta = 1.0 / self.alpha
        # log1p keeps the second term exact when theta is huge (the Poisson limit)
        return 2 * (_xlogy_ratio(y, mu) - (y + theta) * np.log1p((y - mu) / (mu + theta)))

    def loglike_obs(self, y, mu, w, scale):
        theta = 1.0 / self.alpha
        return w * (
            _lgamma_ratio(y, theta)
            - _log_factorial(y)
            - theta * np.log1p(mu / theta)
            + special.xlogy(y, mu / (theta + mu))
        )

    def check_y(self, y):
        if np.any(y < 0):
            return "counts must be non-negative"
        return None

    def starting_mu(self, y, w):
        return y + (y == 0) / 6.0
