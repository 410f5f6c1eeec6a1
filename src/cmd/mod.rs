//! One module per subcommand, each with `run(args) -> Result<()>`.

pub mod annuaire;
pub mod build;
pub mod compare;
pub mod compare_local;
pub mod fetch;
pub mod fiche;
pub mod init_templates;
pub mod serve;
