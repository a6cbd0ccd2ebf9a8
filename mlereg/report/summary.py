"""Presentation of one fit: :class:`Summary` (text, HTML, LaTeX, Markdown, DataFrame).

Everything here reads finished results and formats them; nothing refits or estimates.
Formatting and the shared layout live in :mod:`mlereg.report.render`; :mod:`mlereg.report.tables`
builds comparison and analysis-of-deviance tables on the same layout. The same data
give byte-identical output: no dates, no times.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ArgumentError
from .entries import format_parts
from .render import (  # noqa: F401  (format_pvalue and format_column are public here too)
    STARS_NOTE,
    Rendered,
    Report,
    Table,
    escape_latex,
    escape_markdown,
    format_column,
    format_fixed,
    format_number,
    format_pvalue,
    significance_stars,
)

# --------------------------------------------------------------------------------------
# The summary of one fit
# --------------------------------------------------------------------------------------


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
    out = list(dict.fromkeys(str(m) for m in r.messages))
    text = " ".join(out).lower()
    if not r.converged and "converge" not in text:
        out.append(
            f"the fit did not converge in {r.n_iter} iterations;"
            " the estimates and standard errors are unreliable"
        )
    aliased = list(r.aliased)
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
            raise ArgumentError(f"digits must be a positive integer, got {digits!r}")
        if not 0 < alpha < 1:
            raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}")
        self.results = results
        self.digits = digits
        self.alpha = alpha

    # --- numbers ---------------------------------------------------------------------------
    @property
    def statistic_name(self) -> str:
        """``"t"`` for t-based inference, else ``"z"``."""
        return "t" if self.results.use_t else "z"

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
        """The header as (label, value) pairs: the results' entries, formatted."""
        entries = self.results.summary_entries()
        return tuple((label, format_parts(parts, self.digits)) for label, parts in entries)

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
        notes = ()
        if r.aliased:
            n = len(r.aliased)
            notes = (f"{n} coefficient(s) not defined because of singularities (aliased).",)
        return Report(r.summary_title, fit_warnings(r), self.info(), self.table(), notes)
