"""Covariance matrices of the estimates.

``nonrobust`` is the inverse Fisher information times the dispersion: phi (X' W X)^-1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

COV_TYPES = ("nonrobust",)


def covariance(model: Any, fit: Any, cov_type: str, groups: Any = None) -> np.ndarray:
    """Covariance matrix of ``fit.params`` of the given type (NaN rows for aliased).

    Parameters
    ----------
    model : LikelihoodModel
    fit : mlereg.base.Fit
    cov_type : str
        One of :data:`COV_TYPES`.
    groups : ignored for ``nonrobust``.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> res = mr.OLS(np.array([1.0, 2.0, 2.0, 4.0]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    >>> res.cov_params().shape
    (2, 2)
    """
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
    return fit.cov_unscaled * fit.scale
