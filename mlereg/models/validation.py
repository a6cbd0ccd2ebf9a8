"""Checks of a model's inputs against its family, made before any fitting.

:func:`response_for_family` turns a :class:`~mlereg.design.design.Design`'s response into
what the family expects and refuses, with a message naming the response, the values
and the likely fix, any response outside the family's domain: a binary model needs 0/1
(or a two-level bool/text/category response, mapped with the second level as 1, like
R's factor), counts must be non-negative (non-integer counts give a
:class:`~mlereg.exceptions.DomainWarning`), Gamma and inverse Gaussian responses must be
positive, and a response for which no maximum-likelihood estimate exists (all 0 or all 1
in a binary model, all zero counts) is refused. :func:`check_kwargs` rejects misspelt
keyword arguments with a suggestion.
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..design.design import Design
from ..exceptions import ArgumentError, ArgumentTypeError, DataError, DomainWarning
from ..linalg.vectors import constant_vector, is_constant_one
from . import families as F


def _rows(mask: np.ndarray, design: Design, k: int = 5) -> list[Any]:
    rows = np.flatnonzero(mask)[:k]
    return (design.row_index[rows] if design.row_index is not None else rows).tolist()


def _distinct(y: np.ndarray, k: int = 6) -> str:
    values = np.unique(y[np.isfinite(y)])
    shown = ", ".join(f"{v:g}" for v in values[:k])
    return f"{{{shown}{', ...' if values.size > k else ''}}}"


def response_for_family(design: Design, family: F.Family) -> tuple[np.ndarray, np.ndarray]:
    """The response as ``family`` expects it, and the prior weights.

    A two-column binomial response (successes, failures) becomes the proportion of
    successes with the number of trials as prior weight, like R's ``cbind(s, f)``.

    Raises
    ------
    DataError
        The response is outside the family's domain, or has no variation where the
        maximum-likelihood estimate would not exist.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> from mlereg.design.arrays import design_from_arrays
    >>> d = design_from_arrays(np.array([0.0, 1, 1]), np.ones((3, 1)))
    >>> response_for_family(d, mr.families.Binomial())[0].tolist()
    [0.0, 1.0, 1.0]
    """
    y = design.y
    name = design.endog_name
    w = constant_vector(1.0, design.nrows) if design.weights is None else design.weights
    binomial = isinstance(family, F.Binomial)
    if design.response_levels is not None:
        levels = list(design.response_levels)
        if not binomial:
            raise DataError(
                f"the response {name!r} is not numeric (levels {levels[:10]}); the"
                f" {family.name} family needs numbers: convert it, or use a binary model"
            )
        if len(levels) != 2:
            raise DataError(
                f"the response {name!r} has {len(levels)} level(s) {levels[:10]}; a binary"
                " model needs exactly two"
            )
    if y.ndim == 2:
        if not binomial or y.shape[1] != 2:
            raise DataError(
                f"the response {name!r} has {y.shape[1]} columns; only a"
                " binomial model takes two (successes + failures)"
            )
        if np.any(y < 0):
            raise DataError(
                f"the counts in {name!r} must be non-negative; negative at row(s)"
                f" {_rows((y < 0).any(axis=1), design)}"
            )
        trials = y.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            prop = np.where(trials > 0, y[:, 0] / trials, 0.0)
        y, w = prop, w * trials
    used = w > 0
    if binomial:
        _check_binary(y, w, used, design)
    elif isinstance(family, (F.Poisson, F.NegativeBinomial)):
        _check_counts(y, used, design, family)
    elif isinstance(family, (F.Gamma, F.InverseGaussian)):
        bad = y <= 0
        if bad.any():
            raise DataError(
                f"the response {name!r} must be positive for the {family.name} family;"
                f" {int(bad.sum())} value(s) <= 0 at row(s) {_rows(bad, design)}"
            )
    problem = family.check_y(y)
    if problem is not None:
        raise DataError(
            f"the response {name!r} is not valid for the {family.name} family: {problem}"
        )
    return y, w


def _whole(v: np.ndarray, tol: float) -> bool:
    """Whether every value is within ``tol`` of an integer (overwrites ``v``)."""
    r = np.round(v)
    np.subtract(v, r, out=v)
    return not bool(np.any(np.abs(v, out=v) > tol))


def _check_binary(y: np.ndarray, w: np.ndarray, used: np.ndarray, design: Design) -> None:
    name = design.endog_name
    if y.size and (float(y.min()) < 0 or float(y.max()) > 1):
        bad = (y < 0) | (y > 1)
        values = np.unique(y)
        hint = ""
        if values.size == 2:
            hint = (
                f"; it has two values {_distinct(y)}: recode it, e.g. ({name} =="
                f" {values[1]:g}), to model the chance of {values[1]:g}"
            )
        raise DataError(
            f"the response {name!r} of a binary model must be 0/1 (or proportions in"
            f" [0, 1] with trials as weights); found values {_distinct(y)} at row(s)"
            f" {_rows(bad, design)}{hint}"
        )
    yu = y if used.all() else y[used]
    if yu.size and float(yu.min()) == float(yu.max()) in (0.0, 1.0):  # all 0 or all 1
        value = "1" if yu[0] == 1 else "0"
        if design.response_levels is not None:
            value = repr(design.response_levels[int(yu[0])])
        raise DataError(
            f"the response {name!r} has no variation: every value is {value}, so the"
            " probability cannot be estimated (the maximum-likelihood estimate does not"
            " exist)"
        )
    whole = F.is_binary(y) if is_constant_one(w) else _whole(w * y, 1e-7)
    if not whole:
        warnings.warn(
            f"the response {name!r} gives non-integer numbers of successes (proportion"
            " times weight); the log-likelihood and AIC assume integers, as R's glm warns",
            DomainWarning,
            stacklevel=5,
        )


def _check_counts(y: np.ndarray, used: np.ndarray, design: Design, family: F.Family) -> None:
    name = design.endog_name
    bad = y < 0
    if bad.any():
        raise DataError(
            f"the response {name!r} must be non-negative counts for the {family.name}"
            f" family; {int(bad.sum())} negative value(s) at row(s) {_rows(bad, design)}"
        )
    yu = y if used.all() else y[used]
    if yu.size and np.all(yu == 0):
        raise DataError(
            f"the response {name!r} has no variation: every count is 0, so the mean"
            " cannot be estimated (the maximum-likelihood estimate does not exist)"
        )
    if not _whole(np.array(y, dtype=float), 1e-8):
        frac = np.abs(y - np.round(y)) > 1e-8
        warnings.warn(
            f"the response {name!r} has {int(frac.sum())} non-integer count(s) (first at"
            f" row(s) {_rows(frac, design)}); the estimates are still consistent"
            " (quasi-likelihood) but the log-likelihood and AIC assume integer counts",
            DomainWarning,
            stacklevel=5,
        )


def check_kwargs(func: Callable[..., Any], kwargs: Iterable[str], where: str) -> None:
    """Raise TypeError for keyword arguments ``func`` does not take, with a suggestion.

    Examples
    --------
    >>> def f(design, *, family=None): ...
    >>> try:
    ...     check_kwargs(f, ["familly"], "GLM")
    ... except TypeError as exc:
    ...     print(exc)
    GLM got an unexpected keyword argument 'familly'; did you mean 'family'?
    """
    params = inspect.signature(func).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    known = [
        k for k, p in params.items() if p.kind is p.KEYWORD_ONLY or k not in ("design", "designs")
    ]
    known = [k for k in known if k not in ("self", "design", "designs")]
    for k in kwargs:
        if k not in known:
            close = difflib.get_close_matches(k, known + list(_COMMON), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ArgumentTypeError(f"{where} got an unexpected keyword argument {k!r}{hint}")


_COMMON = ("offset", "exposure", "weights", "freq_weights", "missing", "eval_env")


def check_iteration_options(maxiter: Any, tol: Any) -> None:
    """Raise unless ``maxiter`` is a positive whole number and ``tol`` a positive
    finite number.

    Examples
    --------
    >>> try:
    ...     check_iteration_options(2.5, 1e-8)
    ... except TypeError as exc:
    ...     print(exc)
    maxiter must be a positive whole number of iterations, got 2.5
    """
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ArgumentTypeError(
            f"maxiter must be a positive whole number of iterations, got {maxiter!r}"
        )
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)):
        raise ArgumentTypeError(f"tol must be a positive number, got {tol!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise ArgumentError(f"tol must be a positive finite number, got {tol!r}")
