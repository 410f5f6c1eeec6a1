#!/usr/bin/env python3
"""Independent recomputation of the demo edition's statistics (issue 15), from the
fixture files alone, with scipy and statsmodels, following the methodology as written
(indicators/README.md, « Statistics »). Nothing here reads the tool's outputs.

Run: python3 tests/reference/demo_reference.py > tests/reference/demo.json
(pip install scipy statsmodels pandas). tests/edition.rs compares the demo edition's JSON
tables to these values.
"""
import json
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

warnings.simplefilter("ignore")
FIX = "fixtures/demo/"
ALPHA = 0.05
Z = stats.norm.ppf(1 - ALPHA / 2)
out = {"versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__}}

pop = pd.read_csv(FIX + "population.csv", dtype={"code_departement": str})
pop = pop.set_index(["code_departement", "annee"])["population"].astype(float)
gp = pd.read_csv(FIX + "generalistes.csv", dtype={"code_departement": str})
gp = gp.set_index(["code_departement", "annee"])["effectif"].astype(float)
depts = sorted(set(c for c, _ in gp.index))


def label(lo, hi, t):
    if lo > t:
        return "hausse"
    if hi < -t:
        return "baisse"
    if lo >= -t and hi <= t:
        return "stable"
    return "évolution incertaine"


def glm(t, k, n):
    return sm.GLM(np.array(k, float), sm.add_constant(np.array(t, float)), family=sm.families.Poisson(),
                  offset=np.log(np.array(n, float))).fit(tol=1e-14)


# ---- GP density: quasi-Poisson trends, φ pooled over every département's 2020-2025 trend.
years = list(range(2020, 2026))
pearson = df = 0.0
for d in depts:
    f = glm(years, [gp[(d, y)] for y in years], [pop[(d, y)] for y in years])
    pearson += f.pearson_chi2
    df += f.df_resid
phi = pearson / df
density = {"phi": phi, "rows": {}}


def trend_change(k, n, t, span):
    f = glm(t, k, n)
    b, v = f.params[1], f.cov_params()[1, 1] * phi
    lo, hi = np.expm1(span * (b - Z * np.sqrt(v))) * 100, np.expm1(span * (b + Z * np.sqrt(v))) * 100
    return {"estimate": float(np.expm1(span * b) * 100), "lower": float(lo), "upper": float(hi),
            "pvalue": float(2 * stats.norm.sf(abs(b) / np.sqrt(v))), "label": label(lo, hi, 2.0)}


def density_row(members):
    k = {y: sum(gp[(d, y)] for d in members) for y in years}
    n = {y: sum(pop[(d, y)] for d in members) for y in years}
    value = k[2025] / n[2025] * 1e5
    lo = stats.gamma.ppf(ALPHA / 2, k[2025]) / n[2025] * 1e5
    hi = stats.gamma.isf(ALPHA / 2, k[2025] + 1) / n[2025] * 1e5
    prev = trend_change([k[y] for y in (2023, 2024, 2025)], [n[y] for y in (2023, 2024, 2025)], [2023, 2024, 2025], 2)
    base = trend_change([k[y] for y in years], [n[y] for y in years], years, 5)
    return {"value": value, "ci_low": lo, "ci_high": hi, "prev": prev, "base": base}


for d in depts:
    density["rows"][d] = density_row([d])
density["rows"]["FR"] = density_row(depts)
values = {d: density["rows"][d]["value"] for d in depts}
for d in depts:
    density["rows"][d]["rank"] = 1 + sum(1 for e in depts if values[e] > values[d])
out["densite-generalistes"] = density

# ---- Patients without a médecin traitant: shares of the population (binomial).
smt = pd.read_csv(FIX + "sans-medecin-traitant.csv", dtype={"code_departement": str})
smt = smt.set_index(["code_departement", "annee"])["patients_sans_medecin_traitant"].astype(float)
rows = {}
for code, members in [(d, [d]) for d in depts] + [("FR", depts)]:
    k1 = sum(smt[(d, 2023)] for d in members)
    n1 = sum(pop[(d, 2023)] for d in members)
    k2 = sum(smt[(d, 2025)] for d in members)
    n2 = sum(pop[(d, 2025)] for d in members)
    lo, hi = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=ALPHA)
    _, pv = proportions_ztest([k2, k1], [n2, n1])
    wl, wh = proportion_confint(k2, n2, alpha=ALPHA, method="wilson")
    rows[code] = {"value": k2 / n2 * 100, "ci_low": wl * 100, "ci_high": wh * 100,
                  "prev": {"estimate": (k2 / n2 - k1 / n1) * 100, "lower": lo * 100, "upper": hi * 100,
                           "pvalue": float(pv), "label": label(lo * 100, hi * 100, 0.5)}}
values = {d: rows[d]["value"] for d in depts}
for d in depts:
    rows[d]["rank"] = 1 + sum(1 for e in depts if values[e] < values[d])  # higher is worse
out["sans-medecin-traitant"] = {"rows": rows}

# ---- PDSA (data years 2024 against 2022): binomial; régions and France on the
# départements that answered both years.
pdsa = pd.read_csv(FIX + "pdsa.csv", dtype=str)
geo = pd.read_csv(FIX + "population.csv", dtype={"code_departement": str})  # codes only
ok = {}
for _, r in pdsa.iterrows():
    if r["generalistes_concernes"] != "ND" and r["generalistes_volontaires"] != "ND":
        ok[(r["code_departement"], int(r["annee"]))] = (float(r["generalistes_volontaires"]),
                                                         float(r["generalistes_concernes"]))
both = [d for d in depts if (d, 2022) in ok and (d, 2024) in ok]
cur = [d for d in depts if (d, 2024) in ok]
k24 = sum(ok[(d, 2024)][0] for d in cur)
n24 = sum(ok[(d, 2024)][1] for d in cur)
m = {y: (sum(ok[(d, y)][0] for d in both), sum(ok[(d, y)][1] for d in both)) for y in (2022, 2024)}
lo, hi = confint_proportions_2indep(m[2024][0], m[2024][1], m[2022][0], m[2022][1], method="newcomb",
                                    compare="diff", alpha=ALPHA)
out["pdsa-participation"] = {"rows": {"FR": {
    "value": k24 / n24 * 100, "departements": len(cur), "matched": len(both),
    "delta_matched": (m[2024][0] / m[2024][1] - m[2022][0] / m[2022][1]) * 100,
    "prev": {"lower": lo * 100, "upper": hi * 100, "label": label(lo * 100, hi * 100, 3.0)}}}}

# ---- Care renunciation (survey, 2025 against 2024): France.
sv = pd.read_csv(FIX + "renoncement.csv", dtype={"code_departement": str})
res = {}
for y in (2024, 2025):
    s = sv[sv["annee"] == y]
    w, yv = s["poids"].astype(float), s["renoncement"].astype(float)
    p = (w * yv).sum() / w.sum()
    neff = w.sum() ** 2 / (w ** 2).sum()
    res[y] = (p, neff)
(p1, n1), (p2, n2) = res[2024], res[2025]
se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
lo, hi = (p2 - p1 - Z * se) * 100, (p2 - p1 + Z * se) * 100
wl, wh = proportion_confint(p2 * n2, n2, alpha=ALPHA, method="wilson")
out["renoncement-soins"] = {"rows": {"FR": {
    "value": p2 * 100, "n_eff": n2, "ci_low": wl * 100, "ci_high": wh * 100,
    "prev": {"estimate": (p2 - p1) * 100, "lower": lo, "upper": hi,
             "pvalue": float(2 * stats.norm.sf(abs(p2 - p1) / se)), "label": label(lo, hi, 3.0)}}}}
# Départements published under the rules (≥ 30 respondents, Kish size ≥ 100, Wilson
# half-width ≤ 7.5 points).
published = []
s = sv[sv["annee"] == 2025].dropna(subset=["code_departement"])
for d, g in s.groupby("code_departement"):
    w, yv = g["poids"].astype(float), g["renoncement"].astype(float)
    p = (w * yv).sum() / w.sum()
    neff = w.sum() ** 2 / (w ** 2).sum()
    lo, hi = proportion_confint(p * neff, neff, alpha=ALPHA, method="wilson")
    if len(g) >= 30 and neff >= 100 and (hi - lo) / 2 * 100 <= 7.5:
        published.append(d)
out["renoncement-soins"]["published_departements"] = sorted(published)

print(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False))
