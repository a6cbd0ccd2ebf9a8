"""A coefficient plot with 95% intervals, written to a PNG (needs ``mlereg[plot]``).

Fits the largest model of ``nested_models.py`` and draws each coefficient with its
Wald interval.

Run: python examples/coefficient_plot.py [output.png]   (default: coefficients.png)
"""

import sys

try:
    import matplotlib
except ImportError:
    sys.exit("this example draws a plot and needs matplotlib: pip install 'mlereg[plot]'")

matplotlib.use("Agg")  # no display needed

import mlereg as mr  # noqa: E402

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from nested_models import make_data  # noqa: E402


def main(path: str = "coefficients.png") -> None:
    res = mr.logit("default ~ income + debt_ratio + C(region)", make_data()).fit()
    ax = res.plot_coefficients(alpha=0.05)
    ax.set_title("default ~ income + debt_ratio + C(region)")
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=100)
    print(f"wrote {path} with {len(res.params) - 1} coefficients and 95% intervals")


if __name__ == "__main__":
    main(*sys.argv[1:2])
