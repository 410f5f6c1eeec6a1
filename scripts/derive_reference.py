#!/usr/bin/env python3
"""Derive the committed reference geography from @etalab/decoupage-administratif.

Usage: python3 scripts/derive_reference.py [WORKDIR]

Downloads the package versions below with `npm pack` (npm registry), unpacks them in
WORKDIR (default: a temporary directory) and writes fixtures/reference/*.csv.
The output is deterministic: rerunning it gives byte-identical files.

Data licence: Licence Ouverte / Open Licence 2.0 (Etalab); package code: MIT.
"""
import csv
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict

PACKAGE = "@etalab/decoupage-administratif"
# COG (boundary) year -> package version
VERSIONS = {2022: "2.3.1", 2025: "5.3.0", 2026: "6.0.0"}
CURRENT = "6.0.0"
# Older package versions read only for the names of former communes (COG 2021, 2023, 2024).
HISTORY = ["1.1.1", "3.1.1", "4.1.0"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "reference")


def unpack(workdir, version):
    dest = os.path.join(workdir, version)
    if not os.path.isdir(os.path.join(dest, "package")):
        os.makedirs(dest, exist_ok=True)
        tgz = subprocess.run(
            ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],
            cwd=dest, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        with tarfile.open(os.path.join(dest, tgz)) as t:
            t.extractall(dest, filter="data")
    return os.path.join(dest, "package", "data")


def load(data, name):
    with open(os.path.join(data, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def write(name, header, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def dept_sort_key(code):
    # 01..19, 2A, 2B, 21..95, 971..976
    if code in ("2A", "2B"):
        return (20, code)
    return (int(code), "")


def main():
    workdir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="decoupage-")
    data = {v: unpack(workdir, v) for v in VERSIONS.values()}
    cur = data[CURRENT]

    regions = [r for r in load(cur, "regions") if r["zone"] in ("metro", "drom")]
    region_name = {r["code"]: r["nom"] for r in regions}
    write(
        "regions.csv",
        # tncc: the region's typeLiaison (INSEE's TNCC), as for départements below.
        ["code_region", "nom_region", "zone", "chef_lieu", "tncc"],
        sorted(([r["code"], r["nom"], r["zone"], r["chefLieu"], r["typeLiaison"]] for r in regions), key=lambda r: r[0]),
    )

    depts = [d for d in load(cur, "departements") if d["zone"] in ("metro", "drom")]
    assert len(depts) == 101, len(depts)
    communes = [c for c in load(cur, "communes") if c["type"] == "commune-actuelle"]
    n_communes = Counter(c["departement"] for c in communes)
    write(
        "departements.csv",
        ["code_departement", "nom_departement", "code_region", "nom_region", "zone", "chef_lieu", "nb_communes", "tncc"],
        sorted(
            (
                # typeLiaison: INSEE's TNCC (type de nom en clair), the article and elision
                # of the name (0 « de Paris », 1 « d'Ille-et-Vilaine », 2 « du Tarn »,
                # 3 « de la Creuse », 4 « des Vosges », 5 « de l'Ain »).
                [d["code"], d["nom"], d["region"], region_name[d["region"]], d["zone"], d["chefLieu"], n_communes[d["code"]],
                 d["typeLiaison"]]
                for d in depts
            ),
            key=lambda r: dept_sort_key(r[0]),
        ),
    )
    codes = {d["code"] for d in depts}

    # Legal municipal population by département for each boundary year.
    pop_rows = []
    for year, version in sorted(VERSIONS.items()):
        s = Counter()
        for c in load(data[version], "communes"):
            if c["type"] == "commune-actuelle" and c.get("departement") in codes:
                s[c["departement"]] += c.get("population", 0)
        for code in sorted(codes, key=dept_sort_key):
            pop_rows.append([code, year, version, s[code]])
    write("population-legale.csv", ["code_departement", "annee_cog", "version_paquet", "population_municipale"], pop_rows)

    # EPCI à fiscalité propre with the départements of their member communes, by population share.
    commune_dept = {c["code"]: c["departement"] for c in communes}
    rows = []
    for e in load(cur, "epci"):
        share = defaultdict(int)
        for m in e["membres"]:
            share[commune_dept.get(m["code"], "?")] += m.get("populationMunicipale", 0)
        depts_sorted = sorted(share, key=lambda k: (-share[k], k))
        rows.append([
            e["code"], e["nom"], e["type"], e["populationTotale"], e["populationMunicipale"],
            len(e["membres"]), "|".join(depts_sorted),
        ])
    rows.sort(key=lambda r: r[0])
    write(
        "epci.csv",
        ["siren", "nom", "type", "population_totale", "population_municipale", "nb_communes", "departements"],
        rows,
    )

    # Communes (COG 2026) with their EPCI and legal municipal population: the level below
    # the département (issue 20).
    epci_of = {}
    for e in load(cur, "epci"):
        for m in e["membres"]:
            epci_of[m["code"]] = e["code"]
    write(
        "communes.csv",
        ["code_commune", "nom", "code_departement", "siren_epci", "population_municipale"],
        sorted(
            ([c["code"], c["nom"], c["departement"], epci_of.get(c["code"], ""), c.get("population", 0)]
             for c in communes if c["departement"] in codes),
            key=lambda r: r[0],
        ),
    )
    # Codes that are not current communes, and the commune they belong to: communes
    # déléguées and associées (former communes merged into a commune nouvelle, or
    # associated with another), the arrondissements of Paris, Lyon and Marseille, and the
    # former communes merged without a commune déléguée.
    former = []
    for c in load(cur, "communes"):
        if c["type"] in ("commune-deleguee", "commune-associee") and c["code"] != c["chefLieu"]:
            former.append([c["code"], c["chefLieu"], c["type"].split("-")[1], c["nom"]])
        elif c["type"] == "arrondissement-municipal":
            former.append([c["code"], c["commune"], "arrondissement", c["nom"]])
    # Former codes of merged communes that did not become communes déléguées (the COG's
    # history, `anciensCodes` of the current commune), named after the last package that
    # lists them as communes.
    known = {r[0] for r in former} | {c["code"] for c in communes}
    old_names = {}
    for version in HISTORY + sorted(VERSIONS.values()):
        for c in load(unpack(workdir, version), "communes"):
            if c["type"] == "commune-actuelle":
                old_names[c["code"]] = c["nom"]
    for c in communes:
        if c["departement"] not in codes:
            continue
        for old in c.get("anciensCodes", []):
            if old not in known:
                known.add(old)
                former.append([old, c["code"], "ancienne", old_names.get(old, "")])
    write(
        "communes-codes.csv",
        ["code", "code_commune", "nature", "nom"],
        sorted(former, key=lambda r: r[0]),
    )


if __name__ == "__main__":
    main()
