"""Any continuous distribution of ``scipy.stats`` by name, for
:func:`mlereg.fit_distribution` beyond its tuned specs.

The parameters are scipy's: the shapes (``dist.shapes``), then ``loc`` and ``scale``
(positive). The start is scipy's own fit (``dist.fit``); the maximum is then found by
the Newton loop on numerical derivatives of the log-density, and the standard errors
come from the observed information (numerical), as for
:class:`mlereg.GenericLikelihoodModel`. Any parameter can be held fixed
(``loc=0``).

Examples
--------
>>> spec = scipy_spec("skewnorm")
>>> spec.params
('a', 'loc', 'scale')
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import stats

from ..models.generic import positive_definite
from ..optim import numdiff
from .specs import DistributionSpec, check_spread


def scipy_spec(name: str) -> DistributionSpec | None:
    """The spec of ``scipy.stats.<name>`` if it is a continuous distribution, else
    None.

    Examples
    --------
    >>> scipy_spec("norm").params, scipy_spec("poisson") is None
    (('loc', 'scale'), True)
    """
    dist = getattr(stats, str(name), None)
    if not isinstance(dist, stats.rv_continuous):
        return None
    shapes = tuple(s.strip() for s in (dist.shapes or "").split(",") if s.strip())
    params = (*shapes, "loc", "scale")

    def logpdf(theta: np.ndarray, x: np.ndarray, extras: dict[str, Any]) -> np.ndarray:
        return dist.logpdf(x, *theta)

    def score(theta: np.ndarray, x: np.ndarray, extras: dict[str, Any]) -> np.ndarray:
        return numdiff.jacobian(lambda t: dist.logpdf(x, *t), np.asarray(theta, dtype=float))

    def information(theta: np.ndarray, x: np.ndarray, extras: dict[str, Any]) -> np.ndarray:
        def total(t: np.ndarray) -> float:
            return float(np.sum(dist.logpdf(x, *t)))

        return positive_definite(-numdiff.hessian(total, np.asarray(theta, dtype=float)))

    def start(x: np.ndarray, extras: dict[str, Any]) -> np.ndarray:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # scipy's optimiser may warn on the way
            return np.asarray(dist.fit(x), dtype=float)

    return DistributionSpec(
        name=str(name),
        params=params,
        domains=("real",) * len(shapes) + ("real", "positive"),
        logpdf=logpdf,
        score=score,
        information=information,
        check=lambda x, e: check_spread(x),
        start=start,
        scipy=lambda theta, e: dist(*theta),
        discrete=False,
        note=(
            f"scipy.stats.{name}: shapes {', '.join(shapes) or '(none)'}, loc, scale;"
            " standard errors from the observed information (numerical derivatives)"
        ),
    )
