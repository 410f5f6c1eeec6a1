//! Command-line arguments (clap derive). Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Builds the French health-access barometer (baromètre de l'accès aux soins) from
/// public data: indicators by département, région and France, maps and charts, the
/// national PDF, the HTML site and downloadable tables.
#[derive(Debug, Parser)]
#[command(name = "barometre", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build an edition: indicators, charts, PDF, HTML and tables into `output/<edition>/`.
    Build(BuildArgs),
    /// Download every configured source into the cache, validate it and write the
    /// provenance manifest (`manifest.json`).
    ///
    /// Every version of a file is kept in the cache (`versions/<sha256>.<ext>`) and in
    /// the manifest's history. A file that changed (same vintage: a revision; or a new
    /// vintage) is an alert in `checks.md` and is listed in the methodology of the site
    /// and the PDF until you acknowledge it with `barometre fetch --acknowledge <id>`.
    Fetch(FetchArgs),
    /// Write `sources.toml` and the documented analyst templates (CSV and XLSX) to fill in.
    InitTemplates(InitTemplatesArgs),
    /// Print a département's figures beside its région and France, against the previous
    /// edition (the numbers of its fiche).
    Compare(CompareArgs),
    /// Reduce an extract of the open RPPS directory (`PS_LibreAcces_Personne_activite_*.txt`,
    /// or the publisher's zip) to general practitioners by commune and by EPCI, with their
    /// population and density, into `<output>/annuaire/`.
    Annuaire(AnnuaireArgs),
    /// Preview the edition while writing it: build it in memory, serve it on 127.0.0.1,
    /// rebuild what an edit of the editorial texts, templates, indicators or data touches,
    /// and reload the open page.
    Serve(ServeArgs),
    /// Write the one-page PDF fiche of an intercommunalité (EPCI), by name or SIREN (a
    /// commune gives its EPCI), to `<output>/fiches/epci-<siren>.pdf`, or a département's
    /// to `<output>/fiches/<code>.pdf`.
    Fiche(FicheArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub edition: EditionArgs,
    /// Directory of the editorial texts (watched).
    #[arg(long)]
    pub editorial: Option<PathBuf>,
    /// Directory of templates overriding the embedded ones (watched).
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Port (0: any free port, printed at start).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on: this machine only by default.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("territoire").required(true).multiple(true).args(["epci", "departement"])))]
pub struct FicheArgs {
    /// The EPCI: its SIREN ("200066793"), its name ("CC du Haut Allier Margeride"), or a
    /// commune of it; repeat for several.
    #[arg(long)]
    pub epci: Vec<String>,
    /// The département: its code ("23", "2A") or its name ("Creuse"); repeat for several.
    /// Its fiche is the edition's, written without building the whole edition.
    #[arg(long)]
    pub departement: Vec<String>,
    #[command(flatten)]
    pub edition: EditionArgs,
    /// Output root; the fiches are written to `<output>/fiches/`.
    #[arg(long, default_value = "output")]
    pub output: PathBuf,
    /// A directory of templates overriding the embedded ones (`fiche-epci.typ`, `fiche.typ`).
    #[arg(long)]
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AnnuaireArgs {
    /// The extract (`.txt`) or the publisher's `.zip`.
    pub file: PathBuf,
    /// Output root; the tables are written to `<output>/annuaire/`.
    #[arg(long, default_value = "output")]
    pub output: PathBuf,
    /// The data whose DREES GP counts by département the directory is checked against
    /// (`demo`, `cache` or a directory, as for `build`).
    #[arg(long, default_value = "demo")]
    pub data: String,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Year of the DREES counts compared (default: the latest they hold).
    #[arg(long)]
    pub year: Option<i32>,
}

/// Where the download cache lives.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// Cache directory.
    #[arg(long = "cache-dir", env = "BAROMETRE_CACHE", default_value = ".cache/barometre")]
    pub cache_dir: PathBuf,
}

impl CacheArgs {
    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir.clone()
    }
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Sources configuration (default: the embedded one; write it out with `init-templates`).
    #[arg(long)]
    pub sources: Option<PathBuf>,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Use the cache only; report what is missing.
    #[arg(long)]
    pub offline: bool,
    /// Fetch only these sources (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Timeout of one download attempt, in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub timeout: f64,
    /// Retries after a failed attempt (connection error, timeout, 5xx, 429, truncated body).
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Wait before the first retry, in milliseconds; doubled at each retry.
    #[arg(long, default_value_t = 1000)]
    pub backoff_ms: u64,
    /// Acknowledge the changed files of these sources (comma-separated ids) once reviewed:
    /// their revisions or new vintages stop alerting in `checks.md` and leave the
    /// methodology; the manifest keeps every version. Downloads nothing.
    #[arg(long, value_delimiter = ',', value_name = "ID", conflicts_with_all = ["offline", "only"])]
    pub acknowledge: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitTemplatesArgs {
    /// Directory to write `sources.toml` and `saisie/` into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub edition: EditionArgs,
    /// Output root; the edition is written to `<output>/<edition>/`.
    #[arg(long, default_value = "output")]
    pub output: PathBuf,
    /// Directory of templates overriding the embedded `report-templates/`.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Directory of the edition's editorial texts in Markdown (`introduction.md`,
    /// `demographie.md`, `pdsa.md`, `sas.md`, `renoncement.md`, `zones-rouges.md`,
    /// `sans-medecin-traitant.md`). A final build refuses when one is missing (the demo
    /// edition has its own); `--draft` prints a placeholder instead.
    #[arg(long)]
    pub editorial: Option<PathBuf>,
    /// Build a working draft: every page marked « PROJET », placeholders where editorial
    /// text is missing.
    #[arg(long)]
    pub draft: bool,
}

/// Which data and which edition: shared by `build` and `compare`.
#[derive(Debug, Args)]
pub struct EditionArgs {
    /// Input data: `demo` (the embedded demo edition), `cache` (files downloaded by
    /// `fetch`), a cache directory, or a directory of canonical files laid out like
    /// `fixtures/demo/` with its `provenance.toml`.
    #[arg(long, default_value = "demo")]
    pub data: String,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Edition year.
    #[arg(long = "edition", default_value_t = 2025)]
    pub year: i32,
    /// Year of the previous edition, the comparison point (default: the edition before
    /// this one among 2020, 2023 and 2025, else the edition year − 2). Equal to the edition
    /// year: no comparison. A year the data do not hold shows as « n.d. » with an alert.
    #[arg(long)]
    pub previous: Option<i32>,
    /// Baseline year (default: 2020, or the comparison year if earlier).
    #[arg(long)]
    pub baseline: Option<i32>,
    /// Directory of indicator specs (default: the embedded `indicators/`).
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    /// Values published in the previous edition (`indicateur,code,valeur`, CSV or XLSX):
    /// kept beside the restated values so that revisions are told apart from change.
    #[arg(long)]
    pub previous_published: Option<PathBuf>,
    /// Date of the edition (YYYY-MM-DD), used as creation date of every output.
    /// Defaults to `SOURCE_DATE_EPOCH` if set, else to the edition's publication date.
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Output format of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The territory: a département (code "23", "2A", "971" or name "Creuse"), a commune
    /// (INSEE code "23096" or name "Guéret"; « Saint-Denis (93) » for homonyms) or an EPCI
    /// (SIREN or name); a commune or an EPCI is shown with its EPCI, département and France.
    pub territory: String,
    #[command(flatten)]
    pub edition: EditionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
}
