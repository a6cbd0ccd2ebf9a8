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
    if method == "Firth":
        return "Firth's penalised likelihood (IRLS / Fisher scoring)"
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
            levels = getattr(r, "response_levels", None)
            if levels is not None and len(levels) == 2:
                endog = f"{endog} (1 = {levels[1]!r}, 0 = {levels[0]!r})"
            rows.append(("Response", str(endog)))
        rows.append(("Method", _method(r)))
        n_dropped = getattr(r, "n_dropped", None)
        if n_dropped is None:
            n_dropped = getattr(design, "n_dropped", None)
        obs = f"{r.nobs:g} used"
        if n_dropped is not None:
            obs += f", {int(n_dropped)} dropped for missing values"
            by = getattr(r, "dropped_by", None)
            if n_dropped and by:
                obs += " (" + ", ".join(f"{k}: {v}" for k, v in by.items()) + ")"
        rows.append(("Observations", obs))
        if getattr(r, "separation", None) is not None:
            rows.append(("Separation", str(r.separation)))
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
