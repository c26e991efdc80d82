//! The fuzz corpus and the regression inputs, replayed through the fuzz targets' own bodies
//! (`fuzz/src/lib.rs`, included here) on every `cargo test`: no nightly, no cargo-fuzz, and
//! the same invariants libFuzzer checks. An input that once broke a target is kept in
//! `fuzz/regressions/<target>/` for good; `fuzz/corpus/<target>/` is the seed corpus.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

// The targets' code, and with it `inert` (fuzz/src/inert.rs), which `xss` uses too.
#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
pub mod targets;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 6] = [
    ("site_toml", targets::site_toml),
    ("front_matter", targets::front_matter),
    ("citation", targets::citation),
    ("page_body", targets::page_body),
    ("page_file", targets::page_file),
    ("link_scan", targets::link_scan),
];

/// The folders of `fuzz/` replayed.
const REPLAYED: &[&str] = &["corpus", "regressions"];

/// Panics seen anywhere in the process while the replay runs, caught or not: a panic the
/// build turns into an error is still a bug the fuzzer would report.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_fuzz_corpus_and_regressions_run_clean() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(name));
        assert!(
            corpus.len() >= 5,
            "fuzz/corpus/{name} has only {} inputs",
            corpus.len()
        );
        for dir in REPLAYED {
            for (file, bytes) in inputs(&fuzz.join(dir).join(name)) {
                replayed += 1;
                let before = PANICS.load(Ordering::SeqCst);
                let outcome = std::panic::catch_unwind(|| target(&bytes));
                if outcome.is_err() || PANICS.load(Ordering::SeqCst) != before {
                    failures.push(format!("fuzz/{dir}/{name}/{file}"));
                }
            }
        }
    }
    assert!(replayed > 50, "only {replayed} inputs replayed");
    assert!(
        failures.is_empty(),
        "{} inputs break their fuzz target (the panics are printed above):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every regression input is replayed, so each sits in the folder of a target that exists,
/// and fuzz/regressions/README.md says what it broke.
#[test]
fn every_regression_input_belongs_to_a_target_and_is_listed() {
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let readme = std::fs::read_to_string(regressions.join("README.md")).unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(&regressions).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_file() {
            assert_eq!(name, "README.md", "a stray file in fuzz/regressions");
            continue;
        }
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/regressions/{name} is not a fuzz target, so its inputs are never replayed"
        );
        for (file, _) in inputs(&path) {
            count += 1;
            assert!(
                readme.contains(&format!("`{name}/{file}`")),
                "fuzz/regressions/README.md does not list {name}/{file}"
            );
        }
    }
    assert!(count >= 6, "only {count} regression inputs");
}
