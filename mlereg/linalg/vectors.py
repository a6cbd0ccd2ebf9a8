"""Vectors that stand for a constant (default weights and offsets without memory), and
sums over rows taken a block of rows at a time."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# rows per block of blockwise_sum: 512 KiB per float64 temporary
SUM_BLOCK_ROWS = 1 << 16


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


def blockwise_sum(term: Callable[[slice], np.ndarray], n: int) -> float:
    """The sum over ``n`` rows of ``term(rows)``, a block of rows at a time, in block
    order: the per-row terms (and their temporaries) of all rows are never held at
    once. With ``n`` up to one block it is ``np.sum(term(slice(0, n)))``.

    Examples
    --------
    >>> y = np.arange(5.0)
    >>> blockwise_sum(lambda r: np.square(y[r]), 5)
    30.0
    """
    total = 0.0
    for start in range(0, n, SUM_BLOCK_ROWS):
        total += float(np.sum(term(slice(start, min(n, start + SUM_BLOCK_ROWS)))))
    return total
