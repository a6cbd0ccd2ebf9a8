"""IRLS fits (mlereg.models.irls, and the fit loop of mlereg.models.singleindex).

* The subsample warm start of large fits must reach the same maximiser as the usual
  start from R's ``mustart``: estimates, standard errors and log-likelihood equal to
  1e-10 relative.
* The fitted model on the warm-start path still agrees with statsmodels at 1e-8.
* The objective's row arrays are reused between passes, never those it hands out.
* Fits on row blocks give the numbers of textbook IRLS with numpy's solve (1e-10) and
  of statsmodels (1e-8).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import mlereg as mr
from mlereg import families as F
from mlereg.models import irls, singleindex
from mlereg.models.irls import WarmStart
from tests.helpers import (
    GLM_MAKERS,
    LARGE_N,
    RESPONSE_KIND,
    large_glm_data,
    rel_error,
    rel_error_elementwise,
)


@pytest.mark.parametrize("name", list(GLM_MAKERS))
@pytest.mark.parametrize("first_info", ["scaled", "exact"])
def test_warm_start_reaches_the_same_maximiser(name, first_info, monkeypatch):
    """From the subsample's estimate, with its X'WX scaled up as the first full-data
    information (``scaled``) or with the full X'WX formed there (``exact``)."""
    X, y, rng = large_glm_data(RESPONSE_KIND[name])
    kw = {"offset": rng.normal(0, 0.1, LARGE_N), "weights": rng.uniform(0.5, 2.0, LARGE_N)}
    if name in ("logit", "probit", "cloglog"):
        kw = {"offset": kw["offset"]}  # binomial prior weights are trials
    settings = WarmStart(info_rows_per_column=10**9) if first_info == "exact" else WarmStart()
    warm = GLM_MAKERS[name](X, y, **kw)
    start = irls.warm_start(warm, 1e-8, settings)
    assert start is not None  # the path under test is taken
    assert (start._primed is not None) == (first_info == "scaled")
    res_warm = warm.fit(warm_start=settings)
    plain = GLM_MAKERS[name](X, y, **kw)
    assert irls.warm_start(plain, 1e-8, WarmStart(min_rows=10**12)) is None
    res_plain = plain.fit(warm_start=False)
    assert rel_error_elementwise(res_warm.params, res_plain.params) < 1e-10
    assert rel_error_elementwise(res_warm.bse, res_plain.bse) < 1e-10
    assert rel_error_elementwise(res_warm.llf, res_plain.llf) < 1e-12
    assert res_warm.converged and res_plain.converged


@pytest.mark.parametrize("name", ["logit", "poisson", "gamma-log"])
@pytest.mark.parametrize(("n", "p"), [(25_000, 10), (25_000, 20)])
def test_warm_start_below_100000_rows_needs_2000_rows_per_column(name, n, p, monkeypatch):
    # and a canonical link (Fisher scoring's end point depends on its start)
    X, y, _ = large_glm_data(RESPONSE_KIND[name], n=n, p=p)
    warm = GLM_MAKERS[name](X, y)
    taken = n >= 2000 * p and name != "gamma-log"
    assert (irls.warm_start(warm, 1e-8, WarmStart()) is not None) == taken
    if not taken:
        return
    # tol 1e-10: each fit is then within about 1e-12 of the maximiser (at the default
    # 1e-8 each stops within 1e-10, so two can differ by up to 2e-10: 1.007e-10 here)
    res_warm = warm.fit(tol=1e-10)
    res_plain = GLM_MAKERS[name](X, y).fit(tol=1e-10, warm_start=False)
    assert rel_error_elementwise(res_warm.params, res_plain.params) < 1e-10
    assert rel_error_elementwise(res_warm.bse, res_plain.bse) < 1e-10
    assert rel_error_elementwise(res_warm.llf, res_plain.llf) < 1e-12


@pytest.mark.parametrize("name", ["logit", "poisson", "gamma-log"])
def test_warm_start_on_a_fortran_ordered_design(name, monkeypatch):
    """A column-major X (what the formula path builds) gives the fit of its C-ordered
    copy; the subsample keeps X's layout."""
    X, y, _ = large_glm_data(RESPONSE_KIND[name])
    XF = np.asfortranarray(X)
    seen = []
    objective = singleindex.SingleIndexModel.irls_objective

    def spy(self, X):
        seen.append((X.shape[0], X.flags.f_contiguous))
        return objective(self, X)

    monkeypatch.setattr(singleindex.SingleIndexModel, "irls_objective", spy)
    res_f = GLM_MAKERS[name](XF, y).fit()
    assert (LARGE_N // 10, True) in seen and (LARGE_N, True) in seen  # subsample, then all rows
    res_c = GLM_MAKERS[name](X, y).fit()
    assert rel_error_elementwise(res_f.params, res_c.params) < 1e-12
    assert rel_error_elementwise(res_f.bse, res_c.bse) < 1e-12
    assert rel_error_elementwise(res_f.llf, res_c.llf) < 1e-13


def test_warm_start_fit_matches_statsmodels():
    X, y, _ = large_glm_data("count")
    res = mr.Poisson(y, X).fit()
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13)
    assert rel_error_elementwise(res.params, ref.params) < 1e-8
    assert rel_error_elementwise(res.bse, ref.bse) < 1e-8
    assert rel_error_elementwise(res.llf, ref.llf) < 1e-10


@pytest.mark.parametrize("name", ["logit", "poisson", "weighted poisson", "gamma-log", "gamma"])
def test_subsample_stops_early_only_for_canonical_links(name, monkeypatch):
    """The subsample's fit stops on the Newton decrement (in units of the mean prior
    weight) where IRLS is Newton's method on a log-likelihood; not off a canonical link
    (Fisher scoring), nor where a dispersion scales the objective."""
    seen = []
    real = irls.newton

    def spy(*args, **kwargs):
        seen.append(kwargs.get("decrement_tol"))
        return real(*args, **kwargs)

    monkeypatch.setattr(irls, "newton", spy)
    X, y, rng = large_glm_data(RESPONSE_KIND[name.split()[-1]])
    if name == "weighted poisson":
        model = mr.Poisson(y, X, weights=np.full(LARGE_N, 1e-3))
    elif name == "gamma":
        model = mr.GLM(y, X, family=F.Gamma())
    else:
        model = GLM_MAKERS[name](X, y)
    start = irls.warm_start(model, 1e-8, WarmStart())
    assert start is not None or name == "gamma"  # an inverse link on these data may fail
    per_column = WarmStart().decrement_per_column
    expected = {"logit": per_column * 4, "poisson": per_column * 4}
    expected["weighted poisson"] = per_column * 4 * 1e-3
    assert seen == [pytest.approx(expected[name]) if name in expected else None]


def test_warm_start_skipped_for_rank_deficient_design(monkeypatch):
    X, y, _ = large_glm_data("count")
    X = np.c_[X, X[:, 1] + X[:, 2]]  # aliased: R's choice must still be reported
    with pytest.warns(mr.exceptions.RankDeficiencyWarning, match="x5|column"):
        res = mr.Poisson(y, X).fit()
    assert np.isnan(res.params.iloc[-1])
    with pytest.warns(mr.exceptions.RankDeficiencyWarning):
        plain = mr.Poisson(y, X).fit(warm_start=False)
    assert rel_error_elementwise(res.params.iloc[:-1], plain.params.iloc[:-1]) < 1e-10


def test_start_params_with_infinite_likelihood_get_a_clear_error():
    rng = np.random.default_rng(0)
    X = np.c_[np.ones(200), rng.standard_normal((200, 2)) * 50]
    y = rng.poisson(2.0, 200).astype(float)
    with pytest.raises(ValueError, match="not finite at start_params"):
        mr.Poisson(y, X).fit(start_params=[0.0, 5.0, 5.0])


def test_objective_reuses_its_row_arrays_but_not_those_it_hands_out():
    X, y, rng = large_glm_data("binary", n=5000, p=3)
    obj = irls.IrlsObjective(X, y, np.ones(5000), None, F.Binomial())
    obj.full(np.zeros(3))
    eta0 = obj.last.eta
    obj.value(np.array([0.1, 0.0, 0.0]))
    assert obj.last.eta is eta0  # the second pass wrote into the first one's arrays
    beta = np.array([0.1, 0.2, -0.1])
    eta, mu = obj.eta_mu(beta)
    kept = eta.copy(), mu.copy()
    obj.full(np.zeros(3))  # a later evaluation leaves the handed-out arrays alone
    assert np.array_equal(eta, kept[0]) and np.array_equal(mu, kept[1])
    # X beta summed in another order: equal to rounding, |error| <= p eps |X| |beta|
    assert np.all(np.abs(eta - X @ beta) <= 1e-14 * (np.abs(X) @ np.abs(beta)))


def test_a_system_solved_by_qr_keeps_its_own_weights():
    """Near-collinear columns: Cholesky is not trusted, the system keeps W for its QR;
    the objective's next pass must not overwrite that W."""
    rng = np.random.default_rng(5)
    n = 4000
    x = rng.standard_normal(n)
    X = np.c_[np.ones(n), x, x + 1e-9 * rng.standard_normal(n)]
    y = (rng.random(n) < 0.5).astype(float)
    obj = irls.IrlsObjective(X, y, np.ones(n), None, F.Binomial())
    _, _, system = obj.full(np.zeros(3))
    assert system.method == "qr" and system.w is not None
    w = system.w.copy()
    obj.full(np.array([2.0, 1.0, 0.0]))  # another pass, other weights
    assert np.array_equal(system.w, w)


@pytest.mark.parametrize("name", ["logit", "probit"])
def test_binary_llf_from_the_deviance_equals_the_loglikelihood(name):
    """A binary fit's llf is -deviance / 2 from the solver (no pass over the data);
    it equals the family's log-likelihood at the fitted means."""
    X, y, rng = large_glm_data("binary", n=3000)
    kw = {"offset": rng.normal(0, 0.1, 3000), "freq_weights": rng.integers(1, 4, 3000)}
    res = GLM_MAKERS[name](X, y, **kw).fit()
    assert res.fit_record.half_deviance is not None
    m = res.model
    direct = m.family.loglike(m.endog, res.fit_record.mu, m.prior_weights, m.freq_weights)
    assert abs(res.llf - direct) < 1e-12 * abs(direct)
    assert abs(res.llf + res.deviance / 2) < 1e-12 * abs(direct)
    pen = GLM_MAKERS[name](X, y, **kw).fit(penalty=1.0)
    assert pen.fit_record.half_deviance is None  # the objective was penalised


def _glm_data(kind, n=20000, p=8, order="C"):
    rng = np.random.default_rng(11)
    X = np.asarray(np.c_[np.ones(n), rng.standard_normal((n, p - 1))], order=order)
    beta = rng.uniform(-0.5, 0.5, p)
    if kind == "logit":
        y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)
    else:
        y = rng.poisson(np.exp(X @ beta)).astype(float)
    return X, y


def _plain_irls(X, y, kind, tol=1e-13):
    """The unoptimised path: textbook IRLS with numpy's solve, run to convergence."""
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        eta = X @ beta
        if kind == "logit":
            mu = 1 / (1 + np.exp(-eta))
            w = mu * (1 - mu)
        else:
            mu = np.exp(eta)
            w = mu
        step = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    return beta, np.linalg.inv(X.T @ (w[:, None] * X))


@pytest.mark.parametrize("kind", ["logit", "poisson"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_fit_matches_plain_irls_and_statsmodels(kind, order, small_blocks):
    X, y = _glm_data(kind, order=order)
    model = mr.Logit(y, X) if kind == "logit" else mr.Poisson(y, X)
    res = model.fit(tol=1e-10)
    beta, cov = _plain_irls(X, y, kind)
    assert rel_error(res.params, beta) < 1e-10
    assert rel_error(res.cov_params(), cov) < 1e-10
    ref = (sm.Logit(y, X) if kind == "logit" else sm.Poisson(y, X)).fit(disp=0, tol=1e-12)
    assert rel_error(res.params, ref.params) < 1e-8
    assert rel_error(res.bse, ref.bse) < 1e-8
    assert res.llf == pytest.approx(ref.llf, rel=1e-10)
