"""Formatting and rendering shared by every table of the package.

Numbers are formatted like R's ``format(x, digits=)`` (a column shares its decimals and
switches to scientific notation only when that is narrower), p-values like R's
``format.pval`` (``<2e-16``, never ``0.000``). :class:`Report` is the layout of every
table (title, warnings, key/value information, one table, notes) and renders it as
text, HTML, LaTeX and Markdown; :class:`Rendered` is the base of the printable objects.
Output depends only on the cells, so the same numbers give byte-identical tables.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import ArgumentError

EPS = float(np.finfo(float).eps)

# --------------------------------------------------------------------------------------
# Number formatting
# --------------------------------------------------------------------------------------


def format_pvalue(p: float, digits: int = 3) -> str:
    """Format a p-value like R's ``format.pval``: tiny values as ``<2e-16``.

    Values below machine epsilon print as ``<2e-16``; values below 0.001 in scientific
    notation with ``digits`` significant digits; the rest in fixed notation.

    Parameters
    ----------
    p : float
    digits : int
        Significant digits (R's ``printCoefmat`` uses 3).

    Examples
    --------
    >>> format_pvalue(1e-20)
    '<2e-16'
    >>> format_pvalue(0.0312)
    '0.0312'
    >>> format_pvalue(6.4912e-05)
    '6.49e-05'
    >>> format_pvalue(4.7e-16)
    '4.7e-16'
    """
    if p is None or not np.isfinite(p):
        return "NA"
    if p < EPS:
        return "<2e-16"
    if p < 1e-3:
        mantissa, exponent = f"{p:.{digits - 1}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{exponent}"
    text = f"{p:.{digits}g}"
    return text if "e" not in text else f"{p:.{digits}f}"


def _nsig_and_exponent(value: float, digits: int) -> tuple[int, int]:
    """Significant digits needed to show ``value`` to ``digits`` digits, and its exponent."""
    if value == 0:
        return 1, 0
    mantissa, exponent = f"{abs(value):.{digits - 1}e}".split("e")
    return max(1, len(mantissa.replace(".", "").rstrip("0"))), int(exponent)


def format_column(
    values: Sequence[float] | np.ndarray, digits: int = 4, na: str = "NA"
) -> list[str]:
    """Format numbers as one column, like R's ``format(x, digits=)``.

    Every value gets at least ``digits`` significant digits (fewer when trailing zeros
    would be all that is added); the column shares one number of decimals; scientific
    notation is used only when it is narrower than fixed notation.

    Parameters
    ----------
    values : sequence of float
    digits : int
        Significant digits (at least 1).
    na : str
        Text for NaN.

    Returns
    -------
    list of str
        Unpadded strings, one per value.

    Examples
    --------
    >>> format_column([-4.123456, 0.0612345])
    ['-4.12346', '0.06123']
    >>> format_column([123456.7, 0.0012345])
    ['1.235e+05', '1.234e-03']
    """
    if digits < 1:
        raise ArgumentError(f"digits must be at least 1, got {digits!r}")
    x = np.asarray(values, dtype=float).ravel()
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return [_nonfinite(v, na) for v in x]
    pairs = [_nsig_and_exponent(float(v), digits) for v in finite]
    decimals = max(max(0, s - 1 - e) for s, e in pairs)
    int_digits = max(max(1, e + 1) for _, e in pairs)
    neg = int(bool(np.any(finite < 0)))
    width_fixed = neg + int_digits + (decimals + 1 if decimals else 0)
    max_sig = max(s for s, _ in pairs)
    exp_width = 5 if max(abs(e) for _, e in pairs) >= 100 else 4
    width_sci = neg + (max_sig + 1 if max_sig > 1 else 1) + exp_width
    if width_fixed <= width_sci:
        fmt = f".{decimals}f"
    else:
        fmt = f".{max_sig - 1}e"
    out = []
    for v in x:
        if not np.isfinite(v):
            out.append(_nonfinite(v, na))
        else:
            text = format(float(v), fmt)
            out.append("0" + text[2:] if text.startswith("-0") and float(text) == 0 else text)
    return out


def _nonfinite(v: float, na: str) -> str:
    if np.isnan(v):
        return na
    return "Inf" if v > 0 else "-Inf"


def format_number(value: float, digits: int = 4) -> str:
    """Format one number with ``digits`` significant digits, as :func:`format_column`.

    Examples
    --------
    >>> format_number(0.123456)
    '0.1235'
    """
    return format_column([value], digits)[0]


def format_fixed(value: float, decimals: int) -> str:
    """Fixed notation with ``decimals`` decimals ("NA" for NaN).

    Examples
    --------
    >>> format_fixed(-95.12345, 3), format_fixed(-2e-13, 3)
    ('-95.123', '0.000')
    """
    if value is None or not np.isfinite(value):
        return _nonfinite(float("nan") if value is None else value, "NA")
    text = f"{value:.{decimals}f}"
    # a value that rounds to zero prints as 0, not -0.000
    return text.lstrip("-") if float(text) == 0 else text


def significance_stars(p: float) -> str:
    """Significance codes: ``***`` p < 0.001, ``**`` < 0.01, ``*`` < 0.05, ``+`` < 0.1
    (R's codes, but ``+`` where R has ``.``, which reads as a decimal point after a
    number).

    Examples
    --------
    >>> significance_stars(0.004)
    '**'
    """
    if p is None or not np.isfinite(p):
        return ""
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "+")):
        if p < cut:
            return mark
    return ""


STARS_NOTE = "Signif. codes: *** p<0.001, ** p<0.01, * p<0.05, + p<0.1"

# --------------------------------------------------------------------------------------
# Layout and renderers
# --------------------------------------------------------------------------------------

# Scoped to the report's own classes, so a notebook's table styles do not override it
# and it styles nothing else on the page.
HTML_STYLE = """<style>
.mlereg-report table { border-collapse: collapse; margin: 0.5em 0; }
.mlereg-report th, .mlereg-report td { padding: 0.15em 0.7em; border: none; background: none; }
.mlereg-report .mlereg-info th { text-align: left; font-weight: normal; }
.mlereg-report .mlereg-info td { text-align: left; }
.mlereg-report .mlereg-table { border-top: 2px solid currentColor;
  border-bottom: 2px solid currentColor; }
.mlereg-report .mlereg-table thead th { text-align: right; border-bottom: 1px solid currentColor; }
.mlereg-report .mlereg-table tbody + tbody { border-top: 1px solid currentColor; }
.mlereg-report .mlereg-table th[scope="row"] { text-align: left; font-weight: normal; }
.mlereg-report .mlereg-table td { text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.mlereg-report .mlereg-table tr.mlereg-se td { padding-top: 0; opacity: 0.75; }
.mlereg-report .mlereg-warnings { color: #a33; }
</style>"""

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))


def escape_latex(text: str) -> str:
    """Escape LaTeX's special characters (``\\ & % $ # _ { } ~ ^ < >``) in one pass.

    Examples
    --------
    >>> print(escape_latex("C(region)[T.a_b] 5%"))
    C(region)[T.a\\_b] 5\\%
    """
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], str(text))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_<>|])")


def escape_markdown(text: str) -> str:
    """Escape Markdown's inline specials (backslash, backtick, ``* _ < > |``) in a cell.

    Examples
    --------
    >>> print(escape_markdown("a|b*"))
    a\\|b\\*
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _markdown_code(text: str) -> str:
    """A term name as inline code (only ``|`` needs escaping inside a table)."""
    text = str(text).replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


@dataclass(frozen=True)
class Table:
    """A rectangular table of already formatted cells.

    The first column holds row labels (term names); the others are right-aligned.
    ``rules`` lists the row indices before which a horizontal rule is drawn.

    Examples
    --------
    >>> t = Table(("", "Estimate"), (("x", "1.5"),))
    >>> t.rows[0][1]
    '1.5'
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    rules: tuple[int, ...] = ()
    code_labels: bool = True

    def widths(self) -> list[int]:
        """Text width of each column."""
        cells = [self.header, *self.rows]
        return [max(len(r[j]) for r in cells) for j in range(len(self.header))]


@dataclass(frozen=True)
class Report:
    """The layout shared by every table: title, warnings, information, table, notes.

    Examples
    --------
    >>> rep = Report("Results", (), (("Model", "OLS"),), Table(("", "b"), (("x", "1"),)))
    >>> print(rep.to_text().splitlines()[0])
    Results
    """

    title: str
    warnings: tuple[str, ...]
    info: tuple[tuple[str, str], ...]
    table: Table
    notes: tuple[str, ...] = ()

    # --- plain text ---------------------------------------------------------------------
    def to_text(self) -> str:
        """Fixed-width text (for ``print``)."""
        t = self.table
        widths = t.widths()
        gap = "  "

        def line(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
            return gap.join([first, *rest]).rstrip()

        total = sum(widths) + len(gap) * (len(widths) - 1)
        out = [self.title, "=" * max(total, len(self.title))]
        # warnings wrap at the table's width; header lines only when far wider
        width = max(total, len(self.title), 60)
        for w in self.warnings:
            out += textwrap.wrap(
                f"Warning: {w}", width, subsequent_indent="  ", break_on_hyphens=False
            )
        if self.info:
            key_width = max(len(k) for k, _ in self.info) + 1
            indent = " " * (key_width + 2)
            for k, v in self.info:
                first = f"{(k + ':').ljust(key_width)}  {v}"
                if len(first) <= max(width, 100):
                    out.append(first)
                    continue
                lines = textwrap.wrap(v, max(20, width - len(indent)), break_on_hyphens=False)
                out.append(f"{(k + ':').ljust(key_width)}  {lines[0]}")
                out += [indent + rest for rest in lines[1:]]
        out += ["", line(t.header), "-" * total]
        for i, row in enumerate(t.rows):
            if i in t.rules:
                out.append("-" * total)
            out.append(line(row))
        out.append("=" * total)
        out += list(self.notes)
        return "\n".join(out)

    # --- HTML ----------------------------------------------------------------------------
    def to_html(self) -> str:
        """Semantic HTML: a ``<div>`` with a caption, warnings list, info and a table,
        and a small style scoped to it (numbers right-aligned in tabular figures, rules
        between blocks, a standard-error row kept close under its estimate) that holds
        in JupyterLab, VS Code and a plain page."""
        e = html.escape
        t = self.table
        out = ['<div class="mlereg-report">', HTML_STYLE]
        out.append(f"<p><strong>{e(self.title)}</strong></p>")
        if self.warnings:
            out.append('<ul class="mlereg-warnings">')
            out += [f"<li><strong>Warning:</strong> {e(w)}</li>" for w in self.warnings]
            out.append("</ul>")
        if self.info:
            out.append('<table class="mlereg-info">')
            out.append("<tbody>")
            for k, v in self.info:
                out.append(f'<tr><th scope="row">{e(k)}</th><td>{e(v)}</td></tr>')
            out.append("</tbody>")
            out.append("</table>")
        out.append('<table class="mlereg-table">')
        out.append("<thead>")
        out.append("<tr>" + "".join(f'<th scope="col">{e(h)}</th>' for h in t.header) + "</tr>")
        out.append("</thead>")
        out.append("<tbody>")
        for i, row in enumerate(t.rows):
            if i in t.rules:
                out.append("</tbody>")
                out.append("<tbody>")
            label = f'<th scope="row">{e(row[0])}</th>'
            cells = "".join(f"<td>{e(c)}</td>" for c in row[1:])
            # a row without a label continues the row above it (a standard error)
            opening = '<tr class="mlereg-se">' if not row[0] else "<tr>"
            out.append(opening + label + cells + "</tr>")
        out.append("</tbody>")
        out.append("</table>")
        out += [f"<p>{e(n)}</p>" for n in self.notes]
        out.append("</div>")
        return "\n".join(out)

    # --- LaTeX ----------------------------------------------------------------------------
    def to_latex(self) -> str:
        """booktabs tabulars (information, then the table); needs ``\\usepackage{booktabs}``."""
        x = escape_latex
        t = self.table
        out = [f"% {x(self.title)}"]
        out += [f"\\textbf{{Warning:}} {x(w)}\\par" for w in self.warnings]
        if self.info:
            out += ["\\begin{tabular}{ll}", "\\toprule"]
            out += [f"{x(k)} & {x(v)} \\\\" for k, v in self.info]
            out += ["\\bottomrule", "\\end{tabular}", ""]
        out += ["\\begin{tabular}{l" + "r" * (len(t.header) - 1) + "}", "\\toprule"]
        out.append(" & ".join(x(h) for h in t.header) + " \\\\")
        out.append("\\midrule")
        for i, row in enumerate(t.rows):
            if i in t.rules:
                out.append("\\midrule")
            out.append(" & ".join(x(c) for c in row) + " \\\\")
        out += ["\\bottomrule", "\\end{tabular}"]
        out += [f"\\par {x(n)}" for n in self.notes]
        return "\n".join(out)

    # --- Markdown ----------------------------------------------------------------------
    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown: bold title, quoted warnings, two pipe tables."""
        m = escape_markdown
        t = self.table
        out = [f"**{m(self.title)}**", ""]
        for w in self.warnings:
            out += [f"> **Warning:** {m(w)}", ""]
        if self.info:
            out += ["| | |", "|:--|:--|"]
            out += [f"| {m(k)} | {m(v)} |" for k, v in self.info]
            out.append("")

        def label(s: str) -> str:
            return _markdown_code(s) if s and t.code_labels else m(s)

        out.append("| " + " | ".join(m(h) for h in t.header) + " |")
        out.append("|:--|" + "--:|" * (len(t.header) - 1))
        for row in t.rows:
            out.append("| " + " | ".join([label(row[0]), *(m(c) for c in row[1:])]) + " |")
        if self.notes:
            out.append("")
            out += [m(n) for n in self.notes]
        return "\n".join(out)


class Rendered:
    """Base of the printable tables: ``str()``, ``_repr_html_()``, ``as_latex()``,
    ``as_markdown()``, all from one :class:`Report` made by ``report()``.

    Examples
    --------
    >>> from mlereg.report.summary import Summary
    >>> issubclass(Summary, Rendered)
    True
    """

    def report(self) -> Report:
        """The layout to render."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.report().to_text()

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return self.report().to_html()

    def as_text(self) -> str:
        """The text table (same as ``str()``)."""
        return str(self)

    def as_html(self) -> str:
        """The HTML table (what notebooks show)."""
        return self._repr_html_()

    def as_latex(self) -> str:
        """A booktabs LaTeX table (needs ``\\usepackage{booktabs}``)."""
        return self.report().to_latex()

    def as_markdown(self) -> str:
        """A Markdown (GitHub pipe) table."""
        return self.report().to_markdown()


def finite_or_nan(value: Any) -> float:
    """``float(value)``, or NaN when it is missing or cannot be computed.

    Examples
    --------
    >>> finite_or_nan(None)
    nan
    """
    try:
        return float(value)
    except (TypeError, ValueError, ArithmeticError):
        return float("nan")
