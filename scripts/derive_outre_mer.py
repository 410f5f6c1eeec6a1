#!/usr/bin/env python3
"""Derive the offline outlines of the five overseas départements (971–976).

Usage: python3 scripts/derive_outre_mer.py SOURCE.geojson

SOURCE is `departements-avec-outre-mer-simplifie.geojson` of the france-geojson project
(Grégoire David), itself derived from IGN Admin Express COG 2018, Licence Ouverte /
Open Licence. Each overseas département is projected in its own plane (equirectangular
around its mean latitude: x = lon·cos φ0, y = −lat, so y points down as on screen),
simplified with Douglas–Peucker at 0.3 % of its extent, islets under 0.2 % of its area
dropped, and written to fixtures/reference/carte-outre-mer.json with 4 decimals.
The output is deterministic: rerunning it gives a byte-identical file.
"""
import json
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "reference", "carte-outre-mer.json")
DROM = ["971", "972", "973", "974", "976"]


def rdp(points, eps):
    if len(points) < 3:
        return points
    (x0, y0), (x1, y1) = points[0], points[-1]
    dx, dy = x1 - x0, y1 - y0
    norm = math.hypot(dx, dy)
    best, index = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i]
        d = abs(dy * px - dx * py + x1 * y0 - y1 * x0) / norm if norm > 0 else math.hypot(px - x0, py - y0)
        if d > best:
            best, index = d, i
    if best <= eps:
        return [points[0], points[-1]]
    return rdp(points[: index + 1], eps)[:-1] + rdp(points[index:], eps)


def area(ring):
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))) / 2


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        source = json.load(f)
    out = []
    for code in DROM:
        feature = next(f for f in source["features"] if f["properties"]["code"] == code)
        g = feature["geometry"]
        polygons = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        outer = [p[0] for p in polygons]
        lats = [lat for ring in outer for _, lat in ring]
        k = math.cos(math.radians(sum(lats) / len(lats)))
        rings = [[(lon * k, -lat) for lon, lat in ring] for ring in outer]
        xs = [x for r in rings for x, _ in r]
        ys = [y for r in rings for _, y in r]
        extent = max(max(xs) - min(xs), max(ys) - min(ys))
        total = sum(area(r) for r in rings)
        kept = []
        for r in rings:
            if area(r) < 0.002 * total:
                continue
            closed = r if r[0] == r[-1] else r + [r[0]]
            s = rdp(closed, 0.003 * extent)[:-1]
            if len(s) >= 3:
                kept.append([[round(x, 4), round(y, 4)] for x, y in s])
        out.append({"code": code, "nom": feature["properties"]["nom"], "polygones": kept})
    doc = {
        "source": "france-geojson (Grégoire David), departements-avec-outre-mer-simplifie.geojson",
        "origine": "IGN Admin Express COG 2018",
        "licence": "Licence Ouverte / Open Licence",
        "attribution": "Outre-mer : IGN Admin Express (Licence Ouverte), via france-geojson",
        "projection": "équirectangulaire locale, x = lon·cos(lat moyenne), y = −lat",
        "departements": out,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    for d in out:
        print(d["code"], len(d["polygones"]), sum(len(p) for p in d["polygones"]), "points")


if __name__ == "__main__":
    main()
