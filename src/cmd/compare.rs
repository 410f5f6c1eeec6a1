//! `barometre compare`: a département's figures beside its région and France, against
//! the previous edition, in the terminal (or as CSV/JSON).

use std::io::Write as _;

use anyhow::Result;

use crate::cli::{CompareArgs, CompareFormat};

use crate::geo::Geography;
use crate::views::{cells, lines};

pub fn run(args: &CompareArgs) -> Result<()> {
    let geo = Geography::get();
    let code = geo.resolve_departement(&args.territory)?;
    let model = crate::edition::prepare(&super::build::edition_options(&args.edition, None, true)?)?.model;
    let lines = lines(&model.indicators, &code);
    let dept = geo.departement(&code).map(|d| d.name.clone()).unwrap_or_default();
    let region = geo.departement(&code).and_then(|d| geo.region(&d.region)).map(|r| r.name.clone()).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    match args.format {
        CompareFormat::Json => {
            let doc = serde_json::json!({ "code": code, "departement": dept, "region": region, "edition": model.edition.year,
                "donnees_demo": model.demo, "indicateurs": lines });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        CompareFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for l in &lines {
                w.serialize(l)?;
            }
            w.flush()?;
        }
        CompareFormat::Table => {
            writeln!(out, "{dept} ({code}) — région {region} — baromètre {}", model.edition.year)?;
            if model.demo {
                writeln!(out, "{}", model.demo_notice.as_deref().unwrap_or_default())?;
            }
            writeln!(out)?;
            let rows: Vec<[String; 7]> = model
                .indicators
                .iter()
                .filter_map(|ind| {
                    let l = lines.iter().find(|l| l.indicateur == ind.title)?;
                    let c = cells(ind, l);
                    Some([
                        format!("{} ({})", c.label, c.annee),
                        c.valeur,
                        format!("{} en {}", c.comparaison, c.annee_comparaison),
                        c.evolution + if c.significativite.is_empty() { "" } else { " " } + &c.significativite,
                        c.rang,
                        c.region,
                        if model.demo { format!("{} ({})", c.france, c.nature) } else { c.france },
                    ])
                })
                .collect();
            let last = if model.demo { "France (nature des valeurs)" } else { "France" };
            let header = ["indicateur", "valeur", "comparaison", "évolution", "rang", "région", last];
            let widths: Vec<usize> = (0..7)
                .map(|j| {
                    rows.iter().map(|r| r[j].chars().count()).chain([header[j].chars().count()]).max().unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| -> String {
                cells
                    .iter()
                    .enumerate()
                    .map(|(j, c)| format!("{c}{}", " ".repeat(widths[j] - c.chars().count())))
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            writeln!(out, "{}", line(&header.map(String::from)))?;
            writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "))?;
            for r in &rows {
                writeln!(out, "{}", line(r).trim_end())?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "Évolution : « hausse » ou « baisse » quand son intervalle de confiance à 95 % est entièrement au-delà du seuil de pertinence de l'indicateur, « stable » quand il est entièrement en deçà, « évolution incertaine » sinon. Rang : 1er = meilleur accès des 101 départements."
            )?;
        }
    }
    Ok(())
}
