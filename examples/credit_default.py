"""Credit default by income: the logistic log-likelihood by hand, then the MLE.

The tutorials' first step evaluates the log-likelihood of a trial value of the
coefficients on three applicants,

    P(default | income) = 1 / (1 + exp(-(b0 + b1 * income))),   income in thousands,
    log L(b) = sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)],

at b = (-4, 0.06): the three applicants below (incomes 45k, 70k and 100k; the first
two defaulted) give log L = -4.266. The script checks that number against mlereg's
``Logit.loglike`` and then fits the model by maximum likelihood on a larger, seeded
sample of applicants.

Run: python examples/credit_default.py
"""

import numpy as np
import pandas as pd

import mlereg as mr

APPLICANTS = pd.DataFrame({"income": [45.0, 70.0, 100.0], "default": [1, 1, 0]})
TRIAL_BETA = np.array([-4.0, 0.06])


def by_hand(df: pd.DataFrame, beta: np.ndarray) -> float:
    """The Bernoulli log-likelihood written out term by term."""
    p = 1 / (1 + np.exp(-(beta[0] + beta[1] * df["income"])))
    return float(np.sum(df["default"] * np.log(p) + (1 - df["default"]) * np.log(1 - p)))


def make_data(n: int = 300, seed: int = 7) -> pd.DataFrame:
    """Applicants whose default risk falls with income (true b = (2, -0.06))."""
    rng = np.random.default_rng(seed)
    income = rng.uniform(15, 120, size=n).round(1)
    p = 1 / (1 + np.exp(-(2.0 - 0.06 * income)))
    return pd.DataFrame({"income": income, "default": (rng.uniform(size=n) < p).astype(int)})


def main() -> None:
    model = mr.Logit.from_formula("default ~ income", APPLICANTS)
    print("Three applicants:")
    print(APPLICANTS.to_string(index=False))
    print(f"log-likelihood at beta = (-4, 0.06), by hand: {by_hand(APPLICANTS, TRIAL_BETA):.3f}")
    print(f"log-likelihood at beta = (-4, 0.06), mlereg:  {model.loglike(TRIAL_BETA):.3f}")
    print()

    df = make_data()
    res = mr.logit("default ~ income", df).fit()
    print(res.summary())
    print()
    b = res.params
    print(f"MLE: b0 = {b['Intercept']:.4f}, b1 = {b['income']:.4f} (true 2, -0.06)")
    print(f"odds ratio per 10k more income: {np.exp(10 * b['income']):.4f}")
    print(f"log-likelihood at the MLE: {res.llf:.4f}")


if __name__ == "__main__":
    main()
