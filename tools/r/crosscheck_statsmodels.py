"""Cross-check the R reference JSON against statsmodels (run from repo root).

Prints, per glm/ols case, max relative differences of params, bse, vcov, etc.
Note: HC0/cluster for non-canonical links differ by design (statsmodels uses an
observed-information bread; compare with vcovHC0_oim instead)."""

import glob
import json
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

warnings.simplefilter("ignore")
F = sm.families
L = sm.families.links
fam = {
    "binomial": F.Binomial,
    "poisson": F.Poisson,
    "Gamma": F.Gamma,
    "gaussian": F.Gaussian,
    "inverse.gaussian": F.InverseGaussian,
}
lnk = {
    "logit": L.Logit,
    "probit": L.Probit,
    "cloglog": L.CLogLog,
    "log": L.Log,
    "identity": L.Identity,
    "inverse": L.InversePower,
    "1/mu^2": L.InverseSquared,
}


def rel(a, b):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    return np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


for f in sorted(glob.glob("tests/reference/*.json")):
    ref = json.load(open(f))
    if not isinstance(ref, dict) or "cases" not in ref:
        continue  # another kind of reference (e.g. anova tables)
    for c in ref["cases"]:
        if c["model"] not in ("glm", "ols") or c["aliased"]:
            continue
        df = pd.read_csv("tests/data/" + c["data"])
        kw = {}
        if c.get("offset"):
            kw["offset"] = np.log(df[c["offset"]])
        if c["model"] == "ols":
            m = (
                smf.wls(c["formula"], df, weights=df[c["weights"]])
                if c.get("weights")
                else smf.ols(c["formula"], df)
            )
            r = m.fit()
            extra = dict(llf=rel(r.llf, c["llf"]), r2=rel(r.rsquared, c["rsquared"]))
        else:
            if c.get("weights"):
                kw["var_weights"] = df[c["weights"]]
            m = smf.glm(c["formula"], df, family=fam[c["family"]](lnk[c["link"]]()), **kw)
            r = m.fit(tol=1e-14, maxiter=200)
            extra = dict(
                dev=rel(r.deviance, c["deviance"]),
                nulldev=rel(r.null_deviance, c["null_deviance"]),
                scale=rel(r.scale, c["dispersion"]),
            )
            if c["family"] in ("binomial", "poisson"):
                extra["llf"] = rel(r.llf, c["llf"])
        out = dict(
            params=rel(r.params, c["params"]),
            bse=rel(r.bse, c["bse"]),
            vcov=rel(r.cov_params(), c["vcov"]),
            **extra,
        )
        for t in ["HC0", "HC1", "HC2", "HC3"] if c["model"] == "ols" else ["HC0"]:
            if "vcov" + t in c:
                out[t] = rel(
                    m.fit(
                        cov_type=t, **({} if c["model"] == "ols" else dict(tol=1e-14, maxiter=200))
                    ).cov_params(),
                    c["vcov" + t],
                )
        if "vcovCL" in c:
            g = pd.factorize(df[c["cluster"]])[0]
            rc = m.fit(
                cov_type="cluster",
                cov_kwds={"groups": g},
                **({} if c["model"] == "ols" else dict(tol=1e-14, maxiter=200)),
            )
            out["CL"] = rel(rc.cov_params(), c["vcovCL"])
        print(f"{c['id']:28s}", " ".join(f"{k}={v:.1e}" for k, v in out.items()))
