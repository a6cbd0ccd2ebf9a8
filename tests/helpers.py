"""Helpers shared by the test modules: where the stored data are and their loaders,
comparisons of numbers and of printed tables, and simulated data sets."""

from __future__ import annotations

import html.parser
import json
import pathlib
import re

import numpy as np
import pandas as pd
from scipy import stats

import mlereg as mr
from mlereg import families as F
from mlereg import links as L

TESTS_DIR = pathlib.Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent  # the repository
DATA_DIR = TESTS_DIR / "data"
REFERENCE_DIR = TESTS_DIR / "reference"  # stored R output; see its README.md
NIST_DIR = DATA_DIR / "nist"  # NIST StRD certified values (public domain)

Q95 = stats.chi2.isf(0.05, 1)  # the LR cutoff of a 95% profile interval

SPECTOR = "GRADE ~ GPA + TUCE + PSI"  # the spector data's logit
TENSION = "C(tension, levels=['L', 'M', 'H'])"  # warpbreaks' factor in R's level order


# --- stored data -----------------------------------------------------------------------------
def load_csv(name: str) -> pd.DataFrame:
    """A data set stored in tests/data/."""
    return pd.read_csv(DATA_DIR / name)


def load_reference(name: str) -> dict:
    """A JSON file of stored R output from tests/reference/, keyed by case id."""
    with open(REFERENCE_DIR / f"{name}.json") as fh:
        content = json.load(fh)
    cases = content["cases"] if isinstance(content, dict) else content
    return {c["id"]: c for c in cases}


def lre(estimate, certified):
    """Log relative error: the number of correct significant digits."""
    est, cert = np.asarray(estimate, float), np.asarray(certified, float)
    denom = np.where(cert == 0, 1.0, np.abs(cert))
    rel = np.abs(est - cert) / denom
    return -np.log10(np.maximum(rel, 1e-16))


def reference_rtol(case: dict) -> float:
    """longley's design has condition number ~1e9: covariances from the Fisher
    information of an iterative fit are good to about kappa * eps ~ 1e-7 (the QR-based
    OLS fit keeps 1e-8)."""
    return 1e-7 if case["id"] == "longley_glm_gaussian" else 1e-8


# --- comparisons -----------------------------------------------------------------------------
def close(a, b, rtol=1e-8, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def rel_error(a, b) -> float:
    """max |a - b| / max |b|: the error relative to the largest entry of b."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def rel_error_elementwise(a, b) -> float:
    """max |a - b| / |b|: the largest error relative to its own entry of b."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


# --- printed numbers and tables ----------------------------------------------------------------
def close_to_printed(text: str, value: float) -> bool:
    """``text`` is ``value`` rounded to the decimals (or significant digits) printed."""
    x = float(text)
    if "e" in text.lower():
        mantissa = text.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(text.lower().split("e")[1])
        half_ulp = 0.5 * 10.0 ** (exponent - decimals)
    else:
        decimals = len(text.split(".")[1]) if "." in text else 0
        half_ulp = 0.5 * 10.0**-decimals
    return abs(x - value) <= half_ulp * (1 + 1e-9) + 1e-15


class TableParser(html.parser.HTMLParser):
    """Collects the rows of every <table>, and the tags and attributes seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_html(text: str) -> TableParser:
    p = TableParser()
    p.feed(text)
    p.close()
    return p


def markdown_cells(line: str) -> list[str]:
    """Split a pipe-table row on unescaped pipes and undo the escaping."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [re.sub(r"\\(.)", r"\1", c.strip()) for c in parts]


# --- simulated data ------------------------------------------------------------------------------
def random_design(n, p, order, seed=0):
    """n x p normal columns of scales 0.1 to 10 (the first a constant), in ``order``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p)
    X[:, 0] = 1.0
    return np.asarray(X, order=order)


LARGE_N = 120_000  # above SUBSAMPLE_MIN_ROWS, so the warm start is taken


def large_glm_data(kind: str, n: int = LARGE_N, p: int = 4, seed: int = 7):
    """X, y and the generator: a ``binary``, ``count`` or (any other kind) ``positive``
    response on an intercept and p - 1 normal columns."""
    rng = np.random.default_rng(seed)
    X = np.c_[np.ones(n), rng.standard_normal((n, p - 1))]
    beta = np.linspace(-0.5, 0.5, p)
    eta = X @ beta
    if kind == "binary":
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    elif kind == "count":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = rng.gamma(2.0, np.exp(eta) / 2.0)
    return X, y, rng


# a model of each name on (X, y), and the kind of response large_glm_data gives it
GLM_MAKERS = {
    "logit": lambda X, y, **kw: mr.Logit(y, X, **kw),
    "probit": lambda X, y, **kw: mr.Probit(y, X, **kw),
    "cloglog": lambda X, y, **kw: mr.GLM(y, X, family=F.Binomial(L.CLogLog()), **kw),
    "poisson": lambda X, y, **kw: mr.Poisson(y, X, **kw),
    "gamma-log": lambda X, y, **kw: mr.GLM(y, X, family=F.Gamma(L.Log()), **kw),
    "negbin": lambda X, y, **kw: mr.NegativeBinomial(y, X, **kw),
}
RESPONSE_KIND = {
    "gamma": "positive",
    "logit": "binary",
    "probit": "binary",
    "cloglog": "binary",
    "poisson": "count",
    "gamma-log": "positive",
    "negbin": "count",
}
