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
>>> from mlereg.models.families import Poisson
>>> from mlereg.models.rowkernels import kernel_for
>>> X = np.c_[np.ones(4), [0.0, 1, 2, 3]]; y = np.array([1.0, 2, 4, 9])
>>> ev = evaluate(X, np.zeros(2), None, kernel_for(Poisson(), y, None), information=True)
>>> ev.score.tolist()  # X'(y - mu) at mu = 1
[12.0, 31.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..linalg import block_rows
from ..linalg.matrix import DenseMatrix, DesignMatrix
from ..linalg.threads import run_blocks, threads_for
from .rowkernels import Generic

# Blocks are n / 16 rows (so that the row threads have blocks to share and a block's
# temporaries stay small next to X), but at least this many (each block costs about 20
# numpy calls, which fewer, larger blocks amortise) and at most the cache-sized
# ``block_rows(p)``; the sizes measured are in benchmarks/RESULTS.md, History.
MIN_BLOCK_ROWS = 16384


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
    X: DesignMatrix | np.ndarray,
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
    X : DesignMatrix or ndarray (n, p)
        The design (:mod:`mlereg.linalg.matrix`; an array is taken as a
        :class:`~mlereg.linalg.matrix.DenseMatrix`, never copied).
    beta : ndarray (p,)
    offset : ndarray (n,) or None
    kernel : Generic
        The per-row quantities of the family (its response and total weights inside):
        :func:`mlereg.models.rowkernels.kernel_for`.
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
    if isinstance(X, np.ndarray):
        X = DenseMatrix(X)
    n, p = X.shape
    B = min(n, block_rows(p), max(MIN_BLOCK_ROWS, -(-n // 16))) or 1
    blocks = X.row_blocks(B)
    eta, mu, W = (np.empty(n), np.empty(n), np.empty(n)) if out is None else out
    if not information:
        W = None
    nthreads = threads_for(n, p, len(blocks))

    def block(sl: slice) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """Rows ``sl``: fill eta, mu (and W); return the deviance / 2 and, with the
        information, the block's X'WX and X'u."""
        e = eta[sl]
        X.matvec(beta, sl, e)
        if offset is not None:
            e += offset[sl]
        w = None if W is None else W[sl]
        f, u = kernel(sl, e, mu[sl], w)
        if w is None:
            return f, None, None
        if not gram:
            return f, None, X.transpose_matvec(u, sl)
        return f, *X.sandwich_and_transpose_matvec(w, u, sl)

    def run(chunk: list[int]) -> list[tuple[float, np.ndarray | None, np.ndarray | None]]:
        with np.errstate(all="ignore"):  # numpy's error state is per thread
            return [block(blocks[i]) for i in chunk]

    starts = list(range(len(blocks)))
    parts = run_blocks(run, starts, nthreads)
    f = kernel.constant + float(sum(part[0] for part in parts))
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
