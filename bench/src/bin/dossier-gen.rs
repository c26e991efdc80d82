//! `dossier-gen --pages N --seed S --theme default|minimal|hugo --out DIR`: writes a synthetic
//! dossier (see `dossier_bench::generate`) ready to build.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use dossier_bench::generate::Counts;
use dossier_bench::site::{self, Theme};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ThemeArg {
    /// dossier with its default theme (themes/dossier).
    Default,
    /// dossier with the minimal comparison theme (bench/themes/minimal).
    Minimal,
    /// The same content for Hugo, with the equivalent layouts (bench/hugo).
    Hugo,
}

/// Writes a synthetic dossier, the same bytes for the same --pages and --seed.
#[derive(Debug, Parser)]
struct Args {
    /// Content pages (actors, locations, talks and sources; sections not counted). At least 10.
    #[arg(long, default_value_t = 1000)]
    pages: usize,
    /// Sources among those pages (default: one per thousand pages, at least one).
    #[arg(long)]
    sources: Option<usize>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = ThemeArg::Default)]
    theme: ThemeArg,
    /// The site folder to create; it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let theme = match args.theme {
        ThemeArg::Default => Theme::Default,
        ThemeArg::Minimal => Theme::Minimal,
        ThemeArg::Hugo => Theme::Hugo,
    };
    if std::fs::read_dir(&args.out).is_ok_and(|mut d| d.next().is_some()) {
        eprintln!(
            "error: {} is not empty; remove it or choose another folder",
            args.out.display()
        );
        return ExitCode::FAILURE;
    }
    let mut counts = Counts::for_pages(args.pages);
    if let Some(k) = args.sources {
        // Keep the page count: the extra sources replace talks.
        counts.talks = (counts.talks + counts.sources)
            .saturating_sub(k.max(1))
            .max(2);
        counts.sources = k.max(1);
    }
    match site::write(&args.out, counts, args.seed, theme) {
        Ok(n) => {
            eprintln!(
                "wrote {n} files ({} theme) into {}",
                theme.name(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
