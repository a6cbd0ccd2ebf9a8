"""The header of a summary as results supply it: labelled numbers, formatted here.

A results object says what its fit has by returning entries, ``(label, parts)``, from
``summary_entries()``; each part is text or a number tagged with how it is shown
(:class:`Fixed` decimals, :class:`Digits` significant digits, a :class:`PValue`). The
summary chooses the digits (``summary(digits=)``) and formats; it computes nothing.

Examples
--------
>>> format_parts(("chi2 = ", Fixed(65.9172), " on 1 df, p ", PValue(4.7e-16)), 4)
'chi2 = 65.917 on 1 df, p = 4.7e-16'
"""

from __future__ import annotations

from dataclasses import dataclass

from .render import format_fixed, format_number, format_pvalue


@dataclass(frozen=True)
class Fixed:
    """A number with the summary's decimals (digits - 1): log-likelihoods, AIC, test
    statistics."""

    value: float


@dataclass(frozen=True)
class Digits:
    """A number with the summary's significant digits, plus ``extra``."""

    value: float
    extra: int = 0


@dataclass(frozen=True)
class PValue:
    """A p-value as it follows a "p": ``= 0.0312`` or ``<2e-16``."""

    value: float


Part = str | Fixed | Digits | PValue
Entry = tuple[str, tuple[Part, ...]]


def format_parts(parts: tuple[Part, ...], digits: int) -> str:
    """The text of one header entry at ``digits`` significant digits.

    Examples
    --------
    >>> format_parts((Digits(0.91234), " / ", Digits(0.9001)), 4)
    '0.9123 / 0.9001'
    """
    out = []
    for part in parts:
        if isinstance(part, Fixed):
            out.append(format_fixed(part.value, max(1, digits - 1)))
        elif isinstance(part, Digits):
            out.append(format_number(part.value, digits + part.extra))
        elif isinstance(part, PValue):
            text = format_pvalue(part.value)
            out.append(text if text.startswith("<") else "= " + text)
        else:
            out.append(str(part))
    return "".join(out)
