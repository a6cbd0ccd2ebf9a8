"""Linear algebra on row blocks: X'WX and X'u, Cholesky and pivoted-QR solves, threads.

Modules, each importing only those before it: ``blocks`` (row blocks and the products
on them, through the optional compiled kernel ``_ckernels``), ``qr`` (pivoted QR and
least squares), ``systems`` (Newton systems and small positive definite solves);
``matrix`` (the design as a matrix interface) builds on ``blocks``; ``threads``,
``memory`` (what a fit needs, checked against the process's limits) and ``vectors``
stand alone; ``tuning`` (block sizes and switches, changed for a block of
code with ``tuned``) comes before them all.
"""

from .blocks import (
    CKERNEL_MAX_COLUMNS,
    block_eta,
    block_gram_score,
    block_rows,
    column_abs_max,
    gram_and_score,
    has_compiled_kernel,
    kept_columns,
    row_forms,
    row_order,
    uses_ckernel,
    weighted_gram,
)
from .qr import fit_least_squares, least_squares
from .systems import GramSystem, ScaledSystem, inv_psd, solve_psd
from .tuning import Tuning, tuned, tuning

try:  # the compiled kernel module, None in a build without it (as in blocks)
    from . import _ckernels
except ImportError:  # pragma: no cover - a build without a C compiler
    _ckernels = None

__all__ = [
    "CKERNEL_MAX_COLUMNS",
    "GramSystem",
    "ScaledSystem",
    "Tuning",
    "block_eta",
    "block_gram_score",
    "block_rows",
    "column_abs_max",
    "fit_least_squares",
    "gram_and_score",
    "has_compiled_kernel",
    "inv_psd",
    "kept_columns",
    "least_squares",
    "row_forms",
    "row_order",
    "solve_psd",
    "tuned",
    "tuning",
    "uses_ckernel",
    "weighted_gram",
]
