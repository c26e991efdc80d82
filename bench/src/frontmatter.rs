//! Writing TOML front matter in two shapes: dossier's (the schema's keys at the top level) and
//! Hugo's (the keys Hugo reserves at the top level, ours under `[params]`, which Hugo passes to
//! templates as `.Params`). One description of a page, two spellings, so both engines read the
//! same data.

use std::fmt::Write as _;

use crate::generate::Flavour;

/// A TOML value as the generator needs them.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    Int(i64),
    Float(f64),
    /// A bare TOML date, `2016-09-04`.
    Date(String),
    Arr(Vec<Val>),
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Str(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Str(s)
    }
}

/// Keys and values in the order written.
#[derive(Debug, Clone, Default)]
pub struct Table(pub Vec<(&'static str, Val)>);

impl Table {
    pub fn set(&mut self, key: &'static str, v: impl Into<Val>) -> &mut Table {
        self.0.push((key, v.into()));
        self
    }
}

/// A page's front matter: top-level keys, `[tables]`, then `[[arrays of tables]]`.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub top: Table,
    pub tables: Vec<(&'static str, Table)>,
    pub arrays: Vec<(&'static str, Vec<Table>)>,
}

/// Front-matter keys Hugo itself understands with the same meaning as ours.
const HUGO_TOP: &[&str] = &["title", "summary", "description", "weight"];

impl FrontMatter {
    /// The front matter with its `+++` lines.
    pub fn render(&self, flavour: Flavour) -> String {
        let mut s = String::from("+++\n");
        match flavour {
            Flavour::Dossier => {
                write_table(&mut s, &self.top);
                for (name, t) in &self.tables {
                    let _ = writeln!(s, "\n[{name}]");
                    write_table(&mut s, t);
                }
                for (name, items) in &self.arrays {
                    for t in items {
                        let _ = writeln!(s, "\n[[{name}]]");
                        write_table(&mut s, t);
                    }
                }
            }
            Flavour::Hugo => {
                let (top, params): (Vec<_>, Vec<_>) = self
                    .top
                    .0
                    .iter()
                    // Hugo picks section layouts by folder; dossier's `template` has no use there.
                    .filter(|(k, _)| *k != "template")
                    .cloned()
                    .partition(|(k, _)| HUGO_TOP.contains(k));
                write_table(&mut s, &Table(top));
                s.push_str("\n[params]\n");
                write_table(&mut s, &Table(params));
                for (name, t) in &self.tables {
                    let _ = writeln!(s, "\n[params.{name}]");
                    write_table(&mut s, t);
                }
                for (name, items) in &self.arrays {
                    for t in items {
                        let _ = writeln!(s, "\n[[params.{name}]]");
                        write_table(&mut s, t);
                    }
                }
            }
        }
        s.push_str("+++\n");
        s
    }
}

fn write_table(s: &mut String, t: &Table) {
    for (k, v) in &t.0 {
        s.push_str(k);
        s.push_str(" = ");
        write_val(s, v);
        s.push('\n');
    }
}

fn write_val(s: &mut String, v: &Val) {
    match v {
        Val::Str(x) => write_str(s, x),
        Val::Int(n) => {
            let _ = write!(s, "{n}");
        }
        Val::Float(f) => {
            let _ = write!(s, "{f:.4}");
        }
        Val::Date(d) => s.push_str(d),
        Val::Arr(items) => {
            s.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_val(s, item);
            }
            s.push(']');
        }
    }
}

/// A TOML basic string.
fn write_str(s: &mut String, x: &str) {
    s.push('"');
    for c in x.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04X}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FrontMatter {
        let mut fm = FrontMatter::default();
        fm.top
            .set("title", "A \"quoted\" \\ title")
            .set("weight", Val::Int(3))
            .set("template", "timeline.html")
            .set("kind", "city");
        let mut c = Table::default();
        c.set("lat", Val::Float(36.2)).set("lon", Val::Float(37.1));
        fm.tables.push(("coordinates", c));
        let mut e = Table::default();
        e.set("date", Val::Date("2016-09-04".into()))
            .set("cite", Val::Arr(vec![Val::Int(1), Val::Int(2)]));
        fm.arrays.push(("events", vec![e]));
        fm
    }

    #[test]
    fn dossier_shape() {
        assert_eq!(
            sample().render(Flavour::Dossier),
            "+++\ntitle = \"A \\\"quoted\\\" \\\\ title\"\nweight = 3\ntemplate = \"timeline.html\"\nkind = \"city\"\n\n[coordinates]\nlat = 36.2000\nlon = 37.1000\n\n[[events]]\ndate = 2016-09-04\ncite = [1, 2]\n+++\n"
        );
    }

    #[test]
    fn hugo_shape_moves_our_keys_under_params() {
        assert_eq!(
            sample().render(Flavour::Hugo),
            "+++\ntitle = \"A \\\"quoted\\\" \\\\ title\"\nweight = 3\n\n[params]\nkind = \"city\"\n\n[params.coordinates]\nlat = 36.2000\nlon = 37.1000\n\n[[params.events]]\ndate = 2016-09-04\ncite = [1, 2]\n+++\n"
        );
    }
}
