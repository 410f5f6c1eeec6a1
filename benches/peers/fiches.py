#!/usr/bin/env python3
"""The Python peer of the fiche benchmark (issue 21, scripts/bench.sh).

Renders one simpler one-page PDF fiche per département the way a pandas + matplotlib +
jinja2 + typst script would: pandas reads the edition's downloadable tables, matplotlib
draws the département among all départements (SVG), jinja2 fills a typst template, and the
typst Python binding compiles each fiche to PDF.

    python fiches.py <edition>/tables <out-dir>

Its inputs are the tables of a barometre edition (`barometre build`), so both sides render
the same numbers. It is a benchmark peer, not a product: no tests, no error handling beyond
what pandas and typst do.
"""

import sys
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import typst  # noqa: E402

INDICATORS = [
    ("effectif_generalistes", "Généralistes", "{:.0f}"),
    ("densite_generalistes", "Généralistes pour 100 000 hab.", "{:.1f}"),
    ("pdsa_participation", "Participation à la PDSA (%)", "{:.1f}"),
    ("sas_population_couverte", "Population couverte par un SAS (%)", "{:.1f}"),
    ("sas_rendez_vous", "Rendez-vous SAS pour 100 000 hab.", "{:.1f}"),
    ("sans_medecin_traitant", "Sans médecin traitant (%)", "{:.2f}"),
]

TEMPLATE = r"""
#set page(paper: "a4", margin: 1.6cm)
#set text(lang: "fr", size: 10pt)
= {{ nom }} ({{ code }})
Région {{ region }} — données {{ annee }} comparées à l'édition {{ precedente }}

#table(
  columns: (1fr, auto, auto, auto, auto),
  align: (left, right, right, right, right),
  table.header([*Indicateur*], [*Valeur*], [*Précédente*], [*Évolution*], [*France*]),
{%- for r in lignes %}
  [{{ r.libelle }}], [{{ r.valeur }}], [{{ r.precedente }}], [{{ r.evolution }}], [{{ r.france }}],
{%- endfor %}
)

#figure(image("{{ figure }}", width: 100%), caption: [Généralistes pour 100 000 habitants, {{ annee }} : {{ nom }} parmi les départements])

#text(size: 8pt)[Sources : {{ sources }}]
"""


def fmt(template, value):
    if pd.isna(value):
        return "n.d."
    return template.format(value).replace(".", ",")


def column(df, stem, year):
    name = f"{stem}_{year}"
    return df[name] if name in df.columns else None


def main(tables, out):
    out.mkdir(parents=True, exist_ok=True)
    wide = pd.read_csv(tables / "barometre-2025-departements.csv", dtype={"code_departement": str, "code_region": str})
    density = pd.read_csv(tables / "densite-generalistes-2025.csv", dtype={"code": str})
    france = density[density["niveau"] == "france"].iloc[0]
    depts = density[density["niveau"] == "departement"]
    values = depts["valeur"].to_numpy()
    national = {}
    for stem, _, _ in INDICATORS:
        t = sorted(tables.glob(stem.replace("_", "-") + "-*.csv"))
        if t:
            f = pd.read_csv(t[0], dtype={"code": str})
            national[stem] = f[f["niveau"] == "france"]["valeur"].iloc[0]
    env = jinja2.Environment(autoescape=False)
    template = env.from_string(TEMPLATE)
    sources = "; ".join(pd.read_csv(tables / "sources.csv")["source"].tolist())
    for _, row in wide.iterrows():
        code = row["code_departement"]
        lines = []
        for stem, label, f in INDICATORS:
            year = next((c.split("_")[-1] for c in wide.columns if c.startswith(stem + "_") and c[-4:].isdigit()), None)
            if year is None:
                continue
            years = sorted({c.split("_")[-1] for c in wide.columns if c.startswith(stem + "_") and c[-4:].isdigit()})
            value = row.get(f"{stem}_{years[-1]}")
            previous = row.get(f"{stem}_{years[0]}") if len(years) > 1 else float("nan")
            change = value - previous if not (pd.isna(value) or pd.isna(previous)) else float("nan")
            lines.append({
                "libelle": label,
                "valeur": fmt(f, value),
                "precedente": fmt(f, previous),
                "evolution": fmt("{:+.1f}", change),
                "france": fmt(f, national.get(stem, float("nan"))),
            })
        fig, ax = plt.subplots(figsize=(7, 1.6))
        ax.scatter(values, [0] * len(values), s=18, alpha=0.35, color="#4a78b5")
        mine = depts[depts["code"] == code]["valeur"]
        if len(mine):
            ax.scatter(mine, [0], s=60, color="#c0392b", zorder=3)
            ax.annotate(f"{row['departement']} {fmt('{:.0f}', mine.iloc[0])}", (mine.iloc[0], 0), xytext=(0, 10),
                        textcoords="offset points", ha="center", fontsize=8)
        ax.axvline(france["valeur"], color="#e67e22", lw=1)
        ax.set_yticks([])
        ax.spines[["left", "top", "right"]].set_visible(False)
        fig.tight_layout()
        svg = out / f"{code}.svg"
        fig.savefig(svg)
        plt.close(fig)
        source = template.render(nom=row["departement"], code=code, region=row["region"], annee=2025,
                                 precedente=2023, lignes=lines, figure=svg.name, sources=sources)
        typ = out / f"{code}.typ"
        typ.write_text(source, encoding="utf-8")
        typst.compile(str(typ), output=str(out / f"{code}.pdf"), root=str(out))
    print(f"{len(wide)} fiches in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
