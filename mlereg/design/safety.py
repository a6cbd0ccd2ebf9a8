"""Which formulas are evaluated: a formula is code, and is checked before it runs.

patsy evaluates each term of a formula as a Python expression, so a formula from an
untrusted source (a web form, a configuration file, a pickle) could run anything:
``I(__import__('os').system('...'))``. By default mlereg parses the formula first and
accepts only

- column names of the data (``Q("odd name")`` for names that are not identifiers),
- numbers, strings, ``True``/``False``/``None``, and the operators of the formula
  language and of Python arithmetic and comparison,
- calls of the functions in :data:`FORMULA_FUNCTIONS`: patsy's built-ins (``C``, ``I``,
  ``Q``, ``center``, ``standardize``, ``scale``, ``bs``, ``cr``, ``cc``, ``te`` and the
  contrasts), numpy's element-wise functions as ``np.name`` or ``numpy.name`` (and the
  common ones by their bare name, R's way: ``log(x)``), ``abs``, ``round``, ``min``
  and ``max``.

Anything else (attribute access other than ``np.<function>``, subscripts, lambdas,
comprehensions, ``out=``, names of the caller's variables or functions, exponents of
literals beyond 1000 and repeated text, which would not end or not fit) is refused with a
:class:`~mlereg.exceptions.FormulaError` naming the token, before anything is
evaluated; checked formulas are evaluated in a namespace of the allowed functions
only. ``trusted=True`` (or an explicit ``eval_env=``) opts out: the formula then sees
the caller's names, as patsy's do. Loading a pickled model checks its formula again;
one that needs the caller's names loads only inside :func:`trusted_formulas`.

Examples
--------
>>> sorted(check_formula("y ~ np.log(x) + C(g)", ["y", "x", "g"]))
['g', 'x', 'y']
>>> try:
...     check_formula("y ~ I(__import__('os'))", ["y"])
... except FormulaError as exc:
...     print(str(exc)[:60])
the formula "y ~ I(__import__('os'))" uses '__import__', whi
"""

from __future__ import annotations

import ast
import builtins
import contextvars
import unicodedata
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import patsy
import patsy.builtins
from patsy.parse_formula import parse_formula

from ..exceptions import ArgumentTypeError, DataError, FormulaError
from .expressions import (
    BARE_NUMPY,
    FORMULA_FUNCTIONS,
    PYTHON_BUILTINS,
    check_expression,
    computed_columns,
)
from .text import formula_names, split_offset_terms, split_parts

__all__ = ["FORMULA_FUNCTIONS", "check_formula", "trusted_formulas"]

# patsy's formula language multiplies terms: (a + ... + r) ** 18 or a * b * ... * r
# (2 ** 18 terms) ran for minutes before the first row was read
MAX_TERMS = 10_000

_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("trusted", default=False)


def safe_namespace() -> dict[str, Any]:
    """The names a checked formula is evaluated with (patsy adds its built-ins).

    Examples
    --------
    >>> ns = safe_namespace()
    >>> ns["log"] is np.log, repr(ns["eval"])
    (True, '<eval: not for formulas>')
    """
    # every other builtin shadowed: a name patsy did not find among the columns must not
    # fall through to Python's eval, exec or open
    names: dict[str, Any] = dict(_STUBS)
    names.update({"np": np, "numpy": np})
    names.update({n: getattr(np, n) for n in BARE_NUMPY})
    return names


_BUILTIN_NAMES = tuple(n for n in (*dir(builtins), "__builtins__") if n not in PYTHON_BUILTINS)


class _Refused:
    """What a Python builtin a formula may not use evaluates to: calling it raises."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise FormulaError(f"a formula may not use {self.name!r}")

    def __repr__(self) -> str:
        return f"<{self.name}: not for formulas>"


_STUBS = {n: _Refused(n) for n in _BUILTIN_NAMES}  # made once: every fit's namespace copies it


def safe_environment() -> patsy.EvalEnvironment:
    """patsy's evaluation environment of a checked formula: :func:`safe_namespace`.

    Examples
    --------
    >>> safe_environment().namespace["np"] is np
    True
    """
    return patsy.EvalEnvironment([safe_namespace()])


def formula_environment(eval_env: Any, trusted: bool, depth: int) -> Any:
    """Where a formula's names are looked up: None for a checked formula (the caller
    checks it and uses :func:`safe_environment`), else a patsy ``EvalEnvironment``.

    ``eval_env`` may be None (checked, unless ``trusted``: then the frame ``depth``
    levels above this function's caller), a number of frames above that frame, a
    mapping of names, or a patsy ``EvalEnvironment``; any of these but None opts out of
    the check.

    Examples
    --------
    >>> formula_environment(None, False, 0) is None
    True
    >>> formula_environment({"k": 2}, False, 0).namespace["k"]
    2
    """
    if eval_env is None and not trusted:
        return None
    if eval_env is None:
        eval_env = 0
    if isinstance(eval_env, bool) or not isinstance(eval_env, (int, dict, patsy.EvalEnvironment)):
        raise ArgumentTypeError(
            "eval_env must be a number of frames, a dict of names or a patsy"
            f" EvalEnvironment, got {type(eval_env).__name__}"
        )
    if isinstance(eval_env, int):
        return patsy.EvalEnvironment.capture(eval_env + depth + 1)
    if isinstance(eval_env, dict):
        return patsy.EvalEnvironment([eval_env])
    return eval_env


@contextmanager
def trusted_formulas() -> Iterator[None]:
    """Load pickled models whose formulas use names from the code that fitted them.

    A pickle is code: load only pickles you trust. Inside this block, a pickled model
    whose formula fails the check of :func:`check_formula` (it was fitted with
    ``trusted=True`` and calls a function of its author's) is rebuilt with the names
    stored with it; outside, loading it raises :class:`~mlereg.exceptions.FormulaError`.

    Examples
    --------
    >>> import mlereg as mr
    >>> with mr.trusted_formulas():
    ...     pass
    """
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def formulas_trusted() -> bool:
    """Whether the code runs inside :func:`trusted_formulas`.

    Examples
    --------
    >>> formulas_trusted()
    False
    """
    return _trusted.get()


def rhs_with_offsets(rhs: str, offset_terms: tuple[str, ...]) -> str:
    """A design's right-hand side with its offset terms, as a formula to check.

    Examples
    --------
    >>> rhs_with_offsets("x", ("np.log(t)",))
    '~ x + offset(np.log(t))'
    """
    return "~ " + " + ".join((rhs, *(f"offset({t})" for t in offset_terms)))


def loading_environment(
    rhs: str,
    offset_terms: tuple[str, ...],
    columns: tuple[Collection[Any], Collection[Any]],
    stored: dict[str, Any],
) -> tuple[Any, bool]:
    """Where a pickled formula's names are looked up, and whether it is trusted: the
    allowed functions if it passes :func:`check_formula`, else (inside
    :func:`trusted_formulas` only) the names stored with it (``stored``: name ->
    ``("module", module name)`` or ``("object", value)``).

    ``columns`` is the pair (the columns of the rows the right-hand side is rebuilt
    on, the columns its offsets may read on new data): a name the right-hand side
    calls a column must be one of the rows it is evaluated on.

    Raises
    ------
    FormulaError
        The formula fails the check, outside :func:`trusted_formulas`.

    Examples
    --------
    >>> stored = {"np": ("module", "os")}
    >>> env, trusted = loading_environment("np.log(x)", (), (["x"], ["x"]), stored)
    >>> env.namespace["np"] is np, trusted
    (True, False)
    """
    try:
        check_formula(f"~ {rhs}", columns[0])
        if offset_terms:
            check_formula(rhs_with_offsets("1", offset_terms), columns[1])
    except FormulaError as exc:
        if not formulas_trusted():
            raise FormulaError(
                f"loading a pickled model: {exc}. A pickle is code: load it inside"
                " 'with mlereg.trusted_formulas():' only if you trust where it came from"
            ) from None
        import importlib

        namespace = {
            k: importlib.import_module(v) if kind == "module" else v
            for k, (kind, v) in stored.items()
        }
        namespace.setdefault("np", np)
        return patsy.EvalEnvironment([namespace]), True
    return safe_environment(), False


def check_formula(formula: str, columns: Collection[Any], numbers_in: Any = None) -> set[str]:
    """Raise :class:`~mlereg.exceptions.FormulaError` unless ``formula`` uses only
    ``columns`` and what :data:`FORMULA_FUNCTIONS` allows (see the module's text), in
    at most :data:`MAX_TERMS` terms; return the columns it reads.

    ``formula`` may be a whole formula (``"y ~ x | z + offset(log(t))"``) or a
    right-hand side alone. Nothing in it is evaluated. Names must be written as the
    data has them: Python reads ``ｅｖａｌ`` (full-width letters) as ``eval`` and
    ``Q("\\x65val")`` as ``Q("eval")``, and such spellings are refused. With a data
    frame ``numbers_in``, a :class:`~mlereg.exceptions.DataError` is raised if a
    column the formula multiplies, raises to a power, shifts or formats does not hold
    numbers there: text repeats (``I(s * n)``), and Python's integers in an object
    column grow without bounds (``x ** z`` ran for hours on read_csv's integers beyond
    64 bits).

    Examples
    --------
    >>> sorted(check_formula("y ~ x + Q('a b')", ["y", "x", "a b"]))
    ['a b', 'x', 'y']
    >>> try:
    ...     check_formula("y ~ x.__class__", ["y", "x"])
    ... except FormulaError as exc:
    ...     print(str(exc)[:48])
    the formula 'y ~ x.__class__' uses 'x.__class__'
    """
    names = {str(c) for c in columns}
    written = formula_names(formula)
    odd = [n for n in written if unicodedata.normalize("NFKC", n) != n]
    used: set[str] = set()
    for code in _formula_expressions(formula):
        used |= check_expression(code, names, formula)
        if numbers_in is not None and any(op in code for op in ("*", "%", "<<")):
            _numbers_only(code, names, numbers_in, formula)
    odd += sorted(used - set(written))
    if odd:
        raise FormulaError(
            f"the formula {formula!r} writes {odd[0]!r} in a form Python reads as another"
            " name (compatibility characters or escapes): write names as the data has them"
        )
    return used


def _numbers_only(code: str, names: set[str], frame: Any, formula: str) -> None:
    """Raise unless the columns ``code`` computes with hold numbers in ``frame``."""
    for c in sorted(computed_columns(code, names)):
        kind = getattr(frame[c].dtype, "kind", "O")
        if kind not in "iufb":
            raise DataError(
                f"the formula {formula!r} computes with the column {c!r}, which holds"
                f" {frame[c].dtype} values: a formula computes with numbers only"
                f" (convert it with pd.to_numeric, or write C({c}) for its levels)"
            )


def _formula_expressions(formula: str) -> Iterator[str]:
    """The Python code of each variable term of ``formula``, offsets included; refuse a
    formula whose terms would multiply beyond MAX_TERMS."""
    rest, offsets = split_offset_terms(formula)
    yield from offsets
    if "~" in rest:
        lhs, parts = split_parts(rest)
        pieces = [lhs, *parts] if lhs else parts
    else:
        pieces = [rest]
    for piece in pieces:
        try:
            tree = parse_formula(piece)
            terms = _term_bound(tree)
        except patsy.PatsyError as exc:
            raise FormulaError(f"cannot parse the formula {formula!r}: {exc.message}") from None
        except RecursionError:
            raise too_long(formula) from None
        if terms > MAX_TERMS:
            raise FormulaError(
                f"the formula {formula!r} expands to up to {terms:.3g} terms (more than"
                f" {MAX_TERMS}): write the interactions it needs"
            )
        yield from _expressions(tree)


def _term_bound(node: Any) -> float:
    """An upper bound on the number of terms patsy expands a parse tree to."""
    if not node.args:
        return 1.0
    sizes = [_term_bound(a) for a in node.args]
    op = node.type
    if len(sizes) == 1 or op == "-":
        return sizes[0]
    a, b = sizes
    if op in ("+", "~"):
        return a + b
    if op == ":":
        return a * b
    if op in ("*", "/"):
        return a + b + a * b
    if op == "**":  # interactions of up to n of a's terms: at most 2 ** a
        return float(2.0 ** min(a, 1024.0))
    return a + b


def stored_names(
    formula: str, columns: Collection[Any], namespace: Any
) -> dict[str, tuple[str, Any]]:
    """The names of the caller's code a trusted formula uses, as its pickle stores them:
    modules by name, other values as themselves (pickled by reference for functions).

    Raises
    ------
    FormulaError
        A name's value cannot be pickled (a function defined inside another, a lambda):
        the pickle could not rebuild the design.

    Examples
    --------
    >>> stored_names("y ~ np.log(x) + I(x * k)", ["y", "x"], {"np": np, "k": 2.0})
    {'np': ('module', 'numpy'), 'k': ('object', 2.0)}
    """
    import pickle

    out: dict[str, tuple[str, Any]] = {}
    seen = set(map(str, columns))
    for code in _formula_expressions(formula):
        for node in ast.walk(ast.parse(code.strip(), mode="eval")):
            if not isinstance(node, ast.Name) or node.id in seen or node.id not in namespace:
                continue
            seen.add(node.id)
            value = namespace[node.id]
            if isinstance(value, type(np)):
                out[node.id] = ("module", value.__name__)
                continue
            try:
                pickle.dumps(value)
            except Exception as exc:  # noqa: BLE001 - whatever pickle raises, said here
                raise FormulaError(
                    f"the formula uses {node.id!r}, which cannot be pickled"
                    f" ({type(exc).__name__}: {exc}): define it at the top level of a"
                    " module, so that a pickle can name it"
                ) from None
            out[node.id] = ("object", value)
    return out


def too_long(formula: str) -> FormulaError:
    """The error for a formula of thousands of terms: patsy parses recursively, and
    exhausts Python's stack.

    Examples
    --------
    >>> str(too_long("y ~ a + b"))[:46]
    "the formula is too long for patsy's parser (ab"
    """
    terms = formula.count("+") + 1
    return FormulaError(
        f"the formula is too long for patsy's parser (about {terms} terms): build the"
        " design as an array and use the array interface (Model(y, X)), or group terms"
    )


def _expressions(tree: Any) -> Iterator[str]:
    """The Python code of each variable term in patsy's parse tree (walked with a
    stack: the tree of a long formula is deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.type == "PYTHON_EXPR":
            yield node.token.extra
        stack.extend(reversed(node.args))
