//! `barometre compare` below the département: a commune (INSEE code or name) or an EPCI
//! (SIREN or name), shown as commune → EPCI → département → France from the open
//! directory's counts (the edition's EPCI level).
//!
//! Names are matched without accents, case or punctuation; homonymous communes are told
//! apart by their département (« Saint-Denis (93) », « Saint-Denis 974 ») or their code;
//! an unknown name gets the closest names as suggestions.

use std::io::Write as _;

use anyhow::{Result, bail};

use crate::cli::CompareFormat;
use crate::communes::{Commune, Communes};
use crate::epci::{Area, EpciLevel};
use crate::fmt;
use crate::geo::{Epci, Geography};

/// A territory below the département.
#[derive(Debug, Clone, PartialEq)]
pub enum Local {
    Commune(String),
    Epci(String),
}

fn key(s: &str) -> String {
    let f = crate::formats::fold(s);
    f.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// « Saint-Denis (93) », « Saint-Denis 93 », « Saint-Denis, 974 » → (name, département).
fn split_departement(input: &str) -> (String, Option<String>) {
    let geo = Geography::get();
    let t = input.trim().trim_end_matches(')');
    if let Some(pos) = t.rfind(['(', ',', ' ']) {
        let (name, code) = (t[..pos].trim(), t[pos + 1..].trim());
        if !name.is_empty()
            && let Ok(code) = geo.normalize_dept(code)
        {
            return (name.to_string(), Some(code));
        }
    }
    (input.trim().to_string(), None)
}

fn describe(c: &Commune) -> String {
    format!("{} ({}, code {})", c.name, c.departement, c.code)
}

/// Resolves a commune or an EPCI by its code or its exact name (an EPCI also by a part
/// of its name found in no other); `Ok(None)` when nothing matches exactly.
pub fn resolve(input: &str) -> Result<Option<Local>> {
    let communes = Communes::get();
    let geo = Geography::get();
    let t = input.trim();
    if t.len() == 9 && t.bytes().all(|b| b.is_ascii_digit()) {
        if geo.epci.iter().any(|e| e.siren == t) {
            return Ok(Some(Local::Epci(t.to_string())));
        }
        bail!("« {t} » n'est le SIREN d'aucune intercommunalité (EPCI) de la géographie de référence (COG 2026)");
    }
    if t.len() == 5 && t.chars().all(|c| c.is_ascii_alphanumeric()) && t.chars().skip(2).all(|c| c.is_ascii_digit()) {
        let code = t.to_uppercase();
        if let Some(c) = communes.current(&code) {
            return Ok(Some(Local::Commune(c.code.clone())));
        }
        bail!("« {t} » n'est le code INSEE d'aucune commune (COG 2026)");
    }
    let (name, dept) = split_departement(t);
    let want = key(&name);
    let found: Vec<&Commune> = communes
        .communes
        .iter()
        .filter(|c| key(&c.name) == want && dept.as_ref().is_none_or(|d| *d == c.departement))
        .collect();
    let epci: Vec<&Epci> = geo.epci.iter().filter(|e| dept.is_none() && key(&e.name) == want).collect();
    match (found.as_slice(), epci.as_slice()) {
        ([c], []) => return Ok(Some(Local::Commune(c.code.clone()))),
        ([], [e]) => return Ok(Some(Local::Epci(e.siren.clone()))),
        ([], []) => {}
        _ => {
            let mut all: Vec<String> = found.iter().map(|c| describe(c)).collect();
            all.extend(epci.iter().map(|e| format!("{} (EPCI, SIREN {})", e.name, e.siren)));
            bail!(
                "« {t} » désigne plusieurs territoires : {} ; précisez le département (« {name} (93) ») ou donnez le code INSEE ou le SIREN",
                all.join(", ")
            );
        }
    }
    // An EPCI named without its prefix (« Haut Allier » for « CC du Haut Allier »).
    let partial: Vec<&Epci> =
        geo.epci.iter().filter(|e| dept.is_none() && want.len() >= 4 && key(&e.name).contains(&want)).collect();
    match partial.as_slice() {
        [e] => Ok(Some(Local::Epci(e.siren.clone()))),
        many if (2..=10).contains(&many.len()) => {
            let all: Vec<String> = many.iter().map(|e| format!("{} (SIREN {})", e.name, e.siren)).collect();
            bail!(
                "« {t} » désigne plusieurs intercommunalités : {} ; donnez le nom complet ou le SIREN",
                all.join(", ")
            )
        }
        _ => Ok(None),
    }
}

/// The closest commune and EPCI names, as an error, or `None` when none is close.
pub fn suggest(input: &str) -> Option<anyhow::Error> {
    let communes = Communes::get();
    let geo = Geography::get();
    let t = input.trim();
    let (name, dept) = split_departement(t);
    let want = key(&name);
    let mut near: Vec<(f64, String)> = communes
        .communes
        .iter()
        .filter(|c| dept.as_ref().is_none_or(|d| *d == c.departement))
        .map(|c| (strsim::normalized_damerau_levenshtein(&key(&c.name), &want), describe(c)))
        .chain(geo.epci.iter().map(|e| {
            (strsim::normalized_damerau_levenshtein(&key(&e.name), &want), format!("{} (SIREN {})", e.name, e.siren))
        }))
        .filter(|(s, _)| *s >= 0.75)
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    if near.is_empty() {
        return None;
    }
    let names: Vec<String> = near.into_iter().take(3).map(|(_, n)| n).collect();
    Some(anyhow::anyhow!(
        "« {t} » n'est ni un département, ni une commune, ni une intercommunalité connue : vouliez-vous dire {} ?",
        fmt::list_fr_or(&names)
    ))
}

/// One line of the comparison.
struct Step {
    level: &'static str,
    name: String,
    area: Area,
    change: Option<String>,
}

fn steps(level: &EpciLevel, local: &Local) -> Result<Vec<Step>> {
    let communes = Communes::get();
    let geo = Geography::get();
    let mut out = Vec::new();
    let siren = match local {
        Local::Commune(code) => {
            let Some(c) = communes.commune(code) else { bail!("commune {code} absente de la géographie") };
            let (n, p) = level.communes.get(code).copied().unwrap_or((0, None));
            out.push(Step {
                level: "Commune",
                name: format!("{} ({})", c.name, c.code),
                area: area(n, p, c.population),
                change: None,
            });
            c.epci.clone()
        }
        Local::Epci(s) => Some(s.clone()),
    };
    let mut dept = match local {
        Local::Commune(code) => communes.commune(code).map(|c| c.departement.clone()),
        Local::Epci(_) => None,
    };
    if let Some(e) = siren.as_deref().and_then(|s| level.get(s)) {
        out.push(Step {
            level: if e.zone_rouge { "EPCI (zone rouge)" } else { "EPCI" },
            name: e.name.clone(),
            area: e.area.clone(),
            change: e.change.as_ref().map(|c| format!("{} ({})", fmt::signed_pct(c.pct, 1), c.label)),
        });
        dept.get_or_insert_with(|| e.dept.clone());
    }
    if let Some(d) = dept.as_deref()
        && let Some(a) = level.departements.get(d)
    {
        let name = geo.departement(d).map(|x| x.name.clone()).unwrap_or_default();
        out.push(Step { level: "Département", name: format!("{name} ({d})"), area: a.clone(), change: None });
    }
    out.push(Step { level: "France", name: "France".into(), area: level.france.clone(), change: None });
    Ok(out)
}

fn area(n: u64, p: Option<u64>, pop: u64) -> Area {
    let d = |x: u64| (pop > 0).then(|| x as f64 / pop as f64 * 1e5);
    Area { gps: n, gps_prev: p, population: pop, density: d(n), density_prev: p.and_then(d) }
}

fn round1(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 10.0).round() / 10.0)
}

/// Prints the comparison of a commune or an EPCI.
pub fn print(model: &crate::model::ReportModel, local: &Local, format: CompareFormat) -> Result<()> {
    let Some(level) = &model.epci else {
        bail!(
            "ces données n'ont pas de généralistes par commune (source `generalistes-communes`) : pas de comparaison sous le département"
        );
    };
    let steps = steps(level, local)?;
    let (y, p) = (level.year, level.previous);
    let mut out = std::io::stdout().lock();
    match format {
        CompareFormat::Json => {
            let rows: Vec<serde_json::Value> = steps
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "niveau": s.level, "territoire": s.name, "population": s.area.population,
                        "generalistes": s.area.gps, "generalistes_precedent": s.area.gps_prev,
                        "densite": round1(s.area.density), "densite_precedent": round1(s.area.density_prev),
                        "densite_exact": s.area.density, "densite_precedent_exact": s.area.density_prev,
                    })
                })
                .collect();
            let doc = serde_json::json!({ "edition": model.edition.year, "annee": y, "annee_precedente": p,
                "donnees_demo": model.demo, "nature": if level.synthetic { "synthétique" } else { "réel" },
                "source": level.source, "territoires": rows });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        CompareFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "niveau",
                "territoire",
                "population",
                "annee",
                "generalistes",
                "densite",
                "annee_precedente",
                "generalistes_precedent",
                "densite_precedent",
                "nature",
            ])?;
            for s in &steps {
                let o = |x: Option<f64>| round1(x).map(|v| v.to_string()).unwrap_or_default();
                w.write_record([
                    s.level.to_string(),
                    s.name.clone(),
                    s.area.population.to_string(),
                    y.to_string(),
                    s.area.gps.to_string(),
                    o(s.area.density),
                    p.map(|p| p.to_string()).unwrap_or_default(),
                    s.area.gps_prev.map(|x| x.to_string()).unwrap_or_default(),
                    o(s.area.density_prev),
                    if level.synthetic { "synthétique" } else { "réel" }.to_string(),
                ])?;
            }
            w.flush()?;
        }
        CompareFormat::Table => {
            writeln!(out, "{} — généralistes de l'annuaire santé, {y}", steps[0].name)?;
            if let Some(n) = &model.demo_notice {
                for l in crate::console::wrap(n, crate::console::WIDTH) {
                    writeln!(out, "{l}")?;
                }
            }
            writeln!(out)?;
            let num = |x: Option<f64>, d: usize| x.map(|v| fmt::number(v, d)).unwrap_or_else(|| "n.d.".into());
            let pp = p.map(|p| p.to_string()).unwrap_or_else(|| "préc.".into());
            let header = [
                "Niveau".to_string(),
                "Territoire".to_string(),
                "Population".to_string(),
                format!("MG {y}"),
                format!("MG {pp}"),
                format!("Densité {y}"),
                format!("Densité {pp}"),
            ];
            let rows: Vec<[String; 7]> = steps
                .iter()
                .map(|s| {
                    [
                        s.level.to_string(),
                        s.name.clone(),
                        num(Some(s.area.population as f64), 0),
                        num(Some(s.area.gps as f64), 0),
                        num(s.area.gps_prev.map(|x| x as f64), 0),
                        num(s.area.density, 1),
                        num(s.area.density_prev, 1),
                    ]
                })
                .collect();
            let mut widths: Vec<usize> = (0..7)
                .map(|j| {
                    rows.iter().map(|r| r[j].chars().count()).chain([header[j].chars().count()]).max().unwrap_or(0)
                })
                .collect();
            let rest: usize = widths.iter().enumerate().filter(|(j, _)| *j != 1).map(|(_, w)| w).sum::<usize>() + 12;
            widths[1] = widths[1].min(crate::console::WIDTH.saturating_sub(rest)).max(12);
            let line = |cells: &[String]| -> String {
                let mut s = String::new();
                for (j, c) in cells.iter().enumerate() {
                    let c: String = if c.chars().count() > widths[j] {
                        c.chars().take(widths[j].saturating_sub(1)).chain(['…']).collect()
                    } else {
                        c.clone()
                    };
                    let pad = " ".repeat(widths[j].saturating_sub(c.chars().count()));
                    if j > 0 {
                        s.push_str("  ");
                    }
                    if j < 2 { s.push_str(&(c + &pad)) } else { s.push_str(&(pad + &c)) }
                }
                s.trim_end().to_string()
            };
            writeln!(out, "{}", line(&header))?;
            writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "))?;
            for r in &rows {
                writeln!(out, "{}", line(r))?;
            }
            writeln!(out)?;
            for s in steps.iter().filter(|s| s.change.is_some()) {
                writeln!(
                    out,
                    "Évolution de l'effectif de l'EPCI depuis {pp} : {}.",
                    s.change.clone().unwrap_or_default()
                )?;
            }
            let mut notes = format!(
                "MG : médecins généralistes, chacun compté une fois à un lieu d'exercice ; densité pour 100 000 habitants (populations légales, COG 2026), sommes des communes. Source : {}.",
                level.source
            );
            notes.push_str(
                " Ces chiffres diffèrent de ceux de la DREES utilisés pour les départements dans le rapport.",
            );
            for l in crate::console::wrap(&notes, crate::console::WIDTH) {
                writeln!(out, "{l}")?;
            }
        }
    }
    Ok(())
}
