//! One module per subcommand, each with `run(args) -> Result<()>`.

pub mod annuaire;
pub mod build;
pub mod compare;
pub mod fetch;
pub mod init_templates;
