"""From a formula and a data frame to a :class:`~mlereg.design.design.Design`.

This module (with :mod:`mlereg.design.fastfill`, its fast path for plain columns) is the
only one that imports patsy. It evaluates the formula on the rows kept
(:mod:`mlereg.design.frame` finds the missing values and resolves offset and weights),
and gives the design a :class:`RowBuilder` that builds the design matrix for new data at
predict time. What a built design's terms are, and restrictions on its coefficients,
is read in :mod:`mlereg.design.terms`.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import patsy
import patsy.builtins
from pandas.api.types import is_numeric_dtype

from ..exceptions import (
    ArgumentError,
    ArgumentTypeError,
    DataError,
    DataWarning,
    FormulaError,
    MleregError,
)
from .design import Design, assemble
from .fastfill import FINITE, fast_matrices, fill_design, level_rows
from .frame import (
    ArrayLike,
    Missing,
    as_frame,
    check_finite,
    clean_frame,
    column_scan,
    missing_mask,
    prepare_extras,
    response_levels,
    rows_to_drop,
    validate_extras,
)
from .safety import (
    check_formula,
    formula_environment,
    loading_environment,
    rhs_with_offsets,
    safe_environment,
    stored_names,
    too_long,
)
from .size import check_design_size
from .text import formula_names, split_offset_terms, split_parts


class RowBuilder:
    """Builds the design matrix for new data, with the training data's levels and
    transforms (a wrapper around patsy's ``DesignInfo``).

    It pickles although patsy's ``DesignInfo`` does not: the pickle stores the
    right-hand side of the formula and the training rows of the variables it uses, and
    unpickling re-learns the same levels and stateful transforms (``center``,
    splines...) from them. ``frame`` holds those training rows, with at least the
    ``columns`` the right-hand side reads (only these are pickled). A pickle is code:
    loading checks the formula again (:func:`mlereg.design.safety.check_formula`) and
    evaluates it with the allowed functions only. A formula fitted with
    ``trusted=True`` that needs more also stores the names it looked up outside the
    data (modules by name), and loads only inside
    :func:`mlereg.design.safety.trusted_formulas`.

    Examples
    --------
    >>> import pandas as pd
    >>> d = design_from_formula("y ~ C(g)", pd.DataFrame({"y": [1.0, 2, 3], "g": list("abb")}))
    >>> d.builder.build(pd.DataFrame({"g": ["b"]})).tolist()
    [[1.0, 1.0]]
    """

    def __init__(
        self,
        design_info: Any,
        columns: tuple[str, ...],
        rhs: str | None = None,
        frame: pd.DataFrame | None = None,
        eval_env: Any = None,
        offset_terms: tuple[str, ...] = (),
        trusted: bool = False,
        formula_columns: tuple[str, ...] = (),
    ):
        self.design_info = design_info
        self.columns = columns
        self.rhs = rhs
        self._frame = frame
        self._eval_env = eval_env if eval_env is not None else safe_environment()
        self.offset_terms = tuple(offset_terms)
        self.trusted = trusted
        # every data column the formula names, offsets included: what a check at load
        # time accepts as a column
        self.formula_columns = tuple(formula_columns) or tuple(columns)

    # --- pickling ---------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        if self.rhs is None or self._frame is None:
            raise ArgumentTypeError(
                "this RowBuilder was made without its formula and cannot pickle"
            )
        env: dict[str, tuple[str, Any]] = {}
        if self.trusted:  # a checked formula needs no names: it loads with the allowed ones
            formula = rhs_with_offsets(self.rhs, self.offset_terms)
            env = stored_names(formula, self.formula_columns, self._eval_env.namespace)
        return {
            "columns": self.columns,
            "rhs": self.rhs,
            "frame": self._frame[list(self.columns)],
            "env": env,
            "column_names": tuple(self.design_info.column_names),
            "offset_terms": self.offset_terms,
            "trusted": self.trusted,
            "formula_columns": self.formula_columns,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        offset_terms = tuple(state.get("offset_terms", ()))
        frame = state["frame"]
        if not (
            isinstance(frame, pd.DataFrame)
            and isinstance(state["rhs"], str)
            and all(isinstance(t, str) for t in offset_terms)
            and isinstance(state["columns"], tuple)
            and all(isinstance(c, str) for c in state["columns"])
            and isinstance(state.get("formula_columns", ()), tuple)
        ):
            raise DataError("the pickled model's formula state is not what mlereg stores")
        columns = state.get("formula_columns", state["columns"])
        if not set(state["columns"]) <= set(frame.columns):
            raise DataError("the pickled model's rows lack columns its formula reads")
        env, trusted = loading_environment(
            state["rhs"], offset_terms, (frame.columns, columns), state["env"]
        )
        try:
            X = patsy.dmatrix(state["rhs"], frame, eval_env=env, NA_action="raise")
        except patsy.PatsyError as exc:
            raise _formula_error(exc, state["rhs"], list(columns)) from None
        except _EVALUATION_ERRORS as exc:
            raise _evaluation_error(exc, state["rhs"]) from None
        if tuple(X.design_info.column_names) != state["column_names"]:
            raise DataError(
                "the pickled formula rebuilt different design columns"
                f" {X.design_info.column_names}, expected {list(state['column_names'])}"
            )
        self.design_info = X.design_info
        self.columns = state["columns"]
        self.rhs = state["rhs"]
        self._frame = state["frame"]
        self._eval_env = env
        self.offset_terms = offset_terms
        self.trusted = trusted
        self.formula_columns = tuple(columns)

    def offset(self, data: Any) -> np.ndarray | None:
        """The formula's ``offset(...)`` terms on new data (None without any).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2, 4], "x": [0.0, 1, 2], "t": [1.0, 2, 4]})
        >>> d = design_from_formula("y ~ x + offset(2 * t)", df)
        >>> d.builder.offset(pd.DataFrame({"x": [1.0], "t": [3.0]})).tolist()
        [6.0]
        """
        if not self.offset_terms:
            return None
        frame = as_frame(data, "new data for a formula model")
        # only the columns the formula reads: another column of the new data (named np,
        # I or log) must not shadow the functions the offset calls
        read = [c for c in self.formula_columns if c in frame.columns]
        return evaluate_offset_terms(self.offset_terms, clean_frame(frame, read), self._eval_env)

    # --- building -----------------------------------------------------------------------
    def _check_kinds(self, frame: pd.DataFrame) -> None:
        """Raise where the fit's column held numbers and the new data's does not: text
        or Python objects there would be computed with (repeated, raised to powers)."""
        if self._frame is None:
            return
        for c in self.columns:
            fitted = getattr(self._frame[c].dtype, "kind", "O")
            new = getattr(frame[c].dtype, "kind", "O")
            if fitted in "iuf" and new not in "iufb":
                raise DataError(
                    f"new data: the column {c!r} holds {frame[c].dtype} values where the"
                    " fit's held numbers; convert it with pd.to_numeric"
                )

    def _check_levels(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Raise naming the column, the unseen levels and the known ones; return the
        frame with pandas categoricals recoded to the fit's order of levels (the same
        levels in another order are the same data)."""
        for factor, info in self.design_info.factor_infos.items():
            if info.type != "categorical":
                continue
            used = [c for c in formula_names(factor.code) if c in frame.columns]
            if len(used) != 1:
                continue
            col = used[0]
            known = list(info.categories)
            known_set = set(known)
            values = pd.unique(frame[col].dropna())
            new = [v for v in values if v not in known_set]
            if new:
                raise DataError(
                    f"new data: the column {col!r} has level(s) {new[:10]} not seen when"
                    f" fitting; known levels of {factor.code!r}: {known[:20]}"
                )
            column = frame[col]
            if isinstance(column.dtype, pd.CategoricalDtype):
                if list(column.cat.categories) != known:
                    frame = frame.assign(**{col: column.cat.set_categories(known)})
        return frame

    def build(self, data: Any) -> np.ndarray:
        """Return the design matrix for ``data`` (DataFrame or dict of columns).

        Rows with a missing value in a used column give a row of NaN (so predictions
        there are NaN, as R's ``predict`` with ``na.pass``).

        Raises
        ------
        DataError
            A used column is absent, or a categorical column has unseen levels.
        """
        data = as_frame(data, "new data for a formula model")
        duplicated = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        if duplicated:
            raise DataError(f"new data have more than one column named {duplicated}")
        missing = [c for c in self.columns if c not in data.columns]
        if missing:
            close = {
                c: difflib.get_close_matches(c, [str(k) for k in data.columns], n=1)
                for c in missing
            }
            hints = "".join(f"; for {c!r} did you mean {m[0]!r}?" for c, m in close.items() if m)
            raise DataError(
                f"new data lack the column(s) {missing} that the formula uses;"
                f" it has {list(data.columns)[:20]}{hints}"
            )
        frame = clean_frame(data, self.columns)
        self._check_kinds(frame)
        frame = self._check_levels(frame)
        na = frame.isna().any(axis=1).to_numpy() if self.columns else np.zeros(len(frame), bool)
        shape = (len(frame), len(self.design_info.column_names))
        if not self.design_info.factor_infos:  # intercept only
            return np.ones(shape)
        if na.all():
            return np.full(shape, np.nan)
        if not na.any() and len(frame) >= FAST_BUILD_MIN_ROWS:
            fast = self._fast_build(frame)
            if fast is not None:
                return fast
        try:
            (X,) = patsy.build_design_matrices(
                [self.design_info], frame.loc[~na] if na.any() else frame, NA_action="raise"
            )
        except patsy.PatsyError as exc:
            raise DataError(f"cannot build the design matrix for new data: {exc}") from None
        except (AttributeError, TypeError, ValueError) as exc:  # patsy on a wrong dtype
            text = [c for c in self.columns if not is_numeric_dtype(frame[c].dtype)]
            raise DataError(
                f"cannot build the design matrix for new data: column(s) {text} hold"
                f" values the fit's formula cannot use as it did ({type(exc).__name__}:"
                f" {exc}); check their types against the data of the fit"
            ) from None
        if not na.any():
            return np.asarray(X, dtype=float)
        out = np.full(shape, np.nan)
        out[~na] = np.asarray(X, dtype=float)
        return out

    def _fast_build(self, frame: pd.DataFrame) -> np.ndarray | None:
        """The design for ``frame`` (no missing values, levels checked) filled with numpy
        as the fit's design is (:mod:`mlereg.design.fastfill`), or None where patsy must
        evaluate the terms. The fill is checked against patsy's on the first row."""
        X = fill_design(self.design_info, frame, self._eval_env)
        if X is None:
            return None
        try:
            (head,) = patsy.build_design_matrices(
                [self.design_info], frame.iloc[:1], NA_action="raise"
            )
        except patsy.PatsyError:
            return None
        return X if np.array_equal(np.asarray(head, dtype=float), X[:1]) else None


# New data of at least this many rows get their design filled with numpy, like the
# fit's (patsy's own build took 0.17 s for 2e5 rows and 10 columns and held 2x X).
FAST_BUILD_MIN_ROWS = 1000


def _warn_numeric_text(formula: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """Warn for a text column whose values are mostly numbers: it becomes dummies."""
    dtypes = frame.dtypes  # one lookup, not a column fetched per name
    for c in columns:
        dtype = dtypes[c]
        if not (
            isinstance(dtype, np.dtype) and dtype.kind == "O" or isinstance(dtype, pd.StringDtype)
        ):
            continue
        s = frame[c]
        if re.search(r"\bC\(\s*" + re.escape(c) + r"\b", formula):
            continue  # asked for a categorical explicitly
        values = pd.unique(s.dropna())
        if len(values) < 3:
            continue
        parsed = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        share = float(parsed.notna().mean())
        if share >= 0.8:
            bad = [v for v, ok in zip(values, parsed.notna(), strict=True) if not ok][:5]
            warnings.warn(
                f"the column {c!r} holds text but {share:.0%} of its {len(values)} distinct"
                f" values are numbers (not numbers: {bad}); it is treated as categorical and"
                f" becomes {len(values) - 1} dummy columns. Convert it with"
                f" pd.to_numeric(df[{c!r}], errors='coerce') if it is numeric, or write"
                f" C({c}) to keep it categorical without this warning",
                DataWarning,
                stacklevel=5,
            )


def evaluate_offset_terms(terms: tuple[str, ...], frame: pd.DataFrame, eval_env: Any) -> np.ndarray:
    """The sum of the formula's ``offset(expr)`` expressions on ``frame`` (missing
    values kept as NaN, for the caller's missing-value rules).

    Examples
    --------
    >>> import pandas as pd
    >>> evaluate_offset_terms(("2 * t",), pd.DataFrame({"t": [1.0, 3.0]}), None).tolist()
    [2.0, 6.0]
    """
    total = np.zeros(len(frame))
    keep_na = patsy.NAAction(NA_types=[])
    if eval_env is None:  # a checked formula's: the allowed functions
        eval_env = safe_environment()
    for term in terms:
        try:
            col = patsy.dmatrix(f"0 + I({term})", frame, eval_env=eval_env, NA_action=keep_na)
        except patsy.PatsyError as exc:
            raise _formula_error(exc, f"offset({term})", list(frame.columns)) from None
        except MleregError:
            raise
        except _EVALUATION_ERRORS as exc:
            raise _evaluation_error(exc, f"offset({term})") from None
        try:
            values = np.asarray(col, dtype=float)
        except (TypeError, ValueError) as exc:
            raise _evaluation_error(exc, f"offset({term})") from None
        if values.shape[1] != 1:
            raise FormulaError(f"offset({term}) must give one number per row")
        total += values[:, 0]
    return total


def _add_formula_offsets(
    data: pd.DataFrame, offset: ArrayLike, terms: tuple[str, ...], eval_env: Any
) -> np.ndarray:
    """The offset= argument (column name or array) plus the formula's offset terms
    (evaluated on the columns they read only)."""
    named = set(formula_names(" + ".join(terms)))
    read = [c for c in data.columns if c in named]
    total = evaluate_offset_terms(terms, clean_frame(data, read), eval_env)
    if offset is None:
        return total
    given = data[offset] if isinstance(offset, str) and offset in data else offset
    values = np.asarray(given, dtype=float).ravel()
    if values.size != total.size:
        raise DataError(f"offset has {values.size} values but the data have {total.size} rows")
    return total + values


def _checked_arguments(formula: str, data: Any, missing: str) -> pd.DataFrame:
    """The data as a DataFrame, after checking the arguments of a one-part formula."""
    data = as_frame(data)
    if missing not in ("drop", "raise"):
        raise ArgumentError(f"missing must be 'drop' or 'raise', got {missing!r}")
    duplicated = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
    if duplicated:
        raise DataError(f"the data have more than one column named {duplicated}: rename them")
    if "Intercept" in formula_names(formula) and "Intercept" in data.columns:
        raise DataError(
            "a column is named 'Intercept', the formula's name for the intercept term:"
            " rename the column"
        )
    _, parts = split_parts(formula)
    if len(parts) > 1:
        raise FormulaError(
            f"the formula {formula!r} has {len(parts)} parts separated by '|': this model"
            " takes one (models with several linear predictors, such as HetGaussian, take"
            " 'y ~ mean terms | other terms')"
        )
    if len(data) == 0:
        raise DataError("the data have no rows")
    return data


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
    eval_env: Any = None,
    trusted: bool = False,
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
    eval_env : None, int, dict or patsy.EvalEnvironment
        None (the default): the formula is checked against an allow-list before
        anything is evaluated (:func:`mlereg.design.safety.check_formula`) and sees the
        data's columns and the allowed functions only. Otherwise where names in the
        formula that are not columns are looked up (a number of frames up from the
        caller of this function, or a dict of names), unchecked.
    trusted : bool
        Evaluate the formula unchecked, with the caller's names (as ``eval_env=0``).

    Returns
    -------
    Design

    Raises
    ------
    FormulaError
        The formula names a variable that is neither a column nor an allowed function
        (a Python name, when trusted).
    DataError
        Infinite values, negative weights, non-positive exposure, no rows left.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 2.0]})
    >>> design_from_formula("y ~ x", df).exog_names
    ('Intercept', 'x')
    """
    data = _checked_arguments(formula, data, missing)
    eval_env = formula_environment(eval_env, trusted, depth=1)
    trusted = eval_env is not None
    if not trusted:
        check_formula(formula, data.columns, numbers_in=data)
        eval_env = safe_environment()

    shown = formula  # R's offset(...) terms go to the offset, and stay in what is shown
    formula, offset_terms = split_offset_terms(formula)
    if offset_terms:
        offset = _add_formula_offsets(data, offset, offset_terms, eval_env)
    columns = [c for c in formula_names(shown) if c in data.columns]
    resolved = prepare_extras(data, len(data), offset, exposure, weights, freq_weights, extra)

    # Rows with a missing value in any variable the model uses are dropped together.
    masks = [(c, missing_mask(data[c])) for c in columns]
    clean = {c for c, mask in masks if mask is None}  # numpy numbers, all finite
    masks += [(label, missing_mask(arr)) for arr, label in resolved.values()]
    counts, drop, n_drop = rows_to_drop(masks, len(data), missing)
    kept = data
    if drop is not None:
        keep = ~drop
        kept = data.loc[keep]
        resolved = {k: (arr[keep], label) for k, (arr, label) in resolved.items()}
    frame = clean_frame(kept, columns)
    validate_extras(resolved, frame.index)

    lhs, rhs = formula.split("~", 1)
    rhs_columns = tuple(c for c in formula_names(rhs) if c in data.columns)
    _warn_numeric_text(rhs, frame, list(rhs_columns))
    lhs_name = _single_name(lhs)
    mapped = None
    if lhs_name is not None and lhs_name in frame.columns:
        mapped = response_levels(frame[lhs_name])
    check_design_size(frame, rhs, rhs_columns)
    fast, X, x_info, ymat, y_info, prototype = _matrices(
        formula, rhs, rhs_columns, frame, eval_env, mapped is None, list(data.columns)
    )
    exog_names = tuple(x_info.column_names)
    if X.shape[1] == 0:
        raise FormulaError(
            f"the formula {shown!r} has no terms and no intercept: nothing to estimate"
            " (write 'y ~ 1' for the intercept alone)"
        )
    if mapped is None:
        y = np.asarray(ymat, dtype=float)
        if y.shape[1] == 1:
            y = y[:, 0]
        endog_names = y_info.column_names
        levels = None
    else:
        y, levels = mapped
        endog_names = [lhs_name]
    check_finite(y, f"the response {' + '.join(endog_names)!r}", frame.index)
    # a finite column sum: no inf, no NaN. Copies of columns already found finite, and
    # columns finite by construction, are not read again.
    if fast is not None and fast.x_sources:
        scan = [j for j, src in enumerate(fast.x_sources) if not (src is FINITE or src in clean)]
        with np.errstate(over="ignore", invalid="ignore"):
            sums = [np.sum(X[:, j]) for j in scan]
    else:
        scan = list(range(X.shape[1]))
        sums = column_scan(X, find_ones=False)[0]
    for j, total in zip(scan, sums, strict=True):
        if not np.isfinite(total):
            check_finite(X[:, j], f"the column {exog_names[j]!r}", frame.index)
    return assemble(
        y,
        X,
        resolved,
        endog_name=" + ".join(endog_names) if len(endog_names) > 1 else endog_names[0],
        exog_names=exog_names,
        row_index=frame.index,
        n_dropped=n_drop,
        dropped_by=counts,
        formula=shown,
        builder=RowBuilder(
            x_info, rhs_columns, rhs, prototype, eval_env, offset_terms, trusted, tuple(columns)
        ),
        response_levels=levels,
    )


def _matrices(
    formula: str,
    rhs: str,
    rhs_columns: tuple[str, ...],
    frame: pd.DataFrame,
    eval_env: Any,
    with_response: bool,
    data_columns: list[str],
) -> tuple[Any, np.ndarray, Any, Any, Any, pd.DataFrame]:
    """The design (and response) matrices: numpy's fill where it applies
    (:mod:`mlereg.design.fastfill`), patsy's otherwise, with its errors as mlereg's."""
    try:
        fast = fast_matrices(formula, frame, eval_env, with_response=with_response)
        if fast is not None:  # every used column: the pickle keeps ``columns``
            return fast, fast.X, fast.x_info, fast.y, fast.y_info, fast.prototype
        if with_response:
            ymat, xmat = patsy.dmatrices(formula, frame, eval_env=eval_env, NA_action="raise")
        else:
            ymat, xmat = None, patsy.dmatrix(rhs, frame, eval_env=eval_env, NA_action="raise")
    except patsy.PatsyError as exc:
        raise _formula_error(exc, formula, data_columns) from None
    except RecursionError:
        raise too_long(formula) from None
    except MleregError:
        raise
    except _EVALUATION_ERRORS as exc:
        raise _evaluation_error(exc, formula) from None
    try:
        X = np.asarray(xmat, dtype=float)  # patsy's layout: the kernels take C or F, no copy
    except (TypeError, ValueError) as exc:  # complex or object terms
        raise _evaluation_error(exc, formula) from None
    x_info = xmat.design_info
    y_info = ymat.design_info if ymat is not None else None
    return None, X, x_info, ymat, y_info, _prototype(frame, rhs, rhs_columns, x_info)


def _single_name(lhs: str) -> str | None:
    """The column name if the left-hand side is a bare name or ``Q("name")``."""
    lhs = lhs.strip()
    m = re.fullmatch(r"""Q\(\s*(['"])(.*)\1\s*\)""", lhs)
    if m:
        return m.group(2)
    return lhs if lhs.isidentifier() else None


# patsy's stateful transforms learn from every row (means, scales, spline knots)
_STATEFUL = re.compile(r"\b(center|standardize|scale|bs|cr|cc|te)\s*\(")


def _prototype(
    frame: pd.DataFrame, rhs: str, columns: tuple[str, ...], design_info: Any
) -> pd.DataFrame:
    """The rows of the training data that rebuild the same design columns after pickling.

    With a stateful transform every row matters and all are kept. Otherwise the design's
    only memory of the data is the set of levels of each categorical factor, so row 0
    and the first row of each distinct value of the columns each categorical factor
    reads are enough: a few rows instead of a second copy of the data (columns used
    only in numerical factors need no distinct values).
    """
    sub = frame[list(columns)]
    if _STATEFUL.search(rhs) or len(sub) == 0:
        return sub
    groups = []
    for factor, info in design_info.factor_infos.items():
        if info.type == "categorical":
            used = [c for c in formula_names(factor.code) if c in sub.columns]
            if used:
                groups.append(used)
    return sub.loc[level_rows(sub, groups)]


# what evaluating a formula's terms raises on values it cannot use (a module as a value,
# C(g, 5), a spline of degree 5 with df 2, complex numbers), besides patsy's own errors
_EVALUATION_ERRORS = (TypeError, ValueError, IndexError, AttributeError, KeyError, ArithmeticError)


def _evaluation_error(exc: Exception, formula: str) -> FormulaError:
    return FormulaError(
        f"cannot evaluate the formula {formula!r}: {type(exc).__name__}: {exc}".splitlines()[0]
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
