"""From a response and a design matrix (numpy or pandas) to a :class:`Design`.

The route of the array interface (``mlereg.Logit(y, X)``): column names from a
DataFrame's columns or statsmodels' ``const, x1, x2, ...``, rows with missing values
dropped together with the row-aligned arguments. This module does not import patsy
(only :mod:`mlereg.design.formula` and :mod:`mlereg.design.fastfill` do).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..exceptions import ArgumentError, DataError
from .design import Design, assemble
from .frame import (
    ArrayLike,
    Missing,
    check_finite,
    column_scan,
    missing_mask,
    prepare_extras,
    rows_to_drop,
    validate_extras,
)


def design_from_arrays(
    endog: ArrayLike,
    exog: ArrayLike,
    *,
    offset: ArrayLike = None,
    exposure: ArrayLike = None,
    weights: ArrayLike = None,
    freq_weights: ArrayLike = None,
    extra: Mapping[str, ArrayLike] | None = None,
    missing: Missing = "drop",
) -> Design:
    """Build a :class:`Design` from a response and a design matrix (numpy or pandas).

    Column names come from a DataFrame's columns; for a bare array they are ``x1, x2,
    ...``, with ``const`` for a column of ones (as statsmodels names them).

    Examples
    --------
    >>> import numpy as np
    >>> d = design_from_arrays(np.array([1.0, 2.0, 4.0]), np.c_[np.ones(3), [0.0, 1, 2]])
    >>> d.exog_names
    ('const', 'x1')
    """
    if missing not in ("drop", "raise"):
        raise ArgumentError(f"missing must be 'drop' or 'raise', got {missing!r}")
    endog_name = endog.name if isinstance(endog, pd.Series) and endog.name is not None else "y"
    index = endog.index if isinstance(endog, (pd.Series, pd.DataFrame)) else None
    if isinstance(exog, pd.Series):
        exog = exog.to_frame()
    names: tuple[str, ...] | None = None  # a bare array's: from its columns, below
    if isinstance(exog, pd.DataFrame):
        names = tuple(str(c) for c in exog.columns)
        index = exog.index if index is None else index
        X = exog.astype(float).to_numpy()
    else:
        raw = np.asarray(exog)
        if raw.dtype.names:
            raise DataError(
                f"exog has a structured dtype (fields {list(raw.dtype.names)}): pass a 2-D"
                " array of numbers, or a DataFrame"
            )
        X = np.asarray(raw, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
    if isinstance(endog, pd.DataFrame):
        y = endog.astype(float).to_numpy()
        endog_name = " + ".join(str(c) for c in endog.columns)
    else:
        y = np.asarray(endog, dtype=float)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    n = y.shape[0]
    if n == 0:
        raise DataError("the data have no rows")
    if X.ndim != 2 or X.shape[0] != n:
        raise DataError(f"exog has {X.shape[0]} rows but endog has {n}")
    resolved = prepare_extras(None, n, offset, exposure, weights, freq_weights, extra)
    y_missing = missing_mask(y)  # None: no NaN and no inf (one read, through the sum)
    y_finite = y_missing is None
    na = {} if y_finite else {"endog": y_missing.reshape(n, -1).any(axis=1)}
    # one read of X: column sums (a column with a finite sum has no NaN and no inf, so
    # only the others are scanned) and, for a bare array, which columns are all ones
    sums, all_ones = column_scan(X, find_ones=names is None)
    if names is None:
        numbers = np.cumsum(~all_ones)
        names = tuple("const" if c else f"x{k}" for c, k in zip(all_ones, numbers, strict=True))
    suspect = np.flatnonzero(~np.isfinite(sums))
    na.update({names[j]: np.isnan(X[:, j]) for j in suspect})
    na.update({label: missing_mask(arr) for arr, label in resolved.values()})
    counts, drop, n_drop = rows_to_drop(na.items(), n, missing)
    if drop is not None:
        keep = ~drop
        y, X = y[keep], X[keep]
        resolved = {k: (arr[keep], label) for k, (arr, label) in resolved.items()}
        index = index[keep] if index is not None else None
    validate_extras(resolved, index)
    if not y_finite:
        check_finite(y, "endog", index)
    for j in suspect:
        check_finite(X[:, j], f"the column {names[j]!r}", index)
    return assemble(
        y,
        X,  # the caller's memory order: the blocked kernels take C or F without a copy
        resolved,
        endog_name=str(endog_name),
        exog_names=names,
        row_index=index,
        n_dropped=n_drop,
        dropped_by=counts,
    )
