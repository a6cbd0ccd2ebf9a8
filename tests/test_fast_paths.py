"""The speed-ups must not change results.

* The subsample warm start of large fits (``LikelihoodModel._warm_start``) must reach
  the same maximiser as the usual start from R's ``mustart``: estimates, standard
  errors and log-likelihood equal to 1e-10 relative.
* Threaded row passes (:func:`mlereg.set_num_threads`) add per-block sums in block
  order, so results are bit-for-bit those of one thread.
* The fused row pass (:func:`mlereg.models.rowpass.evaluate`) equals the textbook formulas
  computed on whole columns.
* The fitted model on the warm-start path still agrees with statsmodels at 1e-8.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import mlereg as mr
from mlereg import families as F
from mlereg import links as L
from mlereg.linalg import threads
from mlereg.models import base as base_mod
from mlereg.models import irls, rowpass
from mlereg.models.irls import WarmStart
from mlereg.models.rowkernels import kernel_for

N = 120_000  # above SUBSAMPLE_MIN_ROWS, so the warm start is taken


def _data(kind: str, n: int = N, p: int = 4, seed: int = 7):
    rng = np.random.default_rng(seed)
    X = np.c_[np.ones(n), rng.standard_normal((n, p - 1))]
    beta = np.linspace(-0.5, 0.5, p)
    eta = X @ beta
    if kind == "binary":
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    elif kind == "count":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = rng.gamma(2.0, np.exp(eta) / 2.0)
    return X, y, rng


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


MODELS = {
    "logit": lambda X, y, **kw: mr.Logit(y, X, **kw),
    "probit": lambda X, y, **kw: mr.Probit(y, X, **kw),
    "cloglog": lambda X, y, **kw: mr.GLM(y, X, family=F.Binomial(L.CLogLog()), **kw),
    "poisson": lambda X, y, **kw: mr.Poisson(y, X, **kw),
    "gamma-log": lambda X, y, **kw: mr.GLM(y, X, family=F.Gamma(L.Log()), **kw),
    "negbin": lambda X, y, **kw: mr.NegativeBinomial(y, X, **kw),
}
KIND = {
    "gamma": "positive",
    "logit": "binary",
    "probit": "binary",
    "cloglog": "binary",
    "poisson": "count",
    "gamma-log": "positive",
    "negbin": "count",
}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("first_info", ["scaled", "exact"])
def test_warm_start_reaches_the_same_maximiser(name, first_info, monkeypatch):
    """From the subsample's estimate, with its X'WX scaled up as the first full-data
    information (``scaled``) or with the full X'WX formed there (``exact``)."""
    X, y, rng = _data(KIND[name])
    kw = {"offset": rng.normal(0, 0.1, N), "weights": rng.uniform(0.5, 2.0, N)}
    if name in ("logit", "probit", "cloglog"):
        kw = {"offset": kw["offset"]}  # binomial prior weights are trials
    settings = WarmStart(info_rows_per_column=10**9) if first_info == "exact" else WarmStart()
    warm = MODELS[name](X, y, **kw)
    start = irls.warm_start(warm, 1e-8, settings)
    assert start is not None  # the path under test is taken
    assert (start._primed is not None) == (first_info == "scaled")
    res_warm = warm.fit(warm_start=settings)
    plain = MODELS[name](X, y, **kw)
    assert irls.warm_start(plain, 1e-8, WarmStart(min_rows=10**12)) is None
    res_plain = plain.fit(warm_start=False)
    assert _rel(res_warm.params, res_plain.params) < 1e-10
    assert _rel(res_warm.bse, res_plain.bse) < 1e-10
    assert _rel(res_warm.llf, res_plain.llf) < 1e-12
    assert res_warm.converged and res_plain.converged


@pytest.mark.parametrize("name", ["logit", "poisson", "gamma-log"])
@pytest.mark.parametrize(("n", "p"), [(25_000, 10), (25_000, 20)])
def test_warm_start_below_100000_rows_needs_2000_rows_per_column(name, n, p, monkeypatch):
    # and a canonical link (Fisher scoring's end point depends on its start)
    X, y, _ = _data(KIND[name], n=n, p=p)
    warm = MODELS[name](X, y)
    taken = n >= 2000 * p and name != "gamma-log"
    assert (irls.warm_start(warm, 1e-8, WarmStart()) is not None) == taken
    if not taken:
        return
    # tol 1e-10: each fit is then within about 1e-12 of the maximiser (at the default
    # 1e-8 each stops within 1e-10, so two can differ by up to 2e-10: 1.007e-10 here)
    res_warm = warm.fit(tol=1e-10)
    res_plain = MODELS[name](X, y).fit(tol=1e-10, warm_start=False)
    assert _rel(res_warm.params, res_plain.params) < 1e-10
    assert _rel(res_warm.bse, res_plain.bse) < 1e-10
    assert _rel(res_warm.llf, res_plain.llf) < 1e-12


@pytest.mark.parametrize("name", ["logit", "poisson", "gamma-log"])
def test_warm_start_on_a_fortran_ordered_design(name, monkeypatch):
    """A column-major X (what the formula path builds) gives the fit of its C-ordered
    copy; the subsample keeps X's layout."""
    X, y, _ = _data(KIND[name])
    XF = np.asfortranarray(X)
    seen = []
    objective = base_mod.LikelihoodModel.irls_objective

    def spy(self, X):
        seen.append((X.shape[0], X.flags.f_contiguous))
        return objective(self, X)

    monkeypatch.setattr(base_mod.LikelihoodModel, "irls_objective", spy)
    res_f = MODELS[name](XF, y).fit()
    assert (N // 10, True) in seen and (N, True) in seen  # subsample, then all rows
    res_c = MODELS[name](X, y).fit()
    assert _rel(res_f.params, res_c.params) < 1e-12
    assert _rel(res_f.bse, res_c.bse) < 1e-12
    assert _rel(res_f.llf, res_c.llf) < 1e-13


def test_warm_start_fit_matches_statsmodels():
    X, y, _ = _data("count")
    res = mr.Poisson(y, X).fit()
    ref = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13)
    assert _rel(res.params, ref.params) < 1e-8
    assert _rel(res.bse, ref.bse) < 1e-8
    assert _rel(res.llf, ref.llf) < 1e-10


def test_newton_stops_before_a_step_of_small_predicted_decrease():
    """f(x) = (x - 3)^2 from x = 2.9: the Newton step is 0.1 and predicts a decrease of
    exactly f(2.9) = 0.01 (closed form)."""
    from mlereg.optim.newton import newton

    def f(x):
        return float((x[0] - 3) ** 2), np.array([2 * (x[0] - 3)]), np.eye(1) * 2

    stop = newton(f, np.array([2.9]), decrement_tol=0.0101)
    assert stop.converged and stop.n_iter == 0 and stop.x[0] == 2.9
    assert "decrease the objective by 1.0e-02" in stop.message
    go = newton(f, np.array([2.9]), decrement_tol=0.0099)
    assert go.converged and go.n_iter >= 1 and abs(go.x[0] - 3) < 1e-15


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
    X, y, rng = _data(KIND[name.split()[-1]])
    if name == "weighted poisson":
        model = mr.Poisson(y, X, weights=np.full(N, 1e-3))
    elif name == "gamma":
        model = mr.GLM(y, X, family=F.Gamma())
    else:
        model = MODELS[name](X, y)
    start = irls.warm_start(model, 1e-8, WarmStart())
    assert start is not None or name == "gamma"  # an inverse link on these data may fail
    per_column = WarmStart().decrement_per_column
    expected = {"logit": per_column * 4, "poisson": per_column * 4}
    expected["weighted poisson"] = per_column * 4 * 1e-3
    assert seen == [pytest.approx(expected[name]) if name in expected else None]


def test_warm_start_skipped_for_rank_deficient_design(monkeypatch):
    X, y, _ = _data("count")
    X = np.c_[X, X[:, 1] + X[:, 2]]  # aliased: R's choice must still be reported
    with pytest.warns(mr.exceptions.RankDeficiencyWarning, match="x5|column"):
        res = mr.Poisson(y, X).fit()
    assert np.isnan(res.params.iloc[-1])
    with pytest.warns(mr.exceptions.RankDeficiencyWarning):
        plain = mr.Poisson(y, X).fit(warm_start=False)
    assert _rel(res.params.iloc[:-1], plain.params.iloc[:-1]) < 1e-10


@pytest.fixture
def small_thread_share(monkeypatch):
    """Threads for test-sized data: one per 100,000 elements of X."""
    monkeypatch.setattr(threads, "MIN_ELEMENTS_PER_THREAD", 100_000)


@pytest.mark.parametrize("name", ["logit", "poisson"])
def test_threads_give_identical_results(name, small_thread_share):
    X, y, _ = _data(KIND[name], n=200_000, p=15)
    old = mr.set_num_threads(1)
    try:
        one = MODELS[name](X, y).fit()
        mr.set_num_threads(3)
        assert threads.threads_for(200_000, 15, 100) == 3  # the threaded path is taken
        three = MODELS[name](X, y).fit()
    finally:
        mr.set_num_threads(old)
    assert np.array_equal(one.params.to_numpy(), three.params.to_numpy())
    assert np.array_equal(one.bse.to_numpy(), three.bse.to_numpy())
    assert one.llf == three.llf


def test_set_num_threads_rejects_zero():
    with pytest.raises(ValueError, match="at least 1"):
        mr.set_num_threads(0)


def test_default_threads_from_environment(monkeypatch):
    old = mr.set_num_threads(None)
    try:
        monkeypatch.setenv("MLEREG_NUM_THREADS", "3")
        assert mr.get_num_threads() == 3
        mr.set_num_threads(1)
        assert mr.get_num_threads() == 1
    finally:
        mr.set_num_threads(old)


def test_threaded_fits_restore_blas_threads(small_thread_share):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from concurrent.futures import ThreadPoolExecutor

    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    X, y, _ = _data("binary", n=150_000, p=14)
    old = mr.set_num_threads(2)
    try:
        assert threads.threads_for(150_000, 14, 100) == 2
        single = mr.Logit(y, X).fit().params.to_numpy()
        with ThreadPoolExecutor(3) as ex:  # fits overlapping in time
            fits = list(ex.map(lambda _: mr.Logit(y, X).fit().params.to_numpy(), range(3)))
    finally:
        mr.set_num_threads(old)
    assert all(np.array_equal(f, single) for f in fits)
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before


@pytest.mark.parametrize(
    "family",
    [F.Binomial(L.Logit()), F.Binomial(L.Probit()), F.Poisson(), F.Gamma(L.Log())],
    ids=["logit", "probit", "poisson", "gamma"],
)
@pytest.mark.parametrize("order", ["C", "F"])
def test_row_pass_equals_whole_column_formulas(family, order):
    kind = {"binomial": "binary", "poisson": "count", "Gamma": "positive"}[family.name]
    X, y, rng = _data(kind, n=70_001, p=5)  # several blocks, a short last one
    X = np.asarray(X, order=order)
    beta = np.array([0.1, -0.2, 0.3, 0.05, -0.1])
    off = rng.normal(0, 0.1, X.shape[0])
    t = rng.uniform(0.5, 2.0, X.shape[0])
    ev = rowpass.evaluate(X, beta, off, kernel_for(family, y, t), information=True)
    eta = X @ beta + off
    mu = family.link.inverse(eta)
    m1 = family.link.mu_eta(eta)
    var = family.variance(mu)
    W = t * m1**2 / var
    u = t * (y - mu) * m1 / var
    # eta is summed block by block (in the compiled kernel for C-ordered X): equal to
    # rounding, |error| <= p eps (|X| |beta| + |off|), which near eta = 0 is not small
    # relative to eta; mu, W and u take their relative error from eta's absolute one
    scale = np.abs(X) @ np.abs(beta) + np.abs(off)
    assert np.all(np.abs(ev.eta - eta) <= 1e-14 * scale)
    assert _rel(ev.mu, mu) < 1e-12
    assert _rel(ev.f, 0.5 * np.sum(t * family.unit_deviance(y, mu))) < 1e-12
    assert _rel(ev.weights, W) < 1e-12
    assert np.max(np.abs(ev.score - X.T @ u)) < 1e-9 * np.max(np.abs(X.T @ np.abs(u)))
    ref = X.T @ (W[:, None] * X)
    assert np.max(np.abs(ev.gram - ref)) < 1e-12 * np.max(np.abs(ref))


def test_start_params_with_infinite_likelihood_get_a_clear_error():
    rng = np.random.default_rng(0)
    X = np.c_[np.ones(200), rng.standard_normal((200, 2)) * 50]
    y = rng.poisson(2.0, 200).astype(float)
    with pytest.raises(ValueError, match="not finite at start_params"):
        mr.Poisson(y, X).fit(start_params=[0.0, 5.0, 5.0])


def test_log_factorial_table_equals_gammaln():
    from scipy import special

    rng = np.random.default_rng(3)
    for y in (
        rng.poisson(30.0, 5000).astype(float),  # the table
        np.r_[rng.poisson(3.0, 5000), 2.5].astype(float),  # a fraction: gammaln itself
        np.r_[rng.poisson(3.0, 5000), 1e6].astype(float),  # too large for a table
    ):
        assert np.array_equal(F._log_factorial(y), special.gammaln(y + 1))


@pytest.mark.parametrize("theta", [2.0, 1e5, 1e13])
def test_negative_binomial_loglike_is_accurate_for_any_theta(theta):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    rng = np.random.default_rng(4)
    y = rng.poisson(3.0, 40).astype(float)
    mu = rng.uniform(1.0, 6.0, 40)
    fam = F.NegativeBinomial(alpha=1.0 / theta)
    got = fam.loglike_obs(y, mu, np.ones_like(y), 1.0)
    dev = fam.unit_deviance(y, mu)
    th = mpmath.mpf(theta)

    def logpmf(k, m):  # the negative binomial log-probability in 40-digit arithmetic
        k, m = mpmath.mpf(k), mpmath.mpf(m)
        return (
            mpmath.loggamma(k + th)
            - mpmath.loggamma(th)
            - mpmath.loggamma(k + 1)
            + th * mpmath.log(th / (th + m))
            + (k * mpmath.log(m / (th + m)) if k > 0 else 0)
        )

    for i in range(y.size):
        ref = logpmf(y[i], mu[i])
        assert abs(got[i] - float(ref)) < 1e-10 * abs(float(ref))
        ref_dev = (
            2 * (logpmf(y[i], y[i]) - ref)
            if y[i] > 0
            else -2 * th * mpmath.log(th / (th + mpmath.mpf(mu[i])))
        )
        assert abs(dev[i] - float(ref_dev)) < 1e-9 * max(1.0, abs(float(ref_dev)))


def _fit_in_child(X, y, queue):
    queue.put(mr.Logit(y, X).fit().params.to_numpy())


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="the platform cannot fork (Windows): the pool's after-fork reset does not apply",
)
def test_threaded_fits_work_in_a_forked_child(small_thread_share):
    import multiprocessing

    X, y, _ = _data("binary", n=150_000, p=14)
    old = mr.set_num_threads(2)
    try:
        parent = mr.Logit(y, X).fit().params.to_numpy()  # starts the thread pool
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_fit_in_child, args=(X, y, queue))
        child.start()
        got = queue.get(timeout=120)  # a pool inherited without its threads would hang
        child.join(timeout=60)
    finally:
        mr.set_num_threads(old)
    assert np.array_equal(got, parent)


@pytest.mark.parametrize("kind", ["logit", "poisson"])
@pytest.mark.parametrize("weighted", [False, True])
def test_specialised_row_kernels_equal_the_generic_one(kind, weighted):
    """BinaryLogit / PoissonLog against the family's own functions (Generic), with
    linear predictors out to and past the clamps (|eta| = 36.04 logit, exp(eta) < eps)."""
    from mlereg.models import rowkernels as K

    rng = np.random.default_rng(11)
    n = 20_000
    if kind == "logit":
        eta = np.r_[rng.normal(0, 3, n - 8), -50, -36.05, -36.0, -30, 30, 36.0, 36.05, 50]
        y = (rng.random(n) < 0.5).astype(float)
        family = F.Binomial()
    else:
        eta = np.r_[rng.normal(0, 2, n - 4), -40, -36.05, 5, 20]
        y = rng.poisson(3.0, n).astype(float)
        y[:4] = [0.5, 2.5, 7.25, 1e4]  # not whole, and large
        family = F.Poisson()
    t = rng.uniform(0.5, 2.0, n) if weighted else None
    fast = K.kernel_for(family, y, t)
    assert type(fast) is not K.Generic
    out = []
    for kernel in (fast, K.Generic(family, y, t)):
        mu, W = np.empty(n), np.empty(n)
        f, u = kernel(slice(0, n), eta.copy(), mu, W)
        mu2 = np.empty(n)
        f2, none = kernel(slice(0, n), eta.copy(), mu2, None)
        assert none is None and f2 == f and np.array_equal(mu2, mu)
        out.append((kernel.constant + f, mu, W, u))  # deviance / 2 over all rows
    (f, mu, W, u), (fg, mug, Wg, ug) = out
    assert abs(f - fg) <= 1e-12 * abs(fg)
    assert np.allclose(mu, mug, rtol=1e-13, atol=0)
    # 1 - mu from q mu (fast) against 1 - mu (generic): the generic one loses digits as
    # mu -> 1, so compare W and u relative to their largest entries
    assert np.max(np.abs(W - Wg)) <= 1e-13 * np.max(Wg)
    assert np.max(np.abs(u - ug)) <= 1e-13 * np.max(np.abs(ug))
    assert np.all(np.isfinite(W)) and np.all(W > 0)


def test_specialised_kernels_only_where_they_apply():
    from mlereg.models import rowkernels as K

    y01, yprop = np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.5, 1.0])
    assert type(K.kernel_for(F.Binomial(), y01, None)) is K.BinaryLogit
    assert type(K.kernel_for(F.Binomial(), yprop, None)) is K.Generic  # proportions
    assert type(K.kernel_for(F.Binomial(L.Probit()), y01, None)) is K.Generic
    assert type(K.kernel_for(F.Poisson(), y01, None)) is K.PoissonLog
    assert type(K.kernel_for(F.Poisson(L.Sqrt()), y01, None)) is K.Generic
    assert type(K.kernel_for(F.NegativeBinomial(), y01, None)) is K.Generic


def test_objective_reuses_its_row_arrays_but_not_those_it_hands_out():
    X, y, rng = _data("binary", n=5000, p=3)
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
    X, y, rng = _data("binary", n=3000)
    kw = {"offset": rng.normal(0, 0.1, 3000), "freq_weights": rng.integers(1, 4, 3000)}
    res = MODELS[name](X, y, **kw).fit()
    assert res.fit_record.half_deviance is not None
    m = res.model
    direct = m.family.loglike(m.endog, res.fit_record.mu, m.prior_weights, m.freq_weights)
    assert abs(res.llf - direct) < 1e-12 * abs(direct)
    assert abs(res.llf + res.deviance / 2) < 1e-12 * abs(direct)
    pen = MODELS[name](X, y, **kw).fit(penalty=1.0)
    assert pen.fit_record.half_deviance is None  # the objective was penalised


def test_xlogy_shortcut_equals_scipy():
    from scipy import special

    rng = np.random.default_rng(2)
    y = rng.poisson(2.0, 10_000).astype(float)
    mu = rng.uniform(1e-300, 50.0, 10_000)
    for m in (mu, np.r_[mu[:-1], np.inf], np.r_[mu[:-1], 0.0]):  # shortcut, then scipy
        got, ref = F._xlogy_pos(y, m), special.xlogy(y, m)
        assert np.array_equal(np.isfinite(got), np.isfinite(ref))
        fin = np.isfinite(ref)  # numpy's and scipy's log differ in the last bit at most
        assert np.all(np.abs(got[fin] - ref[fin]) <= 2.3e-16 * np.abs(ref[fin]))
        assert np.array_equal(got[~fin], ref[~fin])
        assert not np.any(np.signbit(got) & (got == 0))  # no -0.0


def test_blocked_gram_is_the_same_on_any_number_of_threads(small_thread_share):
    from mlereg import linalg

    rng = np.random.default_rng(8)
    X = rng.standard_normal((300_000, 6))
    w, u = rng.uniform(0.1, 2.0, 300_000), rng.standard_normal(300_000)
    old = mr.set_num_threads(1)
    try:
        one = linalg.gram_and_score(X, w, u)
        mr.set_num_threads(3)
        assert threads.threads_for(*X.shape, 100) == 3  # the threaded path is taken
        three = linalg.gram_and_score(X, w, u)
    finally:
        mr.set_num_threads(old)
    assert np.array_equal(one[0], three[0]) and np.array_equal(one[1], three[1])
    ref = X.T @ (w[:, None] * X)
    assert np.max(np.abs(one[0] - ref)) < 1e-12 * np.max(np.abs(ref))
