#!/usr/bin/env python3
"""Reference values for src/stats.rs, computed with scipy and statsmodels.

Run: python3 tests/reference/stats_reference.py > tests/reference/stats.json
(pip install scipy statsmodels). The Rust tests compare to these values to 1e-9 relative.
"""
import json
import warnings

import numpy as np
import scipy
import statsmodels
from scipy import stats
import statsmodels.api as sm
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint, proportions_ztest,
                                          test_proportions_2indep)

ALPHA = 0.05
# Two-year trends fit their two points exactly: statsmodels warns of "perfect prediction".
warnings.simplefilter("ignore")
out = {"versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "numpy": np.__version__}}

# Exact (Garwood) Poisson intervals: the dense grid is in quantiles_reference.py.
out["z"] = stats.norm.ppf(1 - ALPHA / 2)

# Wilson intervals on effective sample sizes (statsmodels).
out["wilson"] = []
for p, n in [(0.65, 4200.5), (0.62, 3987.2), (0.5, 30.0), (0.1, 57.3), (0.0, 40.0), (1.0, 12.0),
             (0.001, 1e6), (0.087, 6.8e7), (0.999, 1000.0), (0.5, 1.0), (0.3, 3.0)]:
    lo, hi = proportion_confint(p * n, n, alpha=ALPHA, method="wilson")
    out["wilson"].append({"p": p, "n": n, "lower": lo, "upper": hi})

# Weighted proportion, Kish effective n, Wilson interval and the change test.
rng = np.random.default_rng(20251120)
cases = []
for size_a, size_b in [(200, 220), (45, 38)]:
    wa = np.round(rng.uniform(0.4, 2.6, size_a), 2)
    ya = (rng.uniform(0, 1, size_a) < 0.62).astype(int)
    wb = np.round(rng.uniform(0.4, 2.6, size_b), 2)
    yb = (rng.uniform(0, 1, size_b) < 0.66).astype(int)
    res = {}
    for name, w, y in [("a", wa, ya), ("b", wb, yb)]:
        p = float((w * y).sum() / w.sum())
        neff = float(w.sum() ** 2 / (w ** 2).sum())
        lo, hi = proportion_confint(p * neff, neff, alpha=ALPHA, method="wilson")
        res[name] = {"weights": w.tolist(), "y": y.tolist(), "p": p, "n_eff": neff, "lower": lo, "upper": hi}
    va = res["a"]["p"] * (1 - res["a"]["p"]) / res["a"]["n_eff"]
    vb = res["b"]["p"] * (1 - res["b"]["p"]) / res["b"]["n_eff"]
    zstat = (res["b"]["p"] - res["a"]["p"]) / np.sqrt(va + vb)
    res["pvalue"] = float(2 * stats.norm.sf(abs(zstat)))
    # The same difference by statsmodels (Wald interval and test on the effective sizes).
    a, b = res["a"], res["b"]
    lo, hi = confint_proportions_2indep(b["p"] * b["n_eff"], b["n_eff"], a["p"] * a["n_eff"], a["n_eff"],
                                        method="wald", compare="diff", alpha=ALPHA)
    st = test_proportions_2indep(b["p"] * b["n_eff"], b["n_eff"], a["p"] * a["n_eff"], a["n_eff"],
                                 method="wald", compare="diff")
    res["diff_lower"], res["diff_upper"], res["diff_pvalue"] = float(lo), float(hi), float(st.pvalue)
    cases.append(res)
out["survey"] = cases

# Differences of binomial proportions: Newcombe's hybrid score interval of k2/n2 - k1/n1
# and the pooled z-test (statsmodels).
out["binomial_difference"] = []
for k1, n1, k2, n2 in [(304, 578, 339, 608), (10, 40, 25, 50), (0, 30, 4, 30), (30, 30, 28, 30),
                       (68919, 662099, 53162, 668000), (6_000_000, 68_000_000, 6_100_000, 68_400_000),
                       (1, 3, 2, 3), (141, 306296, 127, 324949)]:
    lo, hi = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=ALPHA)
    _, pv = proportions_ztest([k2, k1], [n2, n1])
    out["binomial_difference"].append({"k1": k1, "n1": n1, "k2": k2, "n2": n2,
                                       "lower": float(lo), "upper": float(hi), "pvalue": float(pv)})

# Log-linear Poisson trends with an offset (statsmodels GLM): slope, its variance, and
# Pearson's statistic with its residual degrees of freedom.
out["trend"] = []
for pts in [
    [(2023, 141, 306296), (2024, 134, 315485), (2025, 127, 324949)],
    [(2020, 145, 280304), (2021, 144, 288713), (2022, 142, 297375), (2023, 141, 306296), (2024, 134, 315485), (2025, 127, 324949)],
    [(2020, 99499, 68024499), (2025, 100019, 68419229)],
    [(2020, 3, 1.0), (2021, 9, 1.0), (2022, 4, 1.0), (2023, 12, 1.0)],
    [(2022, 304, 578), (2024, 339, 608)],
]:
    t = np.array([p[0] for p in pts], dtype=float)
    k = np.array([p[1] for p in pts], dtype=float)
    n = np.array([p[2] for p in pts], dtype=float)
    X = sm.add_constant(t)
    fit = sm.GLM(k, X, family=sm.families.Poisson(), offset=np.log(n)).fit(tol=1e-14)
    out["trend"].append({"points": [list(p) for p in pts], "beta": float(fit.params[1]),
                         "var_beta": float(fit.cov_params()[1, 1]), "pearson": float(fit.pearson_chi2),
                         "df": int(fit.df_resid)})


# A density trend as the engine computes it (issue 15): three départements, 2020-2025.
# φ = Σ Pearson / Σ residual df of each département's own log-linear trend over all the
# years (statsmodels GLM, Poisson, offset log population); the 2023 → 2025 change of Ain
# and of France (sums of the three) from the trend over 2023-2025, its 95 % interval
# exp((β ± z·√(φ·Var β))·2) − 1 and the Wald p-value with the same variance.
case = {"years": list(range(2020, 2026)), "series": {
    "01": {"k": [100, 104, 99, 103, 108, 112], "n": [50000, 50500, 51005, 51515, 52030, 52551]},
    "03": {"k": [200, 196, 199, 190, 188, 181], "n": [80000, 80000, 80000, 80000, 80000, 80000]},
    "75": {"k": [500, 510, 505, 520, 515, 530], "n": [200000, 199000, 198005, 197015, 196030, 195050]},
}}
def glm(t, k, n):
    fit = sm.GLM(np.array(k, float), sm.add_constant(np.array(t, float)), family=sm.families.Poisson(),
                 offset=np.log(np.array(n, float))).fit(tol=1e-14)
    return fit
pearson = df = 0.0
for d, s in case["series"].items():
    fit = glm(case["years"], s["k"], s["n"])
    pearson += fit.pearson_chi2
    df += fit.df_resid
phi = pearson / df
case["phi"] = phi
def change(k, n):
    fit = glm([2023, 2024, 2025], k, n)
    b, v = fit.params[1], fit.cov_params()[1, 1] * phi
    zz = stats.norm.ppf(0.975)
    return {"estimate": float(np.expm1(2 * b) * 100), "lower": float(np.expm1(2 * (b - zz * np.sqrt(v))) * 100),
            "upper": float(np.expm1(2 * (b + zz * np.sqrt(v))) * 100), "pvalue": float(2 * stats.norm.sf(abs(b) / np.sqrt(v)))}
s01 = case["series"]["01"]
case["ain"] = change(s01["k"][3:], s01["n"][3:])
tot_k = [sum(s["k"][i] for s in case["series"].values()) for i in range(3, 6)]
tot_n = [sum(s["n"][i] for s in case["series"].values()) for i in range(3, 6)]
case["france"] = change(tot_k, tot_n)
out["dispersion_case"] = case

print(json.dumps(out, indent=1, sort_keys=True))
