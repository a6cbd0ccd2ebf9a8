"""Presentation: summary tables. Reads results, never computes estimates."""

from __future__ import annotations

from typing import Any

import numpy as np


def format_pvalue(p: float, digits: int = 4) -> str:
    """Format a p-value like R's ``format.pval``: tiny values as ``<2e-16``.

    Examples
    --------
    >>> format_pvalue(1e-20)
    '<2e-16'
    >>> format_pvalue(0.0312)
    '0.0312'
    """
    eps = 2.220446049250313e-16
    if np.isnan(p):
        return "NaN"
    if p < eps:
        return "<2e-16"
    if p < 10**-digits:
        return f"{p:.2g}".replace("e-0", "e-")
    return f"{p:.{digits}g}"


class Summary:
    """A printable summary of a results object (``str()`` gives the text table).

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> res = mr.OLS(np.array([1.0, 2.0, 2.0, 4.0]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    >>> "Log-likelihood" in str(res.summary())
    True
    """

    def __init__(self, results: Any, digits: int = 4, alpha: float = 0.05) -> None:
        self.results = results
        self.digits = digits
        self.alpha = alpha

    def header(self) -> list[tuple[str, str]]:
        r = self.results
        m = r.model
        rows = [("Model", type(m).__name__ if m is not None else "MLE")]
        design = getattr(m, "design", None)
        if design is not None:
            if design.formula:
                rows.append(("Formula", design.formula))
            response = design.endog_name
            levels = getattr(r, "response_levels", None)
            if levels is not None and len(levels) == 2:
                response += f" (1 = {levels[1]!r}, 0 = {levels[0]!r})"
            rows.append(("Response", response))
            fam = getattr(m, "family", None)
            if fam is not None:
                rows.append(("Family / link", f"{fam.name} / {fam.link.name}"))
            dropped = f"{r.n_dropped} dropped (missing)"
            by = getattr(r, "dropped_by", None)
            if r.n_dropped and by:
                dropped = (
                    f"{r.n_dropped} dropped (missing in "
                    + ", ".join(f"{k}: {v}" for k, v in by.items())
                    + ")"
                )
            rows.append(("Observations", f"{r.nobs:g} used, {dropped}"))
            if getattr(r, "method", None) == "Firth":
                rows.append(("Method", "Firth penalised likelihood"))
            if getattr(r, "separation", None) is not None:
                rows.append(("Separation", str(r.separation)))
        rows.append(("Log-likelihood", f"{r.llf:.{self.digits + 2}g}"))
        rows.append(("AIC / BIC", f"{r.aic:.{self.digits + 2}g} / {r.bic:.{self.digits + 2}g}"))
        rows.append(("Covariance", r.cov_type))
        status = "converged" if r.converged else "NOT CONVERGED"
        rows.append(("Iterations", f"{r.n_iter} ({status})"))
        return rows

    def __str__(self) -> str:
        r = self.results
        d = self.digits
        lines = []
        for msg in r.messages:
            lines.append(f"WARNING: {msg}")
        for k, v in self.header():
            lines.append(f"{k + ':':<16}{v}")
        ci = r.conf_int(self.alpha)
        stat = "t" if r.use_t else "z"
        lo, hi = f"[{self.alpha / 2:g}", f"{1 - self.alpha / 2:g}]"
        width = max(len(n) for n in r.param_names) + 2
        lines.append("")
        lines.append(
            f"{'':<{width}}{'coef':>12}{'std err':>12}{stat:>10}{'P>|' + stat + '|':>10}"
            f"{lo:>12}{hi:>12}"
        )
        for name in r.param_names:
            lines.append(
                f"{name:<{width}}{r.params[name]:>12.{d}g}{r.bse[name]:>12.{d}g}"
                f"{r.zvalues[name]:>10.3f}{format_pvalue(r.pvalues[name]):>10}"
                f"{ci.loc[name, 'lower']:>12.{d}g}{ci.loc[name, 'upper']:>12.{d}g}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)
