"""The base of every model: built from a formula (in parts) or from arrays.

:class:`LikelihoodModel` turns what a user gives, ``Model.from_formula(formula, data,
...)`` or ``Model(endog, exog, ...)``, into one :class:`~mlereg.design.design.Design`
per linear predictor (a part of the formula, ``y ~ x | z``; one for most models), with
the rows, offsets and weights they share, and records the warnings raised meanwhile.
Each model takes its designs in through ``_init_designs`` and fits them its own way on
the shared engine: single-index models (GLMs, OLS, the negative binomial) by IRLS
(:class:`mlereg.models.singleindex.SingleIndexModel`), models of several linear
predictors by the row contract (:class:`mlereg.models.rowmodel.RowModel`).

Examples
--------
>>> import pandas as pd, mlereg as mr
>>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.5, 3.0, 6.5, 4.0], "x": range(7)})
>>> models = [mr.ols("y ~ x", df), mr.HetGaussian.from_formula("y ~ x | x", df)]
>>> [isinstance(m, LikelihoodModel) for m in models]
[True, True]
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

from ..design.arrays import design_from_arrays
from ..design.design import Design
from ..design.formula import design_from_formula
from ..design.frame import as_frame
from ..design.parts import designs_from_arrays, designs_from_formula
from ..design.safety import formula_environment
from ..exceptions import ArgumentTypeError, record_warnings
from .validation import check_kwargs

M = TypeVar("M", bound="LikelihoodModel")


class LikelihoodModel:
    """A model fitted by maximum likelihood, built from a formula or arrays.

    Parameters
    ----------
    endog : array-like
        The response.
    exog : array-like
        The design (of the first linear predictor).
    *part_exog : array-like or None
        Designs of the other linear predictors of a model with several (``parts``).
    offset, exposure : array-like, optional
        Offset of the first linear predictor (exposure is logged into it).
    weights, freq_weights : array-like, optional
        Prior (or precision) weights and frequency weights, as the model defines them.
    missing : {"drop", "raise"}
        Drop rows with a missing value in any variable used, or raise.
    **model_kwargs
        The model's own options (e.g. ``family=`` of :class:`mlereg.GLM`).

    Notes
    -----
    Subclasses set ``parts`` (a name per linear predictor; one unnamed part by
    default) and implement ``_init_designs(designs, **model_kwargs)``. Models are
    immutable: ``fit`` returns a new results object and writes nothing onto the model.
    """

    parts: ClassVar[tuple[str, ...]] = ("",)
    messages: tuple[str, ...] = ()
    data: Any = None

    def __init__(
        self,
        endog: Any,
        exog: Any,
        *part_exog: Any,
        offset: Any = None,
        exposure: Any = None,
        weights: Any = None,
        freq_weights: Any = None,
        missing: Literal["drop", "raise"] = "drop",
        **model_kwargs: Any,
    ) -> None:
        n_parts = len(self.parts)
        check_kwargs(self._options(), model_kwargs, type(self).__name__)
        if len(part_exog) > n_parts - 1:
            raise ArgumentTypeError(
                f"{type(self).__name__} has {n_parts} linear predictor(s): at most"
                f" {n_parts} design(s), got {1 + len(part_exog)}"
            )
        extras = dict(
            offset=offset,
            exposure=exposure,
            weights=weights,
            freq_weights=freq_weights,
            missing=missing,
        )
        with record_warnings() as messages:
            if n_parts == 1:
                designs: tuple[Design, ...] = (design_from_arrays(endog, exog, **extras),)
            else:
                exogs = [exog, *part_exog] + [None] * (n_parts - 1 - len(part_exog))
                designs = designs_from_arrays(endog, exogs, **extras)
            self._init_designs(designs, **model_kwargs)
        self.messages = tuple(messages)

    @classmethod
    def from_formula(
        cls: type[M],
        formula: str,
        data: Any,
        *,
        offset: Any = None,
        exposure: Any = None,
        weights: Any = None,
        freq_weights: Any = None,
        missing: Literal["drop", "raise"] = "drop",
        eval_env: Any = None,
        trusted: bool = False,
        **model_kwargs: Any,
    ) -> M:
        """Build the model from a formula and a data frame (pandas, polars, a pyarrow
        Table, or any with ``__dataframe__``) or a dict of columns.

        ``offset``, ``exposure`` (logged into the offset), ``weights`` and
        ``freq_weights`` are column names of ``data`` or arrays. A model of several
        linear predictors takes a formula in parts, ``"y ~ x1 + x2 | z"`` (parts left
        out are ``1``). Rows with a missing value in any variable used, in any part, are
        dropped together (``missing="drop"``) and counted.

        A formula is code: it is checked before anything is evaluated, and may use the
        data's columns and the functions in ``mlereg.FORMULA_FUNCTIONS`` only (numpy's
        element-wise functions as ``np.log``, patsy's ``C``, ``I``, ``center``,
        splines...). ``trusted=True`` lets a formula you trust use names from your code
        (your variables and functions), as patsy's formulas do; so does ``eval_env``
        (a number of frames above the caller, or a dict of names).

        Examples
        --------
        >>> import pandas as pd, mlereg as mr
        >>> df = pd.DataFrame({"y": [1.0, 3, 2, 5, 4], "x": [1.0, 2, 3, 4, 5]})
        >>> mr.OLS.from_formula("y ~ np.log(x)", df).exog_names
        ['Intercept', 'np.log(x)']
        >>> k = 2.0
        >>> mr.OLS.from_formula("y ~ I(x * k)", df, trusted=True).exog_names
        ['Intercept', 'I(x * k)']
        """
        check_kwargs(cls._options(), model_kwargs, f"{cls.__name__}.from_formula")
        data = as_frame(data)  # polars, pyarrow and other frames: pandas from here on
        extras = dict(
            offset=offset,
            exposure=exposure,
            weights=weights,
            freq_weights=freq_weights,
            missing=missing,
            eval_env=formula_environment(eval_env, trusted, depth=1),
        )
        model = cls.__new__(cls)
        with record_warnings() as messages:
            if len(cls.parts) == 1:
                designs: tuple[Design, ...] = (design_from_formula(formula, data, **extras),)
            else:
                designs = designs_from_formula(
                    formula, data, len(cls.parts), part_names=cls.parts, **extras
                )
            # the class's own initialiser, on the instance it has just made
            model._init_designs(designs, **model_kwargs)  # noqa: SLF001
        model.messages = tuple(messages)
        model.data = data  # a reference (no copy), for groups= given as a column name
        return model

    def __getstate__(self) -> dict[str, Any]:
        # The data frame is only a reference kept for groups= column names: not pickled.
        state = self.__dict__.copy()
        state["data"] = None
        return state

    def _init_designs(self, designs: tuple[Design, ...], **model_kwargs: Any) -> None:
        """Take in the designs (one per part) and the model's own options."""
        raise NotImplementedError

    @classmethod
    def _options(cls) -> Any:
        """The function whose keyword arguments are the model's own options."""
        return cls._init_designs


def shortcut_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments a formula shortcut (``mr.logit(...)``) passes on to
    ``from_formula``: a trusted formula's names are looked up one frame further up, in
    the shortcut's caller.

    Examples
    --------
    >>> shortcut_kwargs({"trusted": True})
    {'trusted': True, 'eval_env': 1}
    >>> shortcut_kwargs({})
    {}
    """
    env = kwargs.get("eval_env")
    if isinstance(env, int) and not isinstance(env, bool):
        return {**kwargs, "eval_env": env + 1}
    if env is None and kwargs.get("trusted"):
        return {**kwargs, "eval_env": 1}
    return kwargs
