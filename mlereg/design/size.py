"""The size of a design, checked before anything is built.

A formula says how many columns its design will have before patsy builds it: the levels
of its categorical factors, multiplied in interactions, and the df of its splines.
:func:`check_design_size` refuses a design that would not fit in the memory the
process may use, or that has far more columns than rows.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Any

import pandas as pd
import patsy
from pandas.api.types import is_numeric_dtype

from ..exceptions import DataError
from ..linalg.memory import memory_left


def physical_memory() -> float:
    """Bytes of memory of this machine (inf where the system does not say).

    Examples
    --------
    >>> physical_memory() > 0
    True
    """
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return float("inf")


# calls whose factors have more than one column: categoricals and splines
_SIZED = re.compile(r"\b(C|bs|cr|cc|te)\s*\(")


def check_design_size(frame: pd.DataFrame, rhs: str, columns: tuple[str, ...]) -> None:
    """Refuse, before anything is built, a design too large for the memory the process
    may use (half the machine's at most), or of more than max(100,000, 10 x rows)
    columns: a factor of 1e5 levels asked numpy for 55.6 GiB, and interactions of text
    columns multiply their levels (a:b:c of 100 levels each: 1e6 columns for 100 rows).
    The columns of a term are the product of its factors' (levels of a categorical,
    df of a spline, else 1), read from patsy's parse of the formula.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, 2.0], "g": ["a", "b"]})
    >>> check_design_size(df, "g", ("g",))
    """
    if not _SIZED.search(rhs) and all(
        is_numeric_dtype(frame[c].dtype) and frame[c].dtype != bool for c in columns
    ):
        return  # numeric columns only: a column per term, terms bounded by the check
    try:
        terms = patsy.ModelDesc.from_formula(rhs).rhs_termlist
    except patsy.PatsyError:
        return  # patsy's own path reports it
    levels: dict[str, int] = {}
    total = 0.0
    for term in terms:
        size = 1.0
        for factor in term.factors:
            size *= _factor_columns(factor.code, frame, columns, levels)
        total += size
    rows = len(frame)
    size = rows * total * 8.0
    budget = min(physical_memory() / 2, memory_left())
    if size > budget or total > max(100_000, 10 * rows):
        big = sorted(levels.items(), key=lambda kv: -kv[1])[:3]
        named = f" (dummy columns of {', '.join(f'{c!r}: {k} levels' for c, k in big)})"
        named = named if big else ""
        raise DataError(
            f"the design would have about {total:,.0f} columns for {rows} rows, taking"
            f" {size / 2**30:.1f} GiB{named}: more than this process may use or than the"
            " rows can estimate; merge levels, drop interactions, or fit fewer rows"
        )


def _factor_columns(code: str, frame: pd.DataFrame, columns: Any, levels: dict) -> float:
    """Columns of one factor: the product of the levels of the columns a categorical
    factor reads (C(...) or text), a spline's df, else 1."""
    try:
        node = ast.parse(code.strip(), mode="eval").body
    except (SyntaxError, RecursionError, MemoryError):
        return 1.0
    read = [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in columns]
    call = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
    if call in ("bs", "cr", "cc", "te"):
        return float(_spline_df(node))
    categorical = call == "C" or any(
        not is_numeric_dtype(frame[c].dtype) or frame[c].dtype == bool for c in read
    )
    if not categorical:
        return 1.0
    size = 1.0
    for c in dict.fromkeys(read):
        levels[c] = levels.get(c) or int(frame[c].nunique())
        size *= levels[c]
    return size


def _spline_df(node: Any) -> float:
    """A spline's literal df (te: the product of its margins'), 1 when not written."""
    if node.func.id == "te":
        out = 1.0
        for margin in node.args:
            out *= _spline_df(margin) if isinstance(margin, ast.Call) else 1.0
        return out
    df = next((k.value for k in node.keywords if k.arg == "df"), None)
    if df is None and len(node.args) > 1:
        df = node.args[1]
    value = df.value if isinstance(df, ast.Constant) else None
    return float(value) if isinstance(value, (int, float)) and value > 0 else 1.0
