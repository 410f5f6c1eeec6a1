//! Indicators: specs (`indicators/*.toml`) and the polars engine that computes them.
//!
//! DataFrames never leave this module: the engine hands plain [`crate::model`] records
//! to the renderers.

pub mod change;
pub mod engine;
pub mod spec;

pub use engine::{Inputs, Years, compute};
pub use spec::IndicatorSpec;
