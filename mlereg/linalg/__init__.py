"""Linear algebra on row blocks: X'WX and X'u, Cholesky and pivoted-QR solves, threads."""

from .dense import *  # noqa: F401,F403
from .dense import _ckernels  # noqa: F401
