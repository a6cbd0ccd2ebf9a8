"""L2 penalties (Gaussian priors): penalised likelihood and MAP estimation.

A penalty subtracts ``sum_j alpha_j / 2 (theta_j - m_j)^2`` from the log-likelihood
(adds it to the objective that is minimised). Its maximiser is the posterior mode
(MAP) under independent Gaussian priors N(m_j, 1 / alpha_j). Standard errors come
from the *penalised* information (information + diag(alpha)), i.e. the curvature of
the penalised log-likelihood (a Laplace approximation to the posterior).

Regression models minimise deviance / 2, which is the negative log-likelihood for
dispersion-1 families (Logit, Probit, Poisson). For Gaussian models (OLS) it is
RSS / 2, so ``alpha`` is ridge regression's lambda and the implied prior is
N(m, sigma^2 / alpha).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import ArgumentError, ArgumentTypeError


def _per_param(value: Any, names: Sequence[str], what: str, default: float) -> np.ndarray:
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ArgumentError(f"penalty {what} names unknown parameter(s) {unknown}")
        return np.array([float(value.get(n, default)) for n in names])
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(len(names), float(arr))
    if arr.shape != (len(names),):
        raise ArgumentError(f"penalty {what} has {arr.size} values, the model {len(names)}")
    return arr.copy()


@dataclass(frozen=True)
class L2Penalty:
    """An L2 penalty ``alpha / 2 * ||theta - center||^2`` (a Gaussian prior).

    Parameters
    ----------
    alpha : float, sequence or dict {name: alpha}
        Penalty weight(s) lambda, >= 0; a dict leaves unnamed parameters unpenalised.
    center : float, sequence or dict
        Prior mean(s) m (0 by default).
    exclude : sequence of str, optional
        Parameters left unpenalised. By default regression models exclude their
        intercept (a constant column) and :class:`GenericLikelihoodModel` excludes
        nothing; an explicit list (possibly empty) replaces that default.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> x = np.arange(6.0); y = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0])
    >>> res = mr.OLS(y, np.c_[np.ones(6), x]).fit(penalty=mr.L2Penalty(2.0))
    >>> round(float(res.params["x1"]), 4)  # ridge slope: Sxy / (Sxx + alpha)
    0.7949
    """

    alpha: Any
    center: Any = 0.0
    exclude: Sequence[str] | None = None

    @classmethod
    def from_prior(cls, mean: Any, sd: Any, exclude: Sequence[str] | None = None) -> L2Penalty:
        """The penalty of independent Gaussian priors N(mean, sd^2): alpha = 1 / sd^2.

        Examples
        --------
        >>> L2Penalty.from_prior(0.0, 2.0).alpha
        0.25
        """
        values = np.asarray(list(sd.values()) if isinstance(sd, Mapping) else sd, dtype=float)
        if np.any(values <= 0) or not np.all(np.isfinite(values)):
            raise ArgumentError(f"prior sd must be positive and finite, got {sd!r}")
        if isinstance(sd, Mapping):  # unnamed parameters get no prior (alpha = 0)
            return cls({k: 1.0 / float(v) ** 2 for k, v in sd.items()}, mean, exclude)
        alpha = 1.0 / values**2
        return cls(float(alpha) if alpha.ndim == 0 else alpha, mean, exclude)

    def resolve(
        self, names: Sequence[str], default_exclude: Sequence[str] = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-parameter ``(alpha, center)`` vectors for parameters ``names``."""
        lam = _per_param(self.alpha, names, "alpha", 0.0)
        if np.any(lam < 0) or not np.all(np.isfinite(lam)):
            raise ArgumentError(f"penalty alpha must be finite and >= 0, got {self.alpha!r}")
        center = _per_param(self.center, names, "center", 0.0)
        exclude = default_exclude if self.exclude is None else self.exclude
        unknown = [e for e in exclude if e not in names]
        if unknown and self.exclude is not None:
            raise ArgumentError(f"penalty exclude names unknown parameter(s) {unknown}")
        for j, n in enumerate(names):
            if n in exclude:
                lam[j] = 0.0
        return lam, center


def as_penalty(penalty: Any) -> L2Penalty | None:
    """Accept an :class:`L2Penalty`, a number (its ``alpha``) or None.

    Examples
    --------
    >>> as_penalty(0.5).alpha
    0.5
    """
    if penalty is None or isinstance(penalty, L2Penalty):
        return penalty
    if isinstance(penalty, (int, float, np.floating, np.integer)):
        return L2Penalty(float(penalty))
    raise ArgumentTypeError(
        f"penalty must be an L2Penalty or a number, got {type(penalty).__name__}"
    )


def constant_columns(X: np.ndarray, names: Sequence[str]) -> list[str]:
    """Names of the non-zero constant columns of X (the intercept), unpenalised by default."""
    if X.shape[0] == 0:
        return []
    const = np.all(X == X[0:1, :], axis=0) & (X[0] != 0)
    return [n for n, c in zip(names, const, strict=True) if c]


def penalise_objective(
    full: Callable, value: Callable, lam: np.ndarray, center: np.ndarray
) -> tuple[Callable, Callable]:
    """Add alpha / 2 ||b - m||^2 to an objective ``(f, g, H)`` and its value function.

    The information becomes the dense matrix H + diag(alpha).
    """

    def value_p(b: np.ndarray) -> float:
        return value(b) + 0.5 * float(np.sum(lam * np.square(b - center)))

    def full_p(b: np.ndarray):
        f, g, H = full(b)
        gram = H.gram if hasattr(H, "gram") else np.asarray(H)
        pen = 0.5 * float(np.sum(lam * np.square(b - center)))
        return f + pen, g + lam * (b - center), gram + np.diag(lam)

    return full_p, value_p
