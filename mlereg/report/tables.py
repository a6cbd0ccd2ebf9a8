"""Tables of several fits: the side-by-side comparison and test tables.

:func:`compare` only reads results. :class:`TestTable` lays out the tables that
:mod:`mlereg.inference.anova` computes (analysis of deviance, drop1). Rendering (text,
HTML, LaTeX, Markdown) is shared with :mod:`mlereg.report.summary`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ArgumentError
from .render import (
    STARS_NOTE,
    Rendered,
    Report,
    Table,
    format_column,
    format_fixed,
    format_pvalue,
    significance_stars,
)

# --------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------


class ComparisonTable(Rendered):
    """Several fits side by side: terms as rows, estimate with its standard error below.

    Made by :func:`compare`; ``str()``, ``_repr_html_()``, ``as_latex()``,
    ``as_markdown()`` and ``to_frame()`` render it.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 3, 2, 5, 4, 6])
    >>> t = mr.compare([mr.OLS(y, X[:, :1]).fit(), mr.OLS(y, X).fit()])
    >>> t.names
    ['(1)', '(2)']
    """

    def __init__(
        self,
        results: Sequence[Any],
        names: Sequence[str] | None = None,
        stars: bool = True,
        digits: int = 4,
    ) -> None:
        results = list(results)
        if not results:
            raise ArgumentError("compare needs at least one results object")
        if names is None:
            names = [f"({i + 1})" for i in range(len(results))]
        names = [str(n) for n in names]
        if len(names) != len(results):
            raise ArgumentError(f"names has {len(names)} entries for {len(results)} models")
        if len(set(names)) != len(names):
            raise ArgumentError(f"names must be distinct, got {names}")
        self.results = results
        self.names = names
        self.stars = bool(stars)
        self.digits = int(digits)

    @property
    def terms(self) -> list[str]:
        """Every term of every model, in order of first appearance."""
        return list(dict.fromkeys(t for r in self.results for t in r.param_names))

    def _statistics(self) -> list[tuple[str, list[Any]]]:
        rs = self.results
        r2 = [r.comparison_r2() for r in rs]
        label = r2[0][0] if len({k for k, _ in r2}) == 1 else "R-squared / pseudo"
        return [
            ("Observations", [float(r.nobs) for r in rs]),
            ("Log-likelihood", [float(r.llf) for r in rs]),
            ("AIC", [float(r.aic) for r in rs]),
            ("BIC", [float(r.bic) for r in rs]),
            (label, [v for _, v in r2]),
            ("Covariance type", [str(r.cov_type) for r in rs]),
        ]

    def to_frame(self) -> pd.DataFrame:
        """Numbers of the table: rows ``(term, "estimate"|"std_error")`` then the
        statistics rows ``(name, "")``; one column per model (object dtype because of
        the covariance-type row).

        Examples
        --------
        >>> import numpy as np, mlereg as mr
        >>> X = np.c_[np.ones(6), np.arange(6.0)]; y = np.array([1.0, 3, 2, 5, 4, 6])
        >>> f = mr.compare([mr.OLS(y, X).fit()]).to_frame()
        >>> round(f.loc[("x1", "estimate"), "(1)"], 4)
        0.8857
        """
        index, columns = [], {n: [] for n in self.names}
        for term in self.terms:
            for stat, attr in (("estimate", "params"), ("std_error", "bse")):
                index.append((term, stat))
                for n, r in zip(self.names, self.results, strict=True):
                    s = getattr(r, attr)
                    columns[n].append(float(s[term]) if term in s.index else np.nan)
        for label, values in self._statistics():
            index.append((label, ""))
            for n, v in zip(self.names, values, strict=True):
                columns[n].append(v)
        return pd.DataFrame(
            columns, index=pd.MultiIndex.from_tuples(index, names=["term", "statistic"])
        ).astype(object)

    def table(self) -> Table:
        """The formatted table."""
        d = self.digits
        rows: list[tuple[str, ...]] = []
        cols: list[list[str]] = []
        for r in self.results:
            est = [float(r.params[t]) if t in r.params.index else np.nan for t in self.terms]
            se = [float(r.bse[t]) if t in r.bse.index else np.nan for t in self.terms]
            cells = format_column(est + se, d, na="")
            col = []
            for i, t in enumerate(self.terms):
                if t not in r.params.index:
                    col += ["", ""]
                elif np.isnan(est[i]):
                    col += ["(aliased)", ""]
                else:
                    mark = significance_stars(float(r.pvalues[t])) if self.stars else ""
                    col += [cells[i] + mark, f"({cells[len(est) + i]})"]
            cols.append(col)
        for i, t in enumerate(self.terms):
            rows.append((t, *(c[2 * i] for c in cols)))
            rows.append(("", *(c[2 * i + 1] for c in cols)))
        first_stat = len(rows)
        dec = max(1, d - 1)
        for label, values in self._statistics():
            if label == "Observations":
                cells = [f"{v:g}" for v in values]
            elif label == "Covariance type":
                cells = list(values)
            elif "R-squared" in label:
                cells = [format_fixed(v, d) if np.isfinite(v) else "" for v in values]
            else:
                cells = [format_fixed(v, dec) for v in values]
            rows.append((label, *cells))
        return Table(("", *self.names), tuple(rows), rules=(first_stat,), code_labels=False)

    def report(self) -> Report:
        """The layout rendered by ``str()``, HTML, LaTeX and Markdown."""
        info = [(n, r.model_label) for n, r in zip(self.names, self.results, strict=True)]
        notes = ["Standard errors in parentheses."]
        if self.stars:
            notes.append(STARS_NOTE)
        warnings = []
        for n, r in zip(self.names, self.results, strict=True):
            warnings += [f"model {n}: {m}" for m in dict.fromkeys(r.messages)]
        return Report("Model comparison", tuple(warnings), tuple(info), self.table(), tuple(notes))


def compare(
    results: Sequence[Any],
    names: Sequence[str] | None = None,
    stars: bool = True,
    digits: int = 4,
) -> ComparisonTable:
    """Several fits side by side.

    Parameters
    ----------
    results : sequence of results
        Any fits; terms are matched by name (blank where a model lacks a term).
    names : sequence of str, optional
        Column titles; default ``(1)``, ``(2)``, ...
    stars : bool
        Mark estimates with R's significance codes (Wald p-values of each model).
    digits : int
        Significant digits (estimates and standard errors of a model share decimals).

    Returns
    -------
    ComparisonTable
        ``print()`` it, or use ``as_latex()``, ``as_markdown()``, ``to_frame()``; in a
        notebook it shows as HTML. Rows: each term's estimate with its standard error in
        parentheses below, then observations, log-likelihood, AIC, BIC, R-squared (OLS)
        or McFadden's pseudo R-squared, and the covariance type.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6, 8, 7], "x": range(8), "z": [0, 1] * 4})
    >>> t = mr.compare([mr.ols("y ~ x", df).fit(), mr.ols("y ~ x + z", df).fit()],
    ...                names=["small", "big"])
    >>> "AIC" in str(t)
    True
    """
    return ComparisonTable(results, names, stars, digits)


# --------------------------------------------------------------------------------------
# Test tables: anova and drop1
# --------------------------------------------------------------------------------------


class TestTable(Rendered):
    """A table of tests (R's ``anova``/``drop1`` layout) held as a DataFrame.

    ``to_frame()`` gives the numbers with R's column names; the renderers print
    integers for degrees of freedom, 5 significant digits elsewhere (R's
    ``print.anova``) and p-values like ``format.pval``.

    Examples
    --------
    >>> t = TestTable("Tests", (), pd.DataFrame({"Df": [1.0], "Pr(>Chi)": [0.5]}, index=["a"]))
    >>> t.to_frame().shape
    (1, 2)
    """

    __test__ = False  # not a pytest class

    def __init__(
        self,
        title: str,
        info: tuple[tuple[str, str], ...],
        frame: pd.DataFrame,
        notes: tuple[str, ...] = (),
        warnings: tuple[str, ...] = (),
        digits: int = 5,
    ) -> None:
        self.title = title
        self.info = info
        self.frame = frame
        self.notes = notes
        self.warnings = warnings
        self.digits = digits

    def to_frame(self) -> pd.DataFrame:
        """The numbers, with R's column names (a copy)."""
        return self.frame.copy()

    def table(self) -> Table:
        """The formatted table."""
        f = self.frame
        cols = []
        for name in f.columns:
            v = f[name].to_numpy(dtype=float)
            if name.startswith("Pr("):
                cells = ["" if np.isnan(p) else format_pvalue(p, 4) for p in v]
            elif name in ("Df", "Res.Df", "Resid. Df"):
                cells = ["" if np.isnan(x) else f"{x:g}" for x in v]
            else:
                cells = format_column(v, self.digits, na="")
            cols.append(cells)
        rows = tuple((str(label), *(c[i] for c in cols)) for i, label in enumerate(f.index))
        return Table(("", *map(str, f.columns)), rows, code_labels=False)

    def report(self) -> Report:
        """The layout rendered by ``str()``, HTML, LaTeX and Markdown."""
        return Report(self.title, self.warnings, self.info, self.table(), self.notes)
