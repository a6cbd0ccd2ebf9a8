"""The data side of a design: missing values, the columns used, and the row-aligned
arguments (offset, exposure, weights, other arrays such as cluster groups).

Shared by :mod:`mlereg.design.formula` and :mod:`mlereg.design.arrays`: which values are
missing and which rows are dropped for them, the used columns of a data frame with
pandas' nullable dtypes made numpy ones, offset/exposure/weights/extra arguments given
as a column name or an array and their checks, the levels of a non-numeric response,
and one read of a design matrix for non-finite and all-ones columns. This module does
not import patsy (only :mod:`mlereg.design.formula` and :mod:`mlereg.design.fastfill`
do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype as is_numeric

from ..exceptions import ArgumentTypeError, DataError
from ..linalg.threads import one_blas_thread

Missing = Literal["drop", "raise"]
ArrayLike = Any


def missing_mask(col: pd.Series | np.ndarray) -> np.ndarray | None:
    """Which values of a column are missing (NaN, None, NA, NaT).

    None for a column of numpy reals of at most 64 bits with no NaN and no inf (a finite
    sum, one read of the column and no mask; overflow only costs the mask) and for numpy
    integers and bools: such a column needs no check for non-finite values later either
    (a wider real, e.g. ``longdouble``, can overflow when it becomes float64: it gets a
    mask, and its copies in the design are checked).

    Examples
    --------
    >>> missing_mask(pd.Series([1.0, 2.0])) is None, missing_mask(pd.Series([1.0, np.nan])).tolist()
    (True, [False, True])
    """
    values = col.to_numpy() if isinstance(col, pd.Series) else col
    if isinstance(values, np.ndarray) and values.dtype.kind in "iub":
        return None
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            if values.dtype.itemsize <= 8 and np.isfinite(np.sum(values)):
                return None
        return np.isnan(values)  # pandas' isna does this, at twice the cost
    return col.isna().to_numpy()  # type: ignore[union-attr]


def clean_frame(data: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Only the used columns, with pandas' nullable dtypes turned into numpy ones and
    integers narrower than 64 bits widened to int64, so that arithmetic in the formula
    (``I(x * x)`` on an int8 column) does not wrap around. Integer columns stay integers:
    their levels in ``C(x)`` keep their names."""
    out = {}
    for c in columns:
        s = data[c]
        kind = getattr(s.dtype, "kind", "O")
        if kind in "mc":
            what = {"m": "durations (timedelta)", "c": "complex numbers"}[kind]
            raise DataError(
                f"the column {c!r} holds {what}, which a formula cannot use as numbers:"
                " convert it (durations to days or seconds, complex numbers to their real"
                " and imaginary parts)"
            )
        if isinstance(s.dtype, pd.BooleanDtype):
            s = s.astype(bool)
        elif pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype(bool)
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and is_numeric(s.dtype):
            s = s.astype(float)
        elif s.dtype.kind in "iu" and s.dtype.itemsize < 8:
            s = s.astype(np.int64)
        out[c] = s
    return pd.DataFrame(out, index=data.index, copy=False)  # no stacking copy of the columns


def _column_or_array(
    data: pd.DataFrame | None, value: ArrayLike, argname: str, nrows: int
) -> tuple[np.ndarray | None, str | None]:
    """Resolve an argument given as a column name or an array to a float array."""
    if value is None:
        return None, None
    if isinstance(value, str):
        if data is None or value not in data.columns:
            raise DataError(f"{argname}={value!r} is not a column of the data")
        col = data[value]
        if not (is_numeric(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            raise DataError(
                f"{argname}={value!r} names a column of dtype {col.dtype}; it must be numeric"
            )
        arr = col.astype("Float64").astype(float).to_numpy()
        return arr, value
    try:
        arr = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataError(f"{argname} must be numeric (a column name or an array)") from None
    if arr.shape[0] != nrows:
        raise DataError(f"{argname} has {arr.shape[0]} values but the data have {nrows} rows")
    return arr, argname


def check_finite(arr: np.ndarray, name: str, row_index: Any = None) -> None:
    bad = np.isinf(arr)
    if bad.any():
        rows = np.flatnonzero(bad.reshape(bad.shape[0], -1).any(axis=1))[:5]
        labels = (row_index[rows] if row_index is not None else rows).tolist()
        raise DataError(
            f"{name} has {int(bad.sum())} infinite value(s), first at row(s) {labels};"
            " inf is not treated as missing: remove or recode those rows"
        )


def prepare_extras(
    data: pd.DataFrame | None,
    nrows: int,
    offset: ArrayLike,
    exposure: ArrayLike,
    weights: ArrayLike,
    freq_weights: ArrayLike,
    extra: Mapping[str, ArrayLike] | None,
) -> dict[str, tuple[np.ndarray, str]]:
    """Resolve offset/exposure/weights/extra arguments into named arrays."""
    out: dict[str, tuple[np.ndarray, str]] = {}
    for arg, value in (
        ("offset", offset),
        ("exposure", exposure),
        ("weights", weights),
        ("freq_weights", freq_weights),
    ):
        arr, label = _column_or_array(data, value, arg, nrows)
        if arr is not None:
            out[arg] = (arr, label or arg)
    for arg, value in (extra or {}).items():
        if value is None:
            continue
        if isinstance(value, str):
            if data is None or value not in data.columns:
                raise DataError(f"{arg}={value!r} is not a column of the data")
            codes, _ = pd.factorize(data[value], use_na_sentinel=True)
            arr = np.where(codes < 0, np.nan, codes).astype(float)
            out[arg] = (arr, value)
        else:
            vals = value if isinstance(value, pd.Series) else pd.Series(np.asarray(value).ravel())
            if len(vals) != nrows:
                raise DataError(f"{arg} has {len(vals)} values but the data have {nrows} rows")
            codes, _ = pd.factorize(vals, use_na_sentinel=True)
            out[arg] = (np.where(codes < 0, np.nan, codes).astype(float), arg)
    return out


def _labels(mask: np.ndarray, index: Any, k: int = 5) -> list[Any]:
    """Labels (from the data's index when there is one) of the first k rows in mask."""
    rows = np.flatnonzero(mask)[:k]
    return (index[rows] if index is not None else rows).tolist()


def validate_extras(resolved: dict[str, tuple[np.ndarray, str]], index: Any) -> None:
    for arg, (arr, label) in resolved.items():
        check_finite(arr, f"{arg} ({label!r})" if label != arg else arg, index)
        if arg in ("weights", "freq_weights") and np.any(arr < 0):
            rows = _labels(arr < 0, index)
            raise DataError(f"{arg} ({label!r}) has negative values at row(s) {rows}")
        if arg == "exposure" and np.any(arr <= 0):
            rows = _labels(arr <= 0, index)
            raise DataError(f"exposure ({label!r}) must be positive; non-positive at row(s) {rows}")


def _missing_summary(counts: dict[str, int], n_drop: int) -> str:
    parts = ", ".join(f"{k!r}: {v}" for k, v in counts.items())
    return f"{n_drop} row(s) have missing values (missing per column: {parts})"


def _no_rows_left(counts: dict[str, int], n: int) -> DataError:
    parts = ", ".join(f"{k!r} {v}" for k, v in counts.items())
    return DataError(
        f"no rows left: all {n} rows have a missing value in a variable the model uses"
        f" (rows missing per column: {parts})"
    )


def rows_to_drop(
    masks: Iterable[tuple[str, np.ndarray | None]], n: int, missing: Missing
) -> tuple[dict[str, int], np.ndarray | None, int]:
    """The rows with a missing value in any of ``masks`` (label, per-row mask or None
    for none missing), dropped together: the count per label, the rows' mask (None when
    none is missing) and their number.

    Raises with ``missing="raise"`` when a row is missing, and when every row is.

    Examples
    --------
    >>> counts, drop, n_drop = rows_to_drop([("x", np.array([True, False, True]))], 3, "drop")
    >>> counts, drop.tolist(), n_drop
    ({'x': 2}, [True, False, True], 2)
    """
    counts: dict[str, int] = {}
    drop = None
    for label, mask in masks:
        if mask is not None and mask.any():
            counts[label] = int(mask.sum())
            drop = mask.copy() if drop is None else np.logical_or(drop, mask, out=drop)
    n_drop = 0 if drop is None else int(drop.sum())
    if n_drop and missing == "raise":
        raise DataError(_missing_summary(counts, n_drop) + " and missing='raise'")
    if n_drop == n:
        raise _no_rows_left(counts, n_drop)
    return counts, drop, n_drop


def response_levels(col: pd.Series) -> tuple[np.ndarray, tuple[Any, ...]] | None:
    """Codes and levels of a non-numeric response (bool, text, category), else None.

    Levels are in category order for a categorical column, ``(False, True)`` for bools
    and sorted otherwise, as R's ``factor``; unused categories are dropped.
    """
    dtype = col.dtype
    if is_numeric(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return None
    values = col.dropna()
    if isinstance(dtype, pd.CategoricalDtype):
        levels = tuple(c for c in dtype.categories if (values == c).any())
    elif pd.api.types.is_bool_dtype(dtype):
        levels = tuple(v for v in (False, True) if (values == v).any()) or (False, True)
    else:
        try:
            levels = tuple(sorted(pd.unique(values)))
        except TypeError:
            levels = tuple(sorted(pd.unique(values), key=str))
    lookup = {v: i for i, v in enumerate(levels)}
    codes = np.array([lookup[v] for v in col], dtype=float)
    return codes, levels


def column_scan(
    X: np.ndarray, block: int = 16384, find_ones: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Column sums of X and which columns are all ones, in one read of X.

    The sums are matrix-vector products (BLAS) on row blocks (no n-vector of ones: a
    new n-vector costs more in page faults than the sums); a NaN or inf in a column
    makes its sum non-finite (so does overflow, which only costs the caller a closer
    look at that column). Columns starting with 1 are compared with 1 on each block
    while it is in cache (a column of a C-ordered X read by itself touches every cache
    line of X).

    Examples
    --------
    >>> import numpy as np
    >>> sums, ones = column_scan(np.c_[np.ones(3), [1.0, 2, np.nan], [1.0, 1, 2]])
    >>> sums.tolist(), ones.tolist()
    ([3.0, nan, 4.0], [True, False, False])
    """
    n, p = X.shape
    ones = np.ones(min(block, n))
    sums = np.zeros(p)
    cand = np.flatnonzero(X[0] == 1) if n and find_ones else np.array([], dtype=int)
    with np.errstate(over="ignore", invalid="ignore"), one_blas_thread():
        for a in range(0, n, block):
            Xb = X[a : a + block]
            sums += ones[: Xb.shape[0]] @ Xb
            if cand.size:
                cand = cand[np.all(Xb[:, cand] == 1, axis=0)]
    all_ones = np.zeros(p, dtype=bool)
    all_ones[cand] = True
    return sums, all_ones


def as_frame(data: Any, what: str = "data") -> pd.DataFrame:
    """``data`` as a pandas DataFrame: a DataFrame as it is, a dict of columns, or any
    other data frame (polars, a pyarrow Table, ...) through its own ``to_pandas()`` or,
    failing that, the data-frame interchange protocol (``__dataframe__``), which pandas
    reads without a dependency of mlereg's.

    Raises
    ------
    TypeError
        ``data`` is none of these.

    Examples
    --------
    >>> as_frame({"y": [1.0, 2.0]}).shape
    (2, 1)
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame({k: np.atleast_1d(v) for k, v in data.items()})
        except ValueError as exc:  # columns of other lengths, or not one-dimensional
            raise DataError(f"{what} as a dict of columns: {exc}") from None
    to_pandas = getattr(data, "to_pandas", None)
    if callable(to_pandas):
        try:
            frame = to_pandas()
        except ImportError:  # polars without pyarrow: the interchange protocol below
            frame = None
        if isinstance(frame, pd.DataFrame):
            return frame
    if hasattr(data, "__dataframe__"):
        return pd.api.interchange.from_dataframe(data, allow_copy=True)
    raise ArgumentTypeError(
        f"{what} must be a data frame (pandas, polars, a pyarrow Table, or any with"
        f" __dataframe__) or a dict of columns, got {type(data).__name__}"
    )
