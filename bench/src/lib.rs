//! Benchmark tooling for dossier (see BENCHMARKS.md at the repository root).
//!
//! - [`generate`]: synthetic dossiers of any size, deterministic for a page count and a seed,
//!   as dossier content or as the same Markdown for Hugo;
//! - [`floor`]: the floor program's work, pulldown-cmark over the bodies and the HTML written,
//!   the least any generator must do with the same content.
//!
//! Nothing here is used by the engine; the engine is only a dev-dependency, for the test that a
//! generated site passes `dossier check`.

pub mod floor;
pub mod frontmatter;
pub mod generate;
pub mod prose;
pub mod rng;
pub mod site;
