#!/usr/bin/env python3
"""Write small fixtures shaped like the official source files (fixtures/real/).

Usage: python3 scripts/make_real_fixtures.py

Needs openpyxl and xlwt (`pip install openpyxl xlwt`). Inputs are only the project's
own fixtures: fixtures/reference/*.csv (real reference geography) and fixtures/demo/*.csv
(synthetic demo edition). Every number written is SYNTHETIC: derived from the demo set
(GP counts 2020-2025 and populations 2020-2025 are copied exactly, so that a tool reading
these files reproduces the demo results), other years and breakdowns are invented by the
deterministic rules below.

Output is deterministic: rerunning the script gives byte-identical files (the .xlsx zip
entries get a fixed timestamp and fixed document properties).

At the end the script re-reads what it wrote and computes fixtures/real/expected.json
(independent reference values for the tests).
"""
import csv
import datetime
import io
import json
import math
import os
import re
import unicodedata
import zipfile
from collections import defaultdict

import openpyxl
import xlwt
from openpyxl.writer.excel import ExcelWriter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "fixtures", "reference")
DEMO = os.path.join(ROOT, "fixtures", "demo")
OUT = os.path.join(ROOT, "fixtures", "real")

FIXED_TIME = datetime.datetime(2025, 11, 20, 0, 0, 0)
DREES_YEARS = list(range(2012, 2027))
INSEE_XLSX_YEARS = list(range(2026, 2019, -1))  # sheets in descending order, as INSEE does
INSEE_XLS_YEARS = list(range(2023, 2019, -1))
AMELI_YEARS = [2022, 2023, 2024]
SYNTHETIC = "EXTRAIT SYNTHÉTIQUE pour les tests de barometre : chiffres fictifs (dérivés du jeu de démonstration), seule la forme imite le fichier officiel."


# ---------------------------------------------------------------------------
# helpers


def rnd(x):
    """Round half up (Python's round() is banker's rounding)."""
    return int(math.floor(x + 0.5))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def out_path(*parts):
    p = os.path.join(OUT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write_text(path, text, encoding="utf-8"):
    with open(path, "wb") as f:
        f.write(text.encode(encoding))


def csv_text(rows, delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
    w.writerows(rows)
    return buf.getvalue()


def new_workbook():
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    return wb


def save_xlsx(wb, path):
    """Save with fixed properties and fixed zip timestamps (byte-reproducible)."""
    p = wb.properties
    p.creator = "barometre fixtures"
    p.lastModifiedBy = "barometre fixtures"
    p.created = FIXED_TIME
    p.modified = FIXED_TIME
    raw = io.BytesIO()
    # openpyxl's save_workbook() overwrites `modified` with the current time: use the writer.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(raw) as src:
        parts = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    parts = shared_strings(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts:
            zi = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    with open(path, "wb") as f:
        f.write(out.getvalue())


INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t( xml:space="preserve")?>(.*?)</t></is></c>',
                    re.S)


def shared_strings(parts):
    """openpyxl >= 3.1 writes inline strings; Excel (and the official files) use a shared
    string table. Rewrite the worksheets to use xl/sharedStrings.xml, in order of appearance."""
    index, order, count = {}, [], 0

    def repl(m):
        nonlocal count
        key = (m.group(3) or "", m.group(4))
        if key not in index:
            index[key] = len(order)
            order.append(key)
        count += 1
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{index[key]}</v></c>'

    sheets = sorted((n for n, _ in parts if n.startswith("xl/worksheets/sheet")),
                    key=lambda n: int(re.search(r"([0-9]+)\.xml$", n).group(1)))
    data = dict(parts)
    for n in sheets:
        data[n] = INLINE.sub(repl, data[n].decode("utf-8")).encode("utf-8")
    if not order:
        return parts
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           f'count="{count}" uniqueCount="{len(order)}">'
           + "".join(f"<si><t{sp}>{t}</t></si>" for sp, t in order) + "</sst>")
    ct = "[Content_Types].xml"
    data[ct] = data[ct].replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
                                b"</Types>")
    rels = "xl/_rels/workbook.xml.rels"
    assert b'Id="rIdSST"' not in data[rels]
    data[rels] = data[rels].replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                                    b'Id="rIdSST" /></Relationships>')
    out = []
    for n, _ in parts:
        out.append((n, data[n]))
        if n == "xl/styles.xml":
            out.append(("xl/sharedStrings.xml", sst.encode("utf-8")))
    assert any(n == "xl/sharedStrings.xml" for n, _ in out)
    for n in sheets:
        assert b"inlineStr" not in data[n], n
    return out


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


# ---------------------------------------------------------------------------
# inputs

DEPTS = read_csv(os.path.join(REF, "departements.csv"))
assert len(DEPTS) == 101
CODES = [d["code_departement"] for d in DEPTS]
DEPT = {d["code_departement"]: d for d in DEPTS}
REGIONS = {r["code_region"]: r for r in read_csv(os.path.join(REF, "regions.csv"))}
EPCI = read_csv(os.path.join(REF, "epci.csv"))
EPCI_BY_SIREN = {e["siren"]: e for e in EPCI}
DOM = [c for c in CODES if len(c) == 3]
METRO = [c for c in CODES if len(c) == 2]

GP = {}  # (code, year) -> count, demo 2020..2025
for r in read_csv(os.path.join(DEMO, "generalistes.csv")):
    GP[(r["code_departement"], int(r["annee"]))] = int(r["effectif"])
POP = {}  # (code, year) -> population, demo 2020..2025
for r in read_csv(os.path.join(DEMO, "population.csv")):
    POP[(r["code_departement"], int(r["annee"]))] = int(r["population"])
for c in CODES:
    for y in range(2020, 2026):
        assert (c, y) in GP and (c, y) in POP, (c, y)


def gp_total(code, year):
    """GP total of a département: demo 2020-2025, invented otherwise. None = ND."""
    i = CODES.index(code)
    if code == "976" and year in (2012, 2013):
        return None
    if 2020 <= year <= 2025:
        return GP[(code, year)]
    if year < 2020:
        return rnd(GP[(code, 2020)] * (1 + 0.004 * (2020 - year)))
    return GP[(code, 2025)] + (i % 7) - 3  # 2026


def pop_nearest(code, year):
    """Demo population of the year, or of the nearest demo year (2020..2025)."""
    return POP[(code, min(max(year, 2020), 2025))]


def insee_total(code, year):
    if year == 2026:
        return rnd(POP[(code, 2025)] * 1.003)
    return POP[(code, year)]


# ---------------------------------------------------------------------------
# 1. DREES, Médecins RPPS 2012-2026.xlsx


def drees_region_label(code_region):
    return f"{code_region}-{REGIONS[code_region]['nom_region']}"


def drees_dept_label(code):
    name = DEPT[code]["nom_departement"]
    if len(code) == 3:
        return f"{code} -{name}"  # the real file has a stray space for the 97x codes
    return f"{code.zfill(3)}-{name}"


# (specialites_agregees, exercice, sexe), in the order of the real file
COMBOS = [
    ("00-Ensemble", "0-Ensemble", "0-Ensemble"),
    ("01-Médecine générale", "0-Ensemble", "0-Ensemble"),
    ("01-Médecine générale", "0-Ensemble", "2-Femmes"),
    ("01-Médecine générale", "1-Libéral", "0-Ensemble"),
    ("02-Chirurgie", "0-Ensemble", "0-Ensemble"),
]
GP_TOTAL = COMBOS[1]


def drees_value(code, combo, year):
    i = CODES.index(code)
    t = gp_total(code, year)
    if combo == GP_TOTAL:
        return t
    if t is None:  # derived from the GP total; 976 in 2012-2013: use the 2014 value
        t = gp_total(code, 2014)
    spec, ex, sexe = combo
    if spec == "00-Ensemble":
        return rnd(t * (2.1 + 0.05 * (i % 5)))
    if sexe == "2-Femmes":
        return rnd(t * (0.40 + 0.01 * (year - 2012)))
    if ex == "1-Libéral":
        return rnd(t * (0.62 - 0.004 * (year - 2012)))
    # 02-Chirurgie: small counts withheld ("ND") in Mayotte and Lozère
    if (code == "976" and year <= 2019) or (code == "48" and year <= 2016):
        return None
    return rnd(t * (0.24 + 0.01 * (i % 4)))


def drees_header(prefix):
    return ["territoire", "region", "departement", "specialites_agregees", "specialites", "exercice",
            "tranche_age", "sexe"] + [f"{prefix}_{y}" for y in DREES_YEARS]


def drees_row(territoire, region, dept, combo, values):
    spec, ex, sexe = combo
    return [territoire, region, dept, spec, "00-Ensemble", ex, "00-Ensemble", sexe] + [
        "ND" if v is None else v for v in values]


def make_drees():
    wb = new_workbook()
    ws = wb.create_sheet("Lisez-moi")
    for line in [
        "Médecins inscrits au RPPS, effectifs et densités au 1er janvier, 2012-2026",
        SYNTHETIC,
        "",
        "Onglet « Effectifs » : effectifs par territoire, spécialité, mode d'exercice, tranche d'âge et sexe.",
        "Onglet « Densités » : densités pour 100 000 habitants.",
        "Onglet « Effectifs par spécialités » : effectifs par spécialité détaillée.",
        "ND : donnée non diffusée (effectif inférieur à 10 ou secret statistique).",
        "Source : RPPS, traitements DREES ; population : Insee, estimations de population.",
    ]:
        ws.append([line] if line else [])

    def preamble(ws, title):
        ws.append([title])
        ws.append(["Source : RPPS, traitements DREES"])
        ws.append([])

    # Effectifs
    ws = wb.create_sheet("Effectifs")
    preamble(ws, "Effectifs de médecins au 1er janvier, 2012-2026")
    ws.append(drees_header("effectif"))
    for combo in COMBOS:
        sums = [sum(drees_value(c, combo, y) or 0 for c in CODES) for y in DREES_YEARS]
        ws.append(drees_row("France", "00-Ensemble", "000-Ensemble", combo, sums))
    for c in CODES:
        reg = drees_region_label(DEPT[c]["code_region"])
        for combo in COMBOS:
            ws.append(drees_row("Département", reg, drees_dept_label(c), combo,
                                [drees_value(c, combo, y) for y in DREES_YEARS]))

    # Densités (GP totals only)
    ws = wb.create_sheet("Densités")
    preamble(ws, "Densités de médecins pour 100 000 habitants au 1er janvier, 2012-2026")
    ws.append(drees_header("densite"))
    nat = []
    for y in DREES_YEARS:
        n = sum(gp_total(c, y) or 0 for c in CODES)
        p = sum(pop_nearest(c, y) for c in CODES)
        nat.append(round(n / p * 1e5, 1))
    ws.append(drees_row("France", "00-Ensemble", "000-Ensemble", GP_TOTAL, nat))
    for c in CODES:
        vals = []
        for y in DREES_YEARS:
            n = gp_total(c, y)
            vals.append(None if n is None else round(n / pop_nearest(c, y) * 1e5, 1))
        ws.append(drees_row("Département", drees_region_label(DEPT[c]["code_region"]), drees_dept_label(c),
                            GP_TOTAL, vals))

    # Effectifs par spécialités (a few "00-Ensemble" rows)
    ws = wb.create_sheet("Effectifs par spécialités")
    preamble(ws, "Effectifs de médecins par spécialité au 1er janvier, 2012-2026")
    ws.append(drees_header("effectif"))
    for c in ["01", "2A", "23", "75", "976"]:
        ws.append(drees_row("Département", drees_region_label(DEPT[c]["code_region"]), drees_dept_label(c),
                            COMBOS[0], [drees_value(c, COMBOS[0], y) for y in DREES_YEARS]))
    save_xlsx(wb, out_path("drees", "medecins-rpps-extrait.xlsx"))


# ---------------------------------------------------------------------------
# 2-3. INSEE, estimation de la population par département, sexe et grande classe d'âge

AGE_LABELS = ["0 à 19 ans", "20 à 39 ans", "40 à 59 ans", "60 à 74 ans", "75 ans et plus", "Total"]
AGE_SHARES = [0.23, 0.22, 0.25, 0.18]  # the 5th band takes the remainder


def insee_breakdown(total):
    """[Ensemble x6, Hommes x6, Femmes x6], each ending with its Total; adds up exactly."""
    bands = [rnd(total * s) for s in AGE_SHARES]
    bands.append(total - sum(bands))
    men = [rnd(b * 0.485) for b in bands]
    women = [b - m for b, m in zip(bands, men)]
    return bands + [total] + men + [sum(men)] + women + [sum(women)]


INSEE_NOTES = [
    "Source : Insee, estimations de population (résultats provisoires arrêtés fin 2025).",
    "Champ : France hors Mayotte jusqu'en 2013, y compris Mayotte à partir de 2014.",
]
A_SAVOIR = [
    "Estimation de la population au 1er janvier, par département, sexe et grande classe d'âge",
    SYNTHETIC,
    "",
    "Les estimations de population sont calées sur les résultats des recensements.",
    "Les résultats des trois dernières années sont provisoires.",
    "Un onglet par année, de la plus récente à la plus ancienne.",
]


def insee_rows(year):
    """Data rows (from row 6): (col A value, col B value, 18 numbers)."""
    rows = []
    for c in METRO:
        rows.append((c, DEPT[c]["nom_departement"], insee_breakdown(insee_total(c, year))))
    metro = [sum(col) for col in zip(*[r[2] for r in rows])]
    rows.append(("France métropolitaine", "", metro))
    dom_rows = []
    for c in DOM:
        dom_rows.append((int(c), DEPT[c]["nom_departement"], insee_breakdown(insee_total(c, year))))
    rows += dom_rows
    dom = [sum(col) for col in zip(*[r[2] for r in dom_rows])]
    rows.append(("DOM", "", dom))
    rows.append(("France métropolitaine et DOM", "", [a + b for a, b in zip(metro, dom)]))
    return rows


def make_insee_xlsx():
    wb = new_workbook()
    ws = wb.create_sheet("À savoir")
    for line in A_SAVOIR:
        ws.append([line] if line else [])
    for y in INSEE_XLSX_YEARS:
        ws = wb.create_sheet(str(y))
        ws.append([f"Estimation de la population au 1er janvier {y}"])
        ws.append(["Extrait synthétique (chiffres fictifs)"])
        ws.cell(row=3, column=1, value="Départements")
        for label, col in [("Ensemble", 3), ("Hommes", 9), ("Femmes", 15)]:
            ws.cell(row=3, column=col, value=label)
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 5)
            for k, age in enumerate(AGE_LABELS):
                ws.cell(row=4, column=col + k, value=age)
        r = 6
        for a, b, nums in insee_rows(y):
            ws.cell(row=r, column=1, value=a)
            if b:
                ws.cell(row=r, column=2, value=b)
            for k, v in enumerate(nums):
                ws.cell(row=r, column=3 + k, value=v)
            r += 1
        for note in INSEE_NOTES:
            ws.cell(row=r, column=1, value=note)
            r += 1
    save_xlsx(wb, out_path("insee", "estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx"))


def make_insee_xls():
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("À savoir")
    for i, line in enumerate(A_SAVOIR):
        if line:
            ws.write(i, 0, line)
    for y in INSEE_XLS_YEARS:
        ws = wb.add_sheet(str(y))
        ws.write(0, 0, f"Estimation de la population au 1er janvier {y}")
        ws.write(1, 0, "Extrait synthétique (chiffres fictifs)")
        ws.write(2, 0, "Départements")
        for label, col in [("Ensemble", 2), ("Hommes", 8), ("Femmes", 14)]:
            ws.write_merge(2, 2, col, col + 5, label)
            for k, age in enumerate(AGE_LABELS):
                ws.write(3, col + k, age)
        r = 5
        for a, b, nums in insee_rows(y):
            ws.write(r, 0, a)
            if b:
                ws.write(r, 1, b)
            for k, v in enumerate(nums):
                ws.write(r, 2 + k, v)
            r += 1
        for note in INSEE_NOTES:
            ws.write(r, 0, note)
            r += 1
    wb.save(out_path("insee", "estim-pop-dep-sexe-gca-1975-2023-extrait.xls"))


# ---------------------------------------------------------------------------
# 4. data.ameli.fr, demographie-effectifs-et-les-densites (Opendatasoft CSV export)

AMELI_GP = "Médecins généralistes (hors MEP)"
AMELI_NURSE = "Infirmiers"
AGE_ORDER = ["Tout âge", "moins de 40 ans", "40 à 54 ans", "55 ans et plus"]
SEX_ORDER = ["tout sexe", "hommes", "femmes"]


def make_ameli():
    header = ["annee", "profession_sante", "departement", "code_region", "libelle_classe_age", "libelle_sexe",
              "effectif", "densite"]
    rows = []
    for y in AMELI_YEARS:
        nat = defaultdict(int)
        for c in CODES:
            i = CODES.index(c)
            label = f"{c} - {DEPT[c]['nom_departement']}"
            reg = DEPT[c]["code_region"]
            pop = POP[(c, y)]
            gp = rnd(GP[(c, y)] * 0.55)
            young = rnd(gp * (0.20 + 0.01 * (i % 6) + 0.005 * (y - 2022)))
            women = rnd(gp * (0.46 + 0.01 * (i % 5) + 0.01 * (y - 2022)))
            nurses = rnd(pop * (140 + 10 * (i % 9) + 2 * (y - 2022)) / 1e5)
            for prof, age, sexe, n in [(AMELI_GP, "Tout âge", "tout sexe", gp),
                                       (AMELI_GP, "moins de 40 ans", "tout sexe", young),
                                       (AMELI_GP, "Tout âge", "femmes", women),
                                       (AMELI_NURSE, "Tout âge", "tout sexe", nurses)]:
                rows.append((y, prof, label, reg, age, sexe, n, n / pop * 1e5))
            nat[AMELI_GP] += gp
            nat[AMELI_NURSE] += nurses
        npop = sum(POP[(c, y)] for c in CODES)
        for prof in (AMELI_GP, AMELI_NURSE):
            rows.append((y, prof, "999 - France", "99", "Tout âge", "tout sexe", nat[prof], nat[prof] / npop * 1e5))
    rows.sort(key=lambda r: (r[0], r[1], r[2], AGE_ORDER.index(r[4]), SEX_ORDER.index(r[5])))
    out = [header] + [[str(y), p, d, reg, a, s, str(n), f"{dens:.1f}"] for y, p, d, reg, a, s, n, dens in rows]
    write_text(out_path("ameli", "demographie-effectifs-et-les-densites-extrait.csv"), csv_text(out, ";"))


# ---------------------------------------------------------------------------
# 5. Etalab contours, departements-100m.geojson


def square(lon, lat, half=0.15):
    ring = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half),
            (lon - half, lat + half), (lon - half, lat - half)]  # counterclockwise, closed
    return [[[round(x, 5), round(y, 5)] for x, y in ring]]


DOM_POSITIONS = {"971": (-61.5, 16.2), "972": (-61.0, 14.6), "973": (-53.0, 4.0), "974": (55.5, -21.1),
                 "976": (45.15, -12.8)}


def make_geojson():
    # 96 metropolitan départements on a 12 x 8 grid inside lon -4.5..8, lat 42.5..51
    cols, nrows = 12, 8
    feats = []
    for i, c in enumerate(METRO):
        col, row = i % cols, i // cols
        lon = -4.2 + col * (11.9 / (cols - 1))
        lat = 50.7 - row * (7.9 / (nrows - 1))
        if c == "2B":
            geom = {"type": "MultiPolygon", "coordinates": [square(lon, lat), square(lon + 0.35, lat - 0.35, 0.1)]}
        else:
            geom = {"type": "Polygon", "coordinates": square(lon, lat)}
        feats.append((c, geom))
    for c in DOM:
        feats.append((c, {"type": "Polygon", "coordinates": square(*DOM_POSITIONS[c])}))
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g,
         "properties": {"code": c, "nom": DEPT[c]["nom_departement"], "region": DEPT[c]["code_region"]}}
        for c, g in feats]}
    write_text(out_path("contours", "departements-extrait.geojson"),
               json.dumps(fc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")


# ---------------------------------------------------------------------------
# 6. analyst templates, tolerant-reader variants


def make_pdsa():
    wb = new_workbook()
    ws = wb.create_sheet("PDSA")
    rows = read_csv(os.path.join(DEMO, "pdsa.csv"))
    cols = ["code_departement", "annee", "secteurs", "generalistes_concernes", "generalistes_volontaires"]
    ws.append(cols)
    for r in rows:
        code = r["code_departement"]
        code_cell = int(code) if (code.isdigit() and (int(code) < 10 or len(code) == 3)) else code
        ws.append([code_cell, int(r["annee"])] +
                  [v if v == "ND" else int(v) for v in (r[k] for k in cols[2:])])
    save_xlsx(wb, out_path("templates", "pdsa.xlsx"))


def make_sas():
    rows = read_csv(os.path.join(DEMO, "sas.csv"))
    cols = ["id_sas", "nom_sas", "departements", "date_ouverture", "annee", "rdv_plateforme"]
    out = [cols]
    for r in rows:
        d = datetime.date.fromisoformat(r["date_ouverture"])
        out.append([r["id_sas"], r["nom_sas"], r["departements"], d.strftime("%d/%m/%Y"), r["annee"],
                    r["rdv_plateforme"]])
    write_text(out_path("templates", "sas.csv"), csv_text(out, ";", "\r\n"), encoding="cp1252")


def norm_name(s):
    """A plausible tolerant matching key, used only to check the expected answers."""
    s = strip_accents(s).lower().replace("-", " ").replace("'", " ").replace("’", " ")
    s = " ".join(s.split())
    for long, short in [("communaute de communes ", "cc "), ("communaute d agglomeration ", "ca "),
                        ("communaute urbaine ", "cu ")]:
        if s.startswith(long):
            s = short + s[len(long):]
    return s


def vary(name, used):
    """Apply the least used typing variation that changes the name (ties: list order)."""
    kinds = [k for k in VARIATIONS if vary_once(name, k) != name]
    kind = min(kinds, key=lambda k: (used[k], VARIATIONS.index(k)))
    used[kind] += 1
    return vary_once(name, kind)


VARIATIONS = ["lower", "accents", "hyphens", "cc", "spaces"]


def vary_once(name, kind):
    if kind == "cc":
        return "Communauté de communes " + name[3:] if name.startswith("CC ") else name
    if kind == "lower":
        return name.lower()
    if kind == "accents":
        return strip_accents(name)
    if kind == "hyphens":
        return name.replace("-", " ")
    if kind == "cc":
        return "Communauté de communes " + name[3:]
    if kind == "spaces":
        return "  " + name.replace(" ", "  ", 2) + " "
    raise ValueError(kind)


def make_zones_rouges():
    demo = read_csv(os.path.join(DEMO, "zones-rouges.csv"))
    assert len(demo) == 151
    by_key = defaultdict(set)
    for e in EPCI:
        by_key[norm_name(e["nom"])].add(e["siren"])
    items = []
    for r in demo:
        e = EPCI_BY_SIREN[r["siren"]]
        # A name shared by two EPCI cannot be resolved by name alone: left out.
        if len(by_key[norm_name(e["nom"])]) > 1:
            continue
        items.append((REGIONS[r["code_region"]]["nom_region"], e["nom"], e["siren"]))
    items.sort()
    rows, expected, used = [], [], defaultdict(int)
    for i, (region, nom, siren) in enumerate(items):
        typed = vary(nom, used) if i % 3 == 0 else nom
        assert by_key[norm_name(typed)] == {siren}, (typed, siren)
        rows.append([region, typed])
        expected.append([typed, siren])
    for region, typed in [("Hauts-de-France", "CC Imaginaire du Nord"),
                          ("Occitanie", "Communauté de communes de Nulle-Part")]:
        assert not by_key[norm_name(typed)]
        rows.append([region, typed])
        expected.append([typed, ""])
    write_text(out_path("templates", "zones-rouges-noms.csv"),
               "\ufeff" + csv_text([["region", "nom_epci"]] + rows, ";"))
    write_text(out_path("templates", "zones-rouges-noms.expected.csv"),
               csv_text([["nom_saisi", "siren_attendu"]] + expected, ",", quoting=csv.QUOTE_ALL))


def make_sans_medecin_traitant():
    rows = read_csv(os.path.join(DEMO, "sans-medecin-traitant.csv"))
    header = csv_text([["Code département", "Année", "Patients sans médecin traitant", "dont ALD"]], ",",
                      quoting=csv.QUOTE_ALL)
    body = csv_text([[r["code_departement"], r["annee"], r["patients_sans_medecin_traitant"], r["dont_ald"]]
                     for r in rows], ",")
    write_text(out_path("templates", "sans-medecin-traitant.csv"), header + body)


def make_missions():
    rows = read_csv(os.path.join(DEMO, "missions-solidarite.csv"))
    cols = ["mois", "code_departement", "medecins_inscrits", "medecins_mobilises", "jours_mission", "consultations"]
    wb = new_workbook()
    ws = wb.create_sheet("Missions")
    ws.append(cols)
    for r in rows:
        y, m = (int(x) for x in r["mois"].split("-"))
        ws.append([datetime.date(y, m, 1), r["code_departement"]] + [int(r[k]) for k in cols[2:]])
        ws.cell(row=ws.max_row, column=1).number_format = "mm/yyyy"
    save_xlsx(wb, out_path("templates", "missions-solidarite.xlsx"))


def make_renoncement():
    rows = read_csv(os.path.join(DEMO, "renoncement.csv"))
    cols = ["id", "annee", "code_departement", "tranche_age", "sexe", "poids", "renoncement", "motif"]
    seen = defaultdict(int)
    out = [cols]
    for r in rows:
        if seen[r["annee"]] >= 600:
            continue
        seen[r["annee"]] += 1
        out.append([r["id"], r["annee"], r["code_departement"], r["tranche_age"], r["sexe"],
                    r["poids"].replace(".", ","), {"1": "oui", "0": "non"}[r["renoncement"]], r["motif"]])
    assert all(n == 600 for n in seen.values())
    write_text(out_path("templates", "renoncement.csv"), csv_text(out, ";"))


# ---------------------------------------------------------------------------
# 7. expected.json, recomputed from the files written above


def dept_from_drees_label(label):
    code = label.split("-", 1)[0].strip()
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    return code


def read_drees_gp():
    wb = openpyxl.load_workbook(out_path("drees", "medecins-rpps-extrait.xlsx"), read_only=True)
    rows = list(wb["Effectifs"].iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r and r[0] == "territoire")
    head = list(rows[h])
    col = {name: k for k, name in enumerate(head)}
    gp = {}
    for r in rows[h + 1:]:
        if (r[col["territoire"]] == "Département" and r[col["specialites_agregees"]] == "01-Médecine générale"
                and r[col["exercice"]] == "0-Ensemble" and r[col["sexe"]] == "0-Ensemble"):
            code = dept_from_drees_label(r[col["departement"]])
            for y in DREES_YEARS:
                v = r[col[f"effectif_{y}"]]
                gp[(code, y)] = None if v == "ND" else v
    return gp


def read_insee_pop():
    wb = openpyxl.load_workbook(out_path("insee", "estim-pop-dep-sexe-gca-1975-2026-extrait.xlsx"), read_only=True)
    pop = {}
    for y in INSEE_XLSX_YEARS:
        for r in list(wb[str(y)].iter_rows(values_only=True))[5:]:
            a = r[0]
            code = str(a) if isinstance(a, int) else a
            if code in DEPT:
                pop[(code, y)] = r[7]
    return pop


def make_expected():
    gp, pop = read_drees_gp(), read_insee_pop()
    assert len({c for c, _ in gp}) == 101 and len({c for c, _ in pop}) == 101

    def block(codes, y):
        n = sum(gp[(c, y)] for c in codes)
        p = sum(pop[(c, y)] for c in codes)
        return {"generalistes": n, "population": p, "densite_pour_100000": n / p * 1e5}

    dens = {}
    for y in (2020, 2023, 2025):
        dens[str(y)] = {
            "national": block(CODES, y),
            "departements": {c: block([c], y) for c in ["23", "2A", "976"]},
            "regions": {"84": block([c for c in CODES if DEPT[c]["code_region"] == "84"], y)},
        }

    wb = openpyxl.load_workbook(out_path("templates", "pdsa.xlsx"), read_only=True)
    rows = list(wb["PDSA"].iter_rows(values_only=True))
    col = {name: k for k, name in enumerate(rows[0])}
    conc = vol = 0
    for r in rows[1:]:
        c, v = r[col["generalistes_concernes"]], r[col["generalistes_volontaires"]]
        if r[col["annee"]] == 2024 and c != "ND" and v != "ND":
            conc += c
            vol += v

    with open(out_path("templates", "renoncement.csv"), encoding="utf-8", newline="") as f:
        ren = list(csv.DictReader(f, delimiter=";"))
    w_all, w_yes = defaultdict(float), defaultdict(float)
    for r in ren:
        w = float(r["poids"].replace(",", "."))
        w_all[r["annee"]] += w
        if r["renoncement"] == "oui":
            w_yes[r["annee"]] += w

    with open(out_path("templates", "sas.csv"), encoding="cp1252", newline="") as f:
        sas = list(csv.DictReader(f, delimiter=";"))
    rdv = sum(int(r["rdv_plateforme"]) for r in sas if r["annee"] == "2025")

    expected = {
        "_note": "Computed by scripts/make_real_fixtures.py from the fixtures/real/ files themselves "
                 "(GP totals: drees/medecins-rpps-extrait.xlsx, sheet Effectifs, 01-Médecine générale / "
                 "0-Ensemble / 0-Ensemble; populations: insee/...-2026-extrait.xlsx, column H Total).",
        "densite_generalistes": dens,
        "pdsa_taux_participation_2024_pct": vol / conc * 100,
        "pdsa_2024": {"generalistes_concernes": conc, "generalistes_volontaires": vol},
        "renoncement_taux_pondere_pct": {y: w_yes[y] / w_all[y] * 100 for y in sorted(w_all)},
        "renoncement_repondants_par_annee": 600,
        "sas_rdv_plateforme_2025": rdv,
    }
    write_text(out_path("expected.json"), json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return gp, pop


def self_check(gp, pop):
    """The fixtures must carry the demo numbers exactly where promised."""
    for c in CODES:
        for y in range(2020, 2026):
            assert gp[(c, y)] == GP[(c, y)], (c, y)
            assert pop[(c, y)] == POP[(c, y)], (c, y)
        assert pop[(c, 2026)] == rnd(POP[(c, 2025)] * 1.003)
    assert gp[("976", 2012)] is None and gp[("976", 2013)] is None
    assert sum(v is None for v in gp.values()) == 2
    try:
        import xlrd  # optional: only to re-read the .xls
    except ImportError:
        print("xlrd not installed: the .xls was not re-read")
        return
    book = xlrd.open_workbook(out_path("insee", "estim-pop-dep-sexe-gca-1975-2023-extrait.xls"))
    assert book.sheet_names() == ["À savoir"] + [str(y) for y in INSEE_XLS_YEARS]
    for y in INSEE_XLS_YEARS:
        sh = book.sheet_by_name(str(y))
        for r in range(5, sh.nrows):
            a = sh.cell_value(r, 0)
            code = str(int(a)) if isinstance(a, float) else a
            if code in DEPT:
                assert int(sh.cell_value(r, 7)) == POP[(code, y)]


def main():
    make_drees()
    make_insee_xlsx()
    make_insee_xls()
    make_ameli()
    make_geojson()
    make_pdsa()
    make_sas()
    make_zones_rouges()
    make_sans_medecin_traitant()
    make_missions()
    make_renoncement()
    gp, pop = make_expected()
    self_check(gp, pop)
    for dirpath, _, files in sorted(os.walk(OUT)):
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            print(f"{os.path.getsize(p):>8}  {os.path.relpath(p, ROOT)}")


if __name__ == "__main__":
    main()
