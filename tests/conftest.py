"""Fixtures shared by the test modules: data sets that ship with statsmodels (a test-only
dependency) or are stored in tests/data, fits of them, and small row blocks."""

from __future__ import annotations

import numpy as np
import pytest

import mlereg as mr
from mlereg import linalg
from tests.helpers import TENSION, load_csv


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


@pytest.fixture(scope="module")
def warpbreaks():
    return load_csv("warpbreaks.csv")


@pytest.fixture(scope="module")
def mtcars():
    return load_csv("mtcars.csv")


@pytest.fixture(scope="module")
def poisson_fit(warpbreaks):
    return mr.poisson(f"breaks ~ wool + {TENSION}", warpbreaks).fit()


@pytest.fixture(scope="module")
def tutorial():
    """The tutorial's regression y = 10 + 4 x + e."""
    rng = np.random.default_rng(42)
    n = 100
    x = rng.uniform(0, 10, n)
    y = 10 + 4 * x + rng.normal(0, 3, n)
    return x, y


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 rows, so that moderate n crosses many block boundaries."""
    with linalg.tuned(block_bytes=1):
        yield
