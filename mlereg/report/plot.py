"""Figures of results (optional extra ``mlereg[plot]``: matplotlib is imported lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import ArgumentError


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
    exp: bool = False,
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
    exp : bool
        Show exp(estimate) and its interval on a log axis, with the line of no effect
        at 1: odds ratios for a logit link, rate ratios for a log link.

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
        raise ArgumentError(f"terms {unknown} are not parameters of the model")
    names = [n for n in names if np.isfinite(results.params[n])]
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.45 * len(names) + 1.2))
    y = np.arange(len(names))[::-1]
    est = results.params[names].to_numpy()
    lo = ci.loc[names, "lower"].to_numpy()
    hi = ci.loc[names, "upper"].to_numpy()
    what = "Estimate"
    if exp:
        est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
        what = results.ratio_name
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", capsize=3, color="C0")
    ax.axvline(1.0 if exp else 0.0, color="0.5", linewidth=0.8, linestyle="--")
    if exp:
        ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.set_xlabel(f"{what} with {100 * (1 - alpha):g}% confidence interval")
    ax.set_ylim(-0.7, len(names) - 0.3)
    return ax


def _smooth(x: np.ndarray, y: np.ndarray, points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """A running weighted mean of y against x (Gaussian kernel, a fifth of the range
    wide): the trend line R draws with lowess."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    grid = np.linspace(x[0], x[-1], points)
    width = max((x[-1] - x[0]) / 5.0, 1e-12)
    w = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / width) ** 2)
    return grid, (w @ y) / w.sum(axis=1)


def plot_diagnostics(results: Any, fig: Any = None) -> Any:
    """R's four diagnostic panels of a regression (``plot(lm)``, ``plot(glm)``).

    Residuals against fitted values (the linear predictor for a GLM), a normal Q-Q plot
    of the standardized deviance residuals, the scale-location plot (their root
    absolute values against the fitted values), and standardized Pearson residuals
    against leverage with Cook's distance contours at 0.5 and 1. Each has a smoothed
    trend line where R draws one. The three largest points are labelled by row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, mlereg as mr
    >>> res = mr.OLS(np.array([1.0, 3, 2, 5, 4]), np.c_[np.ones(5), np.arange(5.0)]).fit()
    >>> fig = plot_diagnostics(res)  # doctest: +SKIP
    """
    from scipy import stats

    plt = _pyplot()
    infl = results.get_influence()
    gaussian = results.model.family.name == "gaussian"
    fitted = (results.fittedvalues if gaussian else results.linear_predictor).to_numpy()
    resid = (results.resid_response if gaussian else results.resid_deviance).to_numpy()
    std = infl.resid_studentized_internal.to_numpy()
    std_pearson = infl.resid_studentized_pearson.to_numpy()
    hat = infl.hat.to_numpy()
    labels = np.asarray(infl.hat.index)
    if fig is None:
        fig = plt.figure(figsize=(9.0, 8.0))
    axes = fig.subplots(2, 2)
    xlabel = "Fitted values" if gaussian else "Predicted values (linear predictor)"

    def label_extremes(
        ax: Any, x: np.ndarray, y: np.ndarray, by: np.ndarray, names: np.ndarray = labels
    ) -> None:
        for i in np.argsort(-np.abs(by))[:3]:
            ax.annotate(
                str(names[i]), (x[i], y[i]), fontsize=8, xytext=(3, 2), textcoords="offset points"
            )

    ax = axes[0, 0]
    ax.scatter(fitted, resid, s=12, facecolors="none", edgecolors="0.2")
    ax.axhline(0.0, color="0.5", linestyle=":", linewidth=0.8)
    ax.plot(*_smooth(fitted, resid), color="C3", linewidth=1.2)
    label_extremes(ax, fitted, resid, resid)
    ax.set(xlabel=xlabel, ylabel="Residuals", title="Residuals vs Fitted")

    ax = axes[0, 1]
    n = std.size
    theory = stats.norm.ppf((np.arange(1, n + 1) - 0.5) / n)  # R's ppoints for n > 10
    order = np.argsort(std)
    ax.scatter(theory, std[order], s=12, facecolors="none", edgecolors="0.2")
    q1, q3 = np.percentile(std, [25, 75])
    t1, t3 = stats.norm.ppf([0.25, 0.75])
    slope = (q3 - q1) / (t3 - t1)
    ax.plot(theory, q1 + slope * (theory - t1), color="0.5", linestyle=":", linewidth=0.8)
    label_extremes(ax, theory, std[order], std[order], labels[order])
    ax.set(xlabel="Theoretical quantiles", ylabel="Std. deviance resid.", title="Normal Q-Q")

    ax = axes[1, 0]
    root = np.sqrt(np.abs(std))
    ax.scatter(fitted, root, s=12, facecolors="none", edgecolors="0.2")
    ax.plot(*_smooth(fitted, root), color="C3", linewidth=1.2)
    label_extremes(ax, fitted, root, root)
    ax.set(xlabel=xlabel, ylabel="sqrt(|Std. deviance resid.|)", title="Scale-Location")

    ax = axes[1, 1]
    ax.scatter(hat, std_pearson, s=12, facecolors="none", edgecolors="0.2")
    ax.axhline(0.0, color="0.5", linestyle=":", linewidth=0.8)
    ax.plot(*_smooth(hat, std_pearson), color="C3", linewidth=1.2)
    p = int(np.sum(~np.isnan(results.params.to_numpy())))
    h = np.linspace(max(hat.min(), 1e-3), min(hat.max() * 1.05, 0.999), 100)
    lim = ax.get_ylim()
    for level in (0.5, 1.0):  # Cook's distance D: r = sqrt(D p (1 - h) / h)
        r = np.sqrt(level * p * (1.0 - h) / h)
        ax.plot(h, r, color="C3", linestyle="--", linewidth=0.8)
        ax.plot(h, -r, color="C3", linestyle="--", linewidth=0.8)
        ax.annotate(f"{level:g}", (h[-1], r[-1]), fontsize=8, color="C3")
    ax.set_ylim(lim)
    label_extremes(ax, hat, std_pearson, infl.cooks_distance.to_numpy())
    ax.set(xlabel="Leverage", ylabel="Std. Pearson resid.", title="Residuals vs Leverage")
    fig.tight_layout()
    return fig


def plot_profile(
    term: str,
    values: np.ndarray,
    tau: np.ndarray,
    estimate: float,
    profile_ci: tuple[float, float],
    wald_ci: tuple[float, float],
    alpha: float = 0.05,
    ax: Any = None,
) -> Any:
    """Draw the profile likelihood of one coefficient: the signed root ``tau`` of the
    likelihood-ratio statistic at ``values``, the profile interval's ends where it
    crosses +/- z_(1 - alpha/2) (red), the Wald interval dotted. The numbers come from
    the results (:meth:`mlereg.RegressionResults.plot_profile` computes them).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> v = np.linspace(-1, 3, 5)
    >>> ax = plot_profile("x", v, v - 1, 1.0, (-0.96, 2.96), (-0.96, 2.96))  # doctest: +SKIP
    """
    from scipy import stats

    plt = _pyplot()
    z = float(stats.norm.isf(alpha / 2))
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    ax.plot(values, tau, color="C0")
    for level in (-z, z):
        ax.axhline(level, color="0.5", linestyle="--", linewidth=0.8)
    for end in profile_ci:
        if np.isfinite(end):
            ax.axvline(end, color="C3", linewidth=1.0)
    for end in wald_ci:
        ax.axvline(end, color="0.4", linestyle=":", linewidth=0.8)
    ax.axvline(estimate, color="0.2", linewidth=0.6)
    ax.set(
        xlabel=term,
        ylabel="signed root of the LR statistic",
        title=f"Profile of {term}: {100 * (1 - alpha):g}% interval (red), Wald (dotted)",
    )
    return ax
