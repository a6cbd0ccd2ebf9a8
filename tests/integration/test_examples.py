"""Run every script in examples/ and check what it prints against known answers.

Known answers are closed forms (Poisson rate = sample mean, Gaussian MLE = mean and
RSS/n, least squares by numpy), the tutorial's log-likelihood -4.266, and statsmodels
fits of the examples' data.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from tests.helpers import ROOT

EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))
NEEDS_MATPLOTLIB = {"coefficient_plot.py"}


def run(name: str, *args: str, cwd: pathlib.Path | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@functools.cache
def output(name: str) -> str:
    """The printed output of an example run without arguments (each script runs once)."""
    return run(name)


def load(name: str):
    """Import an example as a module (for its data generator)."""
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def number(out: str, label: str) -> float:
    """The first number after ``label`` in the output."""
    m = re.search(re.escape(label) + r"\s*(-?[\d.]+(?:e[-+]?\d+)?)", out)
    assert m, f"{label!r} not printed"
    return float(m.group(1))


@pytest.mark.parametrize("name", [s for s in SCRIPTS if s not in NEEDS_MATPLOTLIB])
def test_every_example_runs(name):
    assert output(name).strip()


def test_credit_default():
    out = output("credit_default.py")
    assert "log-likelihood at beta = (-4, 0.06), by hand: -4.266" in out
    assert "log-likelihood at beta = (-4, 0.06), mlereg:  -4.266" in out
    import statsmodels.api as sm

    df = load("credit_default.py").make_data()
    ref = sm.Logit(df["default"], sm.add_constant(df["income"])).fit(disp=0)
    assert number(out, "b0 =") == pytest.approx(round(ref.params["const"], 4), abs=1e-12)
    assert number(out, "b1 =") == pytest.approx(round(ref.params["income"], 4), abs=1e-12)
    assert number(out, "log-likelihood at the MLE:") == pytest.approx(round(ref.llf, 4))


def test_call_centre():
    out = output("call_centre.py")
    calls = np.array([3, 5, 2, 8, 4, 6, 3, 5])
    rate = calls.mean()
    assert rate == 4.5
    assert number(out, "estimated rate:") == 4.5
    assert number(out, "closed form (sample mean):") == 4.5
    assert number(out, "standard error of the rate:") == round(np.sqrt(rate / 8), 4)
    # Wald interval on the log scale: log(rate) +/- z sqrt(1 / sum(y))
    half = stats.norm.isf(0.025) / np.sqrt(calls.sum())
    lo, hi = re.search(r"interval for the rate: \[(\S+), (\S+)\]", out).groups()
    assert float(lo) == round(rate * np.exp(-half), 4)
    assert float(hi) == round(rate * np.exp(half), 4)
    llf = stats.poisson.logpmf(calls, rate).sum()
    assert number(out, "log-likelihood at the MLE:") == round(llf, 4)
    assert number(out, "P(10 or more calls in an hour):") == round(stats.poisson.sf(9, rate), 4)


def test_gaussian_mle():
    out = output("gaussian_mle.py")
    mod = load("gaussian_mle.py")
    blocks = out.split("\n\n")
    for block, values in zip(blocks, (mod.REACTION_MS, mod.HEIGHTS_CM), strict=True):
        y = np.asarray(values)
        assert number(block, "mu MLE (OLS intercept):") == round(y.mean(), 4)
        assert number(block, "sigma MLE (sqrt RSS/n):") == round(y.std(ddof=0), 4)
        assert number(block, "s (unbiased, RSS/(n-1)):") == round(y.std(ddof=1), 4)
        llf = stats.norm.logpdf(y, y.mean(), y.std(ddof=0)).sum()
        assert number(block, "log-likelihood at MLE:") == round(llf, 4)


def test_linear_mle_vs_ols():
    out = output("linear_mle_vs_ols.py")
    df = load("linear_mle_vs_ols.py").make_data()
    slope, intercept = np.polyfit(df["x"], df["y"], 1)
    m = re.search(r"intercept: MLE (\S+), OLS (\S+)", out)
    assert float(m.group(1)) == float(m.group(2)) == round(intercept, 6)
    m = re.search(r"slope:\s+MLE (\S+), OLS (\S+)", out)
    assert float(m.group(1)) == float(m.group(2)) == round(slope, 6)
    assert number(out, "largest difference between the estimates:") < 1e-10
    assert abs(intercept - 10) < 1 and abs(slope - 4) < 0.2  # the simulation's truth


def test_nested_models():
    import statsmodels.formula.api as smf

    out = output("nested_models.py")
    df = load("nested_models.py").make_data()
    forms = [
        "default ~ income",
        "default ~ income + debt_ratio",
        "default ~ income + debt_ratio + C(region)",
    ]
    llf = [smf.logit(f, df).fit(disp=0).llf for f in forms]
    for label, (a, b), df_ in (("debt_ratio", (0, 1), 1), ("region", (1, 2), 2)):
        stat = 2 * (llf[b] - llf[a])
        m = re.search(rf"LR test for {label}: chi2 = (\S+) on (\d) df, p = (\S+)", out)
        assert float(m.group(1)) == round(stat, 4)
        assert int(m.group(2)) == df_
        assert float(m.group(3)) == float(f"{stats.chi2.sf(stat, df_):.4g}")
    assert "Analysis of Deviance Table" in out and "Single term deletions" in out
    assert "Model comparison" in out
    aics = [-2 * v + 2 * k for v, k in zip(llf, (2, 3, 5), strict=True)]
    assert f"lowest AIC: {forms[int(np.argmin(aics))]}" in out


def test_quickstart():
    import statsmodels.api as sm

    out = output("quickstart.py")
    df = load("quickstart.py").make_data()
    ref = sm.Logit(df["default"], sm.add_constant(df["income"])).fit(disp=0)
    assert number(out, "LR test vs intercept-only: chi2 =") == round(ref.llr, 3)


def test_coefficient_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")  # the optional extra mlereg[plot]
    path = tmp_path / "coefficients.png"
    out = run("coefficient_plot.py", str(path), cwd=tmp_path)
    assert "4 coefficients" in out
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def test_readme_code_runs():
    """Every python block of README.md, in order, in one namespace."""
    blocks = re.findall(r"```python\n(.*?)```", _readme(), flags=re.S)
    assert blocks
    code = "import matplotlib\nmatplotlib.use('Agg')\n" + "\n".join(blocks)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "Logit regression results" in proc.stdout
    assert "Likelihood-ratio test: chi2 =" in proc.stdout


def test_the_plot_example_without_matplotlib_says_what_to_install():
    code = (
        "import sys, runpy; sys.modules['matplotlib'] = None;"
        f" runpy.run_path({str(EXAMPLES / 'coefficient_plot.py')!r}, run_name='__main__')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "pip install 'mlereg[plot]'" in proc.stderr and "Traceback" not in proc.stderr


def test_readme_outputs_are_the_examples_outputs():
    """Each text block README.md shows as the output of `python examples/X.py` is
    printed, line for line, by that example."""
    shown = re.findall(r"`python examples/(\w+\.py)`[^`]*?```text\n(.*?)```", _readme(), re.S)
    assert {name for name, _ in shown} >= {"quickstart.py", "nested_models.py"}
    for name, block in shown:
        assert block.strip() in output(name), name
