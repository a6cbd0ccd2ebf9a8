"""The Newton loop (mlereg.optim.newton) on a closed-form objective."""

from __future__ import annotations

import numpy as np


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
