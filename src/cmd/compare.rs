//! `barometre compare`: a département's figures beside its région and France, against
//! the previous edition and the baseline, in the terminal (100 columns at most) or as
//! CSV/JSON rounded as published.

use std::io::Write as _;

use anyhow::Result;

use crate::cli::{CompareArgs, CompareFormat};

use crate::geo::Geography;
use crate::views::{Line, cells, lines};

use crate::console::{WIDTH, wrap};

pub fn run(args: &CompareArgs) -> Result<()> {
    let geo = Geography::get();
    // A département by its code or exact name first; then a commune or an EPCI by its
    // code or exact name; then a département by a part of its name; else the closest
    // names of départements, or of communes and EPCI.
    let t = &args.territory;
    let exact = geo.normalize_dept(t).ok().or_else(|| geo.dept_by_name(t).map(|d| d.code.clone()));
    let code = match exact {
        Some(code) => code,
        None => match super::compare_local::resolve(t)? {
            Some(local) => {
                let opts = super::build::edition_options(&args.edition, None, true)?;
                let model = crate::edition::prepare(&opts)?.model;
                return super::compare_local::print(&model, &local, args.format);
            }
            None => match geo.resolve_departement(t) {
                Ok(code) => code,
                Err(e) if e.to_string().contains("vouliez-vous dire") => return Err(e),
                Err(e) => return Err(super::compare_local::suggest(t).unwrap_or(e)),
            },
        },
    };
    let model = crate::edition::prepare(&super::build::edition_options(&args.edition, None, true)?)?.model;
    let lines = lines(&model.indicators, &code);
    let dept = geo.departement(&code).map(|d| d.name.clone()).unwrap_or_default();
    let region = geo.departement(&code).and_then(|d| geo.region(&d.region)).map(|r| r.name.clone()).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    match args.format {
        CompareFormat::Json => {
            // Values rounded as published; the full precision under `*_exact`.
            let rows: Vec<serde_json::Value> = lines.iter().map(json_line).collect();
            let doc = serde_json::json!({ "code": code, "departement": dept, "region": region, "edition": model.edition.year,
                "donnees_demo": model.demo, "indicateurs": rows });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        CompareFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "indicateur",
                "unite",
                "annee",
                "valeur",
                "annee_comparaison",
                "valeur_comparaison",
                "annee_base",
                "valeur_base",
                "evolution",
                "significativite",
                "rang",
                "rang_min",
                "rang_max",
                "region",
                "france",
                "nature",
            ])?;
            for l in &lines {
                let r = |x: Option<f64>| round(x, l.decimales).map(|v| v.to_string()).unwrap_or_default();
                let n = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_default();
                w.write_record([
                    l.indicateur.clone(),
                    l.unite.clone(),
                    l.annee.to_string(),
                    r(l.valeur),
                    l.annee_comparaison.to_string(),
                    r(l.valeur_comparaison),
                    l.annee_base.to_string(),
                    r(l.valeur_base),
                    round(l.evolution, l.decimales + 1).map(|v| v.to_string()).unwrap_or_default(),
                    l.significativite.clone(),
                    n(l.rang),
                    n(l.rang_min),
                    n(l.rang_max),
                    r(l.region),
                    r(l.france),
                    l.nature.clone(),
                ])?;
            }
            w.flush()?;
        }
        CompareFormat::Table => {
            writeln!(out, "{dept} ({code}) — région {region} — baromètre {}", model.edition.year)?;
            if let Some(n) = &model.demo_notice {
                for l in wrap(n, WIDTH) {
                    writeln!(out, "{l}")?;
                }
            }
            writeln!(out)?;
            let rows: Vec<[String; 9]> = model
                .indicators
                .iter()
                .filter_map(|ind| {
                    let l = lines.iter().find(|l| l.indicateur == ind.title)?;
                    let c = cells(ind, l);
                    let mark = |real: bool| if model.demo && real { " R" } else { "" };
                    // The year when it is not the edition's (a survey of another year).
                    let label = if c.annee == model.edition.year {
                        c.label.clone()
                    } else {
                        format!("{} ({})", c.label, c.annee)
                    };
                    Some([
                        label,
                        format!("{}{}", c.valeur, mark(l.reels[0])),
                        format!("{}{}", c.comparaison, mark(l.reels[1])),
                        format!("{}{}", c.base, mark(l.reels[2])),
                        c.evolution.replace(" points", " pt").replace(" point", " pt"),
                        short_label(&c.significativite),
                        c.rang,
                        c.region,
                        format!("{}{}", c.france, mark(l.reels[3])),
                    ])
                })
                .collect();
            let y = &model.edition;
            let header = [
                format!("Indicateur ({})", y.year),
                "Valeur".into(),
                y.previous.to_string(),
                y.baseline.to_string(),
                "Évol.".into(),
                "Qualif.".into(),
                "Rang".into(),
                "Région".into(),
                "France".into(),
            ];
            let width = |j: usize| {
                rows.iter().map(|r| r[j].chars().count()).chain([header[j].chars().count()]).max().unwrap_or(0)
            };
            let mut widths: Vec<usize> = (0..9).map(width).collect();
            // The label takes what the numbers leave of the 100 columns.
            let rest: usize = widths[1..].iter().sum::<usize>() + 2 * 8;
            widths[0] = widths[0].min(WIDTH.saturating_sub(rest)).max(12);
            let line = |cells: &[String]| -> String {
                let mut s = String::new();
                for (j, c) in cells.iter().enumerate() {
                    let c = c.clone();
                    let pad = " ".repeat(widths[j].saturating_sub(c.chars().count()));
                    if j > 0 {
                        s.push_str("  ");
                    }
                    // Text to the left, numbers to the right.
                    if j == 0 || j == 5 { s.push_str(&(c + &pad)) } else { s.push_str(&(pad + &c)) }
                }
                s.trim_end().to_string()
            };
            writeln!(out, "{}", line(&header))?;
            writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "))?;
            for r in &rows {
                // A long label goes on in the first column of the next lines.
                let label = wrap(&r[0], widths[0].saturating_sub(2).max(10));
                let mut first = r.clone();
                first[0] = label.first().cloned().unwrap_or_default();
                writeln!(out, "{}", line(&first))?;
                for more in label.iter().skip(1) {
                    writeln!(out, "  {more}")?;
                }
            }
            writeln!(out)?;
            let mut notes = format!(
                "{} : valeur de l'édition précédente (ou de l'enquête la plus proche) ; {} : année de référence (ou la plus proche) ; pt : points de pourcentage. Évolution depuis l'édition précédente : « hausse » ou « baisse » quand son intervalle de confiance à 95 % est entièrement au-delà du seuil de pertinence de l'indicateur, « stable » quand il est entièrement en deçà, « incertaine » sinon ; n.p. : non publié. Rang : 1er = meilleur accès des 101 départements.",
                y.previous, y.baseline
            );
            if model.demo {
                notes.push_str(" R : chiffre réel publié ; toute autre valeur est synthétique (démonstration).");
            }
            for l in wrap(&notes, WIDTH) {
                writeln!(out, "{l}")?;
            }
        }
    }
    Ok(())
}

/// A value rounded to the decimals it is published with.
fn round(x: Option<f64>, decimals: u8) -> Option<f64> {
    let p = 10f64.powi(i32::from(decimals));
    x.filter(|v| v.is_finite()).map(|v| (v * p).round() / p)
}

/// A line of the JSON output: rounded values, and the exact ones under `*_exact`.
fn json_line(l: &Line) -> serde_json::Value {
    let d = l.decimales;
    serde_json::json!({
        "indicateur": l.indicateur, "unite": l.unite,
        "annee": l.annee, "valeur": round(l.valeur, d),
        "annee_comparaison": l.annee_comparaison, "valeur_comparaison": round(l.valeur_comparaison, d),
        "annee_base": l.annee_base, "valeur_base": round(l.valeur_base, d),
        "evolution": round(l.evolution, d + 1), "significativite": l.significativite,
        "rang": l.rang, "rang_min": l.rang_min, "rang_max": l.rang_max,
        "region": round(l.region, d), "france": round(l.france, d), "nature": l.nature,
        "valeur_exact": l.valeur, "valeur_comparaison_exact": l.valeur_comparaison,
        "valeur_base_exact": l.valeur_base, "evolution_exact": l.evolution,
    })
}

/// The change's label in a few letters: « hausse », « baisse », « stable »,
/// « incertaine », « n.p. ».
fn short_label(s: &str) -> String {
    if s.starts_with("non publié") {
        "n.p.".into()
    } else if s == "évolution incertaine" {
        "incertaine".into()
    } else {
        s.to_string()
    }
}
