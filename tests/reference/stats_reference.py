#!/usr/bin/env python3
"""Reference values for src/stats.rs, computed with scipy and statsmodels.

Run: python3 tests/reference/stats_reference.py > tests/reference/stats.json
(pip install scipy statsmodels). The Rust tests compare to these values to 1e-6.
"""
import json

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

ALPHA = 0.05
out = {"versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "numpy": np.__version__}}

# Exact (Garwood) Poisson intervals.
out["poisson_exact"] = []
for k in [0, 1, 5, 37, 413, 100019]:
    lo = 0.0 if k == 0 else stats.chi2.ppf(ALPHA / 2, 2 * k) / 2
    hi = stats.chi2.ppf(1 - ALPHA / 2, 2 * k + 2) / 2
    out["poisson_exact"].append({"k": k, "lower": lo, "upper": hi})

# Byar's approximation.
z = stats.norm.ppf(1 - ALPHA / 2)
out["z"] = z
out["poisson_byar"] = []
for k in [1, 5, 37, 413, 100019]:
    lo = k * (1 - 1 / (9 * k) - z / (3 * np.sqrt(k))) ** 3
    k1 = k + 1
    hi = k1 * (1 - 1 / (9 * k1) + z / (3 * np.sqrt(k1))) ** 3
    out["poisson_byar"].append({"k": k, "lower": lo, "upper": hi})

# Exact binomial tests (two-sided), including the conditional test of two Poisson rates.
out["binomtest"] = []
for k, n, p in [(3, 10, 0.5), (7, 20, 0.3), (0, 5, 0.2), (5, 5, 0.5), (12, 30, 0.5), (80, 200, 0.45), (1, 2, 0.5)]:
    out["binomtest"].append({"k": k, "n": n, "p": p, "pvalue": stats.binomtest(k, n, p).pvalue})
out["poisson_rates"] = []
for k1, n1, k2, n2 in [
    (99499, 68024499, 100019, 68419229),
    (141, 306296, 127, 324949),
    (413, 143467, 397, 141980),
    (10, 1000, 25, 1000),
    (0, 500, 3, 500),
]:
    p = n2 / (n1 + n2)
    out["poisson_rates"].append({"k1": k1, "n1": n1, "k2": k2, "n2": n2, "pvalue": stats.binomtest(k2, k1 + k2, p).pvalue})

# Wilson intervals on effective sample sizes (statsmodels).
out["wilson"] = []
for p, n in [(0.65, 4200.5), (0.62, 3987.2), (0.5, 30.0), (0.1, 57.3), (0.0, 40.0), (1.0, 12.0)]:
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
    cases.append(res)
out["survey"] = cases

print(json.dumps(out, indent=1, sort_keys=True))
