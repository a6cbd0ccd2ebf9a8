"""The numerical outcome of a single-index fit, handed from the model to its results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..optim.newton import NewtonResult


@dataclass(frozen=True)
class Fit:
    """The numerical outcome of a fit, before labels are attached.

    ``params`` and ``cov`` are full length, NaN for aliased columns. ``half_deviance``
    is deviance / 2 at ``params`` when the solver's objective was exactly that (an
    unpenalised IRLS fit), else None. ``cov_root`` is F (kept columns only) with
    F F' = ``cov_unscaled`` of the kept columns, from the factorisation that gave it
    (:meth:`mlereg.linalg.GramSystem.inverse_root`), or None. ``separation`` is a
    :class:`mlereg.models.separation.Separation` or None; ``null_mu`` the fitted mean
    of the intercept-only model when it takes a fit (with an offset; None otherwise:
    then it is the weighted mean of y, in closed form).
    """

    params: np.ndarray
    cov_unscaled: np.ndarray
    scale: float
    eta: np.ndarray
    mu: np.ndarray
    aliased: np.ndarray
    solver: NewtonResult
    method: str
    separation: Any = None
    half_deviance: float | None = None
    cov_root: np.ndarray | None = None
    null_mu: float | np.ndarray | None = None
