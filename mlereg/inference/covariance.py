"""Covariance matrices of the estimates: model-based, heteroskedasticity-robust, cluster.

All of them are built from the same two pieces of a fitted regression model, per row i:

* the bread ``A^-1``: the inverse information (``fit.cov_unscaled``; expected unless the
  fit asked for ``information="observed"``), and
* the score contribution ``u_i x_i`` with ``u_i = w_i (y_i - mu_i) mu_eta_i / V(mu_i)``
  (prior weight ``w_i``), i.e. R's working residual times working weight.

Types (``k`` = number of estimated, non-aliased coefficients, ``n`` = nobs):

``nonrobust``
    ``phi A^-1`` with the dispersion ``phi`` (``summary.glm``/``vcov``).
``HC0``
    ``A^-1 (sum_i u_i^2 x_i x_i') A^-1`` (the dispersion cancels).
``HC1``
    HC0 times ``n / (n - k)``.
``HC2``, ``HC3``
    ``u_i^2`` divided by ``(1 - h_i)`` or ``(1 - h_i)^2``, with ``h_i`` the diagonal of
    the IRLS-weighted hat matrix ``W^1/2 X A^-1 X' W^1/2`` (R's ``hatvalues``).
``cluster``
    ``A^-1 (sum_g s_g s_g') A^-1 * G / (G - 1) * (n - 1) / (n - k)``, with
    ``s_g = sum_{i in g} u_i x_i`` and ``G`` clusters.

These are exactly ``sandwich::vcovHC(fit, type=)`` and
``sandwich::vcovCL(fit, cluster=, type="HC1")`` for ``lm`` and ``glm`` fits (which use
the expected information for the bread), and statsmodels' ``cov_type="cluster"``.
statsmodels' ``HC1``-``HC3`` for GLMs differ (no hat-matrix or small-sample
adjustment). Frequency weights count each row as that many identical observations.
Nothing of size n x n is formed: hat values are row-wise sums over blocks of rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import linalg
from ..exceptions import ArgumentError, DataError

COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")


def covariance(model: Any, fit: Any, cov_type: str, groups: Any = None) -> np.ndarray:
    """Covariance matrix of ``fit.params`` of the given type (NaN rows for aliased).

    Parameters
    ----------
    model : SingleIndexModel
    fit : mlereg.inference.fitrecord.Fit
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        See the module docstring for the formulas.
    groups : str or array-like, optional
        Cluster labels for ``cov_type="cluster"``: a column name of the formula data or
        an array with one label per row used in the fit (after missing-row dropping).

    Returns
    -------
    ndarray (p, p)

    Raises
    ------
    ValueError
        Unknown ``cov_type``; ``groups`` missing for ``"cluster"`` or given otherwise.
    DataError
        ``groups`` has the wrong length, missing labels, or a single cluster.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 2.0, 2.0, 4.0, 3.0, 7.0])
    >>> res = mr.OLS(y, X).fit(cov_type="HC1")
    >>> res.cov_type, res.cov_params().shape
    ('HC1', (2, 2))
    """
    _check_type(cov_type, groups)
    if cov_type == "nonrobust":
        return fit.cov_unscaled * fit.scale
    return unscaled(*scaled_covariance(model, fit, cov_type, groups))


def _check_type(cov_type: str, groups: Any) -> None:
    if cov_type not in COV_TYPES:
        raise ArgumentError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}")
    if cov_type != "cluster" and groups is not None:
        raise ArgumentError(
            f"groups= is only used with cov_type='cluster', got cov_type={cov_type!r}"
        )


def unscaled(cov_s: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``D C D``: the covariance in the columns' own units from :func:`scaled_covariance`.

    A column scaled by 1e+-200 has a variance outside the range of a double (0 or inf
    here); the results warn, and take its standard error from ``C``.

    Examples
    --------
    >>> unscaled(np.eye(2), np.array([2.0, 0.5])).tolist()
    [[4.0, 0.0], [0.0, 0.25]]
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return cov_s * np.outer(d, d)


# column maxima beyond these take a scaled copy of X for the meat: its X'WX in the
# columns' own units would overflow or lose its digits
_MEAT_SCALE_RANGE = (1e-100, 1e100)


def scaled_covariance(
    model: Any, fit: Any, cov_type: str, groups: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """A robust covariance in equilibrated units: ``(C, d)`` with the covariance of the
    estimates ``D C D``, ``D = diag(d)``, ``d_j = 1 / max_i |x_ij|`` (NaN for aliased
    columns). ``C`` is the sandwich of the design scaled to columns of largest value 1,
    so that rescaling a column changes neither ``C`` nor the standard errors
    ``d_j sqrt(C_jj)`` beyond rounding, even where ``D C D`` leaves the range of a
    double (a column scaled by 1e200).

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 2.0, 2.0, 4.0, 3.0, 7.0])
    >>> res = mr.OLS(y, X).fit(cov_type="HC1")
    >>> C, d = scaled_covariance(res.model, res.fit_record, "HC1")
    >>> bool(np.allclose(C * np.outer(d, d), res.cov_params()))
    True
    """
    _check_type(cov_type, groups)
    if cov_type == "nonrobust":
        raise ArgumentError("scaled_covariance computes the robust types only")
    keep = ~np.isnan(fit.params)
    X = linalg.kept_columns(model.exog, keep)
    colmax = linalg.column_abs_max(X)
    colmax[colmax == 0] = 1.0
    bread = _scaled_bread(fit, keep, colmax)
    u = score_weights(model, fit)
    fw = model.freq_weights
    n = float(np.sum(fw))
    k = X.shape[1]
    lo, hi = _MEAT_SCALE_RANGE
    Xs = X / colmax if np.any((colmax < lo) | (colmax > hi)) else None  # rare: a copy
    if cov_type == "cluster":
        if groups is None:
            raise ArgumentError("cov_type='cluster' needs groups= (a column name or an array)")
        codes, n_groups = _group_codes(model, groups)
        if n_groups < 2:
            raise DataError(f"groups= defines {n_groups} cluster; at least 2 are needed")
        S = cluster_scores(X if Xs is None else Xs, fw * u, codes, n_groups)
        meat = S.T @ S
        meat *= n_groups / (n_groups - 1) * (n - 1) / (n - k)
    else:
        omega = np.square(u, out=u)  # in place, as below: each n-vector is 0.1 X at p = 10
        if cov_type == "HC1":
            omega *= n / (n - k)
        elif cov_type in ("HC2", "HC3"):
            h = hat_values(model, fit)
            one_minus_h = np.subtract(1.0, h, out=h)
            if cov_type == "HC3":
                np.square(one_minus_h, out=one_minus_h)
            with np.errstate(divide="ignore"):
                omega /= one_minus_h
        omega *= fw
        meat = linalg.weighted_gram(X if Xs is None else Xs, omega)
    if Xs is None:
        meat /= np.outer(colmax, colmax)
    cov_k = bread @ meat @ bread
    cov = np.full(fit.cov_unscaled.shape, np.nan)
    cov[np.ix_(keep, keep)] = 0.5 * (cov_k + cov_k.T)
    d = np.full(len(keep), np.nan)
    d[keep] = 1.0 / colmax
    return cov, d


def _scaled_bread(fit: Any, keep: np.ndarray, colmax: np.ndarray) -> np.ndarray:
    """The inverse information of the scaled design, ``D^-1 A^-1 D^-1``: from the fit's
    covariance root where it has one (its rows scaled first, so nothing leaves the
    range of a double), else from the unscaled inverse."""
    root = fit.cov_root
    if root is not None and root.shape[0] == int(keep.sum()):
        scaled = root * colmax[:, None]
        return scaled @ scaled.T
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return fit.cov_unscaled[np.ix_(keep, keep)] * np.outer(colmax, colmax)


def score_weights(model: Any, fit: Any) -> np.ndarray:
    """``u_i = w_i (y_i - mu_i) mu_eta_i / V(mu_i)`` per row (one copy of a frequency
    weighted row): the score of beta is ``X' (fw * u)``.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> X = np.c_[np.ones(4), np.arange(4.0)]; y = np.array([0.0, 1.0, 0.0, 1.0])
    >>> res = mr.Logit(y, X).fit()
    >>> u = score_weights(res.model, res.fit_record)
    >>> bool(np.allclose(X.T @ u, 0, atol=1e-8))
    True
    """
    family = model.family
    mu_eta = family.link.mu_eta(fit.eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = model.prior_weights * (model.endog - fit.mu) * mu_eta / family.variance(fit.mu)
    return np.where(model.prior_weights > 0, u, 0.0)


def cluster_scores(X: np.ndarray, v: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per cluster g, ``s_g = sum_{i in g} v_i x_i`` (one row per cluster), on row
    blocks: a weighted count per column and block, never an n x k product.

    (``np.add.at`` of ``X * v[:, None]``, the direct form, took about 2x X more memory
    than the fit and 0.1 s at 1e6 x 10.)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.ones(4), [1.0, 2, 3, 4]]
    >>> cluster_scores(X, np.ones(4), np.array([0, 1, 0, 1]), 2).tolist()
    [[2.0, 4.0], [2.0, 6.0]]
    """
    n, k = X.shape
    S = np.zeros((k, n_groups))
    step = linalg.block_rows(k)
    for a in range(0, n, step):
        Xb, vb, cb = X[a : a + step], v[a : a + step], codes[a : a + step]
        for j in range(k):
            S[j] += np.bincount(cb, weights=Xb[:, j] * vb, minlength=n_groups)
    return S.T


def hat_values(model: Any, fit: Any) -> np.ndarray:
    """Diagonal of the IRLS-weighted hat matrix, ``h_i = W_i x_i' (X' W X)^-1 x_i``, with
    the Fisher weights W of one copy of each row (R's ``hatvalues`` for lm and glm).

    Computed on blocks of rows; the n x n hat matrix is never formed.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> X = np.c_[np.ones(5), np.arange(5.0)]; y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    >>> res = mr.OLS(y, X).fit()
    >>> round(float(hat_values(res.model, res.fit_record).sum()), 10)  # trace = rank
    2.0
    """
    keep = ~np.isnan(fit.params)
    X = linalg.kept_columns(model.exog, keep)
    W = model.weights_at_eta(fit.eta, "expected")  # includes the frequency weights
    F = linalg.GramSystem(X, W).inverse_root()  # x'(X'WX)^-1 x = ||F'x||^2, no cancelling
    h = linalg.row_forms(X, F, root=True)
    h *= W
    fw = model.freq_weights
    if np.any(fw != 1):  # W of one copy of the row; 0 for a row of weight 0
        with np.errstate(divide="ignore", invalid="ignore"):
            h /= fw
        h[fw <= 0] = 0.0
    return h


def _group_codes(model: Any, groups: Any) -> tuple[np.ndarray, int]:
    """Integer cluster codes (0..G-1) for the rows used in the fit, and G."""
    nrows = model.exog.shape[0]
    if isinstance(groups, str):
        data = getattr(model, "data", None)
        if data is None:
            raise ArgumentError(
                f"groups={groups!r} names a column, but the model was not built from a"
                " formula and data; pass an array of labels instead"
            )
        try:
            column = data[groups]
        except (KeyError, IndexError):
            raise DataError(f"groups={groups!r} is not a column of the model's data") from None
        column = pd.Series(np.asarray(column), index=_index_of(data))
        values = column.loc[model.design.row_index]
    else:
        values = groups
        if isinstance(groups, pd.Series) and len(groups) != nrows:
            values = groups.loc[model.design.row_index]
    values = pd.Series(np.asarray(values).ravel() if np.ndim(values) else [values])
    if len(values) != nrows:
        raise DataError(
            f"groups has {len(values)} labels but the fit used {nrows} rows (align the labels"
            " with the rows left after dropping missing values, or pass a column name)"
        )
    if values.isna().any():
        raise DataError(f"groups has {int(values.isna().sum())} missing label(s)")
    codes, uniques = pd.factorize(values, sort=True)
    return codes, len(uniques)


def _index_of(data: Any) -> pd.Index:
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.index
    first = next(iter(data.values())) if isinstance(data, dict) else data
    return pd.RangeIndex(len(first))
