"""Memory a fit needs, checked against the process's limits before it is asked for.

Under an address-space limit (``ulimit -v``, ``RLIMIT_AS``) just above the data, numpy
raises ``MemoryError`` when an array does not fit, but OpenBLAS does not: the first
call of a LAPACK routine allocates its work buffer (about 32 MiB, once per BLAS
library), and when that fails it retries without end, or gives up printing "Memory
allocation still failed" and kills the process. So :func:`fit_memory` checks what a fit
needs against what the limits leave before the fit starts, allocates both BLAS
libraries' buffers (numpy's and scipy's) while there is room, and turns an allocation
failure during the fit into a ``MemoryError`` that says what the fit needed and what to
do.

Examples
--------
>>> with fit_memory(1000, 3, "a fit"):
...     pass
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import scipy.linalg

MIB = 2**20
# the BLAS libraries' work buffers (32 MiB and a little more each, numpy's and
# scipy's) and two row threads' stacks (8 MiB each), before they are first used
BLAS_RESERVE = 96 * MIB
# row-length float64 vectors a fit holds besides X: eta, mu and the weights, a
# response transform, the warm start's and the results' (benchmarks/RESULTS.md,
# "Peak memory at 2e7 x 5")
FIT_VECTORS = 6

_blas: dict[str, bool] = {"ready": False}


def _status_bytes(field: str) -> float:
    """A size from /proc/self/status in bytes (0 where the system has no such file)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return 0.0


def memory_left() -> float:
    """Bytes the process may still map under its address-space and data limits
    (``inf`` where neither is set).

    Examples
    --------
    >>> memory_left() > 0
    True
    """
    left = float("inf")
    for limit, used in ((resource.RLIMIT_AS, "VmSize"), (resource.RLIMIT_DATA, "VmData")):
        soft = resource.getrlimit(limit)[0]
        if soft != resource.RLIM_INFINITY:
            left = min(left, soft - _status_bytes(used))
    return left


def _prepare_blas() -> None:
    """Have both BLAS libraries allocate their work buffers now (a 2 x 2 Cholesky
    each), while the check of :func:`fit_memory` says there is room."""
    if not _blas["ready"]:
        np.linalg.cholesky(np.eye(2))
        scipy.linalg.cho_factor(np.eye(2))
        _blas["ready"] = True


def _advice(what: str, need: float, left: float) -> str:
    room = "" if left == float("inf") else f", and the process may use {left / MIB:,.0f} MiB more"
    return (
        f"{what} needs about {need / MIB:,.0f} MiB besides X{room} (its memory limit,"
        " ulimit -v): free memory or raise the limit, or fit fewer rows (a fit holds a"
        f" few vectors of one value per row besides X, {FIT_VECTORS} here)"
    )


@contextmanager
def fit_memory(n_rows: int, n_cols: int, what: str) -> Iterator[None]:
    """Run a fit of an ``n_rows`` x ``n_cols`` design, its memory checked first.

    Raises
    ------
    MemoryError
        Before the fit, when the process's limits leave less than the fit needs (its
        row vectors, and the BLAS buffers the first time); during it, when an
        allocation fails (numpy's message, what the fit needed and what to do).

    Examples
    --------
    >>> with fit_memory(10, 2, "a fit"):
    ...     pass
    """
    need = FIT_VECTORS * 8.0 * n_rows + 8.0 * n_cols * n_cols
    if not _blas["ready"]:
        need += BLAS_RESERVE
    left = memory_left()
    if need > left:
        raise MemoryError(_advice(f"{what} of {n_rows} x {n_cols}", need, left))
    _prepare_blas()
    try:
        yield
    except MemoryError as exc:
        if str(exc).startswith(what):  # a fit inside a fit: said once
            raise
        raise MemoryError(
            f"{what} of {n_rows} x {n_cols} ran out of memory ({exc}):"
            f" {_advice('it', need, memory_left())}"
        ) from exc
    except RuntimeError as exc:
        if "can't start new thread" not in str(exc):
            raise
        raise MemoryError(
            f"{what} of {n_rows} x {n_cols} could not start its row threads ({exc}):"
            " the memory limit leaves no room for their stacks; mlereg.set_num_threads(1)"
            " fits in this thread only"
        ) from exc
