"""Tables of several fits: side-by-side comparison, analysis of deviance, drop1.

:func:`compare` only reads results. :func:`anova` computes the test statistics of R's
``anova`` from the fits' deviances (no refit); :func:`drop1` refits the model once per
droppable term, on the same rows. Rendering (text, HTML, LaTeX, Markdown) is shared with
:mod:`mlereg.summary`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import DataError
from .inference import _same_sample
from .render import (
    STARS_NOTE,
    Rendered,
    Report,
    Table,
    finite_or_nan,
    format_column,
    format_fixed,
    format_pvalue,
    significance_stars,
)

# --------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------


def _r2_row(r: Any) -> tuple[str, float]:
    """("R-squared", 1 - RSS/TSS) for Gaussian models (OLS and GLM), else McFadden's
    ("Pseudo R-squared", 1 - llf/llnull)."""
    model = getattr(r, "model", None)
    if getattr(getattr(model, "family", None), "name", None) == "gaussian":
        return "R-squared", finite_or_nan(getattr(r, "rsquared", None))
    try:
        return "Pseudo R-squared", finite_or_nan(r.pseudo_rsquared)
    except AttributeError:
        return "Pseudo R-squared", np.nan


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
            raise ValueError("compare needs at least one results object")
        if names is None:
            names = [f"({i + 1})" for i in range(len(results))]
        names = [str(n) for n in names]
        if len(names) != len(results):
            raise ValueError(f"names has {len(names)} entries for {len(results)} models")
        if len(set(names)) != len(names):
            raise ValueError(f"names must be distinct, got {names}")
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
        r2 = [_r2_row(r) for r in rs]
        label = r2[0][0] if len({k for k, _ in r2}) == 1 else "R-squared / pseudo"
        return [
            ("Observations", [float(r.nobs) for r in rs]),
            ("Log-likelihood", [float(r.llf) for r in rs]),
            ("AIC", [float(r.aic) for r in rs]),
            ("BIC", [float(r.bic) for r in rs]),
            (label, [v for _, v in r2]),
            ("Covariance type", [str(getattr(r, "cov_type", "nonrobust")) for r in rs]),
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
        info = []
        for n, r in zip(self.names, self.results, strict=True):
            design = getattr(getattr(r, "model", None), "design", None)
            what = getattr(design, "formula", None) or type(getattr(r, "model", r)).__name__
            info.append((n, f"{type(getattr(r, 'model', r)).__name__}: {what}"))
        notes = ["Standard errors in parentheses."]
        if self.stars:
            notes.append(STARS_NOTE)
        warnings = []
        for n, r in zip(self.names, self.results, strict=True):
            warnings += [f"model {n}: {m}" for m in dict.fromkeys(getattr(r, "messages", ()))]
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


def _label(r: Any, i: int) -> str:
    design = getattr(getattr(r, "model", None), "design", None)
    formula = getattr(design, "formula", None)
    if formula:
        return formula
    return f"{type(r.model).__name__}: {', '.join(r.param_names)}"


def _check_nested(small: Any, big: Any, i: int) -> None:
    """Raise unless the column space of ``small`` lies in that of ``big`` (same offset,
    same link)."""
    ms, mb = small.model, big.model
    ls, lb = getattr(ms.family, "link", None), getattr(mb.family, "link", None)
    if type(ls) is not type(lb):
        raise DataError(
            f"models {i} and {i + 1} use different links ({ls!r} vs {lb!r}): not nested"
        )
    if not np.allclose(ms.offset, mb.offset, rtol=1e-12, atol=0):
        raise DataError(f"models {i} and {i + 1} have different offsets: not nested")
    if small.k_params == big.k_params:
        raise DataError(
            f"models {i} and {i + 1} have the same number of parameters"
            f" ({small.k_params:g}): anova compares nested models of different sizes"
        )
    Xs = ms.exog[:, [not np.isnan(v) for v in small.params]]
    Xb = mb.exog[:, [not np.isnan(v) for v in big.params]]
    coef, *_ = np.linalg.lstsq(Xb, Xs, rcond=None)
    resid = np.linalg.norm(Xs - Xb @ coef, axis=0)
    scale = np.maximum(np.linalg.norm(Xs, axis=0), 1.0)
    if np.any(resid > 1e-7 * scale):
        outside = [
            str(n)
            for n, bad in zip(
                np.array(small.param_names)[~np.isnan(small.params)],
                resid > 1e-7 * scale,
                strict=True,
            )
            if bad
        ]
        raise DataError(
            f"model {i} is not nested in model {i + 1}: its column(s) {outside} are not"
            f" linear combinations of model {i + 1}'s columns"
        )


def anova(*results: Any, test: Literal["Chisq", "LRT", "F"] | None = None) -> TestTable:
    """Analysis of deviance (or variance) for nested models, like R's ``anova``.

    Parameters
    ----------
    *results : RegressionResults
        Two or more fits of the same family and link to the same rows and response,
        each nested in the next once sorted by size (any order is accepted).
    test : {"Chisq", "LRT", "F"}, optional
        ``"Chisq"`` (= ``"LRT"``) compares Deviance / dispersion with chi^2(Df), as R's
        ``anova(..., test="Chisq")``; ``"F"`` uses F = Deviance / Df / dispersion on
        (Df, residual df of the largest model), as ``anova.lm``. Default ``"F"`` for
        OLS, ``"Chisq"`` otherwise. ``"F"`` needs a family with a dispersion.

    Returns
    -------
    TestTable
        Columns ``Resid. Df, Resid. Dev, Df, Deviance`` and ``Pr(>Chi)`` (or ``F,
        Pr(>F)``); for OLS R's names ``Res.Df, RSS, Df, Sum of Sq``.

    Raises
    ------
    DataError
        Different rows, responses, families, links or offsets, equal sizes, or a model
        that is not nested in the next (its columns are not in the larger column span).

    Notes
    -----
    The dispersion is that of the largest model (Pearson chi^2 / df_resid for
    Gaussian, Gamma, inverse Gaussian; 1 for binomial and Poisson), as R does. For
    binomial and Poisson models the Chisq statistic is the likelihood-ratio statistic
    2 (llf_big - llf_small) of :func:`mlereg.lr_test`; with a dispersion it is R's
    scaled deviance, not the exact LR statistic.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [2, 3, 6, 7, 8, 9, 10, 12, 15, 20], "x": range(10),
    ...                    "g": list("ababababab")})
    >>> big = mr.poisson("y ~ x + g", df).fit(); small = mr.poisson("y ~ 1", df).fit()
    >>> list(mr.anova(big, small).to_frame().columns)
    ['Resid. Df', 'Resid. Dev', 'Df', 'Deviance', 'Pr(>Chi)']
    """
    if len(results) == 1 and isinstance(results[0], (list, tuple)):
        results = tuple(results[0])
    if len(results) < 2:
        raise ValueError("anova needs at least two fitted models")
    for j, r in enumerate(results[1:], start=2):
        try:
            _same_sample(results[0], r)
        except DataError as exc:
            raise DataError(f"models 1 and {j} (in the order given): {exc}") from None
    order = sorted(range(len(results)), key=lambda j: results[j].k_params)
    fits = [results[j] for j in order]
    for i in range(len(fits) - 1):
        _check_nested(fits[i], fits[i + 1], i + 1)
    big = fits[-1]
    ols = type(big.model).__name__ == "OLS"
    has_disp = bool(big.model.family.has_dispersion)
    if test is None:
        test = "F" if ols else "Chisq"
    if test not in ("Chisq", "LRT", "F"):
        raise ValueError(f"test must be 'Chisq', 'LRT' or 'F', got {test!r}")
    if test == "F" and not has_disp:
        raise ValueError(
            f"test='F' needs a family with an estimated dispersion; the"
            f" {big.model.family.name} family has dispersion 1: use test='Chisq'"
        )
    dispersion = float(big.scale) if has_disp else 1.0
    resid_df = np.array([r.df_resid for r in fits])
    dev = np.array([r.deviance for r in fits])
    df = np.r_[np.nan, resid_df[:-1] - resid_df[1:]]
    ddev = np.r_[np.nan, dev[:-1] - dev[1:]]
    names = (
        ["Res.Df", "RSS", "Df", "Sum of Sq"]
        if ols
        else ["Resid. Df", "Resid. Dev", "Df", "Deviance"]
    )
    frame = pd.DataFrame(dict(zip(names, [resid_df, dev, df, ddev], strict=True)))
    if test == "F":
        fstat = ddev / df / dispersion
        frame["F"] = fstat
        frame["Pr(>F)"] = stats.f.sf(fstat, df, big.df_resid)
    else:
        frame["Pr(>Chi)"] = stats.chi2.sf(ddev / dispersion, df)
    frame.index = [str(i + 1) for i in range(len(fits))]
    info = tuple((f"Model {i + 1}", _label(r, i)) for i, r in enumerate(fits))
    notes: tuple[str, ...] = ()
    if has_disp:
        notes = (f"Dispersion of the largest model: {dispersion:.6g}",)
    title = "Analysis of Variance Table" if ols else "Analysis of Deviance Table"
    return TestTable(title, info, frame, notes)


def drop1(res: Any) -> TestTable:
    """Likelihood-ratio test for dropping each term of a formula model, like R's
    ``drop1(fit, test="Chisq")``.

    Each term (a patsy term such as ``C(region)`` or ``x:z``, all its columns at once)
    that is not the intercept and not contained in an interaction is removed in turn and
    the model refitted on the same rows.

    Parameters
    ----------
    res : RegressionResults
        A fit of a model built with ``from_formula``.

    Returns
    -------
    TestTable
        Rows ``<none>`` and one per term; columns ``Df`` (parameters removed),
        ``Deviance`` and ``AIC`` of the reduced model, ``LRT`` = 2 (llf_full -
        llf_reduced) and ``Pr(>Chi)`` from chi^2(Df).

    Raises
    ------
    TypeError
        The model was not built from a formula.

    Notes
    -----
    For binomial and Poisson models this is R's ``drop1.glm`` exactly; for OLS the LRT
    column is ``drop1.lm(test="Chisq")``'s n log(RSS_reduced / RSS) (R's AIC column
    there is ``extractAIC``, which differs from ours by a constant). For families with a
    dispersion R reports a scaled deviance instead of the exact LR statistic given here.

    Examples
    --------
    >>> import pandas as pd, mlereg as mr
    >>> df = pd.DataFrame({"y": [2, 3, 6, 7, 8, 9, 10, 12, 15, 20], "x": range(10),
    ...                    "g": list("ababababab")})
    >>> list(mr.poisson("y ~ x + g", df).fit().drop1().to_frame().index)
    ['<none>', 'g', 'x']
    """
    from .base import LikelihoodModel
    from .formula import drop_scope, without_term

    model = res.model
    design = getattr(model, "design", None)
    if design is None or design.builder is None:
        raise TypeError("drop1 needs a model built with from_formula (its terms are unknown)")
    rows = {"<none>": [np.nan, res.deviance, res.aic, np.nan, np.nan]}
    for term in drop_scope(design):
        reduced = copy.copy(model)
        LikelihoodModel._init_design(reduced, without_term(design, term))
        reduced.data = getattr(model, "data", None)
        fit = reduced.fit()
        df = float(round(res.k_params - fit.k_params))
        lrt = max(0.0, 2.0 * (res.llf - fit.llf))
        p = float(stats.chi2.sf(lrt, df)) if df > 0 else np.nan
        rows[term] = [df, fit.deviance, fit.aic, lrt, p]
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=["Df", "Deviance", "AIC", "LRT", "Pr(>Chi)"]
    )
    info = (("Model", design.formula),)
    return TestTable("Single term deletions", info, frame)
