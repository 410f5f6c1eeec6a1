#!/usr/bin/env python3
"""Reference values for the EPCI change rule (src/stats.rs: clopper_pearson,
count_ratio_change; src/quantile.rs: beta_inc, beta_ppf), computed with scipy.

Run: python3 tests/reference/epci_change_reference.py > tests/reference/epci_change.json
(pip install scipy). The exact conditional interval of the ratio of two Poisson counts:
given n = before + after, after ~ Binomial(n, R / (1 + R)); the Clopper-Pearson interval
of the binomial proportion (scipy's binomtest(...).proportion_ci(method="exact")) gives
R's interval as p / (1 - p); the p-value is binomtest's two-sided exact test of p = 1/2.
"""
import json

import scipy
from scipy import special, stats

ALPHA = 0.05
out = {"versions": {"scipy": scipy.__version__}}

out["betainc"] = []
for a in [0.5, 1.0, 2.0, 7.5, 30.0, 250.0, 5000.0]:
    for b in [0.5, 1.0, 3.0, 12.0, 99.0, 4800.0]:
        for x in [1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 0.999999]:
            out["betainc"].append([a, b, x, float(special.betainc(a, b, x))])

out["beta_ppf"] = []
for a in [0.5, 1.0, 3.0, 40.0, 5001.0]:
    for b in [1.0, 2.5, 60.0, 4999.0]:
        for p in [1e-9, 0.025, 0.5, 0.975, 1 - 1e-9]:
            out["beta_ppf"].append([p, a, b, float(stats.beta.ppf(p, a, b))])

out["count_ratio"] = []
pairs = [(1, 0), (1, 1), (1, 5), (5, 1), (2, 3), (3, 5), (10, 7), (29, 27), (37, 35), (64, 64), (100, 120),
         (500, 480), (4886, 4795), (10822, 10710), (97743, 98251), (1, 30), (30, 1), (12, 0), (0, 0)]
for before, after in pairs:
    n = before + after
    if before == 0:
        out["count_ratio"].append([before, after, None, None, None, None])
        continue
    t = stats.binomtest(after, n, 0.5)
    ci = t.proportion_ci(confidence_level=1 - ALPHA, method="exact")
    ratio = lambda p: p / (1 - p)
    out["count_ratio"].append([before, after, (after / before - 1) * 100, (ratio(ci.low) - 1) * 100,
                               (ratio(ci.high) - 1) * 100, float(t.pvalue)])

print(json.dumps(out))
