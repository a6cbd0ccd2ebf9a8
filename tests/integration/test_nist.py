"""OLS against NIST StRD certified values (linear least squares).

Thresholds are the issue's: >= 9 correct significant digits in every coefficient, and
>= 7 on the hardest problems (Filip, Wampler4, Wampler5), with no user setting.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlereg as mr
from tests.helpers import NIST_DIR, lre

NAMES = [
    "Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
    "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5",
]  # fmt: skip
HARD = {"Filip": 7.0, "Wampler4": 7.0, "Wampler5": 7.0}


def _load(name):
    with open(NIST_DIR / f"{name}.json") as fh:
        return json.load(fh)


@pytest.mark.parametrize("name", NAMES)
def test_nist_params(name):
    d = _load(name)
    df = pd.DataFrame({"y": d["y"], **d["x"]})
    res = mr.ols(d["formula"], df).fit()
    cert = d["certified"]
    digits = lre(res.params.to_numpy(), cert["params"])
    assert digits.min() >= HARD.get(name, 9.0), (name, digits)
    if name.startswith("Wampler") and name in ("Wampler1", "Wampler2"):
        # exact fits: certified SDs are 0, compare absolutely
        np.testing.assert_allclose(res.bse.to_numpy(), 0.0, atol=1e-8)
    else:
        assert lre(res.bse.to_numpy(), cert["sd"]).min() >= HARD.get(name, 9.0) - 1
        assert lre(np.sqrt(res.scale), cert["residual_sd"]) >= HARD.get(name, 9.0) - 1


@pytest.mark.parametrize("name", ["Filip", "Longley", "Wampler4", "Wampler5", "Pontius"])
def test_nist_params_on_row_blocks(name):
    # the QR runs on row blocks (stacking each block under the R so far); with blocks of
    # 5 rows the hardest problems still reach the certified digits
    from mlereg import linalg

    d = _load(name)
    df = pd.DataFrame({"y": d["y"], **d["x"]})
    with linalg.tuned(block_bytes=1, min_block_rows=5):
        res = mr.ols(d["formula"], df).fit()
    cert = d["certified"]
    assert lre(res.params.to_numpy(), cert["params"]).min() >= HARD.get(name, 9.0)
    assert lre(res.bse.to_numpy(), cert["sd"]).min() >= HARD.get(name, 9.0) - 1
