//! The one integration test binary. One module per feature; see tests/README.md.

mod common;

mod build;
mod downloads;
mod fetch;
mod figures;
mod indicators;
mod pdf;
mod readers;
mod site;
mod stats;
