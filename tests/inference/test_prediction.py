"""Prediction standard errors and intervals against R's predict (stored values):
``predict.glm(se.fit=TRUE)`` on both scales and ``predict.lm(interval=...)``."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from tests.helpers import load_csv, reference_rtol
from tests.refmodels import all_cases, arr, fit_case

CASES = [c for c in all_cases(("glm", "ols", "glm.nb")) if "predict_newdata_rows" in c]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_prediction_se_matches_r(case):
    res = fit_case(case)
    new = load_csv(case["data"]).iloc[case["predict_newdata_rows"]]
    pred = res.get_prediction(new)
    frame = pred.summary_frame()
    rtol = reference_rtol(case)
    if case["model"] == "ols":
        r = case["predict"]
        np.testing.assert_allclose(frame["mean"], arr(r["fit"]), rtol=rtol)
        np.testing.assert_allclose(frame["mean_se"], arr(r["se_fit"]), rtol=rtol)
        np.testing.assert_allclose(frame["mean_ci_lower"], arr(r["conf_lower"]), rtol=rtol)
        np.testing.assert_allclose(frame["mean_ci_upper"], arr(r["conf_upper"]), rtol=rtol)
        np.testing.assert_allclose(frame["obs_ci_lower"], arr(r["pred_lower"]), rtol=rtol)
        np.testing.assert_allclose(frame["obs_ci_upper"], arr(r["pred_upper"]), rtol=rtol)
        return
    link, resp = case["predict_link"], case["predict_response"]
    np.testing.assert_allclose(pred.linpred, arr(link["fit"]), rtol=rtol)
    np.testing.assert_allclose(pred.se_linpred, arr(link["se_fit"]), rtol=rtol)
    np.testing.assert_allclose(frame["mean"], arr(resp["fit"]), rtol=rtol)
    np.testing.assert_allclose(frame["mean_se"], arr(resp["se_fit"]), rtol=rtol)
    # interval: link-scale Wald interval of R's values, transformed
    q = stats.t.isf(0.025, case["df_resid"]) if res.use_t else stats.norm.isf(0.025)
    ends = res.model.family.link.inverse(
        arr(link["fit"])[:, None] + np.array([-q, q]) * arr(link["se_fit"])[:, None]
    )
    np.testing.assert_allclose(frame["mean_ci_lower"], ends.min(axis=1), rtol=rtol)
    np.testing.assert_allclose(frame["mean_ci_upper"], ends.max(axis=1), rtol=rtol)


def test_glm_prediction_matches_statsmodels_on_training_rows():
    """statsmodels' GLM get_prediction (normal quantiles, link-scale intervals) for a
    Poisson model with an offset, on the rows of the fit."""
    case = next(c for c in CASES if c["id"] == "insurance_poisson_offset")
    res = fit_case(case)
    data = load_csv(case["data"])
    theirs = sm.GLM.from_formula(
        case["formula"], data, family=sm.families.Poisson(), offset=np.log(data["Holders"])
    ).fit(tol=1e-13)
    ours = res.get_prediction().summary_frame(alpha=0.1)
    sf = theirs.get_prediction(offset=np.log(data["Holders"])).summary_frame(alpha=0.1)
    for col in ("mean", "mean_se", "mean_ci_lower", "mean_ci_upper"):
        np.testing.assert_allclose(ours[col], sf[col], rtol=1e-8)


def test_prediction_intervals_only_for_ols():
    case = next(c for c in CASES if c["id"] == "spector_logit")
    pred = fit_case(case).get_prediction()
    assert "obs_ci_lower" not in pred.summary_frame()
    with pytest.raises(ValueError, match="OLS"):
        pred.conf_int(obs=True)


def test_exposure_and_offset_at_predict_by_column_name():
    import numpy as np
    import pandas as pd

    import mlereg as mr

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.uniform(20, 60, 100), "years": rng.uniform(1, 5, 100)})
    df["claims"] = rng.poisson(0.2 * df["years"])
    res = mr.Poisson.from_formula("claims ~ age", df, exposure="years").fit()
    new = pd.DataFrame({"age": [30.0, 40.0], "t": [2.0, 3.0]})
    by_name = res.predict(new, exposure="t")
    by_array = res.predict(new, exposure=np.array([2.0, 3.0]))
    np.testing.assert_array_equal(by_name, by_array)
    b = res.params
    np.testing.assert_allclose(by_name, [2.0, 3.0] * np.exp(b["Intercept"] + b["age"] * new["age"]))
    with pytest.raises(mr.exceptions.DataError, match="positive"):
        res.predict(new, exposure=[0.0, 1.0])
    with pytest.raises(mr.exceptions.DataError, match="not a column"):
        res.predict(new, exposure="years")
    logit = mr.Logit.from_formula("I(claims > 0) ~ age", df).fit()
    with pytest.raises(mr.exceptions.DataError, match="log link"):
        logit.predict(new, exposure="t")
