"""Heteroskedastic Gaussian regression: y_i ~ N(mu_i, sigma_i^2), mu = X beta, log sigma = Z gamma.

Per row, with r = y - mu, s = log sigma and t the frequency weight:
l = t (-log(2 pi) / 2 - s - r^2 exp(-2 s) / 2); dl/dmu = t r e^{-2s};
dl/ds = t (r^2 e^{-2s} - 1); information: mu-mu t e^{-2s}, s-s 2 t r^2 e^{-2s} observed
(2 t expected), mu-s 2 t r e^{-2s} observed (0 expected). Precision weights w enter as
log sigma_i = s_i - log(w_i) / 2, an offset of the sigma part.
"""

from __future__ import annotations

import numpy as np

from ..design.design import Design
from ..exceptions import ArgumentError, DataError
from .contract import InformationKind, RowDerivatives
from .rowmodel import RowModel

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


class GaussianRows:
    """The row likelihood of :class:`HetGaussian` (M = 2, no theta)."""

    n_predictors, n_extra = 2, 0

    def __init__(self, y: np.ndarray, t: np.ndarray | None) -> None:
        self.y, self.t = y, t

    def _pieces(self, rows: slice, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        t = np.ones(eta.shape[0]) if self.t is None else self.t[rows]
        return t, self.y[rows] - eta[:, 0], np.exp(-2.0 * eta[:, 1])

    def loglike(self, rows: slice, eta: np.ndarray, theta: np.ndarray) -> float:
        t, r, prec = self._pieces(rows, eta)
        return float(t @ (-_HALF_LOG_2PI - eta[:, 1] - 0.5 * r * r * prec))

    def derivatives(
        self, rows: slice, eta: np.ndarray, theta: np.ndarray, kind: InformationKind
    ) -> RowDerivatives:
        t, r, prec = self._pieces(rows, eta)
        ll = float(t @ (-_HALF_LOG_2PI - eta[:, 1] - 0.5 * r * r * prec))
        d = RowDerivatives.zeros(eta.shape[0], 2, 0, loglike=ll)
        d.d_eta[:, 0], d.d_eta[:, 1] = t * r * prec, t * (r * r * prec - 1.0)
        d.w_eta[:, 0, 0] = t * prec
        if kind == "observed":
            d.w_eta[:, 1, 1] = 2.0 * t * r * r * prec
            d.w_eta[:, 0, 1] = d.w_eta[:, 1, 0] = 2.0 * t * r * prec
        else:
            d.w_eta[:, 1, 1] = 2.0 * t
        return d


class HetGaussian(RowModel):
    """Gaussian regression with a model for the standard deviation, by maximum likelihood.

    ``mr.HetGaussian.from_formula("y ~ x1 + x2 | z", df)``: the mean is linear in the
    first part, log sigma in the second (``1`` when left out: OLS as a Gaussian MLE,
    with sigma^2 at its MLE, RSS / n). ``weights=`` are precision weights as in ``lm``
    (Var y_i = sigma_i^2 / w_i; rows of weight 0 are not allowed); ``freq_weights=``
    count rows. ``predict(which=)``: ``"mean"``, ``"sigma"``, ``"variance"``.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.5, 3.0, 6.5, 4.0], "x": range(7)})
    >>> res = mr.HetGaussian.from_formula("y ~ x | x", df).fit()
    >>> res.params.index.tolist()
    ['mean_Intercept', 'mean_x', 'log_sigma_Intercept', 'log_sigma_x']
    """

    parts = ("mean", "log_sigma")

    def _init_designs(self, designs: tuple[Design, ...]) -> None:
        super()._init_designs(designs)
        if self.weights is not None and np.any(self.weights <= 0):
            raise DataError("HetGaussian's weights= are precision weights: all must be positive")

    def row_likelihood(self) -> GaussianRows:
        return GaussianRows(self.endog, self.freq_weights)

    def part_offsets(self) -> list[np.ndarray | None]:
        w = self.weights
        return [self.offset, None if w is None else -0.5 * np.log(w)]

    def start_params(self) -> np.ndarray:
        X, Z = self.exog
        off = [0.0 if o is None else o for o in self.part_offsets()]
        sw = np.ones(X.shape[0]) if self.weights is None else np.sqrt(self.weights)
        beta = np.linalg.lstsq(X * sw[:, None], (self.endog - off[0]) * sw, rcond=None)[0]
        log_sd = np.log(np.std((self.endog - off[0] - X @ beta) * sw) + 1e-300)
        gamma = np.linalg.lstsq(Z, np.full(Z.shape[0], log_sd) - off[1], rcond=None)[0]
        return np.r_[beta, gamma]

    def predict_from_eta(self, eta: np.ndarray, which: str) -> np.ndarray:
        kinds = {"mean": eta[:, 0], "sigma": np.exp(eta[:, 1]), "variance": np.exp(2 * eta[:, 1])}
        if which not in kinds:
            raise ArgumentError(f"which must be one of {sorted(kinds)}, got {which!r}")
        return kinds[which]
