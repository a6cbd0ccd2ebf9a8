"""Nested models and likelihood-ratio tests: compare(), anova(), drop1(), lr_test().

Does default risk depend on income only, or also on the debt-to-income ratio and the
region? Three nested logits on the same applicants, side by side, then the analysis
of deviance (each model against the previous one) and the test for dropping each
term of the largest model.

Run: python examples/nested_models.py
"""

import numpy as np
import pandas as pd

import mlereg as mr


def make_data(n: int = 400, seed: int = 11) -> pd.DataFrame:
    """Default depends on income and debt ratio; region has no effect."""
    rng = np.random.default_rng(seed)
    income = rng.uniform(15, 120, size=n).round(1)
    debt_ratio = rng.uniform(0, 0.8, size=n).round(3)
    region = rng.choice(["north", "south", "west"], size=n)
    eta = 0.5 - 0.05 * income + 3.0 * debt_ratio
    default = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame(
        {"default": default, "income": income, "debt_ratio": debt_ratio, "region": region}
    )


def main() -> None:
    df = make_data()
    m1 = mr.logit("default ~ income", df).fit()
    m2 = mr.logit("default ~ income + debt_ratio", df).fit()
    m3 = mr.logit("default ~ income + debt_ratio + C(region)", df).fit()
    print(mr.compare([m1, m2, m3], names=["income", "+ debt", "+ region"]))
    print()
    print(mr.anova(m3, m1, m2))  # any order: sorted by size
    print()
    print(m3.drop1())
    print()
    for small, big, label in ((m1, m2, "debt_ratio"), (m2, m3, "region")):
        t = mr.lr_test(small, big)
        print(f"LR test for {label}: chi2 = {t.statistic:.4f} on {t.df} df, p = {t.pvalue:.4g}")
    best = min((m1, m2, m3), key=lambda r: r.aic)
    print(f"lowest AIC: {best.model.design.formula} (AIC = {best.aic:.3f})")


if __name__ == "__main__":
    main()
