"""mlereg: regression and distribution fitting by maximum likelihood, with R's numbers.

Examples
--------
>>> import pandas as pd, mlereg as mr
>>> df = pd.DataFrame({"default": [0, 0, 1, 0, 1, 1], "income": [60, 45, 20, 50, 40, 55]})
>>> res = mr.Logit.from_formula("default ~ income", df).fit()
>>> sorted(res.params.index)
['Intercept', 'income']
"""

from . import exceptions
from .design.safety import FORMULA_FUNCTIONS, trusted_formulas
from .distributions.fit import DistributionResults, compare_distributions, fit_distribution
from .inference.anova import anova
from .inference.lrtest import LRTestResult, lr_test
from .inference.regression import RegressionResults
from .inference.results import LikelihoodResults
from .linalg.threads import get_num_threads, set_num_threads
from .models import families, links
from .models.generic import GenericLikelihoodModel, GenericLikelihoodResults
from .models.glm import (
    GLM,
    OLS,
    Logit,
    Poisson,
    Probit,
    glm,
    logit,
    ols,
    poisson,
    probit,
)
from .models.hetgaussian import HetGaussian
from .models.negbin import NegativeBinomial, NegativeBinomialResults, negativebinomial
from .optim.penalty import L2Penalty
from .report.summary import Summary
from .report.tables import compare

__version__ = "0.1.0"

__all__ = [
    "DistributionResults",
    "FORMULA_FUNCTIONS",
    "GLM",
    "GenericLikelihoodModel",
    "GenericLikelihoodResults",
    "HetGaussian",
    "L2Penalty",
    "OLS",
    "LRTestResult",
    "LikelihoodResults",
    "Logit",
    "NegativeBinomial",
    "NegativeBinomialResults",
    "Poisson",
    "Probit",
    "RegressionResults",
    "Summary",
    "compare_distributions",
    "anova",
    "compare",
    "exceptions",
    "families",
    "fit_distribution",
    "get_num_threads",
    "glm",
    "links",
    "logit",
    "lr_test",
    "negativebinomial",
    "ols",
    "poisson",
    "probit",
    "set_num_threads",
    "trusted_formulas",
]
