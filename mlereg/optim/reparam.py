"""Bounded parameters as free ones: theta = g(z), z anywhere on the real line.

Every fit with bounded parameters (distribution fits, :class:`GenericLikelihoodModel`
with ``bounds=``, profile-likelihood searches) optimises over z and maps back with one
:class:`Bounds`. Per parameter, by its (low, high):

* neither finite: theta = z;
* low only: theta = low + exp(z);
* high only: theta = high - exp(z);
* both: theta = low + (high - low) expit(z).

So a positive parameter is exp(z) and a probability is expit(z) exactly.

Examples
--------
>>> import numpy as np
>>> b = Bounds.of_domains(["real", "positive", "unit"])
>>> z = b.to_free(np.array([-1.0, 2.0, 0.5]))
>>> [round(float(v), 6) for v in z]
[-1.0, 0.693147, 0.0]
>>> b.from_free(z).tolist()
[-1.0, 2.0, 0.5]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from scipy import special

from ..exceptions import ArgumentError

Domain = Literal["real", "positive", "unit"]
_DOMAIN_BOUNDS = {"real": (-np.inf, np.inf), "positive": (0.0, np.inf), "unit": (0.0, 1.0)}


class Bounds:
    """Lower and upper bounds per parameter, and the maps to and from free values.

    Parameters
    ----------
    low, high : array-like
        Bounds per parameter (``-inf`` / ``inf`` where there is none); ``low < high``.
    names : sequence of str, optional
        Parameter names, for error messages.

    Examples
    --------
    >>> import numpy as np
    >>> b = Bounds([0.0], [np.inf], ["sigma"])
    >>> b.from_free(np.array([0.0])).tolist(), b.jacobian(np.array([0.0])).tolist()
    ([1.0], [1.0])
    """

    def __init__(self, low: Any, high: Any, names: Sequence[str] | None = None) -> None:
        self.low = np.asarray(low, dtype=float).reshape(-1)
        self.high = np.asarray(high, dtype=float).reshape(-1)
        self.names = list(names) if names is not None else [f"par{j}" for j in range(self.k)]
        if np.any(self.low >= self.high):
            bad = [self.names[j] for j in np.flatnonzero(self.low >= self.high)]
            raise ArgumentError(f"bounds with low >= high for {bad}")

    @property
    def k(self) -> int:
        """Number of parameters."""
        return self.low.shape[0]

    @classmethod
    def of_domains(cls, domains: Sequence[Domain], names: Sequence[str] | None = None) -> Bounds:
        """Bounds of the named domains: ``"real"``, ``"positive"`` (0, inf) and
        ``"unit"`` (0, 1).

        Examples
        --------
        >>> Bounds.of_domains(["unit"]).high.tolist()
        [1.0]
        """
        pairs = [_DOMAIN_BOUNDS[d] for d in domains]
        return cls([lo for lo, _ in pairs], [hi for _, hi in pairs], names)

    @classmethod
    def parse(cls, bounds: Any, names: Sequence[str]) -> Bounds:
        """Bounds as users give them: None, a sequence of (low, high) pairs (None for
        no bound) in parameter order, or a dict of such pairs by parameter name.

        Examples
        --------
        >>> Bounds.parse({"s": (0, None)}, ["m", "s"]).low.tolist()
        [-inf, 0.0]
        """
        k = len(names)
        if bounds is None:
            pairs: list[tuple[Any, Any]] = [(None, None)] * k
        elif isinstance(bounds, Mapping):
            unknown = [b for b in bounds if b not in names]
            if unknown:
                raise ArgumentError(f"bounds name unknown parameter(s) {unknown}")
            pairs = [tuple(bounds.get(n, (None, None))) for n in names]
        else:
            pairs = [tuple(b) if b is not None else (None, None) for b in bounds]
            if len(pairs) != k:
                raise ArgumentError(f"bounds has {len(pairs)} entries, the model {k} parameters")
        low = [-np.inf if lo is None else float(lo) for lo, _ in pairs]
        high = [np.inf if hi is None else float(hi) for _, hi in pairs]
        return cls(low, high, names)

    def subset(self, columns: Sequence[int]) -> Bounds:
        """The bounds of the parameters at ``columns``.

        Examples
        --------
        >>> Bounds.of_domains(["real", "unit"]).subset([1]).k
        1
        """
        idx = list(columns)
        return Bounds(self.low[idx], self.high[idx], [self.names[j] for j in idx])

    def _kinds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo_ok, hi_ok = np.isfinite(self.low), np.isfinite(self.high)
        return lo_ok & hi_ok, lo_ok & ~hi_ok, ~lo_ok & hi_ok

    def free_limit(self) -> np.ndarray:
        """How far z may go before theta stops changing in floating point (an edge)."""
        both, only_lo, only_hi = self._kinds()
        return np.where(both, 36.0, np.where(only_lo | only_hi, 700.0, 1e300))

    def to_free(self, theta: np.ndarray, strict: bool = True) -> np.ndarray:
        """z of ``theta``. ``strict``: refuse values not strictly inside the bounds
        (else a value on an edge maps to -inf or inf).

        Examples
        --------
        >>> import numpy as np
        >>> Bounds.of_domains(["unit"]).to_free(np.array([0.0]), strict=False).tolist()
        [-inf]
        """
        lo, hi = self.low, self.high
        theta = np.asarray(theta, dtype=float)
        if strict:
            outside = ~((theta > lo) & (theta < hi))
            if np.any(outside):
                j = int(np.argmax(outside))
                raise ArgumentError(
                    f"start value {theta[j]:g} of {self.names[j]!r} is not strictly inside its"
                    f" bounds ({lo[j]:g}, {hi[j]:g})"
                )
        both, only_lo, only_hi = self._kinds()
        z = theta.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            z[both] = special.logit((theta[both] - lo[both]) / (hi[both] - lo[both]))
            z[only_lo] = np.log(theta[only_lo] - lo[only_lo])
            z[only_hi] = np.log(hi[only_hi] - theta[only_hi])
        return z

    def from_free(self, z: np.ndarray) -> np.ndarray:
        """theta of ``z``.

        Examples
        --------
        >>> import numpy as np
        >>> Bounds.of_domains(["positive"]).from_free(np.array([0.0])).tolist()
        [1.0]
        """
        lo, hi = self.low, self.high
        z = np.asarray(z, dtype=float)
        th = z.copy()
        both, only_lo, only_hi = self._kinds()
        th[both] = lo[both] + (hi[both] - lo[both]) * special.expit(z[both])
        th[only_lo] = lo[only_lo] + np.exp(z[only_lo])
        th[only_hi] = hi[only_hi] - np.exp(z[only_hi])
        return th

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """Diagonal of d theta / d z at ``z``.

        Examples
        --------
        >>> import numpy as np
        >>> Bounds.of_domains(["unit"]).jacobian(np.array([0.0])).tolist()
        [0.25]
        """
        lo, hi = self.low, self.high
        z = np.asarray(z, dtype=float)
        d = np.ones_like(z)
        both, only_lo, only_hi = self._kinds()
        e = special.expit(z[both])
        d[both] = (hi[both] - lo[both]) * e * (1 - e)
        d[only_lo] = np.exp(z[only_lo])
        d[only_hi] = -np.exp(z[only_hi])
        return d

    def jacobian_at(self, theta: np.ndarray) -> np.ndarray:
        """Diagonal of d theta / d z, written in theta (no round trip through z).

        Examples
        --------
        >>> import numpy as np
        >>> Bounds.of_domains(["positive", "unit"]).jacobian_at(np.array([3.0, 0.5])).tolist()
        [3.0, 0.25]
        """
        lo, hi = self.low, self.high
        theta = np.asarray(theta, dtype=float)
        d = np.ones_like(theta)
        both, only_lo, only_hi = self._kinds()
        d[both] = (theta[both] - lo[both]) * (hi[both] - theta[both]) / (hi[both] - lo[both])
        d[only_lo] = theta[only_lo] - lo[only_lo]
        d[only_hi] = -(hi[only_hi] - theta[only_hi])
        return d
