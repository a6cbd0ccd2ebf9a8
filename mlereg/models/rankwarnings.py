"""What a single-index fit says about its design's rank: aliased columns (an error or a
warning, as R's NA), a kept design that is near-singular, and an information matrix
near-singular at the estimate.

``stacklevel`` counts up to the user's ``fit()`` call from the model method that calls
these.

Examples
--------
>>> import numpy as np, warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     report_aliased(["a", "b"], np.array([1]), "warn")
>>> "['b'] are linear combinations" in str(w[0].message)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ..exceptions import RankDeficiencyWarning, SingularDesignError
from ..linalg.qr import NEAR_SINGULAR_TOL


def report_aliased(
    names: Sequence[str], aliased: np.ndarray, on_singular: str, stacklevel: int = 5
) -> None:
    """Raise (``on_singular="raise"``) or warn, naming the aliased columns.

    Examples
    --------
    >>> report_aliased(["a"], np.array([], dtype=int), "raise")  # none aliased: silent
    """
    if not aliased.size:
        return
    named = [names[j] for j in aliased]
    msg = f"the design is rank deficient: {named} are linear combinations of other columns"
    if on_singular == "raise":
        raise SingularDesignError(msg + "; remove them or use on_singular='warn'")
    warnings.warn(
        msg + " and are reported as NaN (aliased), like R's NA",
        RankDeficiencyWarning,
        stacklevel=stacklevel,
    )


def report_near_singular(ratio: float, stacklevel: int = 5) -> None:
    """Warn that a kept design is near-singular: the pivoted QR diagonal ratio of the
    equilibrated design (about 1 / its condition number) is below NEAR_SINGULAR_TOL,
    where R's ``lm`` would alias a column (least squares keeps it: its refinement
    solves NIST's Filip, at 1.2e-9, to the certified digits).

    Examples
    --------
    >>> report_near_singular(0.5)  # well conditioned: silent
    """
    if ratio >= NEAR_SINGULAR_TOL:
        return
    warnings.warn(
        f"the design is near-singular (condition number of the equilibrated design about"
        f" {1 / max(ratio, 1e-300):.1e}, above {1 / NEAR_SINGULAR_TOL:.0e}, where R's lm"
        " would drop a column): the estimates of the nearly collinear columns carry few"
        " correct digits",
        RankDeficiencyWarning,
        stacklevel=stacklevel,
    )


def warn_near_singular(rcond: float, n_params: int) -> None:
    """Warn when the information at the estimate is near-singular (``rcond``, its
    reciprocal condition, below NEAR_SINGULAR_TOL ** 2): the equilibrated weighted
    design has condition above 1 / NEAR_SINGULAR_TOL (the weights at the estimate can
    make a design that was fine at the start nearly singular).

    Examples
    --------
    >>> warn_near_singular(0.1, 3)  # well conditioned: silent
    """
    if rcond >= NEAR_SINGULAR_TOL**2 or not n_params:
        return
    warnings.warn(
        f"the information matrix at the estimate is near-singular (condition number of"
        f" the weighted, equilibrated design about {1 / np.sqrt(max(rcond, 1e-300)):.1e},"
        f" above {1 / NEAR_SINGULAR_TOL:.0e}): the estimates and standard errors carry"
        " few correct digits; remove nearly collinear columns or rescale them",
        RankDeficiencyWarning,
        stacklevel=5,
    )
