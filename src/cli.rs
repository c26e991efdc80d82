//! The command line: clap parses it into typed arguments, which are resolved into one
//! [`BuildOptions`] before any work starts; then the command runs and its diagnostics are
//! printed, all of them, with a summary line.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::build::{self, BuildOptions};
use crate::diagnostics::Diagnostic;

/// A static-site generator for explainer dossiers.
#[derive(Debug, Parser)]
#[command(name = "dossier", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output dir (public/ by default).
    Build(BuildArgs),
    /// Run every validation of `build`, templates included, and write nothing.
    Check(CheckArgs),
    /// Build into memory, serve on localhost, and rebuild and reload on every change.
    Serve(ServeArgs),
    /// Start a new page: content/<SECTION>/<slug>.md with the section's fields, as a draft.
    New(NewArgs),
    /// Start a new dossier in DIR that builds as it is.
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The section: actors, locations, talks, or another folder of content/ with an _index.md.
    pub section: String,
    /// The page's title; the file name is made from it.
    pub title: String,
    /// The site's folder: the one that holds site.toml.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create (it must be new or empty).
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The address to listen on. Anything but 127.0.0.1 or ::1 exposes the site to your network.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub interface: std::net::IpAddr,
    /// The port to listen on (default 1111, or a free one if it is taken; 0 for any free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// The site's folder: the one that holds site.toml.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Where to write the site (default: output_dir in site.toml, relative to the root).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// The URL the site will be published at, overriding base_url in site.toml.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Write into a non-empty output dir that dossier did not create.
    #[arg(long)]
    pub force: bool,
    /// Print how long each stage took.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Also list links to other sites, and check them when a network is there.
    #[arg(long)]
    pub external: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run_with(cli, None)
}

/// What the binary does to its allocator around a build that runs once and exits
/// (`build`, `check`; src/main.rs).
pub struct OneBuild {
    /// Called before the build starts.
    pub starts: fn(),
    /// Called on the search index's thread as the build starts its index
    /// ([`BuildOptions::index_starts`]).
    pub index_starts: fn(),
}

/// [`main`], with `one_build`'s calls when the command builds the site once and exits.
pub fn main_with(one_build: OneBuild) -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Build(_) | Command::Check(_)) {
        return run_with(cli, None);
    }
    (one_build.starts)();
    run_with(cli, Some(one_build.index_starts))
}

/// Runs `work`; if it takes more than a second and stderr is a terminal, shows which stage
/// the build is in meanwhile, then clears the line.
fn with_progress<T>(opts: &BuildOptions, work: impl FnOnce() -> T) -> T {
    use std::io::IsTerminal as _;
    use std::sync::atomic::{AtomicBool, Ordering};
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let stage = opts.progress.clone();
    let flag = done.clone();
    let started = std::time::Instant::now();
    let shower = std::thread::spawn(move || {
        let mut shown = false;
        while !flag.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if started.elapsed().as_secs_f64() >= 1.0 && !flag.load(Ordering::Relaxed) {
                let name =
                    build::STAGES[stage.load(Ordering::Relaxed).min(build::STAGES.len() - 1)];
                eprint!(
                    "\r\x1b[2K  building: {name} ({:.1} s)",
                    started.elapsed().as_secs_f64()
                );
                shown = true;
            }
        }
        if shown {
            eprint!("\r\x1b[2K");
        }
    });
    let result = work();
    done.store(true, Ordering::Relaxed);
    let _ = shower.join();
    result
}

fn print_diagnostics(diags: &[Diagnostic]) {
    let mut err = anstream::stderr();
    for d in diags {
        let _ = writeln!(err, "{}\n", d.render(true));
    }
}

/// Lists external links with their status: ok, broken (HTTP error) or unchecked.
fn print_external(external: &crate::links::External) {
    use crate::external::Status;
    let results = crate::external::check(external);
    let (mut ok, mut broken, mut unchecked) = (0, 0, 0);
    let mut out = anstream::stdout();
    let _ = writeln!(out, "External links: {}", results.len());
    for (url, status) in &results {
        let pages = external.get(url).map(|p| p.join(", ")).unwrap_or_default();
        let label = match status {
            Status::Ok(code) => {
                ok += 1;
                format!("ok {code}")
            }
            Status::Broken(code) => {
                broken += 1;
                format!("BROKEN {code}")
            }
            Status::Unchecked(why) => {
                unchecked += 1;
                format!("unchecked ({why})")
            }
        };
        let _ = writeln!(out, "  {label:<12} {url}  (in {pages})");
    }
    let _ = writeln!(out, "{ok} ok, {broken} broken, {unchecked} unchecked");
}

fn summary_of_errors(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let mut s = format!("{errors} error{}", if errors == 1 { "" } else { "s" });
    if warnings > 0 {
        s.push_str(&format!(
            " and {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    s
}

/// One stage of `--timings`: its wall time, the CPU time of all threads meanwhile with how
/// many cores that kept busy, and the peak memory so far (the last two where the system
/// says).
fn timings_line(lap: &build::Lap) -> String {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let mut line = format!("  {:<11} {:>8.1} ms", lap.name, ms(lap.took));
    if let Some(cpu) = lap.cpu {
        line.push_str(&format!("  CPU {:>8.1} ms", ms(cpu)));
        if !lap.took.is_zero() {
            line.push_str(&format!(
                " ({:.1} cores)",
                cpu.as_secs_f64() / lap.took.as_secs_f64()
            ));
        }
    }
    if let Some(kib) = lap.peak_kib {
        line.push_str(&format!("  peak memory {:>6} MiB", kib / 1024));
    }
    line
}

fn counts_line(counts: &std::collections::BTreeMap<String, usize>) -> String {
    let total: usize = counts.values().sum();
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    format!("{total} pages ({})", parts.join(", "))
}

pub fn run(cli: Cli) -> ExitCode {
    run_with(cli, None)
}

/// [`run`], with `index_starts` for a `build` or `check` ([`BuildOptions::index_starts`]).
fn run_with(cli: Cli, index_starts: Option<fn()>) -> ExitCode {
    let started = std::time::Instant::now();
    match cli.command {
        Command::Build(args) => {
            let opts = BuildOptions {
                root: args.site.root,
                output_dir: args.output_dir,
                base_url: args.base_url,
                drafts: args.site.drafts,
                force: args.force,
                exits_after: true,
                index_starts,
                ..BuildOptions::default()
            };
            match with_progress(&opts, || build::build(&opts)) {
                Ok(w) => {
                    print_diagnostics(&w.built.warnings);
                    if args.timings {
                        for lap in &w.built.timings {
                            eprintln!("{}", timings_line(lap));
                        }
                        for (stage, t, how) in &w.built.beside {
                            eprintln!("  {stage:<11} {:>8.1} ms  {how}", t.as_secs_f64() * 1000.0);
                        }
                    }
                    eprintln!(
                        "Built {} in {:.2} s into {} ({} written, {} unchanged, {} removed)",
                        counts_line(&w.built.counts),
                        started.elapsed().as_secs_f64(),
                        w.output_dir.display(),
                        w.report.written,
                        w.report.unchanged,
                        w.report.removed,
                    );
                    ExitCode::SUCCESS
                }
                Err(diags) => {
                    print_diagnostics(&diags);
                    eprintln!(
                        "Build failed with {}; nothing was written.",
                        summary_of_errors(&diags)
                    );
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve(args) => {
            let opts = crate::serve::ServeOptions {
                root: args.site.root,
                interface: args.interface,
                port: args.port,
                open: args.open,
                drafts: args.site.drafts,
            };
            match crate::serve::serve(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(diags) => {
                    print_diagnostics(&diags);
                    ExitCode::from(1)
                }
            }
        }
        Command::New(args) => {
            match crate::scaffold::new_entry(&args.root, &args.section, &args.title) {
                Ok(rel) => {
                    eprintln!(
                        "Wrote {} (a draft: remove `draft = true` when it is ready).",
                        rel.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(d) => {
                    print_diagnostics(&[d]);
                    ExitCode::from(1)
                }
            }
        }
        Command::Init(args) => match crate::scaffold::init(&args.dir) {
            Ok(n) => {
                eprintln!(
                    "Wrote a new dossier in {} ({n} files). Next: cd {} && dossier serve",
                    args.dir.display(),
                    args.dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(d) => {
                print_diagnostics(&[d]);
                ExitCode::from(1)
            }
        },
        Command::Check(args) => {
            let opts = BuildOptions {
                root: args.site.root,
                drafts: args.site.drafts,
                exits_after: true,
                index_starts,
                ..BuildOptions::default()
            };
            match with_progress(&opts, || build::render_site(&opts)) {
                Ok(built) => {
                    print_diagnostics(&built.warnings);
                    if args.external {
                        print_external(&built.external);
                    }
                    eprintln!(
                        "Checked {} in {:.2} s: no errors{}.",
                        counts_line(&built.counts),
                        started.elapsed().as_secs_f64(),
                        if built.warnings.is_empty() {
                            String::new()
                        } else {
                            format!(", {} warnings", built.warnings.len())
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(diags) => {
                    print_diagnostics(&diags);
                    eprintln!("Check failed with {}.", summary_of_errors(&diags));
                    ExitCode::from(1)
                }
            }
        }
    }
}
