"""The API reference (mkdocs with mkdocstrings, from the numpydoc docstrings) builds
with warnings as errors: a docstring that names a parameter the function does not
have, or does not parse, fails here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT


def test_api_reference_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    models = (tmp_path / "site" / "models" / "index.html").read_text()
    assert "HetGaussian" in models and "mlereg.OLS" in models
