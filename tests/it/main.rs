//! The integration tests: one binary, one module per feature (STYLE.md).

mod build;
mod fuzz;
mod incremental;
mod invalid;
mod links;
mod output;
mod publish;
mod scaffold;
mod serve;
mod shipped;
mod support;
mod theme;
mod xss;
