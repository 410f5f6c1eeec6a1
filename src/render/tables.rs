//! Downloadable tables: one CSV per indicator (UTF-8, `,`), one row per département,
//! région and France, with the source, data year and vintage on every row.

use std::fmt::Write as _;

use anyhow::Result;

use crate::model::{IndicatorResult, ReportModel, Row};

use super::{RenderContext, Renderer, write};

pub struct Tables;

impl Renderer for Tables {
    fn name(&self) -> &'static str {
        "tables"
    }

    fn render(&self, cx: &RenderContext) -> Result<()> {
        let m = cx.model;
        for ind in &m.indicators {
            write(cx.out, &format!("tables/{}", file_name(ind)), indicator_csv(m, ind).as_bytes())?;
        }
        write(cx.out, "tables/LISEZMOI.md", readme(m).as_bytes())?;
        Ok(())
    }
}

pub fn file_name(ind: &IndicatorResult) -> String {
    format!("{}-{}.csv", ind.id, ind.years[0])
}

/// Header of an indicator table; documented in `LISEZMOI.md`.
pub fn columns(ind: &IndicatorResult) -> Vec<(String, String)> {
    let [_, p, b] = ind.years;
    let c = |n: &str, d: &str| (n.to_string(), d.to_string());
    vec![
        c("niveau", "france, region ou departement"),
        c("code", "code officiel géographique (texte : « 01 », « 2A », « 971 » ; « FR » pour la France)"),
        c("nom", "nom du territoire"),
        c("code_region", "code de la région du département"),
        c("annee", "année des données"),
        c("valeur", &format!("{} ({})", ind.title, ind.unit)),
        c("numerateur", "numérateur (somme pour les régions et la France)"),
        c("denominateur", "dénominateur (somme pour les régions et la France)"),
        c(&format!("valeur_{p}"), &format!("valeur en {p} (édition précédente)")),
        c(&format!("evolution_depuis_{p}"), &format!("évolution absolue depuis {p}")),
        c(&format!("evolution_pct_depuis_{p}"), &format!("évolution relative depuis {p}, en %")),
        c(&format!("valeur_{b}"), &format!("valeur en {b} (année de référence)")),
        c(&format!("evolution_depuis_{b}"), &format!("évolution absolue depuis {b}")),
        c(&format!("evolution_pct_depuis_{b}"), &format!("évolution relative depuis {b}, en %")),
        c(
            &format!("evolution_significative_depuis_{p}"),
            "hausse significative, baisse significative ou stable, selon le test de la méthodologie ; vide sans test",
        ),
        c(&format!("p_valeur_depuis_{p}"), "p-valeur du test de l'évolution"),
        c("ic95_bas", "borne basse de l'intervalle de confiance à 95 %"),
        c("ic95_haut", "borne haute de l'intervalle de confiance à 95 %"),
        c("ecart_france", "valeur moins valeur de la France"),
        c("ecart_region", "valeur du département moins valeur de sa région"),
        c("rang", "rang du département (1 = valeur la plus élevée ; ex aequo au même rang)"),
        c("quintile", "quintile du département (1 = le cinquième aux valeurs les plus faibles)"),
        c("seuils", "seuils franchis (séparés par « | »)"),
        c("non_publie", "motif de non-publication (effectif insuffisant), sinon vide"),
        c("effectif_enquete", "répondants (enquêtes)"),
        c(
            &format!("valeur_{p}_publiee"),
            &format!("valeur {p} telle que publiée dans l'édition précédente, si fournie"),
        ),
        c(&format!("revision_{p}"), &format!("révision de la valeur {p} (valeur recalculée moins valeur publiée)")),
        c("objectif_pct", "France : valeur en % de l'objectif de l'indicateur"),
        c("source", "source des données"),
        c("millesime", "millésime des données"),
        c("donnees_demo", "oui si les données sont des données de démonstration synthétiques"),
    ]
}

fn num(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

pub fn indicator_csv(m: &ReportModel, ind: &IndicatorResult) -> String {
    let header: Vec<String> = columns(ind).into_iter().map(|(n, _)| n).collect();
    let mut out = header.join(",");
    out.push('\n');
    // Rates keep two more decimals than displayed, so users can re-round.
    let d = ind.decimals as usize + if ind.is_count { 0 } else { 2 };
    let source = if ind.provenance.is_empty() { &ind.source } else { &ind.provenance };
    for r in &ind.rows {
        let Row { cur, prev, base, .. } = r;
        let fields = [
            serde_json::to_value(r.level).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            r.code.clone(),
            quote(&r.name),
            r.region.clone().unwrap_or_default(),
            ind.years[0].to_string(),
            num(cur.as_ref().map(|v| v.value), d),
            num(cur.as_ref().map(|v| v.num), 0),
            num(cur.as_ref().and_then(|v| v.den), 0),
            num(prev.as_ref().map(|v| v.value), d),
            num(r.delta_prev_abs, d),
            num(r.delta_prev_pct, 2),
            num(base.as_ref().map(|v| v.value), d),
            num(r.delta_base_abs, d),
            num(r.delta_base_pct, 2),
            r.change_prev.clone().unwrap_or_default(),
            r.p_value_prev.map(|p| format!("{p:.6}")).unwrap_or_default(),
            num(cur.as_ref().and_then(|v| v.ci_low), d),
            num(cur.as_ref().and_then(|v| v.ci_high), d),
            num(r.vs_france, d),
            num(r.vs_region, d),
            r.rank.map(|x| x.to_string()).unwrap_or_default(),
            r.quintile.map(|x| x.to_string()).unwrap_or_default(),
            quote(&r.flags.join("|")),
            quote(r.withheld.as_deref().unwrap_or("")),
            cur.as_ref().and_then(|v| v.n).map(|n| n.to_string()).unwrap_or_default(),
            num(r.published_prev, d),
            num(r.revision_prev, d),
            num(r.objective_pct, 4),
            quote(source),
            quote(&m.vintage),
            if m.demo { "oui" } else { "non" }.to_string(),
        ];
        let _ = writeln!(out, "{}", fields.join(","));
    }
    out
}

fn readme(m: &ReportModel) -> String {
    let mut s = format!("# Tables du baromètre {}\n\n", m.edition.year);
    if let Some(n) = &m.demo_notice {
        let _ = writeln!(s, "**{n}**\n");
    }
    s.push_str("Fichiers CSV en UTF-8, séparateur virgule, point décimal, une ligne par territoire.\n");
    s.push_str(
        "Les régions et la France sont calculées comme rapports de sommes, jamais comme moyennes des départements.\n\n",
    );
    for ind in &m.indicators {
        let _ = writeln!(s, "## {} — `{}`\n\n{}\n", ind.title, file_name(ind), ind.definition);
        s.push_str("| colonne | contenu |\n|---|---|\n");
        for (n, d) in columns(ind) {
            let _ = writeln!(s, "| `{n}` | {d} |");
        }
        s.push('\n');
    }
    s.push_str("## Sources\n\n");
    for src in &m.sources {
        let years: Vec<String> = src.years.iter().map(|y| y.to_string()).collect();
        let _ =
            writeln!(s, "- `{}` : {} (années {} ; millésime {})", src.file, src.source, years.join(", "), src.vintage);
    }
    s
}
