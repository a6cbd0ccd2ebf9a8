"""Analysis of deviance between nested fits (R's ``anova``) and single-term deletions
(R's ``drop1``).

:func:`anova` computes the test statistics from the fits' deviances (no refit);
:func:`drop1` refits the model once per droppable term, on the same rows. The tables
are laid out by :class:`mlereg.report.tables.TestTable`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..design.terms import drop_scope, formula_terms
from ..exceptions import ArgumentError, ArgumentTypeError, DataError
from ..report.tables import TestTable
from .lrtest import check_nested, same_sample


def _label(r: Any, i: int) -> str:
    return r.formula or r.model_label


def anova(
    *results: Any,
    test: Literal["Chisq", "LRT", "F"] | None = None,
    typ: Literal[1, 2, "I", "II"] = 1,
) -> TestTable:
    """Analysis of deviance (or variance) for nested models, like R's ``anova``; or of
    one fit's terms.

    With one fit of a formula model: R's sequential table (type I, ``anova(fit)``:
    terms added in R's order, main effects first), or with ``typ=2`` each term tested
    against the model of all terms that do not contain it (``car::Anova(fit)``).

    Parameters
    ----------
    *results : RegressionResults
        One fit, or two or more fits of the same family and link to the same rows and
        response, each nested in the next once sorted by size (any order is accepted).
    test : {"Chisq", "LRT", "F"}, optional
        ``"Chisq"`` (= ``"LRT"``) compares Deviance / dispersion with chi^2(Df), as R's
        ``anova(..., test="Chisq")``; ``"F"`` uses F = Deviance / Df / dispersion on
        (Df, residual df of the largest model), as ``anova.lm``. Default ``"F"`` for
        OLS, ``"Chisq"`` otherwise. ``"F"`` needs a family with a dispersion.
    typ : {1, 2}
        For one fit: sequential (1) or type II (2) tests.

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
    if len(results) == 1:
        return _single(results[0], test, typ)
    if not results:
        raise ArgumentError("anova needs a fitted model")
    for j, r in enumerate(results[1:], start=2):
        try:
            same_sample(results[0], r)
        except DataError as exc:
            raise DataError(f"models 1 and {j} (in the order given): {exc}") from None
    order = sorted(range(len(results)), key=lambda j: results[j].k_params)
    fits = [results[j] for j in order]
    for i in range(len(fits) - 1):
        check_nested(fits[i], fits[i + 1], i + 1)
    big = fits[-1]
    test, ols, dispersion = _test_of(big, test)
    has_disp = bool(big.model.family.has_dispersion)
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
    model = res.model
    design = model.design
    if design.builder is None:
        raise ArgumentTypeError(
            "drop1 needs a model built with from_formula (its terms are unknown)"
        )
    rows = {"<none>": [np.nan, res.deviance, res.aic, np.nan, np.nan]}
    for term in drop_scope(design):
        fit = model.without_term(term).fit()
        df = float(round(res.k_params - fit.k_params))
        lrt = max(0.0, 2.0 * (res.llf - fit.llf))
        p = float(stats.chi2.sf(lrt, df)) if df > 0 else np.nan
        rows[term] = [df, fit.deviance, fit.aic, lrt, p]
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=["Df", "Deviance", "AIC", "LRT", "Pr(>Chi)"]
    )
    info = (("Model", design.formula),)
    return TestTable("Single term deletions", info, frame)


def _test_of(big: Any, test: str | None) -> tuple[str, bool, float]:
    """The test (R's default for the largest fit: lm's F, glm's chi^2), whether the
    table is lm's analysis of variance, and the dispersion the statistics divide by."""
    ols = big.anova_test == "F"
    has_disp = bool(big.model.family.has_dispersion)
    test = test or ("F" if ols else "Chisq")
    if test not in ("Chisq", "LRT", "F"):
        raise ArgumentError(f"test must be 'Chisq', 'LRT' or 'F', got {test!r}")
    if test == "F" and not has_disp:
        raise ArgumentError(
            f"test='F' needs a family with an estimated dispersion; the"
            f" {big.model.family.name} family has dispersion 1: use test='Chisq'"
        )
    return test, ols, float(big.scale) if has_disp else 1.0


def _single(res: Any, test: str | None, typ: Any) -> TestTable:
    """The analysis of deviance of one fit: sequential (type I, R's ``anova(fit)``)
    or type II (``car::Anova(fit)``)."""
    if typ not in (1, 2, "I", "II"):
        raise ArgumentError(f"typ must be 1 (sequential) or 2, got {typ!r}")
    if not res.single_index:
        raise ArgumentTypeError("anova of one fit needs a regression model (OLS, Logit, GLM, ...)")
    model = res.model
    terms = formula_terms(model.design)  # TypeError for a model built from arrays
    test, ols, dispersion = _test_of(res, test)
    base = [j for j in range(model.exog.shape[1]) if not any(j in c for c, _ in terms.values())]

    def fit(columns: list[int], label: str) -> Any:
        return model.with_columns(sorted(columns), label).fit(tol=1e-12)

    if typ in (1, "I"):
        return _sequential(res, terms, base, fit, test, ols, dispersion)
    return _type_two(res, terms, base, fit, test, ols, dispersion)


def _sequential(
    res: Any, terms: dict, base: list[int], fit: Any, test: str, ols: bool, dispersion: float
) -> TestTable:
    """R's ``anova.glm(fit)`` / ``anova.lm(fit)``: terms added in order."""
    columns = list(base)
    fits = [fit(columns, "NULL")] if base else []
    names = ["NULL"] if base else []
    for name, (cols, _) in terms.items():
        columns += list(cols)
        fits.append(res if len(columns) == res.model.exog.shape[1] else fit(columns, name))
        names.append(name)
    resid_df = np.array([f.df_resid for f in fits])
    dev = np.array([f.deviance for f in fits])
    df = np.r_[np.nan, resid_df[:-1] - resid_df[1:]]
    ddev = np.r_[np.nan, dev[:-1] - dev[1:]]
    info = (("Model", res.model_description), ("Response", res.model.endog_name))
    if ols:
        ms_resid = res.deviance / res.df_resid
        frame = pd.DataFrame(
            {
                "Df": np.r_[df[1:], res.df_resid],
                "Sum Sq": np.r_[ddev[1:], res.deviance],
                "Mean Sq": np.r_[ddev[1:] / df[1:], ms_resid],
                "F value": np.r_[ddev[1:] / df[1:] / ms_resid, np.nan],
            },
            index=[*names[1:], "Residuals"],
        )
        frame["Pr(>F)"] = stats.f.sf(frame["F value"], frame["Df"], res.df_resid)
        return TestTable("Analysis of Variance Table", info, frame, ("Terms added sequentially",))
    frame = pd.DataFrame(
        {"Df": df, "Deviance": ddev, "Resid. Df": resid_df, "Resid. Dev": dev}, index=names
    )
    _add_test(frame, test, frame["Deviance"], frame["Df"], res.df_resid, dispersion)
    notes = ("Terms added sequentially (first to last)",)
    return TestTable("Analysis of Deviance Table", info, frame, notes)


def _type_two(
    res: Any, terms: dict, base: list[int], fit: Any, test: str, ols: bool, dispersion: float
) -> TestTable:
    """``car::Anova(fit, type=2)``: each term against the model of every term that does
    not contain it, with and without the term."""
    rows = {}
    for name, (cols, factors) in terms.items():
        others = [
            c
            for other, (ocols, ofactors) in terms.items()
            if other != name and not factors < ofactors
            for c in ocols
        ]
        without = fit(base + others, f"without {name}")
        with_term = fit(base + others + list(cols), f"with {name}")
        rows[name] = (without.deviance - with_term.deviance, without.df_resid - with_term.df_resid)
    stat = np.array([v[0] for v in rows.values()])
    df = np.array([v[1] for v in rows.values()])
    info = (("Model", res.model_description), ("Response", res.model.endog_name))
    if test == "F":  # car's F tests: the dispersion (s^2 for OLS) as the scale
        frame = pd.DataFrame(
            {"Sum Sq": np.r_[stat, dispersion * res.df_resid], "Df": np.r_[df, res.df_resid]},
            index=[*rows, "Residuals"],
        )
        f = np.r_[stat / df / dispersion, np.nan]
        frame["F value"] = f
        frame["Pr(>F)"] = stats.f.sf(f, frame["Df"], res.df_resid)
        kind = "Anova Table" if ols else "Analysis of Deviance Table"
        return TestTable(f"{kind} (Type II tests)", info, frame)
    frame = pd.DataFrame({"LR Chisq": stat / dispersion, "Df": df}, index=list(rows))
    frame["Pr(>Chisq)"] = stats.chi2.sf(stat / dispersion, df)
    return TestTable("Analysis of Deviance Table (Type II tests)", info, frame)


def _add_test(
    frame: pd.DataFrame, test: str, dev: Any, df: Any, df_resid: float, dispersion: float
) -> None:
    """The p-value columns: chi^2 of deviance / dispersion, or F on df_resid."""
    dev, df = np.asarray(dev, dtype=float), np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        if test == "F":
            f = dev / df / dispersion
            frame["F"] = f
            frame["Pr(>F)"] = stats.f.sf(f, df, df_resid)
        else:
            frame["Pr(>Chi)"] = stats.chi2.sf(dev / dispersion, df)
