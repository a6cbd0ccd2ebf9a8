"""Results of models with several linear predictors (:class:`mlereg.models.rowmodel.RowModel`).

Beyond :class:`~mlereg.inference.results.LikelihoodResults`: the coefficients of each
part (``params_of``), fitted values and predictions on new data through each part's
formula (``predict``), and the fit's method and information kind for the summary.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ArgumentTypeError
from ..report.entries import Entry
from .regression import design_entries
from .results import LikelihoodResults


class RowModelResults(LikelihoodResults):
    """The fit of a model with several linear predictors.

    Parameters
    ----------
    model : RowModel
    params, cov : ndarray
        Estimates and their covariance (the inverse information), in the order
        ``[beta_1, ..., beta_M, theta]``.
    llf : float
    information : {"expected", "observed"}
        The information that gave ``cov``.
    solver : NewtonResult
        How the Newton loop went.
    messages : tuple of str
        Warnings raised while building and fitting the model.

    Notes
    -----
    Parameter names are the part's name and the design column joined by ``_``
    (``mean_x1``, ``log_sigma_Intercept``); ``params_of(part)`` gives one part with the
    design's own names. Wald inference is normal (z), as for every maximum-likelihood
    fit without an estimated dispersion.
    """

    def __init__(
        self,
        model: Any,
        params: np.ndarray,
        cov: np.ndarray,
        *,
        llf: float,
        information: str,
        solver: Any,
        messages: tuple[str, ...] = (),
    ) -> None:
        k = len(model.param_names)
        super().__init__(
            params,
            cov,
            model.param_names,
            llf,
            model.nobs,
            k,
            model.nobs - k,
            use_t=False,
            converged=solver.converged,
            n_iter=solver.n_iter,
            history=solver.history,
            messages=messages,
            model=model,
        )
        self.information = information
        self.method = "Newton-Raphson"
        self.df_model = float(k - len(model.parts) - len(model.extra_params))
        self.n_dropped = model.design.n_dropped
        self.dropped_by = dict(model.design.dropped_by)

    @property
    def summary_title(self) -> str:
        """The summary's title."""
        return f"{type(self.model).__name__} regression results"

    @property
    def formula(self) -> str | None:
        """The formula fitted, all its parts (None for a model built from arrays)."""
        return self.model.design.formula

    def model_entries(self) -> list[Entry]:
        """Formula (all its parts) and response."""
        return design_entries(self.model.design, None)

    def params_of(self, part: str) -> pd.Series:
        """The coefficients of one part, named by its design columns.

        Examples
        --------
        >>> import numpy as np, pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.5, 3.0, 6.0], "x": range(6)})
        >>> mr.HetGaussian.from_formula("y ~ x", df).fit().params_of("mean").index.tolist()
        ['Intercept', 'x']
        """
        model = self.model
        if part not in model.parts:
            raise KeyError(f"{part!r} is not a part of {type(model).__name__}: {model.parts}")
        i = model.parts.index(part)
        start = sum(len(names) for names in model.part_names[:i])
        values = self.params.to_numpy()[start : start + len(model.part_names[i])]
        return pd.Series(values, index=model.part_names[i], name=part)

    def _linear_predictors(self, newdata: Any) -> np.ndarray:
        """eta (rows x M) on the fit's rows (``newdata=None``) or on new data."""
        model = self.model
        betas = [self.params_of(part).to_numpy() for part in model.parts]
        if newdata is None:
            offsets = model.part_offsets()
            cols = [X @ b for X, b in zip(model.exog, betas, strict=True)]
            cols = [c if o is None else c + o for c, o in zip(cols, offsets, strict=True)]
            return np.column_stack(cols)
        cols = []
        for design, beta in zip(model.designs, betas, strict=True):
            if design.builder is None:
                raise ArgumentTypeError(
                    "predictions on new data need a model built with from_formula"
                )
            cols.append(design.builder.build(newdata) @ beta)
        return np.column_stack(cols)

    def predict(self, newdata: Any = None, which: str = "mean") -> pd.Series:
        """Predictions on the fit's rows or on new data (a DataFrame with the formula's
        columns). ``which`` is one of the model's prediction kinds (see its docstring).
        An offset of the fit is not applied to new data.

        Examples
        --------
        >>> import numpy as np, pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.5, 3.0, 6.0], "x": range(6)})
        >>> res = mr.HetGaussian.from_formula("y ~ x | x", df).fit()
        >>> res.predict(pd.DataFrame({"x": [0.0, 10.0]}), which="sigma").size
        2
        """
        eta = self._linear_predictors(newdata)
        values = self.model.predict_from_eta(eta, which)
        index = newdata.index if isinstance(newdata, pd.DataFrame) else None
        if newdata is None:
            index = self.model.design.row_index
        return pd.Series(values, index=index, name=which)

    @property
    def fittedvalues(self) -> pd.Series:
        """The predicted mean on the fit's rows."""
        return self.predict(None, "mean")
