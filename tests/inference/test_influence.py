"""Regression diagnostics (res.get_influence) against R's influence.measures,
hatvalues, cooks.distance, rstandard and rstudent on lm and glm fits (values and the
script that made them: tests/reference/influence.json, tools/r/influence_reference.R;
the glm fits polished to 1e-12 there)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mlereg as mr
from tests.helpers import REFERENCE_DIR, load_csv

with open(REFERENCE_DIR / "influence.json") as fh:
    CASES = {case["id"]: case for case in json.load(fh)["cases"]}

FAMILIES = {
    "binomial": lambda link: mr.families.Binomial(link),
    "poisson": lambda link: mr.families.Poisson(link),
    "Gamma": lambda link: mr.families.Gamma(link),
}
LINKS = {"logit": mr.links.Logit(), "log": mr.links.Log()}


def _fit(case):
    data = load_csv(case["data"])
    kwargs = {}
    if case.get("weights_values"):
        data = data.assign(w=case["weights_values"])
        kwargs["weights"] = "w"
    if case["model"] == "lm":
        return mr.ols(case["formula"], data, **kwargs).fit()
    family = FAMILIES[case["family"]](LINKS[case["link"]])
    return mr.glm(case["formula"], data, family=family, **kwargs).fit(tol=1e-13)


def close(a, b, rtol=1e-8, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_influence_measures_match_r(name):
    case = CASES[name]
    res = _fit(case)
    close(res.params, case["params"], rtol=1e-9)
    infl = res.get_influence()
    close(infl.hat, case["hat"])
    close(infl.cooks_distance, case["cooks_distance"])
    close(infl.resid_studentized_internal, case["rstandard"])
    close(infl.resid_studentized_external, case["rstudent"])
    close(infl.sigma_loo, case["sigma_loo"])
    close(infl.dfbeta, case["dfbeta"], atol=1e-12 * np.max(np.abs(case["dfbeta"])))
    close(infl.dfbetas, case["dfbetas"], atol=1e-12 * np.max(np.abs(case["dfbetas"])))
    close(infl.dffits, case["dffits"])
    close(infl.covratio, case["covratio"])
    if case["model"] == "glm":
        close(infl.resid_studentized_pearson, case["rstandard_pearson"])


def test_dfbeta_is_the_change_when_a_row_is_left_out():
    """Exact for OLS: the refit without row i, for every i (closed form)."""
    rng = np.random.default_rng(3)
    X = np.c_[np.ones(25), rng.normal(size=(25, 2))]
    y = X @ np.array([1.0, 0.5, -0.3]) + rng.normal(size=25)
    res = mr.OLS(y, X).fit()
    dfbeta = res.get_influence().dfbeta.to_numpy()
    for i in range(25):
        keep = np.arange(25) != i
        loo = np.linalg.lstsq(X[keep], y[keep], rcond=None)[0]
        close(dfbeta[i], res.params.to_numpy() - loo, rtol=1e-9, atol=1e-12)


def test_summary_frame_and_no_n_by_n_matrix():
    rng = np.random.default_rng(9)
    n = 20_000  # an n x n hat matrix would take 3.2 GB
    X = np.c_[np.ones(n), rng.normal(size=n)]
    y = rng.poisson(np.exp(0.2 + 0.3 * X[:, 1])).astype(float)
    frame = mr.Poisson(y, X).fit().get_influence().summary_frame()
    assert frame.shape == (n, 8) and abs(frame["hat"].sum() - 2) < 1e-9
