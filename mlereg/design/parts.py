"""Formulas in parts: ``"y ~ x1 + x2 | z"`` gives one design per linear predictor.

Models with several linear predictors (the mean and the log-sigma of
:class:`mlereg.HetGaussian`; the count and zero parts of a zero-inflated model; the
mean and precision of a beta regression) take one formula whose right-hand side is
split at ``|`` into parts (:func:`mlereg.design.text.split_parts`, the one place that
splits formulas). :func:`designs_from_formula` builds a design per part on the same
rows: a row with a missing value in a variable of any part is dropped from all of them.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"y": [1.0, 2, 4], "x": [0.0, 1, 2]})
>>> [d.exog_names for d in designs_from_formula("y ~ x", df, 2)]
[('Intercept', 'x'), ('Intercept',)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import FormulaError
from .arrays import design_from_arrays
from .design import Design
from .formula import design_from_formula, formula_names
from .safety import formula_environment
from .text import split_parts


def designs_from_formula(
    formula: str,
    data: Any,
    n_parts: int,
    *,
    part_names: Sequence[str] | None = None,
    offset: Any = None,
    exposure: Any = None,
    weights: Any = None,
    freq_weights: Any = None,
    missing: Literal["drop", "raise"] = "drop",
    eval_env: Any = None,
    trusted: bool = False,
) -> tuple[Design, ...]:
    """One :class:`Design` per part of ``formula``, all on the same rows.

    Parts the formula leaves out are ``1`` (an intercept only). The first design holds
    the response, the offset and the weights of the model; the others hold the same
    response and rows.

    Parameters
    ----------
    formula : str
        ``"y ~ part1 | part2 | ..."``.
    data : DataFrame or dict of columns
    n_parts : int
        How many parts the model has.
    part_names : sequence of str, optional
        Names of the parts, for error messages.
    offset, exposure, weights, freq_weights, missing, eval_env, trusted
        As for :func:`mlereg.design.formula.design_from_formula` (offset and exposure
        belong to the first part).

    Raises
    ------
    FormulaError
        More parts than the model has.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2, 4, 3], "x": [0.0, 1, 2, 3], "z": [1.0, None, 0, 2]})
    >>> mean, scale = designs_from_formula("y ~ x | z", df, 2)
    >>> mean.exog_names, scale.exog_names, mean.nrows, scale.nrows
    (('Intercept', 'x'), ('Intercept', 'z'), 3, 3)
    """
    lhs, rhs = split_parts(formula)
    if len(rhs) > n_parts:
        names = f" ({' | '.join(part_names)})" if part_names else ""
        raise FormulaError(
            f"the formula {formula!r} has {len(rhs)} parts separated by '|', but the model"
            f" has {n_parts}{names}"
        )
    rhs = rhs + ["1"] * (n_parts - len(rhs))
    eval_env = formula_environment(eval_env, trusted, depth=1)  # None: every part checked
    if not isinstance(data, pd.DataFrame) or n_parts == 1:
        others: list[list[str]] = [[] for _ in rhs]
    else:
        used = [[c for c in formula_names(part) if c in data.columns] for part in rhs]
        others = [
            sorted({c for j, cols in enumerate(used) if j != i for c in cols} - set(used[i]))
            for i in range(len(rhs))
        ]
    designs = []
    for i, part in enumerate(rhs):
        # the variables of the other parts go along as extra columns, so that every
        # part drops the same rows (a missing value anywhere drops the row everywhere)
        extra = {f"part variable {c!r}": c for c in others[i]}
        designs.append(
            design_from_formula(
                f"{lhs} ~ {part}",
                data,
                offset=offset if i == 0 else None,
                exposure=exposure if i == 0 else None,
                weights=weights,
                freq_weights=freq_weights,
                extra=extra,
                missing=missing,
                eval_env=eval_env,
            )
        )
    # the first design holds the model's formula, all its parts
    designs[0] = dataclasses.replace(designs[0], formula=formula)
    return tuple(designs)


def designs_from_arrays(
    endog: Any,
    exogs: Sequence[Any],
    *,
    offset: Any = None,
    exposure: Any = None,
    weights: Any = None,
    freq_weights: Any = None,
    missing: Literal["drop", "raise"] = "drop",
) -> tuple[Design, ...]:
    """One :class:`Design` per design matrix in ``exogs`` (None: a column of ones), on
    the rows complete in all of them.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.ones(4), [0.0, 1, 2, np.nan]]
    >>> [d.nrows for d in designs_from_arrays(np.arange(4.0), [X, None])]
    [3, 3]
    """
    n = len(endog)
    blocks = []
    for exog in exogs:
        if exog is None:
            exog = pd.DataFrame({"Intercept": np.ones(n)})
        if isinstance(exog, pd.DataFrame):
            blocks.append(exog.reset_index(drop=True))
            continue
        arr = np.asarray(exog, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        # a bare array's columns are named as a lone design's would be (const, x1, ...)
        names = design_from_arrays(np.zeros(n), arr, missing="drop").exog_names
        blocks.append(pd.DataFrame(arr, columns=list(names)))
    widths = [b.shape[1] for b in blocks]
    combined = pd.concat(blocks, axis=1, ignore_index=True)
    whole = design_from_arrays(
        endog,
        combined.to_numpy(dtype=float),
        offset=offset,
        exposure=exposure,
        weights=weights,
        freq_weights=freq_weights,
        missing=missing,
    )
    edges = np.cumsum([0, *widths])
    out = []
    for i, block in enumerate(blocks):
        cols = slice(edges[i], edges[i + 1])
        out.append(
            Design(
                y=whole.y,
                X=np.ascontiguousarray(whole.X[:, cols]),
                endog_name=whole.endog_name,
                exog_names=tuple(str(c) for c in block.columns),
                offset=whole.offset if i == 0 else None,
                has_exposure=whole.has_exposure and i == 0,
                weights=whole.weights,
                freq_weights=whole.freq_weights,
                row_index=whole.row_index,
                n_dropped=whole.n_dropped,
                dropped_by=whole.dropped_by,
            )
        )
    return tuple(out)
