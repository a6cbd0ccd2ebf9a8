"""The distributions' analytic scores and expected informations
(mlereg.distributions.specs) against finite differences and E[s s'] by quadrature or
summation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from mlereg.distributions.fit import SPECS
from mlereg.optim import numdiff
from tests.helpers import close

POINTS = {
    "bernoulli": ([0.3], {}),
    "binomial": ([0.3], {"trials": 7}),
    "poisson": ([2.5], {}),
    "normal": ([1.2, 0.7], {}),
    "exponential": ([1.5], {}),
    "geometric": ([0.35], {}),
    "gamma": ([2.3, 1.4], {}),
    "beta": ([2.2, 3.1], {}),
    "lognormal": ([0.4, 0.6], {}),
    "weibull": ([1.7, 2.5], {}),
    "negative_binomial": ([3.0, 0.4], {}),
}


@pytest.mark.parametrize("name", sorted(POINTS))
def test_score_against_finite_differences(name):
    spec = SPECS[name]
    theta, extras = np.array(POINTS[name][0]), POINTS[name][1]
    x = spec.scipy(theta, extras).rvs(size=30, random_state=np.random.default_rng(5))
    x = np.asarray(x, dtype=float)
    num = numdiff.jacobian(lambda t: spec.logpdf(t, x, extras), theta)
    close(spec.score(theta, x, extras), num, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", sorted(POINTS))
def test_information_is_variance_of_score(name):
    """Expected information per observation = E[s s'], by quadrature or summation."""
    spec = SPECS[name]
    theta, extras = np.array(POINTS[name][0]), POINTS[name][1]
    dist = spec.scipy(theta, extras)
    k = theta.size
    one = np.zeros(1)
    info = spec.information(theta, one, extras)
    if spec.discrete:
        lo = 1 if name == "geometric" else 0
        support = np.arange(lo, 400, dtype=float)  # mass beyond 400 below 1e-60 here
        s = spec.score(theta, support, extras)
        ref = (s * dist.pmf(support)[:, None]).T @ s
    else:
        ref = np.empty((k, k))
        a, b = dist.support()
        for i in range(k):
            for j in range(k):

                def integrand(v, i=i, j=j):
                    s = spec.score(theta, np.array([v]), extras)[0]
                    return s[i] * s[j] * dist.pdf(v)

                ref[i, j] = integrate.quad(integrand, a, b, epsabs=1e-13, epsrel=1e-11, limit=200)[
                    0
                ]
    close(info, ref, rtol=1e-7, atol=1e-10)
