//! `dossier`: a static-site generator for explainer dossiers.
//!
//! The build is a pipeline of data, one module per stage (see ARCHITECTURE.md):
//! `cli → config → load → model → markdown → context → render → write`.

// Diagnostics are returned by value from many small functions; they are the cold path, and
// boxing them would make every `?` site noisier for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod cli;
pub mod config;
pub mod context;
pub mod dates;
pub mod diagnostics;
pub mod external;
pub mod frontmatter;
pub mod guard;
pub mod incremental;
pub mod links;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod model;
pub mod pictures;
pub mod publish;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod unchanged;
pub mod write;
