"""Call-centre arrivals: the Poisson rate by maximum likelihood.

Calls per hour over eight hours: 3, 5, 2, 8, 4, 6, 3, 5. With log(rate) = b0 the MLE
of the rate is exp(b0) = the sample mean, 36 / 8 = 4.5 calls per hour; its standard
error is sqrt(rate / n). The script fits the intercept-only Poisson model, compares
with the closed form and asks how likely a busy hour (10 or more calls) is.

Run: python examples/call_centre.py
"""

import numpy as np
import pandas as pd
from scipy import stats

import mlereg as mr

CALLS = [3, 5, 2, 8, 4, 6, 3, 5]


def main() -> None:
    df = pd.DataFrame({"calls": CALLS})
    res = mr.poisson("calls ~ 1", df).fit()
    print(res.summary())
    print()
    rate = float(np.exp(res.params["Intercept"]))
    ci = np.exp(res.conf_int().loc["Intercept"])
    print(f"estimated rate: {rate:.4f} calls per hour")
    print(f"closed form (sample mean): {np.mean(CALLS):.4f}")
    print(f"95% interval for the rate: [{ci['lower']:.4f}, {ci['upper']:.4f}]")
    print(f"standard error of the rate: {np.sqrt(rate / len(CALLS)):.4f}")
    print(f"log-likelihood at the MLE: {res.llf:.4f}")
    print(f"P(10 or more calls in an hour): {stats.poisson.sf(9, rate):.4f}")


if __name__ == "__main__":
    main()
