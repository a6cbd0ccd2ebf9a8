"""One pass over the rows of a GLM: deviance, score and Fisher information together.

A Newton (IRLS) iteration needs, at the trial point beta, the linear predictor
eta = X beta + offset, the mean mu, the deviance, and then the score X'u and the
information X'WX. Computed one after the other on whole columns, that is two reads of
X and a dozen full-length temporaries per iteration. :func:`evaluate` walks X once, in
row blocks of a few MiB, and does all of it on each block while the block is in cache:
the elementwise work runs on short arrays and X is read from memory once.

The per-block partial sums are added in block order, so the result does not depend on
how many threads evaluated the blocks (see :func:`mlereg.set_num_threads`).

Examples
--------
>>> import numpy as np
>>> from mlereg.families import Poisson
>>> from mlereg._rowkernels import kernel_for
>>> X = np.c_[np.ones(4), [0.0, 1, 2, 3]]; y = np.array([1.0, 2, 4, 9])
>>> ev = evaluate(X, np.zeros(2), None, kernel_for(Poisson(), y, None), information=True)
>>> ev.score.tolist()  # X'(y - mu) at mu = 1
[12.0, 31.0]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._linalg import block_rows
from ._rowkernels import Generic

_CPUS = os.cpu_count() or 1
_pool: dict[int, ThreadPoolExecutor] = {}
_blas: dict[str, Any] = {}
_blas_lock = threading.Lock()
MIN_BLOCK_ROWS = 8192  # blocks are at most n / 16 rows, but not fewer than this
# a forked child inherits the pool object but not its threads: start a new one there
os.register_at_fork(after_in_child=_pool.clear)


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
def _one_blas_thread() -> Iterator[None]:
    """While the row threads run, BLAS calls inside them use one thread each (two
    levels of threads on the same cores slow both down). Reference-counted, so fits
    running at the same time in several threads restore the user's setting only when
    the last one finishes."""
    ctl = _blas_controller()
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
        return max(1, int(env))
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
            raise ValueError(f"the number of threads must be at least 1, got {n}")
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
    :func:`get_num_threads`, one per block, and one per 8 MiB of X (below that a
    thread's dispatch costs more than it saves: measured at n = 1e5, p = 10).

    Examples
    --------
    >>> threads_for(100, 3, 1)
    1
    """
    return min(get_num_threads(), blocks, max(1, n * p // 1_000_000))


@dataclass(frozen=True)
class Evaluation:
    """A GLM evaluated at ``beta``.

    Attributes
    ----------
    beta : the point.
    f : deviance / 2.
    eta, mu : linear predictor and mean, per row.
    score, gram, weights : X'u, X'WX and W (``None`` for a value-only evaluation;
        ``gram`` also when it was not asked for).
    """

    beta: np.ndarray
    f: float
    eta: np.ndarray
    mu: np.ndarray
    score: np.ndarray | None = None
    gram: np.ndarray | None = None
    weights: np.ndarray | None = None


def evaluate(
    X: np.ndarray,
    beta: np.ndarray,
    offset: np.ndarray | None,
    kernel: Generic,
    *,
    information: bool,
    gram: bool = True,
    out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> Evaluation:
    """Evaluate deviance / 2 (and with ``information=True`` also X'u and X'WX) at beta.

    Parameters
    ----------
    X : ndarray (n, p), C- or Fortran-ordered (never copied).
    beta : ndarray (p,)
    offset : ndarray (n,) or None
    kernel : Generic
        The per-row quantities of the family (its response and total weights inside):
        :func:`mlereg._rowkernels.kernel_for`.
    information : bool
        Whether to form the score and the Fisher information (else only the value).
    gram : bool
        With ``information``, whether to form X'WX too (``False``: the value, the
        score and W only; the caller has an approximation of X'WX).
    out : tuple of three ndarrays (n,), optional
        Arrays to hold eta, mu and W (overwritten; the returned evaluation refers to
        them). A caller that evaluates many points reuses them: new n-vectors on every
        pass cost a page fault per 4 KiB when first written.

    Returns
    -------
    Evaluation
    """
    n, p = X.shape
    # at most n / 16 rows per block, so a block's temporaries stay small next to X
    B = min(n, block_rows(p), max(MIN_BLOCK_ROWS, -(-n // 16))) or 1
    starts = list(range(0, n, B))
    eta, mu, W = (np.empty(n), np.empty(n), np.empty(n)) if out is None else out
    if not information:
        W = None
    order = "C" if X.flags.c_contiguous and not X.flags.f_contiguous else "F"
    nthreads = threads_for(n, p, len(starts))

    def block(sl: slice, buf: np.ndarray) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """Rows ``sl``: fill eta, mu (and W); return the deviance / 2 and, with the
        information, the block's X'WX and X'u."""
        Xb = X[sl]
        e = eta[sl]
        np.matmul(Xb, beta, out=e)
        if offset is not None:
            e += offset[sl]
        w = None if W is None else W[sl]
        f, u = kernel(sl, e, mu[sl], w)
        if w is None:
            return f, None, None
        if not gram:
            return f, None, Xb.T @ u
        if w.min() >= 0:  # the usual case: A = sqrt(W) X_b, X'WX += A'A (a rank-k update)
            A = buf[: len(w)]
            np.multiply(Xb, np.sqrt(w)[:, None], out=A)
            G = A.T @ A
        else:  # negative weights (identity-link inverse Gaussian off its domain)
            G = (Xb * w[:, None]).T @ Xb
            G = (G + G.T) / 2
        return f, G, Xb.T @ u

    def run(chunk: list[int]) -> list[tuple[float, np.ndarray | None, np.ndarray | None]]:
        buf = np.empty((B if information and gram else 0, p), order=order)
        with np.errstate(all="ignore"):  # numpy's error state is per thread
            return [block(slice(a, a + B), buf) for a in chunk]

    if nthreads <= 1:
        parts = run(starts)
    else:
        pool = _pool.get(nthreads)
        if pool is None:
            pool = _pool[nthreads] = ThreadPoolExecutor(nthreads)
        k = -(-len(starts) // nthreads)
        chunks = [starts[i : i + k] for i in range(0, len(starts), k)]
        with _one_blas_thread():
            parts = [part for res in pool.map(run, chunks) for part in res]
    f = float(sum(part[0] for part in parts))
    if not information:
        return Evaluation(beta.copy(), f, eta, mu)
    score = np.zeros(p)
    for part in parts:
        score += part[2]
    if not gram:
        return Evaluation(beta.copy(), f, eta, mu, score, None, W)
    xwx = np.zeros((p, p))
    for part in parts:
        xwx += part[1]
    return Evaluation(beta.copy(), f, eta, mu, score, xwx, W)
