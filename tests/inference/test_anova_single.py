"""mr.anova of one fit against R: the sequential table (anova(fit), type I) and
car::Anova(fit, type = 2) on lm and glm fits (values and the script that made them:
tests/reference/anova_single.json, tools/r/anova_single_reference.R; the glm fits and
their sub-models polished to 1e-12 there)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mlereg as mr
from tests.helpers import REFERENCE_DIR, load_csv

with open(REFERENCE_DIR / "anova_single.json") as fh:
    CASES = {case["id"]: case for case in json.load(fh)["cases"]}

FAMILIES = {
    "binomial": mr.families.Binomial,
    "poisson": mr.families.Poisson,
    "Gamma": mr.families.Gamma,
}
LINKS = {"logit": mr.links.Logit, "log": mr.links.Log}
TABLES = {"type1": (1, None), "type1_F": (1, "F"), "type2": (2, None), "type2_F": (2, "F")}


def _fit(case):
    data = load_csv(case["data"])
    if case["model"] == "lm":
        return mr.ols(case["formula"], data).fit()
    family = FAMILIES[case["family"]](LINKS[case["link"]]())
    return mr.glm(case["formula"], data, family=family).fit(tol=1e-13)


PAIRS = [(c, t) for c in sorted(CASES) for t in CASES[c]["tables"]]


@pytest.mark.parametrize(("name", "table"), PAIRS)
def test_single_fit_tables_match_r(name, table):
    case = CASES[name]
    ref = case["tables"][table]
    typ, test = TABLES[table]
    frame = mr.anova(_fit(case), typ=typ, test=test).to_frame()
    assert list(frame.index) == ref["rows_patsy"]
    assert list(frame.columns) == ref["column_names"]
    for column in ref["column_names"]:
        expected = np.array([np.nan if v is None else v for v in ref["columns"][column]])
        # p-values far in the tail differ in their last digits between R's and scipy's
        # distribution functions: 1e-8 relative as every other column
        np.testing.assert_allclose(
            frame[column].to_numpy(dtype=float),
            expected,
            rtol=1e-8,
            atol=1e-12,
            err_msg=f"{name} {table} {column}",
        )


def test_one_fit_needs_a_formula_and_a_regression():
    res = mr.OLS(np.arange(6.0), np.c_[np.ones(6), np.arange(6.0) ** 2]).fit()
    with pytest.raises(TypeError, match="from_formula"):
        mr.anova(res)
    with pytest.raises(ValueError, match="typ"):
        mr.anova(mr.ols("mpg ~ wt", load_csv("mtcars.csv")).fit(), typ=3)
