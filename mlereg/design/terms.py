"""The terms of a design built from a formula, read from patsy's description of it.

Which terms can be dropped one at a time (:func:`drop_scope`, as R's ``drop.scope``),
the design without one of them or with only some columns (:func:`without_term`,
:func:`with_columns`, for refits by ``drop1`` and anova), every term in R's order
(:func:`formula_terms`), and linear restrictions on named coefficients
(:func:`linear_constraint`).

Examples
--------
>>> linear_constraint("a = 0", ["Intercept", "a"])[0].tolist()
[[0.0, 1.0]]
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import patsy

from ..exceptions import ArgumentTypeError, FormulaError
from .design import Design


def drop_scope(design: Design) -> dict[str, tuple[int, ...]]:
    """The terms of a formula design that can be dropped one at a time, with their columns.

    As R's ``drop.scope``: every term but the intercept that is not contained in a
    higher-order term (``a`` cannot be dropped while ``a:b`` stays).

    Parameters
    ----------
    design : Design
        Built by :func:`mlereg.design.formula.design_from_formula`.

    Returns
    -------
    dict of str -> tuple of int
        Term name (as patsy writes it) -> indices of its columns in ``design.X``.

    Raises
    ------
    TypeError
        The design was not built from a formula.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlereg.design.formula import design_from_formula
    >>> df = pd.DataFrame({"y": [1.0, 2, 4, 3], "a": [0.0, 1, 2, 3], "g": list("xyxy")})
    >>> drop_scope(design_from_formula("y ~ a + g", df))
    {'g': (1,), 'a': (2,)}
    """
    if design.builder is None:
        raise ArgumentTypeError(
            "terms are known only for models built from a formula (from_formula)"
        )
    info = design.builder.design_info
    terms = [t for t in info.terms if t.factors]
    out: dict[str, tuple[int, ...]] = {}
    for term in terms:
        if any(set(term.factors) < set(other.factors) for other in terms):
            continue
        cols = info.term_slices[term]
        out[term.name()] = tuple(range(cols.start, cols.stop))
    return out


def without_term(design: Design, term: str) -> Design:
    """The same rows and response with the columns of one term removed.

    The reduced design keeps every row of the original (as R's ``drop1`` refits on the
    same model frame); its formula reads ``"<formula> - <term>"`` and it has no row
    builder (it is meant for refitting, not for prediction).

    Examples
    --------
    >>> import pandas as pd
    >>> from mlereg.design.formula import design_from_formula
    >>> df = pd.DataFrame({"y": [1.0, 2, 4, 3], "a": [0.0, 1, 2, 3], "g": list("xyxy")})
    >>> without_term(design_from_formula("y ~ a + g", df), "g").exog_names
    ('Intercept', 'a')
    """
    scope = drop_scope(design)
    if term not in scope:
        raise FormulaError(
            f"cannot drop {term!r}: droppable terms are {list(scope)} (the intercept and"
            " terms contained in an interaction stay)"
        )
    keep = [j for j in range(design.X.shape[1]) if j not in scope[term]]
    return with_columns(design, keep, f"{design.formula} - {term}")


def with_columns(design: Design, keep: list[int], formula: str) -> Design:
    """The same rows and response with only the columns ``keep`` of the design, for
    refitting (no row builder); ``formula`` says what it is.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlereg.design.formula import design_from_formula
    >>> df = pd.DataFrame({"y": [1.0, 2, 4, 3], "a": [0.0, 1, 2, 3], "g": list("xyxy")})
    >>> with_columns(design_from_formula("y ~ a + g", df), [0], "y ~ 1").exog_names
    ('Intercept',)
    """
    return replace(
        design,
        X=np.asfortranarray(design.X[:, keep]),
        exog_names=tuple(design.exog_names[j] for j in keep),
        formula=formula,
        builder=None,
    )


def formula_terms(design: Design) -> dict[str, tuple[tuple[int, ...], frozenset[Any]]]:
    """Every term of a formula design but the intercept, in R's order (main effects in
    the order the formula names them, then two-way interactions, ...): its columns in
    ``design.X`` and its factors (a term contains another when its factors include the
    other's). patsy orders the columns differently; sequential tables need R's order.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlereg.design.formula import design_from_formula
    >>> df = pd.DataFrame({"y": [1.0, 2, 4, 3], "a": [0.0, 1, 2, 3], "g": list("xyxy")})
    >>> terms = formula_terms(design_from_formula("y ~ a * g", df))
    >>> [(name, cols) for name, (cols, _) in terms.items()]
    [('a', (2,)), ('g', (1,)), ('a:g', (3,))]
    """
    if design.builder is None:
        raise ArgumentTypeError(
            "terms are known only for models built from a formula (from_formula)"
        )
    info = design.builder.design_info
    written = [t.name() for t in patsy.ModelDesc.from_formula(design.builder.rhs).rhs_termlist]
    terms = [t for t in info.terms if t.factors]
    order = sorted(
        terms,
        key=lambda t: (len(t.factors), written.index(t.name()) if t.name() in written else 0),
    )
    return {
        term.name(): (
            tuple(range(info.term_slices[term].start, info.term_slices[term].stop)),
            frozenset(term.factors),
        )
        for term in order
    }


def linear_constraint(
    constraints: str | list[str], names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Parse linear restrictions on named coefficients into ``R beta = q``.

    Parameters
    ----------
    constraints : str or list of str
        Comma-separated equations in the coefficient names, e.g.
        ``"x1 = 0, C(g)[T.b] = C(g)[T.c]"`` or ``["x1 = 2 * x2", "x3"]`` (an expression
        without ``=`` means ``= 0``).
    names : list of str
        The coefficient names, in order.

    Returns
    -------
    R : ndarray (J, p)
    q : ndarray (J,)

    Raises
    ------
    FormulaError
        A restriction cannot be parsed or names an unknown coefficient.

    Examples
    --------
    >>> R, q = linear_constraint("x1 = 0, a = b", ["Intercept", "x1", "a", "b"])
    >>> R.tolist(), q.tolist()
    ([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]], [0.0, 0.0])
    """
    try:
        lc = patsy.DesignInfo(list(names)).linear_constraint(constraints)
    except patsy.PatsyError as exc:
        raise FormulaError(
            f"cannot parse the restriction(s) {constraints!r}: {exc}. Coefficient names"
            f" are {list(names)}"
        ) from None
    return np.asarray(lc.coefs, dtype=float), np.asarray(lc.constants, dtype=float).ravel()
