"""Figures of results (optional extra ``mlereg[plot]``: matplotlib is imported lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib, which is not installed: pip install 'mlereg[plot]'"
            " (or pip install matplotlib)"
        ) from None
    return plt


def plot_coefficients(
    results: Any,
    ax: Any = None,
    alpha: float = 0.05,
    *,
    intercept: bool = False,
    terms: list[str] | None = None,
) -> Any:
    """Coefficient plot: each estimate as a point with its 1 - alpha Wald interval.

    Parameters
    ----------
    results : LikelihoodResults
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.
    alpha : float
        Intervals at level 1 - alpha (``results.conf_int(alpha)``).
    intercept : bool
        Include the intercept (``Intercept`` or ``const``); off by default because its
        scale usually dwarfs the slopes.
    terms : list of str, optional
        Which terms to show, in this order (default all, aliased ones left out).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> res = mr.OLS(np.array([1.0, 3, 2, 5]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    >>> ax = plot_coefficients(res)  # doctest: +SKIP
    """
    plt = _pyplot()
    ci = results.conf_int(alpha)
    names = list(terms) if terms is not None else list(results.param_names)
    if terms is None and not intercept:
        names = [n for n in names if n not in ("Intercept", "const")] or names
    unknown = [n for n in names if n not in results.params.index]
    if unknown:
        raise ValueError(f"terms {unknown} are not parameters of the model")
    names = [n for n in names if np.isfinite(results.params[n])]
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.45 * len(names) + 1.2))
    y = np.arange(len(names))[::-1]
    est = results.params[names].to_numpy()
    lo = ci.loc[names, "lower"].to_numpy()
    hi = ci.loc[names, "upper"].to_numpy()
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", capsize=3, color="C0")
    ax.axvline(0.0, color="0.5", linewidth=0.8, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.set_xlabel(f"Estimate with {100 * (1 - alpha):g}% confidence interval")
    ax.set_ylim(-0.7, len(names) - 0.3)
    return ax
