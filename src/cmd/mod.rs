//! One module per subcommand, each with `run(args) -> Result<()>`.

pub mod bench_data;
pub mod build;
pub mod compare;
pub mod demo;
pub mod fetch;
pub mod init_templates;
