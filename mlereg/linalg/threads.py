"""Threads of the row passes and of the BLAS underneath them.

:func:`set_num_threads` sets how many threads a pass over row blocks uses
(:func:`threads_for` caps it by the size of X); :func:`one_blas_thread` holds BLAS to
one thread while such a pass runs.

Examples
--------
>>> import mlereg as mr
>>> mr.get_num_threads() >= 1
True
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ..exceptions import ArgumentError
from .tuning import tuning

T = TypeVar("T")

_CPUS = os.cpu_count() or 1
_pool: dict[int, ThreadPoolExecutor] = {}
_blas: dict[str, Any] = {}
_blas_lock = threading.Lock()


# Fits under way, for a fork to wait on (see _before_fork): how many, whether a fork
# waits, and how deep the current thread is in them.
_fits: dict[str, Any] = {"active": 0, "forking": False}
_fits_changed = threading.Condition()
_depth = threading.local()


def _before_fork() -> None:
    """Wait, before a fork, until no fit runs in another thread.

    OpenBLAS shuts its threads down just before a fork; a BLAS call under way in
    another thread could then wait forever (numpy#30092), and the parent's fit never
    returned. Holding BLAS to one thread during the fit was not enough (a logit fit
    still stopped in a dot product in 4 of 5 runs of the test), so the fork waits for
    the fits running in other threads to end, and fits starting meanwhile wait for the
    fork.
    """
    own = getattr(_depth, "n", 0)  # a fork from inside a fit does not wait for itself
    with _fits_changed:
        _fits["forking"] = True
        while _fits["active"] > own:
            _fits_changed.wait()


def _after_fork_in_parent() -> None:
    with _fits_changed:
        _fits["forking"] = False
        _fits_changed.notify_all()


def _after_fork_in_child() -> None:
    """A forked child has only the forking thread: no fit of another thread runs in it.

    It inherits the pool object but not its threads (start a new one there), the locks
    possibly held by threads that do not exist in it (new ones), the count of fits of
    other threads (only the forking thread's remain), and the one-thread BLAS limit of
    fits running in the parent (the child's own setting back).
    """
    global _blas_lock, _fits_changed
    _pool.clear()
    _blas_lock = threading.Lock()
    _blas["depth"] = 0
    _fits_changed = threading.Condition()
    _fits.update(active=getattr(_depth, "n", 0), forking=False)
    limiter = _blas.pop("limiter", None)
    if limiter is not None:
        limiter.restore_original_limits()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)


@contextmanager
def _fit_under_way() -> Iterator[None]:
    """Count this block as a fit for :func:`_before_fork` (a fork under way first ends)."""
    depth = getattr(_depth, "n", 0)
    with _fits_changed:
        while _fits["forking"] and depth == 0:  # nested blocks are already counted in
            _fits_changed.wait()
        _fits["active"] += 1
    _depth.n = depth + 1
    try:
        yield
    finally:
        _depth.n = depth
        with _fits_changed:
            _fits["active"] -= 1
            _fits_changed.notify_all()


def _blas_controller() -> Any:
    """threadpoolctl's controller of the BLAS libraries, or None without threadpoolctl."""
    if "controller" not in _blas:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # an optional dependency
            _blas["controller"] = None
        else:
            _blas["controller"] = ThreadpoolController()
    return _blas["controller"]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """While a fit runs, BLAS calls use one thread each: the row blocks are a few MiB,
    too small for BLAS threads to pay off (they were slower and erratic), and row
    threads share the cores among the blocks instead; and a fork from another thread
    waits for the fit to end instead of stopping it (see :func:`_before_fork`).
    Reference-counted, so fits
    running at the same time in several threads restore the user's setting only when
    the last one finishes (without threadpoolctl BLAS keeps its threads). A fork waits
    for the fits of other threads to end.

    Examples
    --------
    >>> with one_blas_thread():
    ...     pass
    """
    ctl = _blas_controller()
    with _fit_under_way():
        if ctl is None:
            yield
            return
        with _blas_lock:
            if _blas.get("depth", 0) == 0:
                _blas["limiter"] = ctl.limit(limits=1, user_api="blas")
            _blas["depth"] = _blas.get("depth", 0) + 1
        try:
            yield
        finally:
            with _blas_lock:
                _blas["depth"] -= 1
                if _blas["depth"] == 0:
                    _blas.pop("limiter").restore_original_limits()


def _default_threads() -> int:
    env = os.environ.get("MLEREG_NUM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ArgumentError(
                f"the environment variable MLEREG_NUM_THREADS must be a whole number of"
                f" threads, got {env!r}"
            ) from None
    # without threadpoolctl the row threads could not keep BLAS from threading inside
    # each of them, so stay on one
    return _CPUS if _blas_controller() is not None else 1


_threads: dict[str, int | None] = {"n": None}  # None: _default_threads() on first use


def set_num_threads(n: int | None = None) -> int:
    """Set how many threads a fit's row passes use.

    The row passes (linear predictor, deviance, weights, X'WX and X'u) split the row
    blocks of X among ``n`` threads; numpy releases the interpreter lock in these
    operations, so a large fit uses several cores. Results do not depend on ``n``:
    per-block sums are added in block order. During threaded passes BLAS is held to one
    thread per row thread (through threadpoolctl; its limit is process-wide while it
    lasts).

    The default is the environment variable ``MLEREG_NUM_THREADS`` if set, else every
    core (``os.cpu_count()``) when threadpoolctl is installed and 1 when it is not.
    ``n=None`` restores that default.

    Returns
    -------
    int
        The previous setting.

    Examples
    --------
    >>> import mlereg as mr
    >>> old = mr.set_num_threads(1)
    >>> mr.get_num_threads()
    1
    >>> _ = mr.set_num_threads(old)
    """
    old = get_num_threads()
    if n is not None:
        n = int(n)
        if n < 1:
            raise ArgumentError(f"the number of threads must be at least 1, got {n}")
    _threads["n"] = n
    return old


def get_num_threads() -> int:
    """The number of threads the row passes use (see :func:`set_num_threads`).

    Examples
    --------
    >>> get_num_threads() >= 1
    True
    """
    n = _threads["n"]
    return _default_threads() if n is None else n


def threads_for(n: int, p: int, blocks: int) -> int:
    """Threads a pass over an n x p design in ``blocks`` row blocks uses: at most
    :func:`get_num_threads`, one per block, and one per the tuning's
    ``min_elements_per_thread``
    elements of X (8 MiB).

    Examples
    --------
    >>> threads_for(100, 3, 1)
    1
    """
    per_thread = tuning().min_elements_per_thread
    return min(get_num_threads(), blocks, max(1, n * p // per_thread))


def pool(nthreads: int) -> ThreadPoolExecutor:
    """The process's pool of ``nthreads`` worker threads (created on first use, and
    anew in a forked child).

    Examples
    --------
    >>> pool(2) is pool(2)
    True
    """
    executor = _pool.get(nthreads)
    if executor is None:
        executor = _pool[nthreads] = ThreadPoolExecutor(nthreads)
    return executor


def run_blocks(run: Callable[[list[int]], list[T]], starts: list[int], nthreads: int) -> list[T]:
    """``run`` over the row blocks starting at ``starts``, split into ``nthreads``
    contiguous chunks run at the same time (in this thread when ``nthreads`` is 1), BLAS
    held to one thread meanwhile; the results in block order.

    Examples
    --------
    >>> run_blocks(lambda chunk: [a * 10 for a in chunk], [0, 1, 2], 2)
    [0, 10, 20]
    """
    with one_blas_thread():
        if nthreads <= 1:
            return run(starts)
        k = -(-len(starts) // nthreads)
        chunks = [starts[i : i + k] for i in range(0, len(starts), k)]
        # each chunk in a copy of the caller's context (its tuning, see linalg.tuning),
        # and counted in the caller's fit: a fork waiting for that fit must not also
        # hold up the row threads that finish it
        calls = [contextvars.copy_context() for _ in chunks]
        depth = getattr(_depth, "n", 0)

        def in_fit(chunk: list[int]) -> list[T]:
            _depth.n = depth
            try:
                return run(chunk)
            finally:
                _depth.n = 0

        results = pool(nthreads).map(lambda c, chunk: c.run(in_fit, chunk), calls, chunks)
        return [part for res in results for part in res]
