//! Writing a generated site to disk: its files, plus the theme it is built with (dossier's
//! default theme from `themes/dossier`, the minimal comparison theme from
//! `bench/themes/minimal`) or, for Hugo, the equivalent layouts from `bench/hugo`.

use std::path::{Path, PathBuf};

use crate::generate::{self, Counts, Flavour, Options};

/// What the site is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// dossier's own theme, `themes/dossier`.
    Default,
    /// The comparison theme, `bench/themes/minimal`: title, content, relation and participant
    /// links, the same as `bench/hugo`'s layouts.
    Minimal,
    /// Hugo's layouts, `bench/hugo` (only with [`Flavour::Hugo`]).
    Hugo,
}

impl Theme {
    pub fn flavour(self) -> Flavour {
        match self {
            Theme::Hugo => Flavour::Hugo,
            _ => Flavour::Dossier,
        }
    }

    /// The name site.toml gives it.
    pub fn name(self) -> &'static str {
        match self {
            Theme::Default => "dossier",
            Theme::Minimal => "minimal",
            Theme::Hugo => "hugo",
        }
    }
}

/// The repository root (this crate lives in `bench/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .to_path_buf()
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Writes the site of `counts` and `seed` into `dir` (which should be empty), with `theme`.
/// Returns the number of files generated (theme files not counted).
pub fn write(dir: &Path, counts: Counts, seed: u64, theme: Theme) -> std::io::Result<usize> {
    let opts = Options {
        counts,
        seed,
        flavour: theme.flavour(),
        theme: theme.name().to_string(),
    };
    let mut n = 0;
    generate::for_each_file(&opts, |f| {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        n += 1;
        std::fs::write(path, f.text)
    })?;
    let root = repo_root();
    match theme {
        Theme::Default => copy_dir(&root.join("themes/dossier"), &dir.join("themes/dossier"))?,
        Theme::Minimal => copy_dir(
            &root.join("bench/themes/minimal"),
            &dir.join("themes/minimal"),
        )?,
        Theme::Hugo => {
            copy_dir(&root.join("bench/hugo/layouts"), &dir.join("layouts"))?;
            copy_dir(&root.join("bench/hugo/static"), &dir.join("static"))?;
        }
    }
    Ok(n)
}
