"""A user's `mypy --strict` script sees the model and results classes, not Any."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

SCRIPT = """\
import pandas as pd

import mlereg as mr

df = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
model = mr.logit("y ~ x", df)
res = model.fit()
reveal_type(model)
reveal_type(res)
reveal_type(mr.Poisson.from_formula("y ~ x", df))
reveal_type(mr.HetGaussian.from_formula("y ~ x", df).fit())
llf: float = res.llf
"""


def test_strict_mypy_sees_the_results_classes(tmp_path):
    pytest.importorskip("mypy")
    script = tmp_path / "analysis.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--ignore-missing-imports",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(script),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert 'Revealed type is "mlereg.models.glm.Logit"' in out
    assert 'Revealed type is "mlereg.inference.regression.RegressionResults"' in out
    assert 'Revealed type is "mlereg.models.glm.Poisson"' in out
    assert 'Revealed type is "mlereg.inference.partresults.RowModelResults"' in out
