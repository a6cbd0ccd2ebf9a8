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


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_diagnostic_panels_render(pyplot, tmp_path, mtcars):
    import mlereg as mr

    for res in (
        mr.ols("mpg ~ wt + hp", mtcars).fit(),
        mr.glm("mpg ~ wt", mtcars, family=mr.families.Gamma(mr.links.Log())).fit(),
    ):
        fig = res.plot_diagnostics()
        titles = [ax.get_title() for ax in fig.axes]
        assert titles == [
            "Residuals vs Fitted",
            "Normal Q-Q",
            "Scale-Location",
            "Residuals vs Leverage",
        ]
        # the leverage panel: points at the hat values, Cook's contours at 0.5 and 1
        leverage = fig.axes[3]
        x = leverage.collections[0].get_offsets()[:, 0]
        np.testing.assert_allclose(np.sort(x), np.sort(res.get_influence().hat), rtol=1e-12)
        assert len(leverage.lines) >= 5
        fig.savefig(tmp_path / "diagnostics.png")
        assert (tmp_path / "diagnostics.png").stat().st_size > 10_000


def test_profile_plot_marks_the_profile_interval(pyplot, tmp_path, spector):
    import mlereg as mr

    res = mr.logit("GRADE ~ GPA + TUCE + PSI", spector).fit()
    ax = res.plot_profile("PSI")
    ci = res.conf_int(method="profile").loc["PSI"]
    red = [line.get_xdata()[0] for line in ax.lines if line.get_color() == "C3"]
    np.testing.assert_allclose(sorted(red), [ci["lower"], ci["upper"]], rtol=1e-12)
    ax.figure.savefig(tmp_path / "profile.png")


def test_coefficient_plot_of_odds_ratios(pyplot, spector):
    import mlereg as mr

    res = mr.logit("GRADE ~ GPA + TUCE + PSI", spector).fit()
    ax = res.plot_coefficients(exp=True)
    assert ax.get_xscale() == "log" and ax.get_xlabel().startswith("Odds ratio")
    points = ax.lines[0].get_xdata()
    np.testing.assert_allclose(points, np.exp(res.params[["GPA", "TUCE", "PSI"]]), rtol=1e-12)
