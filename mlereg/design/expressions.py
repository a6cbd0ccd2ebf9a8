"""The allow-list of a formula's Python expressions, checked on their syntax tree.

Each variable term of a formula (``np.log(x)``, ``C(g, Treatment("b"))``) is Python
code that patsy evaluates. :func:`check_expression` reads it with :mod:`ast`, evaluates
nothing, and refuses what a checked formula may not hold; :mod:`mlereg.design.safety`
applies it to every term and decides where formulas are evaluated. Refused:

- names other than the data's columns and :data:`FORMULA_FUNCTIONS` (a column may be
  used, not called; ``np``/``numpy`` only as ``np.<allowed function>``);
- any other attribute, subscripts, lambdas, comprehensions, f-strings, ``*``/``**``
  unpacking, ``out=`` and ``key=`` (they make a function write into the data or call
  any value), and more positional arguments than a numpy function reads (its extra
  ones are outputs);
- what would not end or not fit: exponents and shifts not made of columns unless
  they are numbers of at most :data:`MAX_LITERAL_EXPONENT` (powers of literals are
  evaluated in floats), text or sequences repeated by ``*``, ``round`` to more than
  100 digits, spline sizes (``df``, ``degree``) beyond :data:`MAX_SPLINE_DF`.

Examples
--------
>>> sorted(check_expression("np.log(x) + Q('a b')", {"x", "a b", "y"}, "y ~ ..."))
['a b', 'x']
"""

from __future__ import annotations

import ast
import difflib

import numpy as np
import patsy.builtins

from ..exceptions import FormulaError

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
MODULES = ("np", "numpy")

#: Every name a checked formula may call or use besides the data's columns.
FORMULA_FUNCTIONS: tuple[str, ...] = tuple(
    sorted(
        {*PATSY_NAMES, *BARE_NUMPY, *PYTHON_BUILTINS}
        | {f"{m}.{n}" for m in MODULES for n in NUMPY_NAMES}
    )
)

# Literal arithmetic runs in Python's big integers: 10 ** 10 ** 10 or 1 << 10 ** 10 in a
# formula would compute for hours, 'x' * 10 ** 10 fill the memory
MAX_LITERAL_EXPONENT = 1000
# a spline of df columns builds df x df matrices, te() the product of its margins
MAX_SPLINE_DF = 1000
MAX_SPLINE_DEGREE = 10
MAX_ROUND_DIGITS = 100
MAX_LITERAL_ITEMS = 10_000

_NAMES = frozenset({*PATSY_NAMES, *BARE_NUMPY, *PYTHON_BUILTINS})
_NUMPY = frozenset(NUMPY_NAMES)
# positional arguments numpy's non-ufuncs read before their outputs
_NUMPY_ARITY = {"clip": 3, "round": 2, "where": 3}
# syntax that only combines checked values: operators, literals of containers, calls
# (whose function is checked), keyword arguments (``C(g, levels=[...])``)
_PLAIN = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.IfExp, ast.Tuple,
    ast.List, ast.operator, ast.unaryop, ast.cmpop, ast.boolop, ast.expr_context,
)  # fmt: skip
# refused whole: what is inside them is theirs (a lambda's argument is no column)
_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# write into the data (out=, pandas' inplace=); call any value (key=)
_REFUSED_KEYWORDS = {"out": "out=", "key": "key=", "inplace": "inplace="}


def check_expression(code: str, columns: set[str], formula: str) -> set[str]:
    """Raise :class:`~mlereg.exceptions.FormulaError` unless the Python expression
    ``code`` (a term of ``formula``) holds only what a checked formula may; return the
    columns it reads (bare names and ``Q("name")``).

    Examples
    --------
    >>> check_expression("I(x ** 2)", {"x"}, "y ~ I(x ** 2)")
    {'x'}
    """
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError:
        raise FormulaError(f"cannot parse {code!r} in the formula {formula!r}") from None
    except (RecursionError, MemoryError):
        raise _nested(code, formula) from None
    try:
        bad = _first_refusal(tree, columns)
        if bad is not None:
            raise refusal(bad, columns, formula)
        nested = _nested_literals(tree)
        if nested is not None:
            raise FormulaError(
                f"the formula {formula!r} has {nested!r}: a formula's lists are flat (one"
                f" level, at most {MAX_LITERAL_ITEMS} items)"
            )
        _check_sizes(tree, columns, formula)
    except RecursionError:
        raise _nested(code, formula) from None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in columns} | {
        n.args[0].value  # type: ignore[attr-defined]
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Q"
    }


def computed_columns(code: str, columns: set[str]) -> set[str]:
    """The columns an expression multiplies, raises to a power, shifts or formats
    (text there would repeat: ``I(s * n)`` with s text built a string of n characters).
    The expression has passed :func:`check_expression`.

    Examples
    --------
    >>> sorted(computed_columns("I(a * b) + c", {"a", "b", "c"}))
    ['a', 'b']
    """
    tree = ast.parse(code.strip(), mode="eval")
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, _GROWTH_OPS):
            out |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in columns}
    return out


_GROWTH_OPS = (ast.Mult, ast.Mod, ast.Pow, ast.LShift)


def _nested(code: str, formula: str) -> FormulaError:
    return FormulaError(
        f"a term of the formula {formula!r} is nested too deeply to read"
        f" ({len(code)} characters): build the design as an array (Model(y, X))"
    )


def refusal(token: str, columns: set[str], formula: str) -> FormulaError:
    """The error for ``token``, which a checked formula may not use.

    Examples
    --------
    >>> str(refusal("x11", {"x1"}, "y ~ x11"))[:48]
    "the formula 'y ~ x11' uses 'x11', which is neith"
    """
    if token in (*_REFUSED_KEYWORDS.values(), "**") or " with " in token:
        return FormulaError(
            f"the formula {formula!r} uses {token!r}: a checked formula may not (it could"
            " call any value or write into the data); pass trusted=True to let a formula"
            " you trust do so"
        )
    close = difflib.get_close_matches(token, sorted(columns), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FormulaError(
        f"the formula {formula!r} uses {token!r}, which is neither a column of the data nor"
        " a function formulas may call (mlereg.FORMULA_FUNCTIONS lists them)"
        f"{hint}; pass trusted=True to let a formula you trust use names from your code"
    )


def _first_refusal(node: ast.AST, columns: set[str]) -> str | None:
    """The text of the first innermost node a checked formula may not hold (the name
    ``__import__`` rather than the whole chain of calls on it), else None."""
    opaque = isinstance(node, _OPAQUE) or (
        isinstance(node, ast.keyword) and (node.arg is None or node.arg in _REFUSED_KEYWORDS)
    )
    # np.log: the attribute judges its module name, which is no value on its own
    module = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    if not (opaque or module):
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
        return "**" if node.arg is None else _REFUSED_KEYWORDS.get(node.arg)
    if isinstance(node, ast.Constant):
        ok = node.value is None or isinstance(node.value, (bool, int, float, complex, str))
        return None if ok else ast.unparse(node)
    if isinstance(node, ast.Name):
        return None if node.id in columns or node.id in _NAMES else node.id
    if isinstance(node, ast.Attribute):
        base = node.value
        numpy = isinstance(base, ast.Name) and base.id in MODULES and base.id not in columns
        return None if numpy and node.attr in _NUMPY else ast.unparse(node)
    if isinstance(node, ast.Call):
        return _refused_call(node, columns)
    return ast.unparse(node)


def _nested_literals(tree: ast.AST) -> str | None:
    """A list or tuple inside another (outside ``ContrastMatrix``), whose broadcasting
    by numpy multiplies sizes (forty-element lists nested five deep asked for 2 GB), or
    literals of more than MAX_LITERAL_ITEMS items in all."""
    items = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "ContrastMatrix":  # its matrix is a list of rows
                depth -= 1
        if isinstance(node, (ast.List, ast.Tuple)):
            items += len(node.elts)
            if depth >= 1 or items > MAX_LITERAL_ITEMS:
                return ast.unparse(node)[:60]
            depth += 1
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return None


def _refused_call(node: ast.Call, columns: set[str]) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):  # np.<name>, itself checked as an attribute
        return _too_many_arguments(node, func.attr)
    if not isinstance(func, ast.Name):
        return ast.unparse(node)
    if func.id in columns or func.id not in _NAMES:
        return func.id
    if func.id == "Q":
        return _refused_q(node, columns)
    if func.id in BARE_NUMPY:
        return _too_many_arguments(node, func.id)
    if func.id == "round" and len(node.args) + len(node.keywords) > 1:
        digits = node.args[1] if len(node.args) > 1 else node.keywords[0].value
        size = _literal_number(digits)
        return None if size is not None and abs(size) <= MAX_ROUND_DIGITS else ast.unparse(node)
    if func.id in ("bs", "cr", "cc"):
        return _refused_spline(node)
    return None


def _too_many_arguments(node: ast.Call, name: str) -> str | None:
    """numpy's arguments past its inputs are outputs (np.log(x, x) writes into x)."""
    f = getattr(np, name, None)
    limit = f.nin if isinstance(f, np.ufunc) else _NUMPY_ARITY.get(name)
    if limit is not None and len(node.args) > limit:
        return f"{ast.unparse(node.func)} with {len(node.args)} arguments"
    return None


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


def _refused_spline(node: ast.Call) -> str | None:
    """A spline's ``df`` (its second argument) and ``degree`` must be numbers written as
    such, of a size that fits: bs(x, df=1000000) ran for minutes on six rows."""
    sizes = {"df": node.args[1] if len(node.args) > 1 else None}
    sizes.update({k.arg: k.value for k in node.keywords if k.arg in ("df", "degree")})
    for name, value in sizes.items():
        if value is None:
            continue
        size = _literal_number(value)
        top = MAX_SPLINE_DEGREE if name == "degree" else MAX_SPLINE_DF
        if size is None or not 0 <= size <= top:
            return ast.unparse(node)
    return None


def _check_sizes(tree: ast.AST, columns: set[str], formula: str) -> None:
    """Refuse arithmetic that would not end or not fit: exponents and shifts not made
    of columns unless they are small numbers, powers of literals that overflow a
    float, text or sequences repeated, tensor products of too many spline columns."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "te" and _te_size(node) > MAX_SPLINE_DF * 10:
                raise FormulaError(
                    f"the formula {formula!r} has {ast.unparse(node)!r}: a tensor product"
                    f" of more than {MAX_SPLINE_DF * 10} columns"
                )
        if not isinstance(node, ast.BinOp):
            continue
        if isinstance(node.op, (ast.Pow, ast.LShift)) and _grows(node, columns):
            raise FormulaError(
                f"the formula {formula!r} has {ast.unparse(node)!r}: an exponent or shift"
                f" not made of columns must be a number of at most {MAX_LITERAL_EXPONENT}"
            )
        if isinstance(node.op, ast.Mod) and _has_text(node.left):
            raise FormulaError(
                f"the formula {formula!r} has {ast.unparse(node)!r}: a formula does not format text"
            )
        if isinstance(node.op, ast.Mult) and _repeats(node, columns):
            raise FormulaError(
                f"the formula {formula!r} has {ast.unparse(node)!r}: a formula does not"
                " repeat text or sequences"
            )


def _reads_a_column(node: ast.AST, columns: set[str]) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id in columns)
        or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Q")
        for n in ast.walk(node)
    )


def _grows(node: ast.BinOp, columns: set[str]) -> bool:
    """Whether an exponent or shift could make a number without bounds: its right side
    reads no column and is not a number of at most MAX_LITERAL_EXPONENT, or (a power of
    such a number) its left side reads no column either and the whole overflows a float
    or is not a number."""
    if _reads_a_column(node.right, columns):
        return False  # an array of exponents: numpy's floats or fixed-width integers
    size = _literal_number(node.right)
    if size is None or abs(size) > MAX_LITERAL_EXPONENT:
        return True
    if isinstance(node.op, ast.Pow) and not _reads_a_column(node.left, columns):
        whole = _literal_number(node)  # powers of powers: (10 ** 900) ** 900
        return whole is None or not np.isfinite(whole)
    return False


def _repeats(node: ast.BinOp, columns: set[str]) -> bool:
    """Whether a product could repeat text or a sequence: either side holds text, a
    list or a tuple, unless both sides read columns (arrays multiply element-wise)."""

    def sequence(side: ast.AST) -> bool:
        return any(
            isinstance(n, (ast.List, ast.Tuple))
            or (isinstance(n, ast.Constant) and isinstance(n.value, str))
            for n in ast.walk(side)
        )

    both_data = _reads_a_column(node.left, columns) and _reads_a_column(node.right, columns)
    return not both_data and (sequence(node.left) or sequence(node.right))


def _has_text(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(node))


def _te_size(node: ast.Call) -> float:
    """The number of columns of a tensor product te(margin, ...): the product of its
    margins' df (literal; a margin without one counts as the largest allowed)."""
    size = 1.0
    for margin in node.args:
        df = None
        if isinstance(margin, ast.Call):
            df = next((k.value for k in margin.keywords if k.arg == "df"), None)
            if df is None and len(margin.args) > 1:
                df = margin.args[1]
        value = _literal_number(df) if df is not None else None
        size *= MAX_SPLINE_DF if value is None else max(value, 1.0)
    return size


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
