"""GLM and OLS fits against stored R output (glm/lm refitted to the exact MLE).

Every case of tests/reference/*.json whose model is ``glm`` or ``ols`` is fitted and
compared with R: coefficients, standard errors, Wald statistics and p-values,
intervals, llf/AIC/BIC, deviances, dispersion, predictions and residuals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.helpers import load_csv, reference_rtol
from tests.refmodels import all_cases, arr, fit_case

CASES = all_cases(("glm", "ols", "glm.nb"))
IDS = [c["id"] for c in CASES]
RTOL = 1e-8


def _close(actual, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(actual, float), arr(expected), rtol=rtol, atol=atol)


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def fitted(request):
    case = request.param
    return case, fit_case(case)


def test_coefficients_and_wald_table(fitted):
    case, res = fitted
    assert len(res.params) == len(case["coef_names"])
    _close(res.params, case["params"])
    _close(res.bse, case["bse"])
    _close(res.zvalues, case["zvalues"])
    # p-values: R flushes subnormal results (< 2.2e-308) to 0, hence the tiny atol
    _close(res.pvalues, case["pvalues"], rtol=1e-7, atol=1e-300)
    assert res.use_t == (case["test_dist"] == "t")


def test_covariance(fitted):
    case, res = fitted
    scale = np.nanmax(np.abs(arr(case["vcov"])))
    # structurally zero covariances (between factor blocks) need an absolute floor
    _close(res.cov_params(), case["vcov"], rtol=reference_rtol(case), atol=1e-12 * scale)


def test_wald_intervals(fitted):
    case, res = fitted
    ci = res.conf_int()
    if case["test_dist"] == "normal":
        _close(ci, case["confint_wald"])
    else:
        # summary.glm / confint.lm use t(df_resid) quantiles: closed form from R's bse
        q = stats.t.isf(0.025, case["df_resid"])
        b, se = arr(case["params"]), arr(case["bse"])
        _close(ci, np.c_[b - q * se, b + q * se], rtol=reference_rtol(case))
        if "confint_t" in case:
            _close(ci, case["confint_t"])


def test_likelihood_and_deviance(fitted):
    case, res = fitted
    _close(res.llf, case["llf"])
    _close(res.aic, case["aic"])
    _close(res.bic, case["bic"])
    assert res.k_params == case["llf_df"]
    _close(res.deviance, case["deviance"])
    _close(res.null_deviance, case["null_deviance"])
    _close(res.scale, case["dispersion"])
    assert res.df_resid == case["df_resid"]
    assert res.nobs == case["nobs"]
    assert res.rank == case["rank"]


WITH_RESIDUALS = [c for c in CASES if "residuals" in c]


@pytest.mark.parametrize("case", WITH_RESIDUALS, ids=[c["id"] for c in WITH_RESIDUALS])
def test_fitted_values_and_residuals(case):
    res = fit_case(case)
    r = case["residuals"]
    rows = r["rows"]
    _close(res.fittedvalues.iloc[rows], r["fitted"])
    for name in ("resid_response", "resid_pearson", "resid_deviance", "resid_working"):
        if name not in r:  # lm stores only some of them
            continue
        _close(getattr(res, name).iloc[rows], r[name], atol=1e-12)


def test_predictions_on_new_data(fitted):
    case, res = fitted
    new = load_csv(case["data"]).iloc[case["predict_newdata_rows"]]
    if case["model"] == "ols":
        _close(res.predict(new), case["predict"]["fit"])
        return
    _close(res.predict(new, which="linear"), case["predict_link"]["fit"])
    _close(res.predict(new), case["predict_response"]["fit"])


def test_two_column_binomial_counts_trials():
    case = next(c for c in CASES if c["id"] == "esoph_binomial")
    res = fit_case(case)
    data = load_csv("esoph.csv")
    assert res.nobs == len(data)
    trials = data["ncases"] + data["ncontrols"]
    np.testing.assert_allclose(res.model.prior_weights, trials.to_numpy(float))
    assert isinstance(res.params, pd.Series)
