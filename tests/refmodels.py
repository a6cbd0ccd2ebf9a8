"""Build and fit the mlereg model that corresponds to a stored R reference case.

The case fields are described in tests/reference/README.md.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

import mlereg as mr
from tests.helpers import REFERENCE_DIR, load_csv

FAMILIES = {
    "gaussian": mr.families.Gaussian,
    "binomial": mr.families.Binomial,
    "poisson": mr.families.Poisson,
    "Gamma": mr.families.Gamma,
    "inverse.gaussian": mr.families.InverseGaussian,
}
LINKS = {
    "identity": mr.links.Identity,
    "log": mr.links.Log,
    "logit": mr.links.Logit,
    "probit": mr.links.Probit,
    "cloglog": mr.links.CLogLog,
    "inverse": mr.links.Inverse,
    "1/mu^2": mr.links.InverseSquared,
    "sqrt": mr.links.Sqrt,
}


def all_cases(models: tuple[str, ...]) -> list[dict]:
    """Every stored case whose ``model`` is in ``models``."""
    out = []
    for path in sorted(REFERENCE_DIR.glob("*.json")):
        if path.name in ("influence.json", "anova_single.json"):  # tables of their own
            continue
        with open(path) as fh:
            content = json.load(fh)
        if isinstance(content, dict):  # model files; anova.json is a list of tables
            out.extend(c for c in content["cases"] if c.get("model") in models)
    return out


def model_for(case: dict, formula: str | None = None) -> Any:
    """The mlereg model of ``case`` (``formula`` replaces the case's formula)."""
    data = load_csv(case["data"])
    kwargs: dict[str, Any] = {}
    if case.get("offset"):
        key = "exposure" if case.get("offset_transform") == "log" else "offset"
        kwargs[key] = case["offset"]
    if case.get("weights"):
        kwargs["weights"] = case["weights"]
    formula = formula or case["formula"]
    if case["model"] == "ols":
        return mr.OLS.from_formula(formula, data, **kwargs)
    if case["model"] == "glm.nb":
        return mr.NegativeBinomial.from_formula(formula, data, **kwargs)
    family = FAMILIES[case["family"]](link=LINKS[case["link"]]())
    return mr.GLM.from_formula(formula, data, family=family, **kwargs)


_FITS: dict[tuple, Any] = {}


def fit_case(case: dict, **fit_kwargs: Any):
    """Fit the case's model tightly (the references are the exact MLE).

    Results are immutable, so fits with hashable arguments are cached for the session.
    """
    try:
        key = (case["id"], tuple(sorted(fit_kwargs.items())))
        hash(key)
    except TypeError:
        return model_for(case).fit(tol=1e-12, **fit_kwargs)
    if key not in _FITS:
        _FITS[key] = model_for(case).fit(tol=1e-12, **fit_kwargs)
    return _FITS[key]


def arr(values: Any) -> np.ndarray:
    """A JSON array (null -> NaN, "Inf" -> inf) as floats."""
    a = np.array(values, dtype=object)
    a = np.where(a == None, np.nan, a)  # noqa: E711
    return np.array(
        [float(v) if not isinstance(v, str) else float(v.replace("Inf", "inf")) for v in a.ravel()]
    ).reshape(a.shape)
