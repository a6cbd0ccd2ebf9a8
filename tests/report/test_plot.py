"""The coefficient plot (mlereg.report.plot) needs the optional matplotlib; the plot
itself is drawn by examples/coefficient_plot.py (tests/integration/test_examples.py)."""

from __future__ import annotations

import sys

import numpy as np
import pytest


def test_plot_without_matplotlib_says_what_to_install(monkeypatch):
    import mlereg as mr

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    res = mr.OLS(np.array([1.0, 3, 2, 5]), np.c_[np.ones(4), np.arange(4.0)]).fit()
    with pytest.raises(ImportError, match=r"mlereg\[plot\]"):
        res.plot_coefficients()
