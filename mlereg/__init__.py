"""mlereg: regression and distribution fitting by maximum likelihood, with R's numbers.

Examples
--------
>>> import pandas as pd, mlereg as mr
>>> df = pd.DataFrame({"default": [0, 0, 1, 0, 1, 1], "income": [60, 45, 20, 50, 40, 25]})
>>> res = mr.Logit.from_formula("default ~ income", df).fit()
>>> sorted(res.params.index)
['Intercept', 'income']
"""

from . import exceptions, families, links
from .inference import LRTestResult, lr_test
from .models import GLM, OLS, Logit, Poisson, Probit, glm, logit, ols, poisson, probit
from .results import LikelihoodResults, RegressionResults
from .summary import Summary
from .tables import anova, compare

__version__ = "0.1.0"

__all__ = [
    "GLM",
    "OLS",
    "LRTestResult",
    "LikelihoodResults",
    "Logit",
    "Poisson",
    "Probit",
    "RegressionResults",
    "Summary",
    "anova",
    "compare",
    "exceptions",
    "families",
    "glm",
    "links",
    "logit",
    "lr_test",
    "ols",
    "poisson",
    "probit",
]
