//! `dossier-floor --content DIR --out DIR`: the floor program (see `dossier_bench::floor`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Runs pulldown-cmark over every Markdown body under --content and writes the HTML under --out.
#[derive(Debug, Parser)]
struct Args {
    /// The content folder of a site.
    #[arg(long, value_name = "DIR")]
    content: PathBuf,
    /// Where to write the HTML.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Worker threads (default: one per core, as the engine).
    #[arg(long)]
    jobs: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(j) = args.jobs
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(j)
            .build_global()
    {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    match dossier_bench::floor::run(&args.content, &args.out) {
        Ok(n) => {
            eprintln!("rendered {n} files into {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
