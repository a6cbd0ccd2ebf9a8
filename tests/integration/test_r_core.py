"""OLS, Logit, Probit and Poisson against stored R output (tests/reference, made by
tools/r/make_reference.R: lm and glm refitted to convergence).

Agreement is 1e-8 relative; p-values 1e-7 (they are computed from the z/t statistics by
different special-function code in R and scipy).
"""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from tests.helpers import close, load_csv, load_reference

CASES = [
    ("longley", "longley_ols", mr.OLS),
    ("longley", "longley_wls", mr.OLS),
    ("mtcars", "mtcars_ols", mr.OLS),
    ("spector", "spector_logit", mr.Logit),
    ("spector", "spector_probit", mr.Probit),
    ("cpunish", "cpunish_poisson", mr.Poisson),
    ("quine", "quine_poisson", mr.Poisson),
    ("Insurance", "insurance_poisson_offset", mr.Poisson),
    ("warpbreaks", "warpbreaks_poisson", mr.Poisson),
]


def _fit(file, case_id, cls):
    case = load_reference(file)[case_id]
    df = load_csv(case["data"])
    kwargs = {}
    if case.get("weights"):
        kwargs["weights"] = case["weights"]
    if case.get("offset"):
        key = "exposure" if case.get("offset_transform") == "log" else "offset"
        kwargs[key] = case["offset"]
    return case, df, cls.from_formula(case["formula"], df, **kwargs).fit()


@pytest.mark.parametrize("file, case_id, cls", CASES, ids=[c[1] for c in CASES])
def test_against_r(file, case_id, cls):
    case, df, res = _fit(file, case_id, cls)
    close(res.params, case["params"])
    close(res.bse, case["bse"])
    close(res.zvalues, case["zvalues"])
    close(res.pvalues, case["pvalues"], rtol=1e-7)
    vcov = np.asarray(case["vcov"], float)
    # entries that are structurally zero (balanced designs) are compared absolutely
    np.testing.assert_allclose(res.cov_params(), vcov, rtol=1e-8, atol=1e-12 * np.abs(vcov).max())
    close(res.llf, case["llf"])
    close(res.aic, case["aic"])
    close(res.bic, case["bic"])
    close(res.deviance, case["deviance"])
    close(res.null_deviance, case["null_deviance"])
    assert res.df_resid == case["df_resid"] and res.nobs == case["nobs"]
    assert res.k_params == case.get("llf_df", res.k_params)
    if "rsquared" in case:
        close(res.rsquared, case["rsquared"])
        close(res.rsquared_adj, case["adj_rsquared"])
        close(np.sqrt(res.scale), case["lm_sigma"])
    rows = case.get("predict_newdata_rows")
    if rows:
        new = df.iloc[rows]
        if "predict_link" in case:
            close(res.predict(new, which="linear"), case["predict_link"]["fit"])
            close(res.predict(new), case["predict_response"]["fit"])
        elif "predict" in case:
            close(res.predict(new), case["predict"]["fit"])
