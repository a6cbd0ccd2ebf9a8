"""Robust covariances against R's sandwich package (stored values).

``vcovHC0``..``vcovHC3`` are ``sandwich::vcovHC(fit, type=)``, ``vcovCL`` is
``sandwich::vcovCL(fit, cluster=~g, type="HC1")`` and ``vcovCL_HC0`` the same with
type HC0 (only G/(G-1)); ``vcovHC0_oim`` is the HC0 sandwich with the observed
information as bread (statsmodels' convention for non-canonical links).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mlereg as mr
from mlereg.exceptions import DataError
from tests.helpers import load_csv
from tests.refmodels import all_cases, arr, fit_case, model_for

CASES = [c for c in all_cases(("glm", "ols", "glm.nb")) if "vcovHC0" in c]
CLUSTER_CASES = [c for c in CASES if "vcovCL" in c]
OIM_CASES = [c for c in CASES if "vcovHC0_oim" in c]


def _rtol(case: dict) -> float:
    """longley (condition number ~1e9) keeps about 7 digits in a sandwich; see
    tests/reference/README.md."""
    return 1e-6 if case["id"].startswith("longley") else 1e-8


def _close(actual, expected, rtol):
    expected = arr(expected)
    atol = 1e-12 * np.nanmax(np.abs(expected))  # structurally zero entries
    np.testing.assert_allclose(np.asarray(actual, float), expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
def test_hc_matches_sandwich_vcovHC(case, cov_type):
    res = fit_case(case, cov_type=cov_type)
    assert res.cov_type == cov_type
    _close(res.cov_params(), case[f"vcov{cov_type}"], _rtol(case))
    _close(res.bse, np.sqrt(np.diag(arr(case[f"vcov{cov_type}"]))), _rtol(case))


@pytest.mark.parametrize("case", CLUSTER_CASES, ids=[c["id"] for c in CLUSTER_CASES])
def test_cluster_matches_sandwich_vcovCL(case):
    res = fit_case(case, cov_type="cluster", groups=case["cluster"])
    _close(res.cov_params(), case["vcovCL"], _rtol(case))


def test_cluster_groups_as_array_equals_column_name():
    case = next(c for c in CLUSTER_CASES if c["id"] == "scotland_gamma_log")
    by_name = fit_case(case, cov_type="cluster", groups="grp")
    labels = load_csv(case["data"])["grp"].to_numpy()
    by_array = fit_case(case, cov_type="cluster", groups=labels)
    np.testing.assert_array_equal(by_name.cov_params(), by_array.cov_params())


@pytest.mark.parametrize("case", OIM_CASES, ids=[c["id"] for c in OIM_CASES])
def test_hc0_with_observed_information_bread(case):
    res = fit_case(case, cov_type="HC0", information="observed")
    _close(res.cov_params(), case["vcovHC0_oim"], 1e-8)


def test_cluster_after_missing_rows_matches_statsmodels():
    """groups= as a column name follows the rows kept after dropping missing values;
    statsmodels' cluster covariance (same convention as vcovCL HC1) on the complete
    rows is the reference."""
    df = load_csv("mtcars.csv")
    df.loc[[3, 10, 20], "hp"] = np.nan
    res = mr.Poisson.from_formula("carb ~ wt + hp", df).fit(
        tol=1e-12, cov_type="cluster", groups="cyl"
    )
    ok = df.dropna(subset=["hp"])
    sm_res = sm.GLM.from_formula("carb ~ wt + hp", ok, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": ok["cyl"].to_numpy()}, tol=1e-13
    )
    np.testing.assert_allclose(res.cov_params(), sm_res.cov_params(), rtol=1e-8)


def test_frequency_weights_equal_duplicated_rows():
    """A row with frequency weight 2 is two identical rows, for every covariance type."""
    df = load_csv("spector.csv")
    fw = np.where(np.arange(len(df)) % 3 == 0, 2.0, 1.0)
    dup = pd.concat([df, df[fw == 2]], ignore_index=True)
    for cov_type in ("HC0", "HC1", "HC2", "HC3"):
        a = mr.Logit.from_formula("GRADE ~ GPA + TUCE + PSI", df, freq_weights=fw).fit(
            cov_type=cov_type, tol=1e-12
        )
        b = mr.Logit.from_formula("GRADE ~ GPA + TUCE + PSI", dup).fit(cov_type=cov_type, tol=1e-12)
        np.testing.assert_allclose(a.cov_params(), b.cov_params(), rtol=1e-8)


def test_bad_groups_are_refused():
    case = CLUSTER_CASES[0]
    model = model_for(case)
    with pytest.raises(DataError, match="labels"):
        model.fit(cov_type="cluster", groups=np.arange(3))
    with pytest.raises(DataError, match="nosuchcolumn"):
        model.fit(cov_type="cluster", groups="nosuchcolumn")
    with pytest.raises(ValueError, match="groups"):
        model.fit(cov_type="cluster")
    with pytest.raises(ValueError, match="cov_type"):
        model.fit(cov_type="HC4")


def test_cluster_scores_match_a_direct_sum():
    from mlereg import linalg
    from mlereg.inference.covariance import cluster_scores

    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.standard_normal((3000, 4)))
    v = rng.standard_normal(3000)
    codes = rng.integers(0, 37, 3000)
    direct = np.zeros((37, 4))
    np.add.at(direct, codes, X * v[:, None])
    with linalg.tuned(block_bytes=1):  # blocks of 256 rows
        scores = cluster_scores(X, v, codes, 37)
    np.testing.assert_allclose(scores, direct, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cov_type", ["HC1", "HC3", "cluster"])
def test_robust_covariances_hold_no_copy_of_x(cov_type):
    # the sandwich's pieces are row-block passes: a robust fit takes less than half an X
    # more memory than the plain one (at 2e5 x 10 they took 1.23 X (HC1), 2.39 X (HC3) and
    # 1.80 X (cluster) more; now 0.02, 0.33 and 0.20, the plain fit's peak being 0.57 X)
    import tracemalloc

    rng = np.random.default_rng(4)
    n = 200_000
    X = np.c_[np.ones(n), rng.standard_normal((n, 9))]
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, 1]))).astype(float)
    groups = rng.integers(0, 500, n)
    model = mr.Logit(y, X)
    kw = {"groups": groups} if cov_type == "cluster" else {}
    peaks = []
    for ct, extra in (("nonrobust", {}), (cov_type, kw)):
        tracemalloc.start()
        try:
            _ = model.fit(cov_type=ct, **extra).bse
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] - peaks[0] < 0.5 * X.nbytes, (peaks[1] - peaks[0]) / X.nbytes


def test_statsmodels_spelling_of_the_fit_options():
    """fit(disp=0) is accepted (mlereg never prints) and cov_kwds={"groups": g} is
    groups=g."""
    rng = np.random.default_rng(4)
    X = np.c_[np.ones(60), rng.normal(size=60)]
    y = rng.poisson(np.exp(0.3 + 0.2 * X[:, 1])).astype(float)
    g = np.repeat(np.arange(12), 5)
    a = mr.Poisson(y, X).fit(cov_type="cluster", groups=g)
    b = mr.Poisson(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}, disp=0)
    np.testing.assert_array_equal(a.bse, b.bse)
    with pytest.raises(TypeError, match="'groups' only"):
        mr.Poisson(y, X).fit(cov_type="cluster", cov_kwds={"group": g})
