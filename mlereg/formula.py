"""From a formula and a data frame (or from arrays) to a :class:`Design`.

This is the only module that imports patsy. A :class:`Design` holds everything the
models need, as numpy arrays: the response, the design matrix and its column names,
offset and weights, which rows of the data were used and how many each variable made
us drop, and a :class:`RowBuilder` that builds the design matrix for new data at
predict time.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import patsy
from pandas.api.types import is_numeric_dtype as is_numeric

from .exceptions import DataError, FormulaError

Missing = Literal["drop", "raise"]
ArrayLike = Any


@dataclass(frozen=True)
class Design:
    """The numeric content of a model.

    Attributes
    ----------
    y : ndarray, shape (n,) or (n, 2)
        Response (two columns: successes and failures for binomial counts).
    X : ndarray, shape (n, k)
        Design matrix, float64.
    endog_name : str
    exog_names : tuple of str
    offset, weights, freq_weights : ndarray or None
        Aligned with the kept rows (exposure is already logged into ``offset``).
    extra : dict of str -> ndarray
        Other row-aligned arrays (e.g. cluster groups), aligned with the kept rows.
    row_index : pandas.Index or None
        Labels of the rows used, from the data's index.
    n_dropped : int
        Rows dropped for missing values.
    dropped_by : dict of str -> int
        For each variable with missing values, the number of rows it has missing.
    formula : str or None
    builder : RowBuilder or None
        Builds X for new data (formula models only).
    arg_columns : dict of str -> str
        The data columns named by offset=, exposure=, weights=... (for predict).
    """

    y: np.ndarray
    X: np.ndarray
    endog_name: str
    exog_names: tuple[str, ...]
    offset: np.ndarray | None = None
    weights: np.ndarray | None = None
    freq_weights: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    row_index: pd.Index | None = None
    n_dropped: int = 0
    dropped_by: dict[str, int] = field(default_factory=dict)
    formula: str | None = None
    builder: RowBuilder | None = None
    arg_columns: dict[str, str] = field(default_factory=dict)

    @property
    def nrows(self) -> int:
        """Number of rows used."""
        return self.X.shape[0]


class RowBuilder:
    """Builds the design matrix for new data, with the training data's levels and
    transforms (a wrapper around patsy's ``DesignInfo``)."""

    def __init__(self, design_info: Any, columns: tuple[str, ...]):
        self.design_info = design_info
        self.columns = columns

    def build(self, data: Any) -> np.ndarray:
        """Return the design matrix for ``data`` (DataFrame or dict of columns)."""
        if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
            data = pd.DataFrame({k: np.atleast_1d(v) for k, v in data.items()})
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"new data for a formula model must be a DataFrame or a dict of columns,"
                f" got {type(data).__name__}"
            )
        missing = [c for c in self.columns if c not in data.columns]
        if missing:
            raise DataError(
                f"new data lack the column(s) {missing} that the formula uses;"
                f" it has {list(data.columns)[:20]}"
            )
        try:
            (X,) = patsy.build_design_matrices(
                [self.design_info], _clean_frame(data, self.columns), NA_action="raise"
            )
        except patsy.PatsyError as exc:
            raise DataError(f"cannot build the design matrix for new data: {exc}") from None
        return np.asarray(X, dtype=float)


def _formula_names(formula: str) -> list[str]:
    """Identifiers and Q("...") names that appear in a formula, in order."""
    names: list[str] = []
    for m in re.finditer(r"""Q\(\s*(['"])(.*?)\1\s*\)""", formula):
        names.append(m.group(2))
    try:
        for tok in tokenize.generate_tokens(io.StringIO(formula).readline):
            if tok.type == tokenize.NAME and tok.string not in names:
                names.append(tok.string)
    except (tokenize.TokenError, IndentationError) as exc:
        raise FormulaError(f"cannot parse the formula {formula!r}: {exc}") from None
    return names


def _clean_frame(data: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Only the used columns, with pandas' nullable dtypes turned into numpy ones."""
    out = {}
    for c in columns:
        s = data[c]
        if isinstance(s.dtype, pd.BooleanDtype):
            s = s.astype(bool)
        elif pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype(bool)
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and is_numeric(s.dtype):
            s = s.astype(float)
        out[c] = s
    return pd.DataFrame(out, index=data.index)


def _column_or_array(
    data: pd.DataFrame | None, value: ArrayLike, argname: str, nrows: int
) -> tuple[np.ndarray | None, str | None]:
    """Resolve an argument given as a column name or an array to a float array."""
    if value is None:
        return None, None
    if isinstance(value, str):
        if data is None or value not in data.columns:
            raise DataError(f"{argname}={value!r} is not a column of the data")
        arr = pd.to_numeric(data[value], errors="coerce").astype(float).to_numpy()
        return arr, value
    arr = np.asarray(value, dtype=float).ravel()
    if arr.shape[0] != nrows:
        raise DataError(f"{argname} has {arr.shape[0]} values but the data have {nrows} rows")
    return arr, argname


def _check_finite(arr: np.ndarray, name: str, row_index: Any = None) -> None:
    bad = np.isinf(arr)
    if bad.any():
        rows = np.flatnonzero(bad.reshape(bad.shape[0], -1).any(axis=1))[:5]
        labels = list(row_index[rows]) if row_index is not None else list(rows)
        raise DataError(
            f"{name} has {int(bad.sum())} infinite value(s), first at row(s) {labels};"
            " inf is not treated as missing: remove or recode those rows"
        )


def _prepare_extras(
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


def _validate_extras(resolved: dict[str, tuple[np.ndarray, str]], index: Any) -> None:
    for arg, (arr, label) in resolved.items():
        _check_finite(arr, f"{arg} ({label!r})" if label != arg else arg, index)
        if arg in ("weights", "freq_weights") and np.any(arr < 0):
            rows = np.flatnonzero(arr < 0)[:5]
            raise DataError(f"{arg} ({label!r}) has negative values at row(s) {list(rows)}")
        if arg == "exposure" and np.any(arr <= 0):
            rows = np.flatnonzero(arr <= 0)[:5]
            raise DataError(
                f"exposure ({label!r}) must be positive; non-positive at row(s) {list(rows)}"
            )


def _assemble(
    y: np.ndarray,
    X: np.ndarray,
    resolved: dict[str, tuple[np.ndarray, str]],
    **kwargs: Any,
) -> Design:
    offset = None
    if "offset" in resolved:
        offset = resolved["offset"][0]
    if "exposure" in resolved:
        log_exposure = np.log(resolved["exposure"][0])
        offset = log_exposure if offset is None else offset + log_exposure
    extra = {
        k: v[0]
        for k, v in resolved.items()
        if k not in ("offset", "exposure", "weights", "freq_weights")
    }
    arg_columns = {k: label for k, (_, label) in resolved.items() if label != k}
    return Design(
        y=y,
        X=X,
        arg_columns=arg_columns,
        offset=offset,
        weights=resolved["weights"][0] if "weights" in resolved else None,
        freq_weights=resolved["freq_weights"][0] if "freq_weights" in resolved else None,
        extra=extra,
        **kwargs,
    )


def _missing_summary(counts: dict[str, int], n_drop: int) -> str:
    parts = ", ".join(f"{k!r}: {v}" for k, v in counts.items())
    return f"{n_drop} row(s) have missing values ({parts})"


def design_from_formula(
    formula: str,
    data: Any,
    *,
    offset: ArrayLike = None,
    exposure: ArrayLike = None,
    weights: ArrayLike = None,
    freq_weights: ArrayLike = None,
    extra: Mapping[str, ArrayLike] | None = None,
    missing: Missing = "drop",
    eval_env: int | Any = 0,
) -> Design:
    """Evaluate ``formula`` on ``data`` and return a :class:`Design`.

    Parameters
    ----------
    formula : str
        A patsy formula, e.g. ``"y ~ x + C(g)"``; ``"s + f ~ x"`` gives a two-column
        response (binomial successes and failures).
    data : DataFrame or dict of columns
    offset, exposure, weights, freq_weights : str or array, optional
        A column name of ``data`` or an array with one value per row of ``data``.
    extra : dict, optional
        Other row-aligned arguments (e.g. ``{"groups": "firm"}``), dropped with the rows.
    missing : {"drop", "raise"}
        Drop rows with a missing value in any variable the model uses, or raise.
    eval_env : int or patsy.EvalEnvironment
        Where names in the formula that are not columns are looked up (frames up from
        the caller of this function).

    Returns
    -------
    Design

    Raises
    ------
    FormulaError
        The formula names a variable that is neither a column nor a Python name.
    DataError
        Infinite values, negative weights, non-positive exposure, no rows left.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 2.0]})
    >>> design_from_formula("y ~ x", df).exog_names
    ('Intercept', 'x')
    """
    if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(dict(data))
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or a dict of columns, got {type(data)}")
    if missing not in ("drop", "raise"):
        raise ValueError(f"missing must be 'drop' or 'raise', got {missing!r}")
    if "~" not in formula:
        raise FormulaError(f"the formula {formula!r} has no '~' separating response and terms")
    if len(data) == 0:
        raise DataError("the data have no rows")
    if isinstance(eval_env, int):
        eval_env = patsy.EvalEnvironment.capture(eval_env + 1)

    columns = [c for c in _formula_names(formula) if c in data.columns]
    resolved = _prepare_extras(data, len(data), offset, exposure, weights, freq_weights, extra)

    # Rows with a missing value in any variable the model uses are dropped together.
    na = {c: data[c].isna().to_numpy() for c in columns}
    na.update({label: np.isnan(arr) for arr, label in resolved.values()})
    counts = {k: int(v.sum()) for k, v in na.items() if v.any()}
    drop = np.zeros(len(data), dtype=bool)
    for v in na.values():
        drop |= v
    n_drop = int(drop.sum())
    if n_drop and missing == "raise":
        raise DataError(_missing_summary(counts, n_drop) + " and missing='raise'")
    if n_drop == len(data):
        raise DataError("no rows left: every row " + _missing_summary(counts, n_drop)[9:])
    keep = ~drop
    frame = _clean_frame(data.loc[keep] if n_drop else data, columns)
    resolved = {k: (arr[keep], label) for k, (arr, label) in resolved.items()}
    _validate_extras(resolved, frame.index)

    try:
        ymat, xmat = patsy.dmatrices(formula, frame, eval_env=eval_env, NA_action="raise")
    except patsy.PatsyError as exc:
        raise _formula_error(exc, formula, list(data.columns)) from None
    y = np.asarray(ymat, dtype=float)
    X = np.asarray(xmat, dtype=float)  # patsy's layout: the kernels take C or F, no copy
    if y.shape[1] == 1:
        y = y[:, 0]
    endog_names = ymat.design_info.column_names
    exog_names = tuple(xmat.design_info.column_names)
    _check_finite(y, f"the response {' + '.join(endog_names)!r}", frame.index)
    for j in np.flatnonzero(~np.isfinite(X.sum(axis=0))):  # a finite sum: no inf, no NaN
        _check_finite(X[:, j], f"the column {exog_names[j]!r}", frame.index)
    rhs = formula.split("~", 1)[1]
    rhs_columns = tuple(c for c in _formula_names(rhs) if c in data.columns)
    return _assemble(
        y,
        X,
        resolved,
        endog_name=" + ".join(endog_names) if len(endog_names) > 1 else endog_names[0],
        exog_names=exog_names,
        row_index=frame.index,
        n_dropped=n_drop,
        dropped_by=counts,
        formula=formula,
        builder=RowBuilder(xmat.design_info, rhs_columns),
    )


def _formula_error(exc: Exception, formula: str, columns: list[str]) -> FormulaError:
    msg = str(exc)
    m = re.search(r"name '([^']+)' is not defined", msg)
    if m:
        name = m.group(1)
        close = difflib.get_close_matches(name, [str(c) for c in columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return FormulaError(
            f"the formula {formula!r} uses {name!r}, which is not a column of the data"
            f" nor a Python name{hint}"
        )
    return FormulaError(f"cannot evaluate the formula {formula!r}: {msg.splitlines()[0]}")


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
        raise ValueError(f"missing must be 'drop' or 'raise', got {missing!r}")
    endog_name = endog.name if isinstance(endog, pd.Series) and endog.name is not None else "y"
    index = endog.index if isinstance(endog, (pd.Series, pd.DataFrame)) else None
    if isinstance(exog, pd.Series):
        exog = exog.to_frame()
    if isinstance(exog, pd.DataFrame):
        names = tuple(str(c) for c in exog.columns)
        index = exog.index if index is None else index
        X = exog.astype(float).to_numpy()
    else:
        X = np.asarray(exog, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        # first row first: a full column scan only for columns that can be constant
        is_const = [
            bool(X.shape[0] and X[0, j] == 1 and np.all(X[:, j] == 1)) for j in range(X.shape[1])
        ]
        numbers = np.cumsum([not c for c in is_const])
        names = tuple("const" if c else f"x{k}" for c, k in zip(is_const, numbers))
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
    resolved = _prepare_extras(None, n, offset, exposure, weights, freq_weights, extra)
    na = {"endog": np.isnan(y).reshape(n, -1).any(axis=1)}
    # a column with a finite sum has no NaN and no inf: scan only the others
    suspect = np.flatnonzero(~np.isfinite(X.sum(axis=0)))
    na.update({names[j]: np.isnan(X[:, j]) for j in suspect})
    na.update({label: np.isnan(arr) for arr, label in resolved.values()})
    counts = {k: int(v.sum()) for k, v in na.items() if v.any()}
    drop = np.zeros(n, dtype=bool)
    for v in na.values():
        drop |= v
    n_drop = int(drop.sum())
    if n_drop and missing == "raise":
        raise DataError(_missing_summary(counts, n_drop) + " and missing='raise'")
    if n_drop == n:
        raise DataError("no rows left: every row " + _missing_summary(counts, n_drop)[9:])
    if n_drop:
        keep = ~drop
        y, X = y[keep], X[keep]
        resolved = {k: (arr[keep], label) for k, (arr, label) in resolved.items()}
        index = index[keep] if index is not None else None
    _validate_extras(resolved, index)
    _check_finite(y, "endog", index)
    for j in suspect:
        _check_finite(X[:, j], f"the column {names[j]!r}", index)
    return _assemble(
        y,
        X,  # the caller's memory order: the blocked kernels take C or F without a copy
        resolved,
        endog_name=str(endog_name),
        exog_names=names,
        row_index=index,
        n_dropped=n_drop,
        dropped_by=counts,
    )
