"""L2 penalties (mlereg.optim.penalty) against closed-form ridge, scikit-learn's
penalised logit and the mode of a normal prior's posterior."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

import mlereg as mr
from tests.helpers import close


def test_penalised_ols_is_closed_form_ridge(longley):
    y = longley["TOTEMP"].to_numpy()
    Z = longley[["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]].to_numpy()
    Z = (Z - Z.mean(0)) / Z.std(0)
    X = np.c_[np.ones(len(y)), Z]
    lam = 3.0
    res = mr.OLS(y, X).fit(penalty=mr.L2Penalty(lam))
    P = np.diag([0.0] + [lam] * 6)  # intercept unpenalised by default
    beta = np.linalg.solve(X.T @ X + P, X.T @ y)
    close(res.params, beta, rtol=1e-9)
    resid = y - X @ beta
    s2 = resid @ resid / (len(y) - 7)
    close(res.bse, np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X + P))), rtol=1e-8)
    # including the intercept on request
    res_all = mr.OLS(y, X).fit(penalty=mr.L2Penalty(lam, exclude=[]))
    close(res_all.params, np.linalg.solve(X.T @ X + lam * np.eye(7), X.T @ y), rtol=1e-9)


def test_penalised_logit_matches_sklearn(spector):
    X = spector[["GPA", "TUCE", "PSI"]].to_numpy()
    y = spector["GRADE"].to_numpy()
    alpha = 0.5
    res = mr.Logit(y, np.c_[np.ones(len(y)), X]).fit(penalty=mr.L2Penalty(alpha))
    ref = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    close(res.params, np.r_[ref.intercept_, ref.coef_.ravel()], rtol=1e-6)  # lbfgs, tol 1e-12
    assert res.converged and res.penalty.alpha == alpha


def test_generic_map_is_ridge_with_prior(tutorial):
    x, y = tutorial
    X = np.c_[np.ones(y.size), x]
    m = mr.GenericLikelihoodModel(lambda b: -0.5 * (y - X @ b) ** 2, ["b0", "b1"])
    prior = mr.L2Penalty.from_prior(mean={"b1": 3.0}, sd={"b1": 0.1})
    res = m.fit([0.0, 0.0], penalty=prior)
    P = np.diag([0.0, 100.0])
    beta = np.linalg.solve(X.T @ X + P, X.T @ y + P @ [0.0, 3.0])
    close(res.params, beta, rtol=1e-8)
    close(res.cov_params(), np.linalg.inv(X.T @ X + P), rtol=1e-6)
    close(res.llf, -0.5 * np.sum((y - X @ beta) ** 2), rtol=1e-10)
    close(res.penalized_llf, res.llf - 50.0 * (beta[1] - 3.0) ** 2, rtol=1e-10)
