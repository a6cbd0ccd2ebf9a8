"""Presentation: summary tables in text, HTML, LaTeX and Markdown.

Everything here reads finished results and formats them; nothing refits or estimates.
Numbers are formatted like R's ``format(x, digits=)`` (a column shares its decimals and
switches to scientific notation only when that is narrower), p-values like R's
``format.pval`` (``<2e-16``, never ``0.000``). Output depends only on the numbers, so
the same data give byte-identical tables: no dates, no times.

:class:`Report` is the layout every table of the package shares (title, warnings,
key/value information, one table, notes); :class:`Summary` builds one from a results
object. :mod:`mlereg.tables` builds comparison and analysis-of-deviance tables on the
same layout.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
        raise ValueError(f"digits must be at least 1, got {digits!r}")
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
    >>> format_fixed(-95.12345, 3)
    '-95.123'
    """
    if value is None or not np.isfinite(value):
        return _nonfinite(float("nan") if value is None else value, "NA")
    return f"{value:.{decimals}f}"


def significance_stars(p: float) -> str:
    """R's significance codes: ``***`` p < 0.001, ``**`` < 0.01, ``*`` < 0.05, ``.`` < 0.1.

    Examples
    --------
    >>> significance_stars(0.004)
    '**'
    """
    if p is None or not np.isfinite(p):
        return ""
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p < cut:
            return mark
    return ""


STARS_NOTE = "Signif. codes: *** p<0.001, ** p<0.01, * p<0.05, . p<0.1"

# --------------------------------------------------------------------------------------
# Layout and renderers
# --------------------------------------------------------------------------------------

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
        out += [f"Warning: {w}" for w in self.warnings]
        if self.info:
            key_width = max(len(k) for k, _ in self.info) + 1
            out += [f"{(k + ':').ljust(key_width)}  {v}" for k, v in self.info]
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
        """Semantic HTML: a ``<div>`` with a caption, warnings list, info and a table."""
        e = html.escape
        t = self.table
        out = ['<div class="mlereg-report">']
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
            out.append("<tr>" + label + "".join(f"<td>{e(c)}</td>" for c in row[1:]) + "</tr>")
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


# --------------------------------------------------------------------------------------
# The summary of one fit
# --------------------------------------------------------------------------------------


def _model_description(r: Any) -> str:
    m = getattr(r, "model", None)
    if m is None:
        return str(getattr(r, "model_name", None) or "Maximum likelihood fit")
    name = type(m).__name__
    fam = getattr(m, "family", None)
    if fam is not None and getattr(fam, "link", None) is not None:
        return f"{name} ({fam.name} family, {fam.link.name} link)"
    return name


def _method(r: Any) -> str:
    method = getattr(r, "method", None) or getattr(getattr(r, "_fit", None), "method", None)
    if method == "QR":
        return "Least squares (pivoted QR) = Gaussian maximum likelihood"
    if method == "IRLS":
        return "Maximum likelihood (IRLS / Fisher scoring)"
    return f"Maximum likelihood ({method})" if method else "Maximum likelihood"


def _is_ols(r: Any) -> bool:
    return type(getattr(r, "model", None)).__name__ == "OLS"


def fit_warnings(r: Any) -> tuple[str, ...]:
    """Plain-word warnings about a fit: its recorded messages, plus non-convergence and
    aliased columns when no message already says so.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> res = mr.OLS(np.array([1.0, 2.0, 2.0, 4.0]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    >>> fit_warnings(res)
    ()
    """
    out = list(dict.fromkeys(str(m) for m in getattr(r, "messages", ())))
    text = " ".join(out).lower()
    if not getattr(r, "converged", True) and "converge" not in text:
        out.append(
            f"the fit did not converge in {getattr(r, 'n_iter', '?')} iterations;"
            " the estimates and standard errors are unreliable"
        )
    aliased = list(getattr(r, "aliased", []) or [])
    if aliased and "aliased" not in text and "rank deficient" not in text:
        out.append(
            f"{aliased} are linear combinations of other columns and are not estimated"
            " (aliased, NA as in R)"
        )
    return tuple(out)


class Summary(Rendered):
    """The summary of a fit: header, warnings and coefficient table.

    Rendering only: it reads the results (``params``, ``bse``, ``pvalues``,
    ``conf_int``, ``llf``...) and never refits. ``str()`` gives the text,
    ``_repr_html_()`` the notebook table, ``as_latex()``, ``as_markdown()`` and
    ``to_frame()`` the other forms. There is no timestamp: the same data give
    byte-identical output.

    Parameters
    ----------
    results : LikelihoodResults
        Any maximum-likelihood results; regression results add formula, deviance,
        R-squared and tests against the null model to the header. ``model`` may be None.
    digits : int
        Significant digits of the estimates (R's ``format(x, digits=)``; decimals are
        shared by the estimate, standard-error and interval columns).
    alpha : float
        The intervals are at level 1 - alpha.

    Notes
    -----
    p-values print like R's ``format.pval`` with 3 significant digits: ``<2e-16`` below
    machine epsilon, scientific below 0.001. Aliased coefficients print as
    ``(aliased)`` with NA statistics, like R's NA rows.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> res = mr.OLS(np.array([1.0, 2.0, 2.0, 4.0]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    >>> s = res.summary(digits=5)
    >>> "Log-likelihood" in str(s) and "<table" in s._repr_html_()
    True
    """

    def __init__(self, results: Any, digits: int = 4, alpha: float = 0.05) -> None:
        if not isinstance(digits, int) or digits < 1:
            raise ValueError(f"digits must be a positive integer, got {digits!r}")
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        self.results = results
        self.digits = digits
        self.alpha = alpha

    # --- numbers ---------------------------------------------------------------------------
    @property
    def statistic_name(self) -> str:
        """``"t"`` for t-based inference, else ``"z"``."""
        return "t" if getattr(self.results, "use_t", False) else "z"

    def ci_labels(self) -> tuple[str, str]:
        """Column labels of the interval bounds, as R's ``confint`` ("2.5 %", "97.5 %")."""
        lo, hi = 100 * self.alpha / 2, 100 * (1 - self.alpha / 2)
        return f"{lo:g} %", f"{hi:g} %"

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table as a tidy DataFrame.

        Columns: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``
        (NaN for aliased terms).

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> res = mr.OLS(np.array([1.0, 2.0, 2.0, 4.0]), np.c_[np.ones(4), np.arange(4.0)]).fit()
        >>> list(res.summary().to_frame().columns)[:3]
        ['term', 'estimate', 'std_error']
        """
        r = self.results
        ci = r.conf_int(self.alpha)
        return pd.DataFrame(
            {
                "term": list(r.param_names),
                "estimate": r.params.to_numpy(dtype=float),
                "std_error": r.bse.to_numpy(dtype=float),
                "statistic": r.zvalues.to_numpy(dtype=float),
                "p_value": r.pvalues.to_numpy(dtype=float),
                "conf_low": ci["lower"].to_numpy(dtype=float),
                "conf_high": ci["upper"].to_numpy(dtype=float),
            }
        )

    # --- header ------------------------------------------------------------------------------
    def info(self) -> tuple[tuple[str, str], ...]:
        """The header as (label, value) pairs."""
        r = self.results
        d = self.digits
        dec = max(1, d - 1)
        m = getattr(r, "model", None)
        design = getattr(m, "design", None)
        rows: list[tuple[str, str]] = [("Model", _model_description(r))]
        if design is not None and getattr(design, "formula", None):
            rows.append(("Formula", str(design.formula)))
        endog = getattr(design, "endog_name", None) or getattr(m, "endog_name", None)
        if endog:
            rows.append(("Response", str(endog)))
        rows.append(("Method", _method(r)))
        n_dropped = getattr(r, "n_dropped", None)
        if n_dropped is None:
            n_dropped = getattr(design, "n_dropped", None)
        obs = f"{r.nobs:g} used"
        if n_dropped is not None:
            obs += f", {int(n_dropped)} dropped for missing values"
        rows.append(("Observations", obs))
        df_model = getattr(r, "df_model", None)
        if df_model is not None:
            rows.append(("Df model / resid", f"{df_model:g} / {r.df_resid:g}"))
        else:
            rows.append(("Df resid", f"{r.df_resid:g}"))
        rows.append(("Log-likelihood", format_fixed(r.llf, dec)))
        rows.append(("AIC / BIC", f"{format_fixed(r.aic, dec)} / {format_fixed(r.bic, dec)}"))
        rows += self._regression_info(dec)
        rows.append(("Covariance type", str(getattr(r, "cov_type", "nonrobust"))))
        status = "converged" if getattr(r, "converged", True) else "NOT CONVERGED"
        rows.append(("Iterations", f"{getattr(r, 'n_iter', 0)} ({status})"))
        return tuple(rows)

    def _regression_info(self, dec: int) -> list[tuple[str, str]]:
        r = self.results
        d = self.digits
        fam = getattr(getattr(r, "model", None), "family", None)
        if fam is None or not hasattr(r, "deviance"):
            return []
        rows: list[tuple[str, str]] = []
        if _is_ols(r):
            rows.append(
                (
                    "R-squared / adjusted",
                    f"{format_number(r.rsquared, d)} / {format_number(r.rsquared_adj, d)}",
                )
            )
            rows.append(
                (
                    "Residual std. error",
                    f"{format_number(np.sqrt(r.scale), d)} on {r.df_resid:g} df",
                )
            )
            if r.df_model > 0 and r.df_resid > 0:
                from scipy import stats

                f = (r.null_deviance - r.deviance) / r.df_model / r.scale
                p = float(stats.f.sf(f, r.df_model, r.df_resid))
                rows.append(
                    (
                        "F-statistic",
                        f"{format_number(f, d)} on {r.df_model:g} and {r.df_resid:g} df,"
                        f" p {_p_with_sign(p)}",
                    )
                )
            return rows
        rows.append(("LL-null", format_fixed(r.llnull, dec)))
        if r.df_model > 0:
            rows.append(
                (
                    "LR test vs null",
                    f"chi2 = {format_fixed(r.llr, dec)} on {r.df_model:g} df,"
                    f" p {_p_with_sign(r.llr_pvalue)}",
                )
            )
        if fam.name == "gaussian":
            rows.append(("R-squared", format_number(r.rsquared, d)))
        else:
            rows.append(("Pseudo R-squared", f"{format_number(r.pseudo_rsquared, d)} (McFadden)"))
        dev_df = f"{r.df_resid:g}"
        null_df = f"{r.nobs - getattr(r.model, 'k_constant', 1):g}"
        rows.append(
            (
                "Deviance / null",
                f"{format_number(r.deviance, d + 1)} on {dev_df} df /"
                f" {format_number(r.null_deviance, d + 1)} on {null_df} df",
            )
        )
        if fam.has_dispersion:
            rows.append(
                ("Dispersion", f"{format_number(r.scale, d + 1)} (Pearson chi2 / df resid)")
            )
        else:
            rows.append(("Dispersion", f"1 ({fam.name} family)"))
        return rows

    # --- table -------------------------------------------------------------------------
    def table(self) -> Table:
        """The coefficient table, formatted."""
        frame = self.to_frame()
        d = self.digits
        s = self.statistic_name
        lo, hi = self.ci_labels()
        header = ("", "Estimate", "Std. Error", f"{s} value", f"Pr(>|{s}|)", lo, hi)
        block = frame[["estimate", "std_error", "conf_low", "conf_high"]].to_numpy()
        cells = np.array(format_column(block.ravel(), d)).reshape(block.shape)
        stat = frame["statistic"].to_numpy()
        stat_dec = max(1, d - 1)
        rows = []
        for i, term in enumerate(frame["term"]):
            if np.isnan(frame["estimate"].iloc[i]):
                rows.append((term, "(aliased)", "NA", "NA", "NA", "NA", "NA"))
                continue
            rows.append(
                (
                    term,
                    cells[i, 0],
                    cells[i, 1],
                    format_fixed(stat[i], stat_dec),
                    format_pvalue(frame["p_value"].iloc[i]),
                    cells[i, 2],
                    cells[i, 3],
                )
            )
        return Table(header, tuple(rows))

    def report(self) -> Report:
        """The layout rendered by ``str()``, HTML, LaTeX and Markdown."""
        r = self.results
        if getattr(getattr(r, "model", None), "design", None) is not None:
            title = f"{type(r.model).__name__} regression results"
        else:
            title = f"{_model_description(r)} results"
        notes = ()
        if getattr(self.results, "aliased", None):
            n = len(self.results.aliased)
            notes = (f"{n} coefficient(s) not defined because of singularities (aliased).",)
        return Report(title, fit_warnings(self.results), self.info(), self.table(), notes)


def _p_with_sign(p: float) -> str:
    text = format_pvalue(p)
    return text if text.startswith("<") else "= " + text


def finite_or_nan(value: Any) -> float:
    """``float(value)``, or NaN when it is missing or cannot be computed.

    Examples
    --------
    >>> finite_or_nan(None)
    nan
    """
    try:
        out = float(value)
    except (TypeError, ValueError, ArithmeticError):
        return math.nan
    return out
