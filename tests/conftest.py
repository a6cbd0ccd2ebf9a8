"""Shared fixtures: data sets that ship with statsmodels (a test-only dependency)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pytest

HERE = pathlib.Path(__file__).parent
NIST_DIR = HERE / "data" / "nist"  # NIST StRD certified values (public domain)


def lre(estimate, certified):
    """Log relative error: the number of correct significant digits."""
    est, cert = np.asarray(estimate, float), np.asarray(certified, float)
    denom = np.where(cert == 0, 1.0, np.abs(cert))
    rel = np.abs(est - cert) / denom
    return -np.log10(np.maximum(rel, 1e-16))


def load_reference(name: str) -> dict:
    """A JSON file of stored R output from tests/reference/, keyed by case id."""
    with open(HERE / "reference" / f"{name}.json") as fh:
        content = json.load(fh)
    cases = content["cases"] if isinstance(content, dict) else content
    return {c["id"]: c for c in cases}


def load_csv(name: str) -> pd.DataFrame:
    """A data set stored in tests/data/."""
    return pd.read_csv(HERE / "data" / name)


@pytest.fixture(scope="session")
def spector():
    import statsmodels.api as sm

    return sm.datasets.spector.load_pandas().data


@pytest.fixture(scope="session")
def longley():
    import statsmodels.api as sm

    return sm.datasets.longley.load_pandas().data


@pytest.fixture(scope="session")
def cpunish():
    import statsmodels.api as sm

    return sm.datasets.cpunish.load_pandas().data
