//! `dossier new` and `dossier init`: files for editors to start from.
//!
//! `new` writes one content file with its section's schema filled with placeholders and
//! comments, as a draft, so the site keeps building while it is filled in. `init` writes a
//! whole small dossier, with the default theme embedded in the binary, that builds and
//! passes `dossier check` as it is. Neither ever overwrites anything.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::diagnostics::Diagnostic;

/// The default theme, as shipped in the repository, built into the binary.
static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/dossier");

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The front matter and body of a new entry of `section`.
fn entry_template(section: &str, title: &str) -> String {
    let title = toml_string(title);
    match section {
        "actors" => format!(
            r#"+++
title = {title}
# person, state, government, armed-force, armed-group, militia, party, institution,
# organisation, media or official
kind = "person"
# role = "…"                # one line for the infobox
# side = "…"                # an id from [[sides]] in site.toml
# aliases = ["…"]           # other names, the source's own spellings too
# summary = "…"             # one line for lists

# [[relations]]             # one per relation, each cited
# type = "negotiates-with"  # see README for the types
# to = "other-actor-slug"
# cite = [1]

# [[events]]                # for the timeline
# date = "2016-09-04"       # or "2016-08", "late August 2016", …
# as_stated = "Sunday"
# summary = "…"
# actors = ["…"]
# place = "location-slug"
# cite = [1]

# Remove this line when the page is ready: drafts are left out of the build.
draft = true
+++
What this actor is and what it does in this story, each statement cited [¶1].
"#
        ),
        "locations" => format!(
            r#"+++
title = {title}
# country, region, province, city, town, village, district, site, river, border or area
kind = "city"
# aliases = ["…"]
# within = "location-slug"  # the place that contains this one
# summary = "…"

# Coordinates are always shown as context, not as a finding of the source.
# [coordinates]
# lat = 0.0
# lon = 0.0

# Remove this line when the page is ready: drafts are left out of the build.
draft = true
+++
What happened here and who was there, each statement cited [¶1].
"#
        ),
        "talks" => format!(
            r#"+++
title = {title}
kind = "meeting"            # meeting, talks, statement, call or announcement
status = "held"             # held, planned, reported or cancelled
# date = "2016-09-04"
# as_stated = "Sunday"
# location = "location-slug"
participants = []           # actor slugs
# duration = "…"
# outcome = "…"
# follows = "talk-slug"
cite = []                   # the paragraphs that support this entry, e.g. [17, 18]

# [[quotes]]
# speaker = "actor-slug"
# original = "…"            # verbatim, in the source's language
# translation = "…"
# cite = 17

# Remove this line when the page is ready: drafts are left out of the build.
draft = true
+++
What was discussed and how it ended, each statement cited [¶1].
"#
        ),
        _ => format!(
            r#"+++
title = {title}
# description = "…"
# Remove this line when the page is ready: drafts are left out of the build.
draft = true
+++
"#
        ),
    }
}

/// `dossier new <section> <title>`: returns the path written, relative to the root.
pub fn new_entry(root: &Path, section: &str, title: &str) -> Result<PathBuf, Diagnostic> {
    let section = section.trim_matches('/');
    let valid_section = !section.is_empty()
        && section
            .split('/')
            .all(|part| crate::model::is_valid_slug(part) || part == "_");
    if !valid_section {
        return Err(
            Diagnostic::error(format!("`{section}` is not a section name"))
                .with_help("use a folder of content/, such as actors, locations or talks"),
        );
    }
    if !root.join("site.toml").is_file() {
        return Err(Diagnostic::error(format!(
            "{} is not a dossier: it has no site.toml",
            root.display()
        ))
        .with_help(
            "run this in your site's folder, pass --root DIR, or start one with `dossier init DIR`",
        ));
    }
    let known = ["actors", "locations", "talks"];
    if !known.contains(&section)
        && !root
            .join("content")
            .join(section)
            .join("_index.md")
            .is_file()
    {
        return Err(
            Diagnostic::error(format!("there is no section `{section}` in content/")).with_help(
                match crate::diagnostics::did_you_mean(section, known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "create content/{section}/_index.md first, or use one of: {}",
                        known.join(", ")
                    ),
                },
            ),
        );
    }
    let slug = slug::slugify(title);
    if slug.is_empty() {
        return Err(Diagnostic::error(
            "the title has no letters or digits to make a file name from",
        )
        .with_help("give a title such as \"John Kerry\""));
    }
    let rel = Path::new("content")
        .join(section)
        .join(format!("{slug}.md"));
    let path = root.join(&rel);
    if path.exists() {
        return Err(
            Diagnostic::error(format!("{} already exists", rel.display()))
                .in_file(&rel)
                .with_help("edit it, or choose another title"),
        );
    }
    let dir = path.parent().unwrap_or(root);
    let mut text = String::new();
    if known.contains(&section) && !dir.join("_index.md").exists() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(&rel, &e))?;
        let index = format!("+++\ntitle = {}\n+++\n", toml_string(&capitalise(section)));
        write_new(&dir.join("_index.md"), &index, &rel)?;
    }
    text.push_str(&entry_template(section, title));
    write_new(&path, &text, &rel)?;
    Ok(rel)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn io_error(rel: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot write {}: {}",
        rel.display(),
        crate::load::io_reason(e)
    ))
}

/// Creates `path` with `text`, failing if it exists (never overwrites, even in a race).
fn write_new(path: &Path, text: &str, shown: &Path) -> Result<(), Diagnostic> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error(shown, &e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| io_error(shown, &e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| io_error(shown, &e))
}

/// The files of a new dossier, besides the theme.
const SKELETON: &[(&str, &str)] = &[
    (
        "site.toml",
        r#"title = "A new dossier"
description = "An explainer built from one source, every statement linked to it."
base_url = "https://example.org/"
default_language = "en"
theme = "dossier"
output_dir = "public"

[markdown]
smart_punctuation = true
unsafe_html = false
auto_link = true
citation_tooltips = true

[[sides]]
id = "first"
label = "The first camp"

[[sides]]
id = "second"
label = "The second camp"
"#,
    ),
    (
        "content/_index.md",
        r#"+++
title = "A new dossier"
description = "What happened, who did it, where, and what was said."
+++
## What happened

[Ada Example](@/actors/ada-example.md) met her counterpart in [Example City](@/locations/example-city.md) [¶1]. They did not agree [¶2].

## What the source does not tell us

Replace this skeleton with your own dossier: the source in `content/source.md`, then one
page per actor, place and talk. `dossier new actors "Name"` starts a page.
"#,
    ),
    (
        "content/source.md",
        r#"+++
title = "The source"

[source]
publisher = "Example Wire"
language = "en"
published = "2016-09-04"
date_note = "The example source is dated by its own first line."

[[paragraphs]]
original = "On Sunday 4 September 2016, Ada Example met her counterpart in Example City."

[[paragraphs]]
original = "The two did not reach an agreement, an official said."

[[paragraphs]]
original = "They plan to meet again on Monday."
+++
The source, paragraph by paragraph. Each paragraph has a stable anchor (`#p1`, `#p2`, …).
"#,
    ),
    (
        "content/actors/_index.md",
        r#"+++
title = "Who's who"
+++
"#,
    ),
    (
        "content/actors/ada-example.md",
        r#"+++
title = "Ada Example"
kind = "person"
role = "Negotiator"
side = "first"
aliases = ["Ada"]
summary = "Met her counterpart in Example City on Sunday."

[[events]]
date = "2016-09-04"
as_stated = "Sunday"
summary = "Ada Example meets her counterpart in Example City."
actors = ["ada-example"]
place = "example-city"
cite = [1]
+++
Ada Example met her counterpart on Sunday [¶1]. They did not agree [¶2].
"#,
    ),
    (
        "content/locations/_index.md",
        r#"+++
title = "Places"
+++
"#,
    ),
    (
        "content/locations/example-city.md",
        r#"+++
title = "Example City"
kind = "city"

[coordinates]
lat = 48.8566
lon = 2.3522
+++
Where the two sides met [¶1].
"#,
    ),
    (
        "content/talks/_index.md",
        r#"+++
title = "The talks"
+++
"#,
    ),
    (
        "content/talks/sunday-meeting.md",
        r#"+++
title = "The Sunday meeting"
kind = "meeting"
status = "held"
date = "2016-09-04"
as_stated = "Sunday"
location = "example-city"
participants = ["ada-example"]
outcome = "No agreement."
cite = [1, 2]

[[events]]
date = "2016-09-05"
as_stated = "Monday"
summary = "A new meeting is planned."
actors = ["ada-example"]
cite = [3]
+++
They met on Sunday [¶1] and did not agree [¶2]; they plan to meet again on Monday [¶3].
"#,
    ),
    (
        "content/timeline/_index.md",
        r#"+++
title = "Timeline"
template = "timeline.html"
+++
Every dated event, in order.
"#,
    ),
    ("static/.gitkeep", ""),
    (".gitignore", "/public\n"),
];

/// `dossier init <DIR>`: a new dossier that builds as it is. Returns the files written.
pub fn init(dir: &Path) -> Result<usize, Diagnostic> {
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir)
            .map(|mut it| it.next().is_some())
            .map_err(|e| {
                Diagnostic::error(format!(
                    "cannot read {}: {}",
                    dir.display(),
                    crate::load::io_reason(&e)
                ))
            })?;
        if non_empty {
            return Err(Diagnostic::error(format!(
                "{} is not empty; dossier init only writes into an empty or new folder",
                dir.display()
            ))
            .with_help("choose a new folder name"));
        }
    }
    let mut written = 0;
    for (rel, text) in SKELETON {
        write_new(&dir.join(rel), text, Path::new(rel))?;
        written += 1;
    }
    written += write_theme(&DEFAULT_THEME, &dir.join("themes/dossier"))?;
    Ok(written)
}

fn write_theme(d: &Dir, to: &Path) -> Result<usize, Diagnostic> {
    let mut n = 0;
    for file in d.files() {
        let dest = to.join(file.path().strip_prefix(d.path()).unwrap_or(file.path()));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(&dest, &e))?;
        }
        std::fs::write(&dest, file.contents()).map_err(|e| io_error(&dest, &e))?;
        n += 1;
    }
    for sub in d.dirs() {
        let name = sub
            .path()
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        // Development tooling that may sit beside a theme is not part of it.
        if name == "node_modules" || name == "tools" {
            continue;
        }
        n += write_theme(sub, &to.join(name.as_ref()))?;
    }
    Ok(n)
}
