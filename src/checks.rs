//! Checks before publishing: what is missing, inconsistent or surprising in an edition,
//! written to `checks.md` and `checks.csv` instead of being silently published.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::fmt;
use crate::geo::Geography;
use crate::indicators::IndicatorSpec;
use crate::model::{IndicatorResult, LevelName};
use crate::sources::manifest::Change;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// To fix or justify before publishing.
    Alerte,
    /// For the record.
    Info,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub severity: Severity,
    /// Indicator or source concerned.
    pub subject: String,
    /// Territory code, or empty. A région's code may be a département's too (Mayotte's
    /// région is 06, Alpes-Maritimes' département 06): `territory` tells them apart.
    pub code: String,
    /// The territory named with its level and its own code: « Mayotte (976) »,
    /// « région Mayotte (06) », « France »; empty when the check is about no territory.
    pub territory: String,
    pub message: String,
}

/// « Mayotte (976) » for a département, « région Mayotte (06) », « France ».
pub fn territory(level: LevelName, code: &str, name: &str) -> String {
    match level {
        LevelName::France => "France".to_string(),
        LevelName::Region => format!("région {name} ({code})"),
        LevelName::Departement => format!("{name} ({code})"),
    }
}

/// A bound as written in a spec, in French: "15", "2,5".
fn bound_fr(x: f64) -> String {
    fmt::number(x, if x.fract() == 0.0 { 0 } else { 1 })
}

#[derive(Debug, Default, Serialize)]
pub struct Checks {
    pub items: Vec<Check>,
}

impl Checks {
    /// A check about a source or an indicator as a whole (`code` empty) or about France
    /// (`code` "FR").
    pub fn push(&mut self, severity: Severity, subject: &str, code: &str, message: String) {
        let territory = if code == "FR" { "France".to_string() } else { String::new() };
        self.items.push(Check { severity, subject: subject.to_string(), code: code.to_string(), territory, message });
    }

    /// A check about one territory of a result.
    fn push_row(&mut self, severity: Severity, subject: &str, row: &crate::model::Row, message: String) {
        self.items.push(Check {
            severity,
            subject: subject.to_string(),
            code: row.code.clone(),
            territory: territory(row.level, &row.code, &row.name),
            message,
        });
    }

    pub fn alerts(&self) -> usize {
        self.items.iter().filter(|c| c.severity == Severity::Alerte).count()
    }

    /// Every département present in a source for a year.
    pub fn completeness<'a>(
        &mut self,
        source: &str,
        geo: &Geography,
        year: i32,
        present: impl Iterator<Item = &'a str>,
    ) {
        let have: BTreeSet<&str> = present.collect();
        let missing: Vec<&str> =
            geo.departements.iter().map(|d| d.code.as_str()).filter(|c| !have.contains(c)).collect();
        if !missing.is_empty() {
            self.push(
                Severity::Alerte,
                source,
                "",
                format!(
                    "{year} : {} : {}",
                    crate::fmt::count(missing.len(), "département absent", "départements absents"),
                    missing.join(", ")
                ),
            );
        }
    }

    /// Changed source files (issue 16): an alert until the analyst acknowledges the change
    /// (`barometre fetch --acknowledge <source>`), then a line for the record.
    pub fn source_changes(&mut self, changes: &[Change]) {
        for c in changes {
            // « révision » is feminine, « nouveau millésime » masculine.
            let (kind, e) = if c.same_vintage { ("révision", "e") } else { ("nouveau millésime", "") };
            let what = c.vintages();
            let versions = format!(
                "sha256 {} téléchargé le {} → sha256 {} téléchargé le {}",
                c.old.sha256, c.old.retrieved_at, c.new.sha256, c.new.retrieved_at
            );
            match &c.new.acknowledged_at {
                None => self.push(
                    Severity::Alerte,
                    &c.id,
                    "",
                    format!(
                        "{kind} non acquitté{e} ({what}) du fichier <{}> : {versions} ; vérifier son effet sur les \
                         chiffres, puis `barometre fetch --acknowledge {}`",
                        c.url, c.id
                    ),
                ),
                Some(at) => self.push(
                    Severity::Info,
                    &c.id,
                    "",
                    format!("{kind} acquitté{e} le {at} ({what}) du fichier <{}> : {versions}", c.url),
                ),
            }
        }
    }

    /// Changes beyond the indicator's review bound, and withheld values.
    pub fn indicator(&mut self, spec: &IndicatorSpec, r: &IndicatorResult) {
        let [cur, prev, _] = r.years;
        for row in &r.rows {
            let change = if spec.percent { row.delta_prev_abs } else { row.delta_prev_pct };
            if let (Some(bound), Some(d)) = (spec.review_change_above, change)
                && d.abs() > bound
            {
                let (change, bound) = if spec.percent {
                    (format!("{} points", fmt::signed(d, 1)), format!("{} points", bound_fr(bound)))
                } else {
                    (fmt::signed_pct(d, 1), format!("{}\u{202f}%", bound_fr(bound)))
                };
                self.push_row(
                    Severity::Alerte,
                    &spec.id,
                    row,
                    format!("évolution {prev}-{cur} de {change}, au-delà du seuil de revue ({bound})"),
                );
            }
            if row.level != LevelName::Departement
                && let Some(v) = &row.cur
                && v.n_missing > 0
            {
                self.push_row(
                    Severity::Info,
                    &spec.id,
                    row,
                    format!(
                        "{} de la somme",
                        crate::fmt::count(
                            v.n_missing as usize,
                            "département sans donnée exclu",
                            "départements sans donnée exclus"
                        )
                    ),
                );
            }
        }
        for (level, one, many) in [
            (LevelName::Region, "région non publiée", "régions non publiées"),
            (LevelName::Departement, "département non publié", "départements non publiés"),
        ] {
            let withheld: Vec<String> = r
                .rows
                .iter()
                .filter(|x| x.level == level && x.withheld.is_some())
                .map(|x| format!("{} ({})", x.name, x.code))
                .collect();
            if !withheld.is_empty() {
                self.push(
                    Severity::Info,
                    &spec.id,
                    "",
                    format!(
                        "{}, effectif insuffisant : {}",
                        crate::fmt::count(withheld.len(), one, many),
                        withheld.join(", ")
                    ),
                );
            }
        }
    }

    pub fn markdown(&self, edition: i32) -> String {
        let mut s = format!("# Contrôles avant publication — édition {edition}\n\n");
        let _ = writeln!(
            s,
            "{}, {}.\n",
            crate::fmt::count(self.alerts(), "alerte", "alertes"),
            crate::fmt::count(self.items.len() - self.alerts(), "information", "informations")
        );
        if self.items.is_empty() {
            s.push_str("Aucun contrôle ne signale de problème.\n");
            return s;
        }
        s.push_str("| niveau | sujet | territoire | constat |\n|---|---|---|---|\n");
        for c in &self.items {
            let sev = if c.severity == Severity::Alerte { "alerte" } else { "info" };
            let _ = writeln!(s, "| {sev} | {} | {} | {} |", c.subject, c.territory, c.message.replace('|', "/"));
        }
        s
    }

    pub fn csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["niveau", "sujet", "code", "territoire", "constat"])?;
        for c in &self.items {
            let sev = if c.severity == Severity::Alerte { "alerte" } else { "info" };
            w.write_record([sev, &c.subject, &c.code, &c.territory, &c.message])?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("failed to write checks.csv: {}", e.error()))
    }
}
