//! `barometre init-templates`: write the sources configuration and the documented analyst
//! templates (CSV and XLSX) to fill in.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, Workbook};

use crate::cli::InitTemplatesArgs;
use crate::formats::EXAMPLE_COLUMN;
use crate::ingest::config::DEFAULT;
use crate::sources::Template;
use crate::sources::registry::Dataset;

pub fn run(args: &InitTemplatesArgs) -> Result<()> {
    let dir = &args.dir;
    let saisie = dir.join("saisie");
    std::fs::create_dir_all(&saisie).with_context(|| format!("failed to create `{}`", saisie.display()))?;
    let mut written = Vec::new();
    let mut put = |path: &Path, bytes: &[u8]| -> Result<()> {
        if path.exists() && !args.force {
            crate::note!("kept existing {} (use --force to overwrite)", path.display());
            return Ok(());
        }
        std::fs::write(path, bytes).with_context(|| format!("failed to write `{}`", path.display()))?;
        written.push(path.display().to_string());
        Ok(())
    };
    put(&dir.join("sources.toml"), DEFAULT.as_bytes())?;
    let mut readme = String::from("# Modèles de saisie du baromètre\n\n");
    readme.push_str("Chaque fichier se remplit en CSV (UTF-8 ou Windows-1252, séparateur `,` ou `;`, virgule décimale acceptée) ou en XLSX (première feuille).\n");
    readme.push_str("Les codes de département sont du texte : « 01 », « 2A », « 971 ». Puis : `barometre fetch --sources sources.toml`.\n\n");
    readme.push_str("**Les deux lignes d'exemple de chaque modèle sont marquées « EXEMPLE » dans la première colonne, `exemple` : supprimez-les et saisissez vos données en laissant cette colonne vide (ou supprimez la colonne).** Un fichier qui ne contient que ses lignes d'exemple est traité comme une source absente ; un fichier qui en contient encore une est refusé (`fetch` et `build` nomment le fichier et les lignes). Aucune valeur d'exemple ne peut donc être publiée.\n\n");
    for t in Dataset::ALL.iter().filter_map(|d| d.template()) {
        put(&saisie.join(format!("{}.csv", t.id)), &csv(t)?)?;
        put(&saisie.join(format!("{}.xlsx", t.id)), &xlsx(t)?)?;
        let _ = writeln!(readme, "## `{}` — {}\n\n{}\n\n| colonne | contenu |\n|---|---|", t.id, t.title, t.notes);
        for c in t.columns {
            let _ = writeln!(readme, "| `{}` | {} |", c.name, c.description);
        }
        readme.push('\n');
    }
    put(&saisie.join("LISEZMOI.md"), readme.as_bytes())?;
    for w in &written {
        crate::note!("wrote {w}");
    }
    Ok(())
}

/// The marker of an example row, in the first column (`exemple`): no analyst can miss it,
/// and every reader refuses a row that carries it (`formats::read_table`).
const EXAMPLE_MARK: &str = "EXEMPLE – ligne à supprimer";

fn csv(t: &Template) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(std::iter::once(EXAMPLE_COLUMN).chain(t.columns.iter().map(|c| c.name)))?;
    for i in 0..2 {
        w.write_record(std::iter::once(EXAMPLE_MARK).chain(t.columns.iter().map(|c| c.examples[i])))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("failed to write a template: {}", e.error()))
}

fn xlsx(t: &Template) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet().set_name("Données")?;
    let warn = Format::new().set_bold().set_font_color(rust_xlsxwriter::Color::Red);
    ws.write_string_with_format(0, 0, EXAMPLE_COLUMN, &bold)?;
    ws.set_column_width(0, 30)?;
    for i in 0..2 {
        ws.write_string_with_format(1 + i, 0, EXAMPLE_MARK, &warn)?;
    }
    for (j, c) in t.columns.iter().enumerate() {
        let col = j as u16 + 1;
        ws.write_string_with_format(0, col, c.name, &bold)?;
        ws.set_column_format(col, &text)?;
        ws.set_column_width(col, (c.name.len() as f64 + 4.0).max(14.0))?;
        for i in 0..2 {
            ws.write_string_with_format(1 + i as u32, col, c.examples[i], &text)?;
        }
    }
    let doc = wb.add_worksheet().set_name("Colonnes")?;
    doc.write_string_with_format(0, 0, t.title, &bold)?;
    doc.write_string(
        1,
        0,
        format!("{} Les lignes marquées « EXEMPLE » (colonne `exemple`) sont des exemples : supprimez-les.", t.notes),
    )?;
    doc.write_string_with_format(3, 0, "colonne", &bold)?;
    doc.write_string_with_format(3, 1, "contenu", &bold)?;
    for (i, c) in t.columns.iter().enumerate() {
        doc.write_string(4 + i as u32, 0, c.name)?;
        doc.write_string(4 + i as u32, 1, c.description)?;
    }
    doc.set_column_width(0, 32)?;
    doc.set_column_width(1, 90)?;
    Ok(wb.save_to_buffer()?)
}
