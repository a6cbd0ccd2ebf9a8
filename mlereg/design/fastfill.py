"""The fast path from a data frame to design matrices, for the common formulas.

patsy evaluates a formula column by column into a new array and checks every factor
for missing values; at a million rows that costs more than the fit. For formulas made of
plain columns (numeric columns, text/category/bool columns and ``C(column, ...)``, in
any terms and interactions) :func:`fast_matrices` lets patsy learn the design on a few
prototype rows (one per level) and fills every row with numpy, after checking on the
prototype rows that the fill reproduces patsy's matrices exactly. Anything else returns
None and :mod:`mlereg.design.formula` uses patsy's own evaluation. This module and
:mod:`mlereg.design.formula` are the only ones that import patsy.
"""

from __future__ import annotations

import ast
import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import patsy
import patsy.builtins

from ..linalg.tuning import tuning


def level_rows(frame: pd.DataFrame, groups: list[list[str]]) -> np.ndarray:
    """Row 0 and the first row of each distinct value of every group of columns."""
    keep = np.zeros(len(frame), dtype=bool)
    keep[:1] = True
    for cols in groups:
        dup = frame[cols[0]].duplicated() if len(cols) == 1 else frame[cols].duplicated()
        keep |= ~dup.to_numpy()
    return keep


@dataclass(frozen=True)
class FastMatrices:
    """What :func:`fast_matrices` returns: the matrices and patsy's design for them."""

    X: np.ndarray
    x_info: Any
    y: np.ndarray | None
    y_info: Any
    prototype: pd.DataFrame  # the rows patsy built the design on (every column)
    # per column of X: the data column it copies, FINITE where its values cannot be
    # inf (the intercept, contrast values), None where they must be checked
    x_sources: tuple[Any, ...] = ()


def _builtin_unshadowed(name: str, frame: pd.DataFrame, eval_env: Any) -> bool:
    """Whether ``name`` in a formula means patsy's builtin of that name."""
    if name in frame.columns:
        return False
    try:
        value = eval_env.namespace[name]
    except KeyError:
        return True
    return value is getattr(patsy.builtins, name)


def _column_of(node: ast.expr, frame: pd.DataFrame, eval_env: Any) -> str | None:
    """The data column a bare name or ``Q("name")`` refers to, else None."""
    name = None
    if isinstance(node, ast.Name):
        name = node.id
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Q"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
        and _builtin_unshadowed("Q", frame, eval_env)
    ):
        name = node.args[0].value
    return name if name is not None and name in frame.columns else None


@functools.lru_cache(maxsize=1024)
def _parse(code: str) -> ast.expr | None:
    """The expression of a factor's code (read, never changed, here), None if it is not
    Python."""
    try:
        return ast.parse(code.strip(), mode="eval").body
    except SyntaxError:
        return None


def _simple_factor(
    code: str, frame: pd.DataFrame, eval_env: Any, dtypes: Mapping[str, Any] | None = None
) -> tuple[str, str] | None:
    """``(type, column)`` for a factor that is one data column, else None (``dtypes``:
    the frame's column dtypes, if at hand).

    The type is patsy's: "numerical" for a bare name (or ``Q("name")``) of a real
    numeric column, "categorical" for a bare name of a text, category or bool column
    or for ``C(column, ...)`` of any column (the other arguments of ``C`` only choose
    the levels and the coding, which patsy's design records).
    """
    node = _parse(code)
    if node is None:
        return None
    wrapped = False
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "C"
        and node.args
        and not any(isinstance(a, ast.Starred) for a in node.args)
        and _builtin_unshadowed("C", frame, eval_env)
    ):
        node, wrapped = node.args[0], True
    column = _column_of(node, frame, eval_env)
    if column is None:
        return None
    dtype = frame[column].dtype if dtypes is None else dtypes[column]
    if not wrapped and isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        return "numerical", column
    if (
        wrapped
        or isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype))
        or (isinstance(dtype, np.dtype) and dtype.kind in "bO")
    ):
        return "categorical", column
    return None


def _level_codes(col: pd.Series, levels: tuple[Any, ...]) -> np.ndarray | None:
    """Index of each value of ``col`` in ``levels`` (patsy's categorical_to_int), or None
    when a value is not among the levels or the levels cannot be compared."""
    try:
        if isinstance(col.dtype, np.dtype) and col.dtype.kind == "b" and levels == (False, True):
            return col.to_numpy().view(np.int8)
        if isinstance(col.dtype, pd.CategoricalDtype) and tuple(col.cat.categories) == levels:
            codes = col.cat.codes.to_numpy()
        else:
            codes = pd.Categorical(col, categories=list(levels)).codes
    except (TypeError, ValueError):
        return None
    return None if (codes < 0).any() else codes


def _column_combinations(widths: list[int]) -> list[tuple[int, ...]]:
    """Column indices of each factor for every column of a subterm, in patsy's (and
    R's) order: the left-most factor varies fastest."""
    return [c[::-1] for c in itertools.product(*(range(w) for w in reversed(widths)))]


class Block(NamedTuple):
    """Columns ``a`` to ``b - 1`` are rows of a categorical factor's contrast matrix,
    picked by its level ``codes``."""

    a: int
    b: int
    codes: np.ndarray
    matrix: np.ndarray


class Product(NamedTuple):
    """Column ``j`` is the product, left to right, of one column of each factor's values
    or contrast matrix: ``sources`` holds (values, contrast column) per factor, the
    contrast column None for a numerical factor; no sources: the intercept."""

    j: int
    sources: list[tuple[np.ndarray, np.ndarray | None]]
    factors: tuple[Any, ...]

    @property
    def copied(self) -> np.ndarray | None:
        """The values of the one numerical factor this column copies, else None."""
        if len(self.sources) == 1 and self.sources[0][1] is None:
            return self.sources[0][0]
        return None


def _plan(info: Any, values: dict[Any, np.ndarray]) -> list[Block | Product]:
    """How each column of the design ``info`` is computed from the factor values, as
    patsy's ``_build_subterm`` computes it, without its leading ``1 *`` (exact)."""
    plan: list[Block | Product] = []
    for term, subterms in info.term_codings.items():
        col = info.term_slices[term].start
        for sub in subterms:
            cat = {f: sub.contrast_matrices[f].matrix for f in sub.contrast_matrices}
            if len(sub.factors) == 1 and sub.factors[0] in cat:
                (f,) = sub.factors
                plan.append(Block(col, col + sub.num_columns, values[f], cat[f]))
                col += sub.num_columns
                continue
            widths = [cat[f].shape[1] if f in cat else 1 for f in sub.factors]
            for combo in _column_combinations(widths):
                sources = [
                    (values[f], cat[f][:, j] if f in cat else None)
                    for f, j in zip(sub.factors, combo, strict=True)
                ]
                plan.append(Product(col, sources, tuple(sub.factors)))
                col += 1
    return plan


class _FiniteByConstruction:
    """The marker of a design column that needs no check for inf (see
    :func:`column_sources`)."""

    def __repr__(self) -> str:
        return "FINITE"


FINITE = _FiniteByConstruction()


def column_sources(plan: list[Block | Product], ncols: int) -> list[Any]:
    """Per column of the design, where its values come from:

    * the numerical factor it is a copy of (finite if that column is);
    * :data:`FINITE` for the intercept and for contrast values whose products cannot
      overflow (every contrast in the column finite, and the product of their largest
      magnitudes too);
    * None otherwise (a product with a numerical factor, which can overflow): the
      caller checks such a column.

    Examples
    --------
    >>> import numpy as np
    >>> plan = [Product(0, [], ()), Product(1, [(np.zeros(2), None)], ("x",)),
    ...         Block(2, 3, np.zeros(2, dtype=int), np.array([[0.0], [1.0]]))]
    >>> column_sources(plan, 3)
    [FINITE, 'x', FINITE]
    """
    out: list[Any] = [None] * ncols
    for step in plan:
        if isinstance(step, Block):
            if np.all(np.isfinite(step.matrix)):
                out[step.a : step.b] = [FINITE] * (step.b - step.a)
            continue
        contrasts = [contrast for _, contrast in step.sources if contrast is not None]
        if len(contrasts) == len(step.sources):  # contrast values only (or the intercept)
            size = float(np.prod([np.max(np.abs(c), initial=0.0) for c in contrasts]))
            out[step.j] = FINITE if np.isfinite(size) else None
        elif step.copied is not None:
            out[step.j] = step.factors[0]
    return out


def _fill(
    info: Any,
    values: dict[Any, np.ndarray],
    n: int,
    plan: list[Block | Product] | None = None,
) -> np.ndarray:
    """The design matrix of ``info`` for the factor values given (Fortran order, float64:
    each column is written contiguously, and the row passes of a fit read row blocks of
    a Fortran-ordered X faster than of a C-ordered one).

    ``values`` maps each numerical factor to its column and each categorical factor to
    its level codes (``plan``: :func:`_plan` of them, if already made). A copy of one
    numerical column, and the intercept, is written whole (one streaming copy: 0.8x
    the time of filling it block by block at 1e6 x 50); the other columns row block by
    row block, each block in cache while its columns are computed.
    """
    out = np.empty((n, len(info.column_names)), order="F")
    blocked: list[Block | Product] = []
    for step in _plan(info, values) if plan is None else plan:
        if isinstance(step, Product) and not step.sources:
            out[:, step.j] = 1.0
        elif isinstance(step, Product) and step.copied is not None:
            out[:, step.j] = step.copied
        else:
            blocked.append(step)
    B = max(256, tuning().fill_block_bytes // (8 * max(out.shape[1], 1)))
    for start in range(0, n, B) if blocked else ():
        rows = slice(start, min(start + B, n))
        for step in blocked:
            if isinstance(step, Block):  # rows of the contrast matrix
                out[rows, step.a : step.b] = step.matrix[step.codes[rows]]
                continue
            for k, (vals, contrast) in enumerate(step.sources):
                v = vals[rows] if contrast is None else contrast[vals[rows]]
                if k == 0:
                    out[rows, step.j] = v
                else:
                    out[rows, step.j] *= v
    return out


def _factor_values(
    info: Any, frame: pd.DataFrame, eval_env: Any, dtypes: Mapping[str, Any] | None = None
) -> dict[Any, np.ndarray] | None:
    """Each factor's column (numerical) or level codes (categorical), or None if a factor
    is not a single column of the type patsy gave it."""
    values: dict[Any, np.ndarray] = {}
    for factor, finfo in info.factor_infos.items():
        simple = _simple_factor(factor.code, frame, eval_env, dtypes)
        if simple is None or simple[0] != finfo.type:
            return None
        column = frame[simple[1]]
        if finfo.type == "numerical":
            if finfo.num_columns != 1:
                return None
            values[factor] = column.to_numpy()
        else:
            codes = _level_codes(column, tuple(finfo.categories))
            if codes is None:
                return None
            values[factor] = codes
    return values


def fill_design(info: Any, frame: pd.DataFrame, eval_env: Any) -> np.ndarray | None:
    """The matrix of patsy's design ``info`` on ``frame`` (no missing values), filled
    with numpy as :func:`fast_matrices` fills it, or None when a factor is not a single
    column of the type patsy gave it (patsy must evaluate it).

    Examples
    --------
    >>> import pandas as pd
    >>> info = patsy.dmatrix("x", pd.DataFrame({"x": [1.0, 2.0]})).design_info
    >>> fill_design(info, pd.DataFrame({"x": [5.0, 6.0, 7.0]}), None).tolist()
    [[1.0, 5.0], [1.0, 6.0], [1.0, 7.0]]
    """
    values = _factor_values(info, frame, eval_env)
    return None if values is None else _fill(info, values, len(frame))


@functools.lru_cache(maxsize=64)
def _model_desc(formula: str) -> Any:
    """patsy's parse of a formula (read, never changed, here), kept for refits."""
    return patsy.ModelDesc.from_formula(formula)


def fast_matrices(
    formula: str, frame: pd.DataFrame, eval_env: Any, with_response: bool = True
) -> FastMatrices | None:
    """The design (and response) matrices of ``formula`` on ``frame``, built fast, or
    None when the formula needs patsy's own evaluation.

    Handled: every factor is a numeric column (by name or ``Q("name")``), or a text,
    category or bool column, or ``C(column, ...)``, in any terms and interactions; the
    response (``with_response``) is made of numeric columns. patsy builds the design on
    the prototype rows (row 0 and the first row of each level of every categorical
    column), so its column names, levels and contrasts are those of the whole frame;
    the matrices are then filled with numpy, after checking that the fill reproduces
    patsy's matrices on those rows exactly. ``frame`` must have no missing values.
    """
    lhs, rhs = formula.split("~", 1)
    try:
        desc = _model_desc(formula if with_response else rhs)
    except patsy.PatsyError:
        return None
    level_columns: list[str] = []
    columns: list[str] = []
    plain = True  # every factor a bare column name: patsy's design depends on the data only
    column_of: dict[str, str] = {}  # factor code -> the data column it reads
    dtypes = dict(zip(frame.columns, frame.dtypes, strict=True))  # one lookup, not one per factor
    for term in desc.lhs_termlist + desc.rhs_termlist:
        for factor in term.factors:
            code = getattr(factor, "code", "")
            simple = _simple_factor(code, frame, eval_env, dtypes)
            if simple is None:
                return None
            plain = plain and code.strip() == simple[1]
            column_of[code] = simple[1]
            if simple[1] not in columns:
                columns.append(simple[1])
            if simple[0] == "categorical" and simple[1] not in level_columns:
                level_columns.append(simple[1])
    try:
        keep = level_rows(frame, [[c] for c in level_columns])
    except TypeError:  # unhashable values: patsy's own path reports them
        return None
    small = frame.take(np.flatnonzero(keep))  # a third of the time of .loc[keep]
    n_small = len(small)
    if n_small > max(1000, len(frame) // 4):  # too many levels to pay off
        return None
    key = _cache_key(formula, with_response, small, columns, level_columns) if plain else None
    infos = _DESIGN_CACHE.get(key) if key is not None else None
    if infos is None:
        infos = _patsy_designs(formula, rhs, small, eval_env, with_response, dtypes)
        if infos is None:
            return None
        _remember(key, infos)
    full_values = [_factor_values(i, frame, eval_env, dtypes) for i in infos]
    if any(v is None for v in full_values):
        return None
    n = len(frame)
    plan = _plan(infos[0], full_values[0])
    X = _fill(infos[0], full_values[0], n, plan)
    y = _fill(infos[1], full_values[1], n) if with_response else None
    sources = tuple(
        f if f is None or f is FINITE else column_of[f.code]
        for f in column_sources(plan, X.shape[1])
    )
    return FastMatrices(X, infos[0], y, infos[1] if with_response else None, small, sources)


# patsy's designs of recent formulas of bare column names, by formula, column dtypes and
# the set of levels of each categorical column (patsy sorts them): refitting a formula
# skips patsy (8 ms for 10 columns, 30 ms for 50, whatever the number of rows)
_DESIGN_CACHE: dict[Any, list[Any]] = {}
_DESIGN_CACHE_SIZE = 64


def _cache_key(
    formula: str,
    with_response: bool,
    small: pd.DataFrame,
    columns: list[str],
    level_columns: list[str],
) -> Any:
    """The design cache's key of a formula of bare column names on these prototype
    rows: the formula, each column's dtype and each categorical column's levels (None
    when a value is unhashable)."""
    try:
        dtypes = small.dtypes
        key = (formula, with_response) + tuple(
            (c, dtypes[c], _level_set(small[c]) if c in level_columns else None) for c in columns
        )
        hash(key)
    except TypeError:
        return None
    return key


def _remember(key: Any, infos: list[Any]) -> None:
    """Keep patsy's designs under ``key``, dropping the oldest entry when full."""
    if key is None or _DESIGN_CACHE_SIZE <= 0:
        return
    if len(_DESIGN_CACHE) >= _DESIGN_CACHE_SIZE:
        try:
            _DESIGN_CACHE.pop(next(iter(_DESIGN_CACHE)), None)
        except (StopIteration, RuntimeError):  # emptied or changed by another thread
            pass
    _DESIGN_CACHE[key] = infos


def clear_design_cache() -> None:
    """Forget patsy's designs of recent formulas (the next fit of each asks patsy).

    Examples
    --------
    >>> clear_design_cache()
    """
    _DESIGN_CACHE.clear()


def _level_set(column: pd.Series) -> frozenset[tuple[type, Any]]:
    """The distinct values of a column with their types (1, 1.0 and True are equal as
    set members but are different levels, named differently, for patsy)."""
    return frozenset((type(v), v) for v in column.tolist())


def _patsy_designs(
    formula: str,
    rhs: str,
    small: pd.DataFrame,
    eval_env: Any,
    with_response: bool,
    dtypes: Mapping[str, Any] | None = None,
) -> list[Any] | None:
    """patsy's design infos of ``formula`` built on the prototype rows ``small`` ([x] or
    [x, y]; ``dtypes``: their column dtypes), after checking that the numpy fill
    reproduces patsy's matrices there exactly; None when patsy fails or the fill does
    not match."""
    try:
        if with_response:
            ymat, xmat = patsy.dmatrices(formula, small, eval_env=eval_env, NA_action="raise")
        else:
            ymat, xmat = None, patsy.dmatrix(rhs, small, eval_env=eval_env, NA_action="raise")
    except Exception:  # noqa: BLE001 - patsy's own path reports the error
        return None
    infos = [xmat.design_info] + ([ymat.design_info] if ymat is not None else [])
    small_values = [_factor_values(i, small, eval_env, dtypes) for i in infos]
    if any(v is None for v in small_values):
        return None
    if ymat is not None and any(
        f.type != "numerical" for f in ymat.design_info.factor_infos.values()
    ):
        return None
    for info, vals, mat in zip(infos, small_values, [xmat, ymat], strict=False):
        if not np.array_equal(_fill(info, vals, len(small)), np.asarray(mat, dtype=float)):
            return None
    return infos
