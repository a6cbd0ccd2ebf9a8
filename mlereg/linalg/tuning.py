"""The sizes the row passes work with, as one settings record instead of module
constants: ``tuning()`` reads them, ``tuned(**changes)`` changes them for a block of
code (a test forcing many tiny blocks, the numpy path, or the normal equations on small
data; a user on a machine with other caches).

The values are held in a context variable, so a change in one thread or task leaves
the others alone; the row threads of a pass run in the context of the call that
started them (:func:`mlereg.linalg.threads.run_blocks`).

Examples
--------
>>> tuning().block_bytes == 3 << 20
True
>>> with tuned(block_bytes=1, min_block_rows=3):
...     tuning().min_block_rows
3
>>> tuning().min_block_rows
256
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Tuning:
    """Sizes and switches of the row passes.

    Attributes
    ----------
    block_bytes : int
        Bytes of one row block when forming X'WX: a block and its weighted copy stay in
        a core's L2 cache (the sizes measured are in benchmarks/RESULTS.md).
    min_block_rows : int
        Fewest rows of a block (smaller blocks cost more in calls than they save).
    min_elements_per_thread : int
        A row thread per this many elements of X (8 MiB): on a 2-core machine two
        threads were slower than one at n = 1e5, p = 10.
    compiled_kernel : bool
        Whether the compiled kernel is used where it applies (False: numpy only).
    normal_equations_min_size : int
        OLS of at least this many elements (n p) solves the normal equations when they
        are well conditioned, instead of the pivoted QR.
    separation_lp_max_cells : int
        Binary models of at most this many design cells are checked for separation by
        linear programming before the fit; larger ones only after it.
    fill_block_bytes : int
        Bytes of one row block when the formula path fills a design with numpy.

    Examples
    --------
    >>> Tuning().compiled_kernel
    True
    """

    block_bytes: int = 3 << 20
    min_block_rows: int = 256
    min_elements_per_thread: int = 1_000_000
    compiled_kernel: bool = True
    normal_equations_min_size: int = 1_000_000
    separation_lp_max_cells: int = 50_000
    fill_block_bytes: int = 1 << 20


# Tuning is frozen: the default is never mutated, only replaced
_DEFAULT = Tuning()
_CURRENT: contextvars.ContextVar[Tuning] = contextvars.ContextVar("mlereg_tuning")


def _get() -> Tuning:
    return _CURRENT.get(_DEFAULT)


def tuning() -> Tuning:
    """The settings in force.

    Examples
    --------
    >>> isinstance(tuning(), Tuning)
    True
    """
    return _get()


@contextmanager
def tuned(**changes: object) -> Iterator[Tuning]:
    """Change some settings for the block of code inside ``with``.

    Examples
    --------
    >>> with tuned(compiled_kernel=False) as t:
    ...     t.compiled_kernel
    False
    """
    token = _CURRENT.set(replace(_get(), **changes))  # type: ignore[arg-type]
    try:
        yield _get()
    finally:
        _CURRENT.reset(token)
