"""Export the statsmodels example data sets used by the R reference script.

Writes tests/data/{spector,longley,cpunish,star98,scotland,randhie}.csv
(header row, no index column, floats written with Python's shortest
round-trip repr, so the values read back bit-for-bit identical).  Run from the repository root:

    python tools/r/export_statsmodels_data.py

(make_reference.R calls this automatically when a CSV is missing.)

Additions to the original data:
  longley.csv: column ``w`` = 1 / (row number), row number starting at 1,
               used as prior weights for the weighted-lm reference case.
  scotland.csv: column ``grp`` = (row number - 1) // 4 + 1  (8 groups of 4
               consecutive rows), used only as a cluster variable for vcovCL.
"""

import os
import sys

import statsmodels.api as sm

OUT = os.path.join("tests", "data")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in ["spector", "longley", "cpunish", "star98", "scotland", "randhie"]:
        df = getattr(sm.datasets, name).load_pandas().data.copy()
        if name == "longley":
            df["w"] = 1.0 / (df.index.to_numpy() + 1.0)
        if name == "scotland":
            df["grp"] = df.index.to_numpy() // 4 + 1
        path = os.path.join(OUT, name + ".csv")
        df.to_csv(path, index=False, float_format=None)  # repr: shortest round-trip
        print("wrote", path, df.shape, file=sys.stderr)


if __name__ == "__main__":
    main()
