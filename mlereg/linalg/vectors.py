"""Vectors that stand for a constant: default weights and offsets without memory."""

from __future__ import annotations

import numpy as np


def constant_vector(value: float, n: int) -> np.ndarray:
    """A read-only length-n vector of ``value`` that takes no memory (a broadcast view),
    for the default weights and offset.

    Examples
    --------
    >>> v = constant_vector(1.0, 3)
    >>> v.tolist(), v.strides
    ([1.0, 1.0, 1.0], (0,))
    """
    return np.broadcast_to(np.float64(value), (n,))


def is_constant_one(v: np.ndarray) -> bool:
    """Whether ``v`` is a :func:`constant_vector` of ones (the default weights), told
    without reading its n values.

    Examples
    --------
    >>> is_constant_one(constant_vector(1.0, 3)), is_constant_one(np.ones(3))
    (True, False)
    """
    return v.strides == (0,) and v[:1].tolist() in ([], [1.0])
