#!/usr/bin/env python3
"""Reference values for src/quantile.rs (gamma, Poisson and normal quantiles), computed with scipy.

Run: python3 tests/reference/quantiles_reference.py > tests/reference/quantiles.json
(pip install scipy mpmath; about ten seconds). tests/quantiles.rs compares src/quantile.rs to these
values to 1e-9 relative.

Every scipy value is also checked against mpmath at 30 digits. scipy is not exact everywhere:
scipy.special.gammainc is badly off far in the lower tail of very large shapes (P(1e8, 1e8 - 6e4)
by 29 %, P(1e6, 1e6 - 6e3) by 6e-7). Where scipy is off by more than 1e-14 relative, the table holds
the mpmath value instead and the "corrected" list records both, so the file stays a truthful reference.

Inputs (shapes, points, probabilities) are rounded to 15 significant digits so that any JSON reader
parses them exactly, and scipy and the Rust code see the same numbers.
"""
import json
import math
import sys

import mpmath
import numpy as np
import scipy
from scipy import special, stats

mp = mpmath.mp
mp.dps = 30
TOL = 1e-14  # scipy values further than this from mpmath are replaced


def r15(v):
    """Round to 15 significant digits (exactly parsed by any JSON reader)."""
    return float("%.15g" % v)


# --- mpmath references -------------------------------------------------------------------------


def mp_upper_cf(a, x):
    """Q(a, x) by the Legendre continued fraction (x > a), where mpmath's own series give up."""
    tiny = mpmath.mpf(10) ** -300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < mpmath.mpf(10) ** -(mp.dps - 2):
            break
    return mpmath.exp(a * mpmath.log(x) - x - mpmath.loggamma(a)) * h


def mp_pq(a, x):
    """(P(a, x), Q(a, x)) to mp.dps digits, each computed directly where it is the small tail."""
    a = mpmath.mpf(a)
    x = mpmath.mpf(x)
    if x == 0:
        return mpmath.mpf(0), mpmath.mpf(1)
    if x < a:
        pre = mpmath.exp(a * mpmath.log(x) - x - mpmath.loggamma(a + 1))
        p = pre * mpmath.hyp1f1(1, a + 1, x, maxterms=10**8)
        return p, 1 - p
    try:
        q = mpmath.gammainc(a, x, mpmath.inf, regularized=True)
    except mpmath.libmp.libhyper.NoConvergence:
        q = mp_upper_cf(a, x)
    return 1 - q, q


def mp_quantile(a, target, upper, x0):
    """x with P(a, x) = target (Q if upper), by Newton's method from x0 in mpmath."""
    a = mpmath.mpf(a)
    x = mpmath.mpf(x0)
    for _ in range(50):
        p, q = mp_pq(a, x)
        dens = mpmath.exp((a - 1) * mpmath.log(x) - x - mpmath.loggamma(a))
        step = ((q - target) / dens) if upper else (-(p - target) / dens)
        x_new = x + step
        if x_new <= 0:
            x_new = x / 2
        if abs(x_new - x) <= mpmath.mpf(10) ** -(mp.dps - 5) * x:
            return x_new
        x = x_new
    raise RuntimeError(f"no convergence for a={a} target={target}")


def mp_norm_ppf(p, z0):
    z = mpmath.mpf(z0)
    for _ in range(50):
        step = (mpmath.ncdf(z) - p) / mpmath.npdf(z)
        z -= step
        if abs(step) <= mpmath.mpf(10) ** -(mp.dps - 5) * max(abs(z), mpmath.mpf(10) ** -300):
            return z
    raise RuntimeError(f"no convergence for p={p}")


corrected = []
worst = {}


def checked(table, row, column, value, exact):
    """The scipy value, or the mpmath one when scipy is off by more than TOL (recorded)."""
    exact_f = float(exact)
    err = abs(value - exact_f) / abs(exact_f) if exact_f != 0 else abs(value)
    worst[table] = max(worst.get(table, 0.0), err)
    if err > TOL:
        corrected.append({"table": table, "row": row, "column": column, "scipy": value, "mpmath": exact_f})
        return exact_f
    return value


# --- Poisson (Garwood) intervals -----------------------------------------------------------------

ALPHAS = [0.05, 0.002]
ks = set(range(0, 1001)) | {int(round(v)) for v in np.logspace(3, 8, 60)}
KS = sorted(ks) + [0.5, 2.5, 150.3, 12345.6]

poisson = []
for alpha in ALPHAS:
    for k in KS:
        i = len(poisson)
        if k == 0:
            lower = 0.0
        else:
            lower = float(stats.gamma.ppf(alpha / 2, k))
            lower = checked("poisson", i, "lower", lower, mp_quantile(k, alpha / 2, False, lower))
        upper = float(stats.gamma.isf(alpha / 2, k + 1))
        upper = checked("poisson", i, "upper", upper, mp_quantile(k + 1, alpha / 2, True, upper))
        poisson.append([alpha, k, lower, upper])
    print(f"poisson alpha={alpha} done", file=sys.stderr)

# --- P(a, x) and Q(a, x) -------------------------------------------------------------------------

SHAPES = [0.1, 0.5, 1, 2.5, 3.7, 10, 20, 50, 125, 140, 150.3, 160, 1000, 1e4, 12345.6, 1e5, 1e6, 6e6, 1e8]
TS = [-6, -3, -1, 0, 1, 3, 6]
gamma_pq = []
for a in SHAPES:
    xs = [a * (1 + t / math.sqrt(a)) for t in TS] + [a * f for f in (0.01, 0.5, 2.0)]
    for x in sorted({r15(x) for x in xs if x > 0}):
        i = len(gamma_pq)
        p_mp, q_mp = mp_pq(a, x)
        p = checked("gamma_pq", i, "p", float(special.gammainc(a, x)), p_mp)
        q = checked("gamma_pq", i, "q", float(special.gammaincc(a, x)), q_mp)
        gamma_pq.append([a, x, p, q])
print("gamma_pq done", file=sys.stderr)

# --- gamma quantiles (small shapes and far tails, beyond the Poisson grid) ------------------------

QSHAPES = [0.05, 0.1, 0.5, 1, 3.7, 125, 150.3, 1e4, 1e6]
QPROBS = [1e-100, 1e-20, 1e-10, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999]
gamma_quantiles = []
for a in QSHAPES:
    for p in QPROBS:
        i = len(gamma_quantiles)
        ppf = float(special.gammaincinv(a, p))
        isf = float(special.gammainccinv(a, p))
        if ppf < 1e-300 or isf < 1e-300:
            continue  # underflows: nothing to compare
        # The small tail is solved in mpmath, as in the Rust code.
        ppf_mp = mp_quantile(a, p, False, ppf) if p <= 0.5 else mp_quantile(a, 1 - mpmath.mpf(p), True, ppf)
        isf_mp = mp_quantile(a, p, True, isf) if p <= 0.5 else mp_quantile(a, 1 - mpmath.mpf(p), False, isf)
        ppf = checked("gamma_quantiles", i, "ppf", ppf, ppf_mp)
        isf = checked("gamma_quantiles", i, "isf", isf, isf_mp)
        gamma_quantiles.append([p, a, ppf, isf])
print("gamma_quantiles done", file=sys.stderr)

# --- ln Γ and the normal distribution ------------------------------------------------------------

ln_gamma = []
for x in [1e-300, 1e-10, 1e-3, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1, 1.001, 1.2, 1.5, 1.9, 2, 2.001, 2.4, 2.5, 2.6,
          3, 3.7, 4.5, 7.25, 9.99, 10, 10.5, 30, 125, 150.3, 1e3, 12345.6, 1e6, 1e8, 1e15, 1e300]:
    i = len(ln_gamma)
    ln_gamma.append([x, checked("ln_gamma", i, "value", float(special.gammaln(x)), mpmath.loggamma(x))])

norm_ppf = []
for p in [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.4, 0.49, 0.499999,
          0.5, 0.500001, 0.51, 0.6, 0.75, 0.9, 0.925, 0.95, 0.975, 0.99, 0.999, 0.99999, 1 - 1e-10]:
    i = len(norm_ppf)
    z = float(special.ndtri(p))
    norm_ppf.append([p, checked("norm_ppf", i, "z", z, mp_norm_ppf(p, z) if p != 0.5 else 0)])

norm_cdf = []
for x in [-37.5, -30, -20, -10, -6, -5, -3.5, -3, -2, -1.96, -1.6, -1.5, -1.4, -1, -0.5, -1e-5, 0, 1e-5, 0.5, 1,
          1.4, 1.5, 1.6, 1.96, 2, 3, 3.5, 5, 6, 10, 20, 30, 37.5]:
    i = len(norm_cdf)
    cdf = checked("norm_cdf", i, "cdf", float(special.ndtr(x)), mpmath.ncdf(x))
    sf = checked("norm_cdf", i, "sf", float(stats.norm.sf(x)), mpmath.ncdf(-x))
    norm_cdf.append([x, cdf, sf])

# --- output: one row per line ---------------------------------------------------------------------

meta = {
    "versions": {"scipy": scipy.__version__, "numpy": np.__version__, "mpmath": mpmath.__version__},
    "generator": "tests/reference/quantiles_reference.py",
    "columns": {
        "poisson": ["alpha", "k", "lower = gamma.ppf(alpha/2, k)", "upper = gamma.isf(alpha/2, k+1)"],
        "gamma_pq": ["a", "x", "P = gammainc(a, x)", "Q = gammaincc(a, x)"],
        "gamma_quantiles": ["p", "a", "gamma.ppf(p, a)", "gamma.isf(p, a)"],
        "ln_gamma": ["x", "gammaln(x)"],
        "norm_ppf": ["p", "norm.ppf(p)"],
        "norm_cdf": ["x", "norm.cdf(x)", "norm.sf(x)"],
    },
    "scipy_vs_mpmath_max_relative_error": worst,
    "corrected_tolerance": TOL,
}
tables = {
    "poisson": poisson,
    "gamma_pq": gamma_pq,
    "gamma_quantiles": gamma_quantiles,
    "ln_gamma": ln_gamma,
    "norm_ppf": norm_ppf,
    "norm_cdf": norm_cdf,
}
out = ["{"]
for key, value in meta.items():
    out.append(f" {json.dumps(key)}: {json.dumps(value, sort_keys=True)},")
out.append(' "corrected": [')
out.append(",\n".join("  " + json.dumps(c, sort_keys=True) for c in corrected))
out.append(" ],")
names = list(tables)
for n, name in enumerate(names):
    out.append(f" {json.dumps(name)}: [")
    out.append(",\n".join("  " + json.dumps(row) for row in tables[name]))
    out.append(" ]" + ("," if n + 1 < len(names) else ""))
out.append("}")
print("\n".join(out))
