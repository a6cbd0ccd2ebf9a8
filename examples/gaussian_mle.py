"""Reaction times and heights: the Gaussian MLE of a mean and a variance.

For y_i ~ N(mu, sigma^2) the MLE is mu = mean(y) and sigma^2 = sum (y - mean)^2 / n,
which is smaller than the unbiased s^2 = sum (y - mean)^2 / (n - 1) that OLS reports
as its scale. An intercept-only OLS fit gives both, and its log-likelihood is the
Gaussian one at the MLE.

Run: python examples/gaussian_mle.py
"""

import numpy as np
import pandas as pd

import mlereg as mr

REACTION_MS = [254.0, 231.0, 287.0, 242.0, 268.0, 219.0, 301.0, 247.0, 259.0, 238.0]
HEIGHTS_CM = [172.4, 165.1, 180.3, 175.0, 168.7, 177.9, 171.2, 183.5, 169.8, 174.6, 166.3, 178.2]


def describe(name: str, values: list[float]) -> None:
    y = np.asarray(values)
    res = mr.ols("y ~ 1", pd.DataFrame({"y": y})).fit()
    n = y.size
    print(f"{name} (n = {n})")
    print(f"  mu MLE (OLS intercept):   {res.params['Intercept']:.4f}")
    print(f"  mean, closed form:        {y.mean():.4f}")
    print(f"  sigma MLE (sqrt RSS/n):   {np.sqrt(res.sigma2_mle):.4f}")
    print(f"  closed form:              {y.std(ddof=0):.4f}")
    print(f"  s (unbiased, RSS/(n-1)):  {np.sqrt(res.scale):.4f}")
    print(f"  log-likelihood at MLE:    {res.llf:.4f}")
    closed = -n / 2 * (np.log(2 * np.pi * y.var(ddof=0)) + 1)
    print(f"  closed form:              {closed:.4f}")


def main() -> None:
    describe("Reaction times (ms)", REACTION_MS)
    print()
    describe("Heights (cm)", HEIGHTS_CM)


if __name__ == "__main__":
    main()
