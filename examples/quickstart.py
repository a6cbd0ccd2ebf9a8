"""Quickstart: the credit-default logit of the tutorials, ``default ~ income``.

Generates a small, seeded data set of loan applicants, fits a logistic regression by
maximum likelihood and prints the summary, a likelihood-ratio test against the
intercept-only model and predicted default probabilities.

Run: python examples/quickstart.py
"""

import numpy as np
import pandas as pd

import mlereg as mr


def make_data(n: int = 200, seed: int = 42) -> pd.DataFrame:
    """Applicants with income in thousands; lower income, higher default risk."""
    rng = np.random.default_rng(seed)
    income = rng.uniform(15, 120, size=n).round(1)
    p = 1 / (1 + np.exp(-(2.0 - 0.06 * income)))
    default = (rng.uniform(size=n) < p).astype(int)
    return pd.DataFrame({"default": default, "income": income})


def main() -> None:
    df = make_data()
    res = mr.logit("default ~ income", df).fit()
    print(res.summary())
    print()
    print(
        f"LR test vs intercept-only: chi2 = {res.llr:.3f} on {res.df_model:g} df,"
        f" p = {res.llr_pvalue:.3g}"
    )
    new = pd.DataFrame({"income": [20.0, 50.0, 100.0]})
    probs = res.predict(new)
    for inc, p in zip(new["income"], probs, strict=True):
        print(f"P(default | income = {inc:5.1f}k) = {p:.3f}")


if __name__ == "__main__":
    main()
