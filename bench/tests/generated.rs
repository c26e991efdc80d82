//! A generated site must pass `dossier check` (every validation of `build`, templates
//! included) with no error and no warning, with both themes; and the generator must be
//! deterministic, the Hugo flavour carrying the same Markdown.

use dossier::build::{BuildOptions, render_site};
use dossier_bench::floor;
use dossier_bench::generate::{self, Counts, Flavour, Options};
use dossier_bench::site::{self, Theme};

fn check(theme: Theme, counts: Counts, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    site::write(dir.path(), counts, seed, theme).unwrap();
    let opts = BuildOptions {
        root: dir.path().to_path_buf(),
        ..BuildOptions::default()
    };
    match render_site(&opts) {
        Ok(built) => {
            let warnings: Vec<String> = built.warnings.iter().map(|d| d.render(false)).collect();
            assert!(warnings.is_empty(), "{theme:?}: {}", warnings.join("\n"));
            let pages_built: usize = built.counts.values().sum();
            assert_eq!(pages_built, counts.pages() + counts.sections());
        }
        Err(diags) => {
            let all: Vec<String> = diags.iter().map(|d| d.render(false)).collect();
            panic!("{theme:?}: {}", all.join("\n"));
        }
    }
}

#[test]
fn a_small_generated_site_passes_check_with_the_default_theme() {
    check(Theme::Default, Counts::for_pages(40), 1);
}

#[test]
fn a_generated_site_with_several_sources_passes_check_with_the_minimal_theme() {
    // With several sources, citations and `cite` lists name the other ones.
    let counts = Counts {
        sources: 3,
        ..Counts::for_pages(40)
    };
    check(Theme::Minimal, counts, 2);
}

fn opts(pages: usize, seed: u64, flavour: Flavour) -> Options {
    Options {
        counts: Counts::for_pages(pages),
        seed,
        flavour,
        theme: "dossier".into(),
    }
}

#[test]
fn same_pages_and_seed_same_bytes() {
    let a = generate::files(&opts(200, 9, Flavour::Dossier));
    assert_eq!(a, generate::files(&opts(200, 9, Flavour::Dossier)));
    assert_ne!(a, generate::files(&opts(200, 10, Flavour::Dossier)));
}

#[test]
fn hugo_gets_the_same_markdown() {
    let ours = generate::files(&opts(100, 3, Flavour::Dossier));
    let hugo = generate::files(&opts(100, 3, Flavour::Hugo));
    assert_eq!(ours.len(), hugo.len());
    for (a, b) in ours.iter().zip(&hugo).skip(1) {
        assert_eq!(a.path, b.path);
        assert_eq!(floor::body(&a.text), floor::body(&b.text), "{}", a.path);
        assert!(b.text.contains("\n[params]\n"), "{}", b.path);
    }
}

#[test]
fn bodies_are_about_450_words() {
    let files = generate::files(&opts(300, 4, Flavour::Dossier));
    let words: Vec<usize> = files
        .iter()
        .filter(|f| f.path.starts_with("content/actors/") && !f.path.ends_with("_index.md"))
        .map(|f| dossier_bench::prose::words(floor::body(&f.text)))
        .collect();
    let mean = words.iter().sum::<usize>() / words.len();
    assert!((440..=480).contains(&mean), "{mean}");
}
