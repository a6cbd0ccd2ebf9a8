"""Core models (mlereg.models.glm) against statsmodels (a test-only dependency) on data
sets it ships.

Where statsmodels and R disagree (OLS AIC counts sigma in R), the R convention is
checked against its closed form. Agreement is to 1e-8 relative unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

import mlereg as mr
from tests.helpers import SPECTOR, close

LONGLEY = "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR"
CPUNISH = "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH + DEGREE"


def test_logit_matches_statsmodels(spector):
    res = mr.Logit.from_formula(SPECTOR, spector).fit()
    ref = smf.logit(SPECTOR, spector).fit(disp=0, tol=1e-14)
    assert list(res.params.index) == list(ref.params.index)
    close(res.params, ref.params)
    close(res.bse, ref.bse)
    close(res.zvalues, ref.tvalues)
    close(res.pvalues, ref.pvalues, rtol=1e-7)
    close(res.conf_int(), ref.conf_int())
    close(res.llf, ref.llf)
    close(res.llnull, ref.llnull)
    close(res.llr, ref.llr, rtol=1e-7)
    close(res.llr_pvalue, ref.llr_pvalue, rtol=1e-6)
    close(res.aic, ref.aic)
    close(res.bic, ref.bic)
    close(res.pseudo_rsquared, ref.prsquared, rtol=1e-7)
    assert res.df_model == ref.df_model and res.df_resid == ref.df_resid
    assert res.converged and res.nobs == 32
    close(res.predict(spector.iloc[:5]), ref.predict(spector.iloc[:5]))
    close(
        res.predict(spector.iloc[:5], which="linear"), ref.predict(spector.iloc[:5], which="linear")
    )


def test_logit_shortcut_and_arrays_agree(spector):
    a = mr.logit(SPECTOR, spector).fit()
    X = sm.add_constant(spector[["GPA", "TUCE", "PSI"]])
    b = mr.Logit(spector["GRADE"], X).fit()
    close(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)
    assert list(b.params.index) == ["const", "GPA", "TUCE", "PSI"]
    c = mr.Logit(spector["GRADE"].to_numpy(), X.to_numpy()).fit()
    assert list(c.params.index) == ["const", "x1", "x2", "x3"]


def test_ols_matches_statsmodels_and_r_conventions(longley):
    res = mr.OLS.from_formula(LONGLEY, longley).fit()
    ref = smf.ols(LONGLEY, longley).fit()
    close(res.params, ref.params, rtol=1e-9)
    close(res.bse, ref.bse, rtol=1e-8)
    close(res.tvalues, ref.tvalues, rtol=1e-8)
    close(res.pvalues, ref.pvalues, rtol=1e-6)
    close(res.conf_int(), ref.conf_int(), rtol=1e-8)
    close(res.llf, ref.llf)
    close(res.rsquared, ref.rsquared)
    close(res.rsquared_adj, ref.rsquared_adj)
    close(res.scale, ref.scale)
    n, k = 16, 7
    close(res.sigma2_mle, ref.ssr / n)
    # R counts sigma: AIC(lm) = -2 llf + 2 (k + 1); statsmodels does not.
    close(res.aic, -2 * ref.llf + 2 * (k + 1))
    close(res.bic, -2 * ref.llf + np.log(n) * (k + 1))
    assert res.df_resid == 9 and res.df_model == 6 and res.use_t


def test_wls_precision_weights(longley):
    w = np.linspace(0.5, 2.0, len(longley))
    res = mr.OLS.from_formula(LONGLEY, longley, weights=w).fit()
    ref = smf.wls(LONGLEY, longley, weights=w).fit()
    close(res.params, ref.params, rtol=1e-9)
    close(res.bse, ref.bse, rtol=1e-8)
    n = len(w)
    rss = float(np.sum(w * ref.resid**2))
    # R's logLik.lm for weighted fits
    llf_r = 0.5 * (np.sum(np.log(w)) - n * (np.log(2 * np.pi) + 1 - np.log(n) + np.log(rss)))
    close(res.llf, llf_r)


def test_poisson_matches_statsmodels(cpunish):
    res = mr.Poisson.from_formula(CPUNISH, cpunish).fit()
    ref = smf.glm(CPUNISH, cpunish, family=sm.families.Poisson()).fit(tol=1e-14)
    close(res.params, ref.params)
    close(res.bse, ref.bse)
    close(res.llf, ref.llf)
    close(res.deviance, ref.deviance)
    close(res.null_deviance, ref.null_deviance)
    close(res.aic, ref.aic)
    close(res.resid_pearson, ref.resid_pearson, rtol=1e-7)
    close(res.resid_deviance, ref.resid_deviance, rtol=1e-7)
    assert not res.use_t and res.scale == 1.0


def test_poisson_exposure_and_offset(cpunish):
    expo = np.linspace(1.0, 3.0, len(cpunish))
    df = cpunish.assign(expo=expo)
    a = mr.Poisson.from_formula(CPUNISH, df, exposure="expo").fit()
    b = mr.Poisson.from_formula(CPUNISH, df, offset=np.log(expo)).fit()
    ref = smf.glm(CPUNISH, df, family=sm.families.Poisson(), exposure=expo).fit(tol=1e-14)
    close(a.params, ref.params)
    close(b.params, ref.params)
    close(a.bse, ref.bse)
    close(a.llf, ref.llf)
    # predict uses the exposure column of new data
    close(a.predict(df.iloc[:4]), ref.predict(df.iloc[:4], exposure=expo[:4]))


def test_poisson_prior_weights_are_r_weights(cpunish):
    w = np.linspace(0.5, 1.5, len(cpunish))
    res = mr.Poisson.from_formula(CPUNISH, cpunish, weights=w).fit()
    ref = smf.glm(CPUNISH, cpunish, family=sm.families.Poisson(), var_weights=w).fit(tol=1e-14)
    close(res.params, ref.params)
    close(res.bse, ref.bse)
    mu = res.fittedvalues.to_numpy()
    # R: -2 * sum(dpois(y, mu, log=TRUE) * wt)
    close(res.llf, np.sum(w * stats.poisson.logpmf(cpunish["EXECUTIONS"], mu)))
    assert res.nobs == len(cpunish)


def test_freq_weights_equal_duplicated_rows(spector):
    fw = np.tile([1, 2, 3, 1], 8)
    res = mr.Logit.from_formula(SPECTOR, spector, freq_weights=fw).fit()
    dup = spector.loc[spector.index.repeat(fw)].reset_index(drop=True)
    ref = mr.Logit.from_formula(SPECTOR, dup).fit()
    close(res.params, ref.params, rtol=1e-10)
    close(res.bse, ref.bse, rtol=1e-10)
    close(res.llf, ref.llf, rtol=1e-12)
    close(res.aic, ref.aic, rtol=1e-12)
    close(res.bic, ref.bic, rtol=1e-12)
    assert res.nobs == fw.sum() == ref.nobs
    assert res.df_resid == ref.df_resid


def test_probit_expected_and_observed_information(spector):
    exp = mr.Probit.from_formula(SPECTOR, spector).fit()
    obs = mr.Probit.from_formula(SPECTOR, spector).fit(information="observed")
    ref_obs = smf.probit(SPECTOR, spector).fit(disp=0, tol=1e-14)
    ref_exp = smf.glm(
        SPECTOR, spector, family=sm.families.Binomial(sm.families.links.Probit())
    ).fit(tol=1e-14)
    close(exp.params, ref_obs.params, rtol=1e-7)
    close(obs.bse, ref_obs.bse, rtol=1e-7)
    close(exp.bse, ref_exp.bse, rtol=1e-7)
    assert np.max(np.abs(exp.bse - obs.bse)) > 1e-4  # they really differ


def test_gamma_glm_matches_statsmodels():
    data = sm.datasets.scotland.load_pandas().data
    f = "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + AGE + COUTAX_FEMALEUNEMP"
    res = mr.GLM.from_formula(f, data, family=mr.families.Gamma()).fit()
    ref = smf.glm(f, data, family=sm.families.Gamma()).fit(tol=1e-14)
    close(res.params, ref.params, rtol=1e-7)
    close(res.bse, ref.bse, rtol=1e-7)
    close(res.scale, ref.scale, rtol=1e-7)
    close(res.deviance, ref.deviance, rtol=1e-7)
    assert res.use_t


def _fd_gradient(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h * max(1.0, abs(x[i]))
        g[i] = (f(x + e) - f(x - e)) / (2 * e[i])
    return g


@pytest.mark.parametrize(
    "model_cls, family_kw",
    [
        (mr.Logit, {}),
        (mr.Probit, {}),
        (mr.Poisson, {}),
        (mr.GLM, {"family": mr.families.Gamma(mr.links.Log())}),
    ],
)
def test_score_and_information_against_finite_differences(model_cls, family_kw):
    rng = np.random.default_rng(1)
    n = 200
    X = np.c_[np.ones(n), rng.normal(size=(n, 2))]
    if model_cls in (mr.Logit, mr.Probit):
        y = (X @ [0.2, 1.0, -0.5] + rng.logistic(size=n) > 0).astype(float)
    elif model_cls is mr.Poisson:
        y = rng.poisson(np.exp(X @ [0.2, 0.3, -0.2])).astype(float)
    else:
        y = rng.gamma(2.0, np.exp(X @ [0.2, 0.3, -0.2]) / 2.0)
    model = model_cls(y, X, **family_kw)
    beta = np.array([0.1, 0.5, -0.3])
    # score of the log-likelihood at fixed dispersion 1
    fam = model.family

    def ll(b):
        mu = fam.link.inverse(X @ b)
        return -0.5 * fam.deviance(y, mu, np.ones(n))

    close(model.score(beta), _fd_gradient(ll, beta), rtol=1e-6, atol=1e-8)
    num_hess = np.array([_fd_gradient(lambda b, i=i: model.score(b)[i], beta) for i in range(3)])
    close(model.information(beta, "observed"), -num_hess, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "family",
    [mr.families.Poisson(), mr.families.Gamma(mr.links.Log()), mr.families.Binomial()],
    ids=["poisson", "gamma-log", "binomial"],
)
def test_null_model_without_offset_is_the_weighted_mean(family):
    # intercept only, no offset: the score equations give mu = sum(t y) / sum(t) for any
    # family and link (R's wtdmu). It must equal an explicit intercept-only fit
    rng = np.random.default_rng(21)
    n = 400
    X = np.c_[np.ones(n), rng.standard_normal((n, 2))]
    if isinstance(family, mr.families.Binomial):
        y = rng.integers(0, 6, n) / 5.0  # proportions of 5 trials
    elif isinstance(family, mr.families.Gamma):
        y = rng.gamma(2.0, 1.5, n)
    else:
        y = rng.poisson(3.0, n).astype(float)
    w = np.full(n, 5.0) if isinstance(family, mr.families.Binomial) else rng.uniform(0.5, 2, n)
    fw = rng.integers(1, 4, n).astype(float)
    res = mr.GLM(y, X, family=family, weights=w, freq_weights=fw).fit()
    null = mr.GLM(y, X[:, :1], family=family, weights=w, freq_weights=fw).fit(tol=1e-12)
    close(res.null_deviance, null.deviance, rtol=1e-10)
    close(res.llnull, null.llf, rtol=1e-10)
