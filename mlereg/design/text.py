"""Formulas as text: the parts of a formula, split at ``|``.

Examples
--------
>>> split_parts("y ~ x1 + I(a | b) | z")
('y', ['x1 + I(a | b)', 'z'])
"""

from __future__ import annotations

from ..exceptions import FormulaError


def split_parts(formula: str) -> tuple[str, list[str]]:
    """The left-hand side and the right-hand side's parts, split at each ``|`` that is
    not inside brackets or a string.

    Raises
    ------
    FormulaError
        No ``~``, or an empty part.

    Examples
    --------
    >>> split_parts("y ~ x")
    ('y', ['x'])
    >>> split_parts("y ~ x | 1")
    ('y', ['x', '1'])
    """
    if "~" not in formula:
        raise FormulaError(f"the formula {formula!r} has no '~' separating response and terms")
    lhs, rhs = formula.split("~", 1)
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(rhs):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(rhs[start:i])
            start = i + 1
    parts.append(rhs[start:])
    parts = [p.strip() for p in parts]
    if any(not p for p in parts):
        raise FormulaError(f"the formula {formula!r} has an empty part between '|'s")
    return lhs.strip(), parts
