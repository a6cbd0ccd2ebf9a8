"""The fused row pass (:func:`mlereg.models.rowpass.evaluate`) equals the textbook
formulas computed on whole columns, and the specialised row kernels
(mlereg.models.rowkernels) equal the generic one."""

from __future__ import annotations

import numpy as np
import pytest

from mlereg import families as F
from mlereg import links as L
from mlereg.models import rowpass
from mlereg.models.rowkernels import kernel_for
from tests.helpers import large_glm_data, rel_error_elementwise


@pytest.mark.parametrize(
    "family",
    [F.Binomial(L.Logit()), F.Binomial(L.Probit()), F.Poisson(), F.Gamma(L.Log())],
    ids=["logit", "probit", "poisson", "gamma"],
)
@pytest.mark.parametrize("order", ["C", "F"])
def test_row_pass_equals_whole_column_formulas(family, order):
    kind = {"binomial": "binary", "poisson": "count", "Gamma": "positive"}[family.name]
    X, y, rng = large_glm_data(kind, n=70_001, p=5)  # several blocks, a short last one
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
    assert rel_error_elementwise(ev.mu, mu) < 1e-12
    assert rel_error_elementwise(ev.f, 0.5 * np.sum(t * family.unit_deviance(y, mu))) < 1e-12
    assert rel_error_elementwise(ev.weights, W) < 1e-12
    assert np.max(np.abs(ev.score - X.T @ u)) < 1e-9 * np.max(np.abs(X.T @ np.abs(u)))
    ref = X.T @ (W[:, None] * X)
    assert np.max(np.abs(ev.gram - ref)) < 1e-12 * np.max(np.abs(ref))


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
