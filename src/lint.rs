//! Warnings: things that do not stop a build but that an editor should look at. An actor
//! nobody refers to, an alias that appears nowhere, a page that cites nothing.
//!
//! Pure: reads the model and the rendered bodies.

use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use crate::model::{PageKind, Site};

pub fn lint(site: &Site, bodies: &[Rendered], section_bodies: &[Rendered]) -> Vec<Diagnostic> {
    let mut out = Vec::new();

    // Who refers to each page, in front matter or in text.
    let linked_from = crate::markdown::linked_from(bodies, section_bodies);
    let referenced: Vec<bool> = (0..site.pages.len())
        .map(|id| !site.referenced_by[id].is_empty() || !linked_from[id].is_empty())
        .collect();

    // Every alias, searched in every body and every source paragraph at once.
    let mut aliases: Vec<(&str, usize)> = Vec::new();
    for (id, p) in site.pages.iter().enumerate() {
        let list = match &p.kind {
            PageKind::Actor(a) => &a.aliases,
            PageKind::Location(l) => &l.aliases,
            _ => continue,
        };
        aliases.extend(list.iter().map(|a| (a.as_str(), id)));
    }
    let mut used = vec![false; aliases.len()];
    if let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(aliases.iter().map(|(a, _)| *a))
    {
        let texts: Vec<&str> = site
            .pages
            .iter()
            .map(|p| p.doc.body())
            .chain(site.sections.iter().map(|s| s.doc.body()))
            .chain(site.pages.iter().flat_map(|p| {
                match &p.kind {
                    PageKind::Source(s) => s
                        .paragraphs
                        .iter()
                        .flat_map(|para| {
                            [Some(para.original.as_str()), para.translation.as_deref()]
                        })
                        .flatten()
                        .collect::<Vec<_>>(),
                    _ => Vec::new(),
                }
            }))
            .collect();
        // In parallel: the search of every text is most of this stage on a large site.
        used = texts
            .par_iter()
            .fold(
                || vec![false; aliases.len()],
                |mut used, text| {
                    for m in ac.find_overlapping_iter(text) {
                        used[m.pattern().as_usize()] = true;
                    }
                    used
                },
            )
            .reduce(
                || vec![false; aliases.len()],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
                    a
                },
            );
    }
    for (i, (alias, id)) in aliases.iter().enumerate() {
        if !used[i] {
            let p = &site.pages[*id];
            out.push(
                Diagnostic::warning(format!("alias `{alias}` of {} appears in no page and no source paragraph", p.slug))
                    .in_file(&p.doc.file)
                    .with_help("aliases are for names readers meet in the text; remove it or check its spelling"),
            );
        }
    }

    for (id, p) in site.pages.iter().enumerate() {
        let cites_in_front_matter = match &p.kind {
            PageKind::Actor(a) => a.relations.iter().any(|r| !r.cite.is_empty()),
            PageKind::Talk(t) => !t.cite.is_empty() || !t.quotes.is_empty(),
            PageKind::Location(_) => false,
            _ => continue,
        } || site.declared_events[id]
            .iter()
            .any(|&e| !site.events[e].cite.is_empty());
        if bodies[id].cites.is_empty() && !cites_in_front_matter {
            out.push(
                Diagnostic::warning(format!(
                    "{} `{}` cites no paragraph of the source",
                    p.kind.name(),
                    p.slug
                ))
                .in_file(&p.doc.file)
                .with_help("every statement needs a citation: add `[¶N]` after it"),
            );
        }
        if matches!(p.kind, PageKind::Actor(_)) && !referenced[id] {
            out.push(
                Diagnostic::warning(format!("nobody refers to actor `{}`", p.slug))
                    .in_file(&p.doc.file)
                    .with_help("link to it from a page (`@/actors/….md`), or name it in a relation, talk or event"),
            );
        }
    }
    out
}
