"""The design as a small matrix interface: what the fitting engine asks of X.

The engine never indexes a design itself. Over a block of rows it asks for

* ``matvec``: X_b beta (the linear predictor),
* ``transpose_matvec``: X_b' u (a gradient),
* ``sandwich``: X_b' diag(w) X_b (an information block), and ``cross_sandwich``:
  X_b' diag(w) Z_b with another design Z on the same rows (the information between two
  linear predictors),
* ``sandwich_and_transpose_matvec``: both of the first two at once, in one read of the
  block (the GLM pass),

and for the blocks themselves (``row_blocks``), so that a design stored in pieces
(row partitions of a Parquet file or a Dask frame) can align the blocks with its
pieces. :class:`DenseMatrix` is the in-memory implementation over a numpy array, with
the compiled kernel where it applies. Other storage (categorical blocks that are never
expanded into dummy columns, partitions read on demand) implements the same methods;
the models do not change.

Examples
--------
>>> import numpy as np
>>> X = DenseMatrix(np.arange(8.0).reshape(4, 2))
>>> [(b.start, b.stop) for b in X.row_blocks(3)]
[(0, 3), (3, 4)]
>>> X.transpose_matvec(np.ones(4), slice(0, 4)).tolist()
[12.0, 16.0]
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

import numpy as np

from .blocks import block_eta, block_gram, block_gram_score, block_rows, row_order, uses_ckernel


@runtime_checkable
class DesignMatrix(Protocol):
    """The operations on a design that the engine uses, each over a block of rows.

    ``rows`` is always one of the slices ``row_blocks`` returned (or a sub-slice of
    one), so an implementation may keep each block where it is stored.
    """

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        ...

    def row_blocks(self, max_rows: int) -> list[slice]:
        """Consecutive slices covering every row once, each of at most ``max_rows``."""
        ...

    def matvec(self, beta: np.ndarray, rows: slice, out: np.ndarray) -> np.ndarray:
        """X[rows] @ beta, written into ``out``."""
        ...

    def transpose_matvec(self, u: np.ndarray, rows: slice) -> np.ndarray:
        """X[rows]' u."""
        ...

    def sandwich(self, w: np.ndarray, rows: slice) -> np.ndarray:
        """X[rows]' diag(w) X[rows] (w may be negative)."""
        ...

    def cross_sandwich(self, other: DesignMatrix, w: np.ndarray, rows: slice) -> np.ndarray:
        """X[rows]' diag(w) Z[rows] with Z = ``other``."""
        ...

    def sandwich_and_transpose_matvec(
        self, w: np.ndarray, u: np.ndarray, rows: slice
    ) -> tuple[np.ndarray, np.ndarray]:
        """(X[rows]' diag(w) X[rows], X[rows]' u) in one read of the block."""
        ...


class DenseMatrix:
    """A design held as a numpy array (C- or Fortran-ordered; never copied).

    Parameters
    ----------
    array : ndarray (n, p), float64

    Examples
    --------
    >>> import numpy as np
    >>> X = DenseMatrix(np.array([[1.0, 2.0], [1.0, 3.0]]))
    >>> X.sandwich(np.array([1.0, 2.0]), slice(0, 2)).tolist()
    [[3.0, 8.0], [8.0, 22.0]]
    """

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self._local = threading.local()  # each thread's block buffer (numpy path)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.array.shape  # type: ignore[return-value]

    def row_blocks(self, max_rows: int | None = None) -> list[slice]:
        """Blocks of ``max_rows`` rows (default: the cache-sized
        :func:`mlereg.linalg.blocks.block_rows`).

        Examples
        --------
        >>> import numpy as np
        >>> len(DenseMatrix(np.zeros((10, 2))).row_blocks(4))
        3
        """
        n, p = self.array.shape
        step = max(1, block_rows(p) if max_rows is None else int(max_rows))
        return [slice(a, min(a + step, n)) for a in range(0, n, step)]

    def matvec(self, beta: np.ndarray, rows: slice, out: np.ndarray) -> np.ndarray:
        """X[rows] @ beta into ``out`` (the compiled kernel where it applies)."""
        return block_eta(self.array[rows], beta, out)

    def transpose_matvec(self, u: np.ndarray, rows: slice) -> np.ndarray:
        """X[rows]' u."""
        return self.array[rows].T @ u

    def _buffer(self, nrows: int) -> np.ndarray:
        """A buffer of at least ``nrows`` rows in X's layout for the numpy path, one per
        thread (blocks run at the same time), kept for the next block: a new one per
        block would cost a page fault per 4 KiB when first written."""
        buf = getattr(self._local, "buf", None)
        if buf is None or buf.shape[0] < nrows:
            buf = self._local.buf = np.empty(
                (nrows, self.array.shape[1]), order=row_order(self.array)
            )
        return buf

    def sandwich(self, w: np.ndarray, rows: slice) -> np.ndarray:
        """X[rows]' diag(w) X[rows]."""
        Xb = self.array[rows]
        if uses_ckernel(Xb):
            return block_gram_score(Xb, w, None, np.empty((0, Xb.shape[1])))[0]
        return block_gram(Xb, w, self._buffer(Xb.shape[0]))

    def cross_sandwich(self, other: DesignMatrix, w: np.ndarray, rows: slice) -> np.ndarray:
        """X[rows]' diag(w) Z[rows]; Z dense here (another storage answers through its
        own ``cross_sandwich``, transposed)."""
        if not isinstance(other, DenseMatrix):
            return other.cross_sandwich(self, w, rows).T
        Xb, Zb = self.array[rows], other.array[rows]
        return Xb.T @ (w[:, None] * Zb)

    def sandwich_and_transpose_matvec(
        self, w: np.ndarray, u: np.ndarray, rows: slice
    ) -> tuple[np.ndarray, np.ndarray]:
        """(X[rows]' diag(w) X[rows], X[rows]' u) in one read of the block."""
        Xb = self.array[rows]
        buf = np.empty((0, Xb.shape[1])) if uses_ckernel(Xb) else self._buffer(Xb.shape[0])
        G, g = block_gram_score(Xb, w, u, buf)
        assert g is not None
        return G, g
