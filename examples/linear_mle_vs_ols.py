"""y = 10 + 4 x + e: a Gaussian MLE (GLM, IRLS) and OLS (QR) give identical estimates.

Maximising the Gaussian log-likelihood over the coefficients is minimising the sum of
squares, so the GLM with a Gaussian family and identity link and the least-squares
fit agree to rounding error; only the variance differs (MLE RSS/n vs unbiased
RSS/(n - k)).

Run: python examples/linear_mle_vs_ols.py
"""

import numpy as np
import pandas as pd

import mlereg as mr


def make_data(n: int = 100, seed: int = 2024) -> pd.DataFrame:
    """x uniform on [0, 10], e ~ N(0, 2^2), y = 10 + 4 x + e."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, size=n)
    return pd.DataFrame({"x": x, "y": 10 + 4 * x + rng.normal(0, 2, size=n)})


def main() -> None:
    df = make_data()
    mle = mr.glm("y ~ x", df, family=mr.families.Gaussian()).fit()
    ols = mr.ols("y ~ x", df).fit()
    print(mr.compare([mle, ols], names=["Gaussian MLE", "OLS"]))
    print()
    diff = float(np.max(np.abs(mle.params - ols.params)))
    print(f"intercept: MLE {mle.params['Intercept']:.6f}, OLS {ols.params['Intercept']:.6f}")
    print(f"slope:     MLE {mle.params['x']:.6f}, OLS {ols.params['x']:.6f}")
    print(f"largest difference between the estimates: {diff:.1e}")
    print(f"sigma^2: MLE {ols.sigma2_mle:.6f} (RSS/n), unbiased {ols.scale:.6f} (RSS/(n-2))")
    print(f"log-likelihood: MLE {mle.llf:.6f}, OLS {ols.llf:.6f}")


if __name__ == "__main__":
    main()
