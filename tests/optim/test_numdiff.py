"""Numerical derivatives (mlereg.optim.numdiff) against analytic ones."""

from __future__ import annotations

import numpy as np

from mlereg.optim import numdiff
from tests.helpers import close


def test_numdiff_against_analytic_derivatives():
    def f(b):
        return np.sin(b[0] * b[1]) + np.exp(b[2]) * b[0] ** 2

    b = np.array([0.7, 1.3, -0.4])
    s, c, e = np.sin(b[0] * b[1]), np.cos(b[0] * b[1]), np.exp(b[2])
    grad = [b[1] * c + 2 * e * b[0], b[0] * c, e * b[0] ** 2]
    hess = [
        [-(b[1] ** 2) * s + 2 * e, c - b[0] * b[1] * s, 2 * e * b[0]],
        [c - b[0] * b[1] * s, -(b[0] ** 2) * s, 0.0],
        [2 * e * b[0], 0.0, e * b[0] ** 2],
    ]
    close(numdiff.gradient(f, b), grad, rtol=1e-10)
    close(numdiff.hessian(f, b), hess, rtol=1e-8, atol=1e-9)
    J = numdiff.jacobian(lambda t: np.array([t[0] * t[1], t[2] ** 2]), b)
    close(J, [[b[1], b[0], 0], [0, 0, 2 * b[2]]], rtol=1e-10, atol=1e-12)
