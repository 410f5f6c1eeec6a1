//! `barometre compare`: a département's figures beside its région and France, against
//! the previous edition, in the terminal (or as CSV/JSON).

use std::io::Write as _;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::{CompareArgs, CompareFormat};
use crate::fmt;
use crate::formats::fold;
use crate::geo::Geography;
use crate::model::{IndicatorResult, LevelName};

#[derive(Debug, Serialize)]
pub struct Line {
    pub indicateur: String,
    pub unite: String,
    pub annee: i32,
    pub valeur: Option<f64>,
    pub annee_comparaison: i32,
    pub valeur_comparaison: Option<f64>,
    pub evolution: Option<f64>,
    pub significativite: String,
    pub rang: Option<u32>,
    pub region: Option<f64>,
    pub france: Option<f64>,
    /// Decimals shown for this indicator.
    pub decimales: u8,
}

/// The département code for "23", "Creuse", "creuse", "2a", "Côtes-d'Armor"…
pub fn resolve(geo: &Geography, input: &str) -> Result<String> {
    if let Ok(code) = geo.normalize_dept(input) {
        return Ok(code);
    }
    let want = fold(input);
    if let Some(d) = geo.dept_by_name(input) {
        return Ok(d.code.clone());
    }
    let close: Vec<String> = geo
        .departements
        .iter()
        .filter(|d| fold(&d.name).contains(&want))
        .map(|d| format!("{} ({})", d.name, d.code))
        .collect();
    if close.len() == 1 {
        return Ok(geo
            .departements
            .iter()
            .find(|d| fold(&d.name).contains(&want))
            .map(|d| d.code.clone())
            .unwrap_or_default());
    }
    if close.is_empty() {
        bail!("`{input}` is not a département code or name (examples: 23, 2A, 971, Creuse)")
    }
    bail!("`{input}` matches several départements: {}", close.join(", "))
}

pub fn lines(indicators: &[IndicatorResult], code: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for ind in indicators {
        let Some(r) = ind.departements().find(|r| r.code == code) else { continue };
        let region =
            r.region.as_ref().and_then(|c| ind.rows.iter().find(|x| x.level == LevelName::Region && &x.code == c));
        out.push(Line {
            indicateur: ind.title.clone(),
            unite: ind.unit.clone(),
            annee: ind.years[0],
            valeur: r.cur.as_ref().map(|v| v.value),
            annee_comparaison: ind.years[1],
            valeur_comparaison: r.prev.as_ref().map(|v| v.value),
            evolution: r.delta_prev_abs,
            significativite: r.change_prev.clone().or_else(|| r.withheld.clone()).unwrap_or_default(),
            rang: r.rank,
            region: region.and_then(|x| x.cur.as_ref()).map(|v| v.value),
            france: ind.france().and_then(|x| x.cur.as_ref()).map(|v| v.value),
            decimales: ind.decimals,
        });
    }
    out
}

/// A line formatted for display (terminal, fiche PDF): French numbers, percentages,
/// changes with one more decimal for rates.
#[derive(Debug, Serialize)]
pub struct Cells {
    pub titre: String,
    pub unite: String,
    pub label: String,
    pub annee: i32,
    pub valeur: String,
    pub annee_comparaison: i32,
    pub comparaison: String,
    pub evolution: String,
    pub significativite: String,
    pub rang: String,
    pub region: String,
    pub france: String,
}

pub fn cells(ind: &IndicatorResult, l: &Line) -> Cells {
    let v = |x: Option<f64>| match x {
        Some(x) if ind.percent => fmt::pct(x, ind.decimals as usize),
        Some(x) => fmt::number(x, ind.decimals as usize),
        None => "n.d.".into(),
    };
    let d = if ind.is_count { ind.decimals as usize } else { ind.decimals as usize + 1 };
    Cells {
        titre: ind.title.clone(),
        unite: ind.unit.clone(),
        label: ind.short_label.clone(),
        annee: l.annee,
        valeur: v(l.valeur),
        annee_comparaison: l.annee_comparaison,
        comparaison: v(l.valeur_comparaison),
        evolution: l
            .evolution
            .map(|e| if ind.percent { format!("{} pt", fmt::signed(e, d)) } else { fmt::signed(e, d) })
            .unwrap_or_else(|| "—".into()),
        significativite: l.significativite.clone(),
        rang: l.rang.map(|r| format!("{r}e/101")).unwrap_or_default(),
        region: v(l.region),
        france: v(l.france),
    }
}

pub fn run(args: &CompareArgs) -> Result<()> {
    let geo = Geography::get();
    let code = resolve(geo, &args.territory)?;
    let (model, _, _) = super::build::model_for(&args.edition)?;
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
                writeln!(out, "DONNÉES DE DÉMONSTRATION : chiffres synthétiques, à ne pas citer.")?;
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
                        c.france,
                    ])
                })
                .collect();
            let header = ["indicateur", "valeur", "comparaison", "évolution", "rang", "région", "France"];
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
        }
    }
    Ok(())
}
