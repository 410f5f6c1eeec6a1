//! Full-size synthetic inputs for the benchmarks (`barometre bench-data`): a workbook shaped
//! like the DREES RPPS one and as large (about 70 MB), an INSEE population workbook with
//! every year 1975–2026 as sheets, and survey microdata of 1,000,000 respondents.
//!
//! Seeded and deterministic; every number is invented. Not for the demo edition (see
//! `generate`), only for timing the readers and the engine.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::Workbook;

use crate::geo::Geography;
use crate::sources::{Format, Located};

/// How large the generated inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    /// As large as the official files: DREES ~70 MB, 1,000,000 respondents.
    Full,
    /// A few thousand rows, for tests.
    Small,
}

pub const DREES_FILE: &str = "medecins-rpps-2012-2026.xlsx";
pub const INSEE_FILE: &str = "estim-pop-dep-sexe-gca-1975-2026.xlsx";
pub const SURVEY_FILE: &str = "renoncement.csv";
pub const DREES_YEARS: std::ops::RangeInclusive<i32> = 2012..=2026;

/// Writes the three files into `dir` (created) and returns their paths.
pub fn write_all(dir: &Path, size: Size) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    let geo = Geography::get();
    let drees = dir.join(DREES_FILE);
    drees_workbook(geo, size, &drees)?;
    let insee = dir.join(INSEE_FILE);
    insee_workbook(geo, &insee)?;
    let survey = dir.join(SURVEY_FILE);
    let n = match size {
        Size::Full => 1_000_000,
        Size::Small => 10_000,
    };
    std::fs::write(&survey, survey_csv(geo, n)).with_context(|| format!("failed to write `{}`", survey.display()))?;
    let rpps = dir.join(RPPS_FILE);
    let rows = match size {
        Size::Full => 2_000_000,
        Size::Small => 20_000,
    };
    rpps_extract(&rpps, rows)?;
    Ok(vec![drees, insee, survey, rpps])
}

pub const RPPS_FILE: &str = "PS_LibreAcces_Personne_activite_202511200000.txt";

/// An extract shaped like the open RPPS directory (52 columns, `|` and a trailing `|`),
/// `rows` activity rows of invented people (`FICTIF…`), about 300 bytes each as in the
/// real file: a third doctors, of whom two in five GPs; one to three activities a person;
/// sites in communes drawn in proportion to their population; some rows without a site.
pub fn rpps_extract(path: &Path, rows: usize) -> Result<()> {
    let communes = &crate::communes::Communes::get().communes;
    let mut cumulative = Vec::with_capacity(communes.len());
    let mut total = 0u64;
    for c in communes {
        total += c.population.max(1);
        cumulative.push(total);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(20_251_120);
    let file = std::fs::File::create(path).with_context(|| format!("failed to create `{}`", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    w.write_all(crate::sources::rpps_annuaire::HEADER.as_bytes())?;
    w.write_all(b"\n")?;
    let (mut written, mut person) = (0usize, 0u64);
    let professions =
        [("10", "Médecin"), ("21", "Pharmacien"), ("60", "Infirmier"), ("70", "Masseur-Kinésithérapeute")];
    let specialties =
        [("SM54", "Médecine Générale"), ("SM04", "Cardiologie et maladies vasculaires"), ("SM42", "Psychiatrie")];
    while written < rows {
        person += 1;
        let (prof, prof_label) = match rng.random_range(0..3) {
            0 => professions[0],
            _ => professions[rng.random_range(1..professions.len())],
        };
        let (sf, sf_label) = if prof == "10" {
            if rng.random_bool(0.4) { specialties[0] } else { specialties[rng.random_range(1..specialties.len())] }
        } else {
            ("", "")
        };
        for k in 0..rng.random_range(1..=3usize).min(rows - written) {
            let (mode, mode_label) = match rng.random_range(0..10) {
                0..=5 => ("L", "Libéral,indépendant,artisan,commerçant"),
                6..=8 => ("S", "Salarié"),
                _ => ("B", "Bénévole"),
            };
            let site = rng.random_bool(0.95);
            let c = &communes[cumulative.partition_point(|&x| x <= rng.random_range(0..total))];
            let (commune, name, dept) =
                if site { (c.code.as_str(), c.name.as_str(), c.departement.as_str()) } else { ("", "", "") };
            writeln!(
                w,
                "8|1{person:010}|81{person:010}|DR|Docteur|M|Monsieur|FICTIF{person}|PRENOM|{prof}|{prof_label}|C|Civil|S|Spécialité ordinale|{sf}|{sf_label}|{mode}|{mode_label}|||||R1{person:010}{k:03}|CABINET FICTIF {person}||||{k}||R|Rue|de la République|||{cp}|{commune}|{name}|99000|France|0100000000||||{dept}||||SA07|Cabinet individuel|||",
                cp = if site { "00000" } else { "" },
            )?;
            written += 1;
        }
    }
    w.flush()?;
    Ok(())
}

/// A workload timed by the benchmarks, on the files of [`write_all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// The DREES workbook to GP counts by département and year.
    Drees,
    /// The INSEE workbook (every year) to populations by département and year.
    Insee,
    /// The survey microdata to weighted rates with intervals by département.
    Survey,
    /// The open RPPS directory (about 2,000,000 rows) to GPs by commune and EPCI.
    Rpps,
}

/// Runs a workload on the files in `dir`, timing its stages (see [`crate::timing`]);
/// returns the number of rows or estimates produced.
pub fn run_workload(dir: &Path, workload: Workload) -> Result<usize> {
    let geo = Geography::get();
    let read = |name: &str, format: Format| -> Result<Located> {
        let path = dir.join(name);
        let bytes = crate::timing::stage("read-file", || crate::formats::read_file(&path))?;
        Ok(Located { display: path.display().to_string(), bytes, format })
    };
    Ok(match workload {
        Workload::Drees => {
            let located = read(DREES_FILE, Format::DreesRpps)?;
            crate::timing::stage("parse+validate", || crate::sources::drees::parse(located, geo))?.len()
        }
        Workload::Insee => {
            let located = read(INSEE_FILE, Format::InseePopulation)?;
            crate::timing::stage("parse+validate", || crate::sources::insee::parse(located, geo))?.len()
        }
        Workload::Survey => {
            let located = read(SURVEY_FILE, Format::Canonical)?;
            let rows = crate::timing::stage("parse+validate", || crate::sources::survey::parse(located, geo))?;
            let base = crate::timing::stage("other-inputs", SurveyBase::demo)?;
            let result = crate::timing::stage("rates", || base.rates(&rows))?;
            result.rows.len()
        }
        Workload::Rpps => {
            let r = crate::timing::stage("read+parse+reduce", || {
                crate::sources::rpps_annuaire::read_path(&dir.join(RPPS_FILE))
            })?;
            let epci = crate::timing::stage("by-epci", || r.by_epci());
            debug_assert!(epci.values().sum::<u64>() <= r.total());
            r.rows as usize
        }
    })
}

/// What the survey indicator needs beside the microdata: the demo edition's GP counts and
/// populations (the engine's base tables) and the `renoncement-soins` spec.
pub struct SurveyBase {
    gp: Vec<crate::sources::gp::GpRow>,
    pop: Vec<crate::sources::population::PopRow>,
    spec: crate::indicators::IndicatorSpec,
}

impl SurveyBase {
    pub fn demo() -> Result<SurveyBase> {
        let geo = Geography::get();
        let src = crate::sources::DataSource::Demo;
        let gp = crate::sources::gp::load(&src, geo, &[])?;
        let pop = crate::sources::population::load(&src, geo, &[])?;
        let spec = crate::indicators::spec::load(None)?
            .into_iter()
            .find(|s| s.id == "renoncement-soins")
            .ok_or_else(|| anyhow::anyhow!("no indicator `renoncement-soins`"))?;
        Ok(SurveyBase { gp, pop, spec })
    }

    /// The survey indicator of the 2025 edition from `rows`: weighted rates with
    /// intervals and tests of change by département, région and France.
    pub fn rates(&self, rows: &[crate::sources::survey::Respondent]) -> Result<crate::model::IndicatorResult> {
        use crate::indicators::{Inputs, Years};
        let years = Years { current: 2025, previous: 2023, baseline: 2020 };
        let inputs = Inputs::new(&self.gp, &self.pop)?.with_survey(rows)?;
        crate::indicators::compute(&self.spec, &inputs, Geography::get(), years)
    }
}

/// (specialites_agregees, [specialites]) of the DREES file, "00-Ensemble" first in each.
const SPECIALTIES: &[(&str, &[&str])] = &[
    ("00-Ensemble", &["00-Ensemble"]),
    ("01-Médecine générale", &["00-Ensemble", "0101-Médecine générale", "0102-Médecine d'urgence"]),
    (
        "02-Spécialités médicales",
        &[
            "00-Ensemble",
            "0201-Allergologie",
            "0202-Anatomie et cytologie pathologiques",
            "0203-Cardiologie et maladies vasculaires",
            "0204-Dermatologie et vénéréologie",
            "0205-Endocrinologie et métabolisme",
            "0206-Gastro-entérologie et hépatologie",
            "0207-Génétique médicale",
            "0208-Gériatrie",
            "0209-Hématologie",
            "0210-Maladies infectieuses et tropicales",
            "0211-Médecine interne",
            "0212-Médecine nucléaire",
            "0213-Médecine physique et de réadaptation",
            "0214-Néphrologie",
            "0215-Neurologie",
            "0216-Oncologie",
            "0217-Pédiatrie",
            "0218-Pneumologie",
            "0219-Radiodiagnostic et imagerie médicale",
            "0220-Rhumatologie",
        ],
    ),
    (
        "03-Spécialités chirurgicales",
        &[
            "00-Ensemble",
            "0301-Chirurgie générale",
            "0302-Chirurgie maxillo-faciale",
            "0303-Chirurgie orthopédique et traumatologie",
            "0304-Chirurgie pédiatrique",
            "0305-Chirurgie plastique",
            "0306-Chirurgie thoracique et cardio-vasculaire",
            "0307-Chirurgie urologique",
            "0308-Chirurgie vasculaire",
            "0309-Chirurgie viscérale et digestive",
            "0310-Gynécologie-obstétrique",
            "0311-Neurochirurgie",
            "0312-Ophtalmologie",
            "0313-Oto-rhino-laryngologie",
        ],
    ),
    ("04-Psychiatrie", &["00-Ensemble", "0401-Psychiatrie", "0402-Pédopsychiatrie"]),
    ("05-Anesthésie-réanimation", &["00-Ensemble", "0501-Anesthésie-réanimation"]),
    ("06-Biologie médicale", &["00-Ensemble", "0601-Biologie médicale"]),
    ("07-Santé publique", &["00-Ensemble", "0701-Santé publique", "0702-Médecine du travail"]),
];
const EXERCISE: &[&str] = &["0-Ensemble", "1-Libéral exclusif", "2-Mixte", "3-Salarié exclusif"];
const AGES: &[&str] = &[
    "00-Ensemble",
    "01-Moins de 30 ans",
    "02-30 à 34 ans",
    "03-35 à 39 ans",
    "04-40 à 44 ans",
    "05-45 à 49 ans",
    "06-50 à 54 ans",
    "07-55 à 59 ans",
    "08-60 à 64 ans",
    "09-65 à 69 ans",
    "10-70 à 74 ans",
    "11-75 à 79 ans",
    "12-80 à 84 ans",
    "13-85 ans et plus",
];
// 120 territories × 49 specialties × 4 × 14 × 3 = 987,840 rows: under Excel's 1,048,576.
const SEXES: &[&str] = &["0-Ensemble", "1-Hommes", "2-Femmes"];

/// "075-Paris", "02A-Corse-du-Sud", "971 -Guadeloupe" (the stray space is the real file's).
fn drees_dept_label(code: &str, name: &str) -> String {
    if code.len() == 3 { format!("{code} -{name}") } else { format!("{code:0>3}-{name}") }
}

/// A DREES-shaped RPPS workbook: sheets `Lisez-moi` and `Effectifs` (France, régions and
/// départements × specialties × exercise modes × age bands × sexes, `effectif_2012` …
/// `effectif_2026`, "ND" under 10), written in low-memory mode.
pub fn drees_workbook(geo: &Geography, size: Size, path: &Path) -> Result<()> {
    let (specialties, exercise, ages) = match size {
        Size::Full => (SPECIALTIES.iter().map(|(a, s)| (*a, s.to_vec())).collect::<Vec<_>>(), EXERCISE, AGES),
        Size::Small => (
            SPECIALTIES.iter().take(3).map(|(a, s)| (*a, s.iter().take(2).copied().collect())).collect(),
            &EXERCISE[..2],
            &AGES[..2],
        ),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut wb = Workbook::new();
    let readme = wb.add_worksheet_with_low_memory()?;
    readme.set_name("Lisez-moi")?;
    for (i, line) in [
        "Médecins inscrits au RPPS, effectifs au 1er janvier, 2012-2026",
        "FICHIER SYNTHÉTIQUE pour les mesures de performance de barometre : chiffres fictifs, seule la forme imite le fichier officiel.",
        "ND : donnée non diffusée (effectif inférieur à 10).",
    ]
    .iter()
    .enumerate()
    {
        readme.write_string(i as u32, 0, *line)?;
    }
    let ws = wb.add_worksheet_with_low_memory()?;
    ws.set_name("Effectifs")?;
    ws.write_string(0, 0, "Effectifs de médecins au 1er janvier, 2012-2026")?;
    ws.write_string(1, 0, "Source : RPPS, traitements DREES (fichier synthétique)")?;
    let mut header: Vec<String> = crate::sources::drees::LABEL_COLUMNS.map(String::from).to_vec();
    header.extend(DREES_YEARS.map(|y| format!("effectif_{y}")));
    for (c, h) in header.iter().enumerate() {
        ws.write_string(3, c as u16, h)?;
    }
    // Territories: France, régions, then départements.
    let mut territories: Vec<(&str, String, String, f64)> =
        vec![("France", "00-Ensemble".into(), "000-Ensemble".into(), 100_000.0)];
    for r in &geo.regions {
        let n = geo.departements.iter().filter(|d| d.region == r.code).count() as f64;
        territories.push(("Région", format!("{}-{}", r.code, r.name), "000-Ensemble".into(), 1_000.0 * n));
    }
    for d in &geo.departements {
        let region = geo.regions.iter().find(|r| r.code == d.region).map(|r| r.name.as_str()).unwrap_or("");
        let scale = 300.0 + rng.random_range(0.0..1_500.0);
        territories.push(("Département", format!("{}-{region}", d.region), drees_dept_label(&d.code, &d.name), scale));
    }
    let mut row = 4u32;
    for (territoire, region, dept, scale) in &territories {
        for (si, (agregee, details)) in specialties.iter().enumerate() {
            let share = if si == 0 { 2.2 } else { 1.0 / (si as f64 + 0.5) };
            for (di, detail) in details.iter().enumerate() {
                let detail_share = if di == 0 { 1.0 } else { 1.0 / (details.len() as f64 - 1.0) };
                for (ei, ex) in exercise.iter().enumerate() {
                    let ex_share = if ei == 0 { 1.0 } else { [0.0, 0.55, 0.15, 0.30][ei] };
                    for (ai, age) in ages.iter().enumerate() {
                        let age_share = if ai == 0 { 1.0 } else { 1.0 / (AGES.len() as f64 - 1.0) };
                        for (xi, sex) in SEXES.iter().enumerate() {
                            let sex_share = if xi == 0 { 1.0 } else { 0.5 };
                            let base = scale * share * detail_share * ex_share * age_share * sex_share;
                            for (c, text) in
                                [*territoire, region, dept, agregee, detail, ex, age, sex].iter().enumerate()
                            {
                                ws.write_string(row, c as u16, *text)?;
                            }
                            for (k, y) in DREES_YEARS.enumerate() {
                                let v =
                                    (base * (1.0 + 0.004 * (y - 2020) as f64) * rng.random_range(0.97..1.03)).round();
                                let col = (8 + k) as u16;
                                if v < 10.0 {
                                    ws.write_string(row, col, "ND")?;
                                } else {
                                    ws.write_number(row, col, v)?;
                                }
                            }
                            row += 1;
                        }
                    }
                }
            }
        }
    }
    wb.save(path).with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}

/// An INSEE-shaped population workbook: `À savoir`, then one sheet per year from 2026 down
/// to 1975; data from row 6: code (overseas as numbers), name, Ensemble by age band and
/// Total, then men, then women; aggregate rows among the départements.
pub fn insee_workbook(geo: &Geography, path: &Path) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(1975);
    let base: Vec<f64> = geo.departements.iter().map(|_| rng.random_range(80_000.0..2_600_000.0)).collect();
    let mut wb = Workbook::new();
    let about = wb.add_worksheet();
    about.set_name("À savoir")?;
    about.write_string(0, 0, "Estimation de la population au 1er janvier (FICHIER SYNTHÉTIQUE, chiffres fictifs)")?;
    let ages = ["0 à 19 ans", "20 à 39 ans", "40 à 59 ans", "60 à 74 ans", "75 ans et plus", "Total"];
    for year in (1975..=2026).rev() {
        let ws = wb.add_worksheet();
        ws.set_name(year.to_string())?;
        ws.write_string(0, 0, format!("Estimation de la population au 1er janvier {year}"))?;
        ws.write_string(1, 0, "Fichier synthétique (chiffres fictifs)")?;
        ws.write_string(2, 0, "Départements")?;
        for (label, col) in [("Ensemble", 2u16), ("Hommes", 8), ("Femmes", 14)] {
            ws.write_string(2, col, label)?;
            for (k, age) in ages.iter().enumerate() {
                ws.write_string(3, col + k as u16, *age)?;
            }
        }
        let mut row = 5u32;
        let mut metro = [0u64; 18];
        let mut dom = [0u64; 18];
        let growth = 1.0 + 0.004 * (year - 2000) as f64;
        let write_row = |ws: &mut rust_xlsxwriter::Worksheet, row: u32, nums: &[u64; 18]| -> Result<()> {
            for (k, v) in nums.iter().enumerate() {
                ws.write_number(row, 2 + k as u16, *v as f64)?;
            }
            Ok(())
        };
        let mut overseas_started = false;
        for (d, b) in geo.departements.iter().zip(&base) {
            let overseas = d.code.len() == 3;
            if overseas && !overseas_started {
                ws.write_string(row, 0, "France métropolitaine")?;
                write_row(ws, row, &metro)?;
                row += 1;
                overseas_started = true;
            }
            let total = (b * growth).round() as u64;
            let nums = breakdown(total);
            if overseas {
                ws.write_number(row, 0, d.code.parse::<f64>().unwrap_or(0.0))?;
            } else {
                ws.write_string(row, 0, &d.code)?;
            }
            ws.write_string(row, 1, &d.name)?;
            write_row(ws, row, &nums)?;
            let acc = if overseas { &mut dom } else { &mut metro };
            for (a, n) in acc.iter_mut().zip(nums) {
                *a += n;
            }
            row += 1;
        }
        ws.write_string(row, 0, "DOM")?;
        write_row(ws, row, &dom)?;
        let all: Vec<u64> = metro.iter().zip(&dom).map(|(a, b)| a + b).collect();
        ws.write_string(row + 1, 0, "France métropolitaine et DOM")?;
        write_row(ws, row + 1, &all.try_into().unwrap_or([0; 18]))?;
        ws.write_string(row + 2, 0, "Source : fichier synthétique de barometre.")?;
    }
    wb.save(path).with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}

/// Ensemble by five age bands and Total, then men, then women; adds up exactly.
fn breakdown(total: u64) -> [u64; 18] {
    let shares = [0.23, 0.22, 0.25, 0.18];
    let mut bands: Vec<u64> = shares.iter().map(|s| (total as f64 * s).round() as u64).collect();
    bands.push(total - bands.iter().sum::<u64>());
    let men: Vec<u64> = bands.iter().map(|b| (*b as f64 * 0.485).round() as u64).collect();
    let mut out = [0u64; 18];
    for k in 0..5 {
        out[k] = bands[k];
        out[6 + k] = men[k];
        out[12 + k] = bands[k] - men[k];
    }
    out[5] = total;
    out[11] = men.iter().sum();
    out[17] = total - out[11];
    out
}

/// Survey microdata in the template's columns (`renoncement.csv`): `n` respondents, half
/// in 2024 and half in 2025, spread over the départements; weights with two decimals.
pub fn survey_csv(geo: &Geography, n: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(65);
    let ages = ["18-24", "25-34", "35-49", "50-64", "65+"];
    let motives = ["delai", "cout", "distance", "pas_de_medecin", "autre"];
    let depts: Vec<&str> = geo.departements.iter().map(|d| d.code.as_str()).collect();
    let mut out = Vec::with_capacity(n * 48);
    out.extend_from_slice(b"id,annee,code_departement,tranche_age,sexe,poids,renoncement,motif\n");
    for i in 0..n {
        let year = if i < n / 2 { 2024 } else { 2025 };
        let d = rng.random_range(0..depts.len());
        let p = 0.55 + 0.2 * (d as f64 / depts.len() as f64) + if year == 2025 { 0.03 } else { 0.0 };
        let renounced = rng.random_bool(p);
        let weight = rng.random_range(30..300) as f64 / 100.0;
        let motive = if renounced { motives[rng.random_range(0..motives.len())] } else { "" };
        let _ = writeln!(
            out,
            "R{:07},{year},{},{},{},{weight:.2},{},{motive}",
            i + 1,
            depts[d],
            ages[rng.random_range(0..ages.len())],
            if rng.random_bool(0.52) { "F" } else { "H" },
            u8::from(renounced),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sources::{drees, insee, survey};

    fn located(path: &Path, format: Format) -> Located {
        Located { display: path.display().to_string(), bytes: std::fs::read(path).expect("read"), format }
    }

    /// The generated files are read by the project's own readers (issue 8).
    #[test]
    fn small_files_are_read_by_the_readers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = write_all(dir.path(), Size::Small).expect("write");
        let geo = Geography::get();
        let gp = drees::parse(located(&paths[0], Format::DreesRpps), geo).expect("drees");
        assert_eq!(gp.len(), 101 * DREES_YEARS.count());
        let pop = insee::parse(located(&paths[1], Format::InseePopulation), geo).expect("insee");
        assert_eq!(pop.len(), 101 * 52);
        let rows = survey::parse(located(&paths[2], Format::Canonical), geo).expect("survey");
        assert_eq!(rows.len(), 10_000);
        let rates = SurveyBase::demo().and_then(|b| b.rates(&rows)).expect("rates");
        // 10,000 respondents: France and most régions are precise enough to publish;
        // départements are not (issue 15's precision rules).
        let published =
            |l: crate::model::LevelName| rates.rows.iter().filter(|r| r.level == l && r.cur.is_some()).count();
        assert_eq!(published(crate::model::LevelName::France), 1);
        assert!(published(crate::model::LevelName::Region) >= 10);
    }

    #[test]
    fn breakdown_adds_up() {
        let b = breakdown(1_234_567);
        assert_eq!(b[..5].iter().sum::<u64>(), b[5]);
        assert_eq!(b[5], b[11] + b[17]);
    }
}
