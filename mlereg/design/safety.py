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
>>> check_formula("y ~ np.log(x) + C(g)", ["y", "x", "g"])
>>> try:
...     check_formula("y ~ I(__import__('os'))", ["y"])
... except FormulaError as exc:
...     print(str(exc)[:60])
the formula "y ~ I(__import__('os'))" uses '__import__', whi
"""

from __future__ import annotations

import ast
import contextvars
import difflib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import patsy
import patsy.builtins
from patsy.parse_formula import parse_formula

from ..exceptions import ArgumentTypeError, FormulaError
from .text import split_offset_terms, split_parts

# numpy's element-wise functions and constants a formula may use as np.<name>
NUMPY_NAMES = (
    "abs", "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "cbrt", "ceil", "clip", "cos", "cosh", "deg2rad", "e", "exp", "exp2",
    "expm1", "fabs", "floor", "fmax", "fmin", "fmod", "hypot", "inf", "isfinite", "isnan",
    "log", "log10", "log1p", "log2", "logical_and", "logical_not", "logical_or", "maximum",
    "minimum", "mod", "nan", "pi", "power", "rad2deg", "reciprocal", "rint", "round",
    "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc", "where",
)  # fmt: skip
# the common ones also by their bare name, as R writes them: log(x), sqrt(x)
BARE_NUMPY = ("exp", "expm1", "log", "log10", "log1p", "log2", "sqrt", "floor", "ceil")
# Python's own, harmless on numbers and arrays (not pow: pow(10, 10 ** 9) computes a
# number of a billion bits; np.power and ** are checked)
PYTHON_BUILTINS = ("abs", "round", "min", "max")
PATSY_NAMES = tuple(patsy.builtins.__all__)

#: Every name a checked formula may call or use besides the data's columns.
FORMULA_FUNCTIONS: tuple[str, ...] = tuple(
    sorted(
        {*PATSY_NAMES, *BARE_NUMPY, *PYTHON_BUILTINS}
        | {f"{m}.{n}" for m in ("np", "numpy") for n in NUMPY_NAMES}
    )
)

_NAMES = frozenset({*PATSY_NAMES, *BARE_NUMPY, *PYTHON_BUILTINS, "np", "numpy"})
_NUMPY = frozenset(NUMPY_NAMES)
# syntax that only combines checked values: operators, literals of containers, calls
# (whose function is checked), keyword arguments (``C(g, levels=[...])``)
_PLAIN = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Tuple,
    ast.List, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context,
)  # fmt: skip

_trusted: contextvars.ContextVar[bool] = contextvars.ContextVar("trusted", default=False)


def safe_namespace() -> dict[str, Any]:
    """The names a checked formula is evaluated with (patsy adds its built-ins).

    Examples
    --------
    >>> sorted(safe_namespace())[:3]
    ['ceil', 'exp', 'expm1']
    """
    names: dict[str, Any] = {"np": np, "numpy": np}
    names.update({n: getattr(np, n) for n in BARE_NUMPY})
    return names


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
    rhs: str, offset_terms: tuple[str, ...], columns: Any, stored: dict[str, Any]
) -> tuple[Any, bool]:
    """Where a pickled formula's names are looked up, and whether it is trusted: the
    allowed functions if it passes :func:`check_formula` on ``columns``, else (inside
    :func:`trusted_formulas` only) the names stored with it (``stored``: name ->
    ``("module", module name)`` or ``("object", value)``).

    Raises
    ------
    FormulaError
        The formula fails the check, outside :func:`trusted_formulas`.

    Examples
    --------
    >>> env, trusted = loading_environment("np.log(x)", (), ["x"], {"np": ("module", "os")})
    >>> env.namespace["np"] is np, trusted
    (True, False)
    """
    formula = rhs_with_offsets(rhs, offset_terms)
    try:
        check_formula(formula, columns)
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


def check_formula(formula: str, columns: Collection[Any]) -> None:
    """Raise :class:`~mlereg.exceptions.FormulaError` unless ``formula`` uses only
    ``columns`` and what :data:`FORMULA_FUNCTIONS` allows (see the module's text).

    ``formula`` may be a whole formula (``"y ~ x | z + offset(log(t))"``) or a
    right-hand side alone. Nothing in it is evaluated.

    Examples
    --------
    >>> check_formula("y ~ x + Q('a b')", ["y", "x", "a b"])
    >>> try:
    ...     check_formula("y ~ x.__class__", ["y", "x"])
    ... except FormulaError as exc:
    ...     print(str(exc)[:48])
    the formula 'y ~ x.__class__' uses 'x.__class__'
    """
    names = {str(c) for c in columns}
    for code in _formula_expressions(formula):
        _check_expression(code, names, formula)


def _formula_expressions(formula: str) -> Iterator[str]:
    """The Python code of each variable term of ``formula``, offsets included."""
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
        except patsy.PatsyError as exc:
            raise FormulaError(f"cannot parse the formula {formula!r}: {exc.message}") from None
        except RecursionError:
            raise too_long(formula) from None
        yield from _expressions(tree)


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


def _check_expression(code: str, columns: set[str], formula: str) -> None:
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError:
        raise FormulaError(f"cannot parse {code!r} in the formula {formula!r}") from None
    try:
        bad = _first_refusal(tree, columns)
    except RecursionError:
        raise too_long(formula) from None
    if bad is not None:
        raise _refusal(bad, columns, formula)
    _check_sizes(tree, formula)


# Literal arithmetic runs in Python's big integers: 10 ** 10 ** 10 or 1 << 10 ** 10 in a
# formula would compute for hours, 'x' * 10 ** 10 fill the memory
MAX_LITERAL_EXPONENT = 1000
_GROWING = (ast.Pow, ast.LShift)


def _check_sizes(tree: ast.AST, formula: str) -> None:
    """Refuse exponents and shifts of literals beyond ``MAX_LITERAL_EXPONENT`` and
    repeated sequences: they would not end, or not fit in memory."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.BinOp):
            continue
        if isinstance(node.op, _GROWING) and not _reads_a_name(node.right):
            size = _literal_number(node.right)
            if isinstance(node.op, ast.Pow) and not _reads_a_name(node.left):
                whole = _literal_number(node)  # powers of powers: (10 ** 900) ** 900
                size = None if whole is None or not np.isfinite(whole) else size
            if size is None or abs(size) > MAX_LITERAL_EXPONENT:
                raise FormulaError(
                    f"the formula {formula!r} has {ast.unparse(node)!r}: an exponent or shift"
                    f" written as a number must be at most {MAX_LITERAL_EXPONENT} in size"
                )
        if isinstance(node.op, ast.Mult) and any(map(_is_sequence, (node.left, node.right))):
            raise FormulaError(
                f"the formula {formula!r} has {ast.unparse(node)!r}: a formula does not"
                " repeat text or sequences"
            )


def _reads_a_name(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) for n in ast.walk(node))


_FLOAT_OPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _literal_number(node: ast.AST) -> float | None:
    """The value of arithmetic on numbers written as such (``-1``, ``1 / 3``), in
    floats, which cannot grow without end as Python's integers can; None for anything
    else (inf where it overflows)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value) if not isinstance(node.value, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal_number(node.operand)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp) and type(node.op) in _FLOAT_OPS:
        a, b = _literal_number(node.left), _literal_number(node.right)
        if a is None or b is None:
            return None
        try:
            return float(_FLOAT_OPS[type(node.op)](a, b))
        except (OverflowError, ZeroDivisionError):
            return float("inf")
        except TypeError:  # a complex power of a negative number
            return None
    return None


def _is_sequence(node: ast.AST) -> bool:
    return isinstance(node, (ast.List, ast.Tuple)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


# refused whole: what is inside them is theirs (a lambda's argument is no column)
_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _first_refusal(node: ast.AST, columns: set[str]) -> str | None:
    """The text of the first innermost node a checked formula may not hold (the name
    ``__import__`` rather than the whole chain of calls on it), else None."""
    opaque = isinstance(node, _OPAQUE) or (isinstance(node, ast.keyword) and node.arg is None)
    if not opaque:
        for child in ast.iter_child_nodes(node):
            inner = _first_refusal(child, columns)
            if inner is not None:
                return inner
    return _refused(node, columns)


def _refused(node: ast.AST, columns: set[str]) -> str | None:
    """The text of ``node`` if a checked formula may not hold it, else None."""
    if isinstance(node, _PLAIN):
        return None
    if isinstance(node, ast.keyword):
        # out= would write into the data (np.log(x, out=x))
        return "**" if node.arg is None else "out=" if node.arg == "out" else None
    if isinstance(node, ast.Constant):
        ok = node.value is None or isinstance(node.value, (bool, int, float, complex, str))
        return None if ok else ast.unparse(node)
    if isinstance(node, ast.Name):
        return None if node.id in columns or node.id in _NAMES else node.id
    if isinstance(node, ast.Attribute):
        base = node.value
        numpy = isinstance(base, ast.Name) and base.id in ("np", "numpy")
        allowed = numpy and base.id not in columns and node.attr in _NUMPY
        return None if allowed else ast.unparse(node)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in columns or func.id not in _NAMES - {"np", "numpy"}:
                return func.id
            if func.id == "Q":
                return _refused_q(node, columns)
            return None
        return None if isinstance(func, ast.Attribute) else ast.unparse(node)
    return ast.unparse(node)


def _refused_q(node: ast.Call, columns: set[str]) -> str | None:
    """``Q`` looks its argument up by name: it must be a column's name, as text."""
    args = node.args
    if (
        len(args) == 1
        and not node.keywords
        and isinstance(args[0], ast.Constant)
        and isinstance(args[0].value, str)
        and args[0].value in columns
    ):
        return None
    return ast.unparse(node)


def _refusal(token: str, columns: set[str], formula: str) -> FormulaError:
    close = difflib.get_close_matches(token, sorted(columns), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FormulaError(
        f"the formula {formula!r} uses {token!r}, which is neither a column of the data nor"
        " a function formulas may call (mlereg.FORMULA_FUNCTIONS lists them)"
        f"{hint}; pass trusted=True to let a formula you trust use names from your code"
    )
