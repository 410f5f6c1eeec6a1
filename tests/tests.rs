//! The one integration test binary. One module per feature; see tests/README.md.

mod common;

mod atomic;
mod bad_inputs;
mod build;
mod communes;
mod downloads;
mod edition;
mod epci;
mod fetch;
mod figures;
mod hostile;
mod indicators;
mod messages;
mod pdf;
mod provenance;
mod quantiles;
mod readers;
mod revisions;
mod serve;
mod site;
mod statistics;
mod stats;
mod templates;
mod years;
