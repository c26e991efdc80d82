//! Diagnostics: every problem a build finds, with the file, line and column it comes from
//! and a hint on how to fix it.
//!
//! This module owns the shape of an error message (rustc-style, the same as Tera's own
//! template errors, so all errors read alike) and its rendering, in colour on a terminal and
//! plain when piped. It does no I/O beyond the writer it is given.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
}

/// Where in a file a diagnostic points: 1-based line and column (in characters), the width
/// of the underline, and the text of the line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub line: usize,
    pub col: usize,
    pub width: usize,
    pub line_text: String,
}

impl Location {
    /// The location of the byte range `span` in `src`. Out-of-range spans are clamped, so a
    /// wrong span degrades the message instead of panicking.
    pub fn from_span(src: &str, span: std::ops::Range<usize>) -> Location {
        let start = floor_char_boundary(src, span.start.min(src.len()));
        let end = floor_char_boundary(src, span.end.clamp(start, src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line = src[..start].matches('\n').count() + 1;
        let col = src[line_start..start].chars().count() + 1;
        let width = src[start..end.min(line_end)].chars().count().max(1);
        Location {
            line,
            col,
            width,
            line_text: src[line_start..line_end].trim_end_matches('\r').to_string(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// The file, relative to the site root where possible.
    pub file: Option<PathBuf>,
    pub location: Option<Location>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            location: None,
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn in_file(mut self, file: &Path) -> Diagnostic {
        self.file = Some(file.to_path_buf());
        self
    }

    /// Points at the byte range `span` of `src`, the full text of `file`.
    pub fn at(mut self, file: &Path, src: &str, span: std::ops::Range<usize>) -> Diagnostic {
        self.file = Some(file.to_path_buf());
        self.location = Some(Location::from_span(src, span));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, or as much of it as is known.
    pub fn locus(&self) -> Option<String> {
        let file = self.file.as_ref()?.display().to_string();
        Some(match &self.location {
            Some(loc) => format!("{file}:{}:{}", loc.line, loc.col),
            None => file,
        })
    }

    /// Renders the diagnostic; `color` adds ANSI styles.
    pub fn render(&self, color: bool) -> String {
        let paint = |style: Style, text: &str| -> String {
            if color {
                format!("{style}{text}{style:#}")
            } else {
                text.to_string()
            }
        };
        let (label, label_style) = match self.severity {
            Severity::Error => ("error", AnsiColor::Red.on_default().bold()),
            Severity::Warning => ("warning", AnsiColor::Yellow.on_default().bold()),
        };
        let gutter_style = AnsiColor::Blue.on_default().bold();
        let bold = Style::new().bold();

        let mut out = String::new();
        let _ = write!(
            out,
            "{}{} {}",
            paint(label_style, label),
            paint(bold, ":"),
            paint(bold, &self.message)
        );
        let width = self
            .location
            .as_ref()
            .map_or(1, |l| l.line.to_string().len());
        let pad = " ".repeat(width);
        if let Some(locus) = self.locus() {
            let _ = write!(out, "\n{pad}{} {locus}", paint(gutter_style, "-->"));
        }
        if let Some(loc) = &self.location {
            let bar = paint(gutter_style, "|");
            let underline: String = loc
                .line_text
                .chars()
                .take(loc.col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = write!(
                out,
                "\n{pad} {bar}\n{} {bar} {}\n{pad} {bar} {underline}{}",
                paint(gutter_style, &loc.line.to_string()),
                loc.line_text,
                paint(label_style, &"^".repeat(loc.width)),
            );
        }
        for note in &self.notes {
            let _ = write!(out, "\n{pad} {} note: {note}", paint(gutter_style, "="));
        }
        if let Some(help) = &self.help {
            let _ = write!(out, "\n{pad} {} help: {help}", paint(gutter_style, "="));
        }
        out
    }
}

/// Sorts diagnostics so output does not depend on thread scheduling: errors first, then by
/// file, line and column, then message.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.severity,
                d.file.clone(),
                d.location.as_ref().map(|l| (l.line, l.col)),
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// The closest of `candidates` to `input`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(input, candidate);
        if score > 0.8 && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// "did you mean `x`?" when there is a close candidate, else "expected one of: a, b, c".
pub fn suggestion<'a, I>(input: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    match did_you_mean(input, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            let all: Vec<&str> = candidates.into_iter().collect();
            if all.len() <= 20 {
                format!("expected one of: {}", all.join(", "))
            } else {
                format!("expected one of {} known values", all.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_chars() {
        let src = "a = 1\nbé = \"x\"\n";
        let loc = Location::from_span(src, 12..15);
        assert_eq!((loc.line, loc.col, loc.width), (2, 6, 3));
        assert_eq!(loc.line_text, "bé = \"x\"");
    }

    #[test]
    fn location_clamps_bad_spans() {
        let loc = Location::from_span("abc", 10..20);
        assert_eq!((loc.line, loc.col), (1, 4));
    }

    #[test]
    fn renders_plain_with_caret() {
        let d = Diagnostic::error("unknown key `partcipants`")
            .at(
                Path::new("content/talks/x.md"),
                "+++\npartcipants = []\n",
                4..15,
            )
            .with_help("did you mean `participants`?");
        assert_eq!(
            d.render(false),
            "error: unknown key `partcipants`\n --> content/talks/x.md:2:1\n  |\n2 | partcipants = []\n  | ^^^^^^^^^^^\n  = help: did you mean `participants`?"
        );
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let c = ["sergei-lavrov", "john-kerry", "russia"];
        assert_eq!(did_you_mean("sergei-lavorv", c), Some("sergei-lavrov"));
        assert_eq!(did_you_mean("zzz", c), None);
    }
}
