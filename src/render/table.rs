//! A documented table (machine column names, French headers, typed cells) and its
//! serialisations: CSV, CSV for French Excel, JSON. Shared by the downloads
//! (`tables.rs`) and the EPCI level (`epci.rs`).

use anyhow::Result;

use crate::model::ReportModel;

/// A cell: text (codes stay text) or a number with its decimals.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Num(Option<f64>, usize),
}

/// A documented table.
pub struct Table {
    /// File stem: `densite-generalistes-2025`, `barometre-2025-departements`.
    pub name: String,
    pub title: String,
    /// Machine name and description of each column.
    pub columns: Vec<(String, String)>,
    /// The same columns under a French header, for Excel (« Évolution depuis 2023 »).
    pub labels: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// For Excel, the sheet's name (at most 31 characters once made unique).
    pub sheet: String,
}

impl Table {
    /// The rows given, under French headers, without the columns they leave empty.
    pub(crate) fn subset(&self, name: &str, title: &str, sheet: &str, rows: Vec<Vec<Cell>>) -> Table {
        let keep: Vec<bool> = (0..self.columns.len())
            .map(|j| {
                rows.iter().any(|r| match &r[j] {
                    Cell::Text(s) => !s.is_empty(),
                    Cell::Num(v, _) => v.is_some(),
                })
            })
            .collect();
        let pick =
            |v: Vec<String>| -> Vec<String> { v.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x).collect() };
        let names = pick(self.columns.iter().map(|(n, _)| n.clone()).collect());
        let descs = pick(self.columns.iter().map(|(_, d)| d.clone()).collect());
        Table {
            name: name.to_string(),
            title: title.to_string(),
            columns: names.into_iter().zip(descs).collect(),
            labels: pick(self.labels.clone()),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c).collect())
                .collect(),
            sheet: sheet.to_string(),
        }
    }

    /// CSV; `excel` gives French Excel's dialect: decimal comma, a BOM and the French
    /// headers.
    pub fn csv(&self, sep: u8, excel: bool) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        if excel {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(sep)
            .terminator(if excel { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(out);
        if excel {
            w.write_record(&self.labels)?;
        } else {
            w.write_record(self.columns.iter().map(|(n, _)| n.as_str()))?;
        }
        for row in &self.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Num(None, _) => String::new(),
                Cell::Num(Some(v), d) => {
                    let mut s = format!("{v:.d$}");
                    // A small negative number rounded to zero is printed "0", not "-0.00".
                    if s.starts_with('-') && s.bytes().all(|b| matches!(b, b'-' | b'0' | b'.')) {
                        s.remove(0);
                    }
                    if excel { s.replace('.', ",") } else { s }
                }
            }))?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("failed to write a CSV table: {}", e.error()))
    }

    /// JSON: `{ "titre", "colonnes": [{nom, description}], "lignes": [{col: value}] }`.
    pub fn json(&self, m: &ReportModel) -> Result<String> {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                for ((name, _), c) in self.columns.iter().zip(r) {
                    let v = match c {
                        Cell::Text(s) => serde_json::Value::String(s.clone()),
                        Cell::Num(None, _) => serde_json::Value::Null,
                        // Machines read the JSON: full precision (the CSV keeps the
                        // published rounding).
                        Cell::Num(Some(v), _) => serde_json::json!(v),
                    };
                    o.insert(name.clone(), v);
                }
                serde_json::Value::Object(o)
            })
            .collect();
        let cols: Vec<serde_json::Value> =
            self.columns.iter().map(|(n, d)| serde_json::json!({ "nom": n, "description": d })).collect();
        Ok(serde_json::to_string_pretty(&serde_json::json!({
            "titre": self.title,
            "edition": m.edition.year,
            "donnees_demo": m.demo,
            "avertissement": m.demo_notice,
            "millesime": m.vintage,
            "colonnes": cols,
            "lignes": rows,
        }))?)
    }
}
