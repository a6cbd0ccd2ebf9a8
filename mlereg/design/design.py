"""The :class:`Design`: the numeric content of a model, from a formula or from arrays.

A :class:`Design` holds everything the models need, as numpy arrays: the response, the
design matrix and its column names, offset and weights, which rows of the data were used
and how many each variable made us drop, and (from a formula) a
:class:`~mlereg.design.formula.RowBuilder` that builds the design matrix for new data at
predict time. :func:`assemble` puts one together from the resolved row-aligned arguments
(:func:`mlereg.design.frame.prepare_extras`). This module does not import patsy (only
:mod:`mlereg.design.formula` and :mod:`mlereg.design.fastfill` do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Design:
    """The numeric content of a model.

    Attributes
    ----------
    y : ndarray, shape (n,) or (n, 2)
        Response (two columns: successes and failures for binomial counts).
    X : ndarray, shape (n, k)
        Design matrix, float64.
    endog_name : str
    exog_names : tuple of str
    offset, weights, freq_weights : ndarray or None
        Aligned with the kept rows (exposure is already logged into ``offset``).
    extra : dict of str -> ndarray
        Other row-aligned arrays (e.g. cluster groups), aligned with the kept rows.
    row_index : pandas.Index or None
        Labels of the rows used, from the data's index.
    n_dropped : int
        Rows dropped for missing values.
    dropped_by : dict of str -> int
        For each variable with missing values, the number of rows it has missing.
    formula : str or None
    builder : RowBuilder or None
        Builds X for new data (formula models only).
    arg_columns : dict of str -> str
        The data columns named by offset=, exposure=, weights=... (for predict).
    has_exposure : bool
        Whether ``exposure=`` was given (its log is in ``offset``).
    response_levels : tuple or None
        For a non-numeric response (bool, text, category): its levels in order; ``y``
        then holds the level codes 0, 1, ... (a binary model reads the second level as
        1, like R's factor response).
    """

    y: np.ndarray
    X: np.ndarray
    endog_name: str
    exog_names: tuple[str, ...]
    offset: np.ndarray | None = None
    weights: np.ndarray | None = None
    freq_weights: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    row_index: pd.Index | None = None
    n_dropped: int = 0
    dropped_by: dict[str, int] = field(default_factory=dict)
    formula: str | None = None
    builder: Any = None  # a formula.RowBuilder (not imported: formula imports this)
    arg_columns: dict[str, str] = field(default_factory=dict)
    response_levels: tuple[Any, ...] | None = None
    has_exposure: bool = False

    @property
    def nrows(self) -> int:
        """Number of rows used."""
        return self.X.shape[0]


def assemble(
    y: np.ndarray,
    X: np.ndarray,
    resolved: dict[str, tuple[np.ndarray, str]],
    **kwargs: Any,
) -> Design:
    offset = None
    if "offset" in resolved:
        offset = resolved["offset"][0]
    if "exposure" in resolved:
        log_exposure = np.log(resolved["exposure"][0])
        offset = log_exposure if offset is None else offset + log_exposure
    extra = {
        k: v[0]
        for k, v in resolved.items()
        if k not in ("offset", "exposure", "weights", "freq_weights")
    }
    arg_columns = {k: label for k, (_, label) in resolved.items() if label != k}
    return Design(
        y=y,
        X=X,
        arg_columns=arg_columns,
        offset=offset,
        weights=resolved["weights"][0] if "weights" in resolved else None,
        freq_weights=resolved["freq_weights"][0] if "freq_weights" in resolved else None,
        extra=extra,
        has_exposure="exposure" in resolved,
        **kwargs,
    )
