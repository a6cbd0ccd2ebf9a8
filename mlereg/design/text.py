"""Formulas as text: the parts of a formula, split at ``|``, and R's ``offset(...)``
terms taken out of a right-hand side.

Examples
--------
>>> split_parts("y ~ x1 + I(a | b) | z")
('y', ['x1 + I(a | b)', 'z'])
>>> split_offset_terms("y ~ x + offset(np.log(t))")
('y ~ x', ('np.log(t)',))
"""

from __future__ import annotations

import io
import re
import tokenize

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
    parts = _top_level_split(rhs, "|")
    parts = [p.strip() for p in parts]
    if any(not p for p in parts):
        raise FormulaError(f"the formula {formula!r} has an empty part between '|'s")
    return lhs.strip(), parts


def _top_level_split(text: str, sep: str) -> list[str]:
    """``text`` split at each ``sep`` outside brackets and strings."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def split_offset_terms(formula: str) -> tuple[str, tuple[str, ...]]:
    """The formula without its top-level ``offset(expr)`` terms, and their expressions
    (R's offsets in a formula: added to the linear predictor with coefficient 1).

    Examples
    --------
    >>> split_offset_terms("y ~ offset(log(t))")
    ('y ~ 1', ('log(t)',))
    >>> split_offset_terms("y ~ x + I(offset(z))")
    ('y ~ x + I(offset(z))', ())
    """
    if "offset" not in formula or "~" not in formula:
        return formula, ()
    lhs, rhs = formula.split("~", 1)
    kept, offsets = [], []
    for term in _top_level_split(rhs, "+"):
        m = re.fullmatch(r"\s*offset\s*\((.*)\)\s*", term, flags=re.S)
        if m:
            offsets.append(m.group(1).strip())
        else:
            kept.append(term.strip())
    if not offsets:
        return formula, ()
    body = " + ".join(t for t in kept if t) or "1"
    return f"{lhs.strip()} ~ {body}", tuple(offsets)


def formula_names(formula: str) -> list[str]:
    """Identifiers and Q("...") names that appear in a formula, in order, as written.

    Examples
    --------
    >>> formula_names("y ~ np.log(x) + Q('a b')")
    ['a b', 'y', 'np', 'log', 'x', 'Q']
    """
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
