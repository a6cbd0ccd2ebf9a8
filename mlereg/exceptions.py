"""Error and warning classes.

Every error subclasses ``ValueError`` or ``TypeError`` (so existing ``except``
clauses keep working) and :class:`MleregError`; every warning subclasses
:class:`MleregWarning`, so ``warnings.simplefilter("error", MleregWarning)`` turns
all of them into errors at once.

Examples
--------
>>> import warnings, mlereg as mr
>>> warnings.simplefilter("ignore", mr.exceptions.ConvergenceWarning)
"""

from __future__ import annotations

import contextlib
import inspect
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class MleregError(Exception):
    """Base class of every error raised by mlereg."""


class DataError(MleregError, ValueError):
    """The data cannot be used as given (NaN/inf, bad response values, lengths...)."""


class FormulaError(MleregError, ValueError):
    """The formula cannot be evaluated on the data (unknown variable, bad syntax...)."""


class ArgumentError(MleregError, ValueError):
    """An argument's value cannot be used (``tol=-1``, ``alpha=2``, an unknown option)."""


class ArgumentTypeError(MleregError, TypeError):
    """An argument is of the wrong kind (``maxiter=2.5``, an unknown keyword)."""


class SingularDesignError(MleregError, ValueError):
    """The design matrix is rank deficient and ``on_singular="raise"`` was asked for."""


class MleregWarning(UserWarning):
    """Base class of every warning emitted by mlereg."""


class ConvergenceWarning(MleregWarning):
    """The optimiser stopped before its convergence criterion was met."""


class RankDeficiencyWarning(MleregWarning):
    """Some design columns are exact linear combinations of others (reported as NaN)."""


class PerfectSeparationWarning(MleregWarning):
    """A binary response is (quasi-)completely separated by the predictors."""


class MissingDataWarning(MleregWarning):
    """Rows were dropped because of missing values."""


class DomainWarning(MleregWarning):
    """The data are valid but outside the model's usual assumptions (e.g. non-integer counts)."""


class BoundaryWarning(MleregWarning):
    """The estimate lies on the boundary of the parameter space; regular theory fails."""


class DataWarning(MleregWarning):
    """The data were used as given but look wrong (e.g. numbers stored as text)."""


class DegenerateInferenceWarning(MleregWarning):
    """Standard errors of 0 or infinity, or absurd Wald statistics: the Wald inference
    of those coefficients is not to be read."""


class SaturatedModelWarning(MleregWarning):
    """No residual degrees of freedom: the fit is exact and the dispersion unknown."""


@contextmanager
def record_warnings() -> Iterator[list[str]]:
    """Collect the text of every :class:`MleregWarning` raised inside the block (so the
    results can carry and print them) and re-emit them to the caller.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with record_warnings() as messages:
    ...         warnings.warn("far from the data", DataWarning)
    >>> messages
    ['far from the data']
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    frame = _caller_frame()
    for w in caught:
        if issubclass(w.category, MleregWarning):
            messages.append(str(w.message))
        if frame is None:  # pragma: no cover - called from inside mlereg only
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        # the warning points at the user's line that called mlereg, not at mlereg's
        registry = frame.f_globals.setdefault("__warningregistry__", {})
        warnings.warn_explicit(
            w.message,
            w.category,
            frame.f_code.co_filename,
            frame.f_lineno,
            module=frame.f_globals.get("__name__"),
            registry=registry,
        )


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_frame() -> FrameType | None:
    """The innermost stack frame outside the mlereg package (and contextlib)."""
    frame = inspect.currentframe()
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if not (name.startswith(_PACKAGE_DIR + os.sep) or name == contextlib.__file__):
            return frame
        frame = frame.f_back
    return None
