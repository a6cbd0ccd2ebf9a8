"""Families' log-likelihoods and their shortcuts (mlereg.models.families) against the
row-wise sums, scipy and 40-digit arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from mlereg import families as F
from tests.helpers import close


@pytest.mark.parametrize("weighted", [False, True])
def test_gaussian_loglike_in_closed_form_equals_the_row_sum(weighted):
    # at the dispersion's MLE the sum of the rows' log densities has a closed form; it
    # must equal the row-wise sum (zero weights and exact fits keep the row-wise path)
    rng = np.random.default_rng(22)
    n = 500
    y, mu = rng.standard_normal(n), rng.standard_normal(n) * 0.1
    w = rng.uniform(0.2, 3, n) if weighted else np.ones(n)
    fw = rng.integers(1, 4, n).astype(float) if weighted else np.ones(n)
    fam = mr.families.Gaussian()
    rowwise = mr.families.Family.loglike(fam, y, mu, w, fw)
    close(fam.loglike(y, mu, w, fw), rowwise, rtol=1e-13)
    w0 = w.copy()
    w0[:3] = 0.0
    assert fam.loglike(y, mu, w0, fw) == mr.families.Family.loglike(fam, y, mu, w0, fw)


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
