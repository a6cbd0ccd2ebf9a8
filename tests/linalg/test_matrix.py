"""The design interface's dense matrix (mlereg.linalg.matrix) against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from mlereg.linalg.matrix import DenseMatrix, DesignMatrix
from tests.helpers import close


@pytest.mark.parametrize("order", ["C", "F"])
def test_dense_matrix_operations(order):
    rng = np.random.default_rng(0)
    A = np.asarray(rng.normal(size=(50, 5)), order=order)
    B = rng.normal(size=(50, 3))
    w, u = rng.uniform(-1, 2, 50), rng.normal(size=50)
    X, Z = DenseMatrix(A), DenseMatrix(B)
    assert isinstance(X, DesignMatrix)
    rows = slice(7, 41)
    Ab, Bb, wb, ub = A[rows], B[rows], w[rows], u[rows]
    close(X.matvec(np.arange(5.0), rows, np.empty(34)), Ab @ np.arange(5.0), rtol=1e-13)
    close(X.transpose_matvec(ub, rows), Ab.T @ ub, rtol=1e-13)
    close(X.sandwich(wb, rows), Ab.T @ (wb[:, None] * Ab), rtol=1e-12, atol=1e-12)
    close(X.cross_sandwich(Z, wb, rows), Ab.T @ (wb[:, None] * Bb), rtol=1e-12, atol=1e-12)
    G, g = X.sandwich_and_transpose_matvec(np.abs(wb), ub, rows)
    close(G, Ab.T @ (np.abs(wb)[:, None] * Ab), rtol=1e-12)
    close(g, Ab.T @ ub, rtol=1e-12, atol=1e-13)
    blocks = X.row_blocks(16)
    assert [b.start for b in blocks] == [0, 16, 32, 48] and blocks[-1].stop == 50
