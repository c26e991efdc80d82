//! Warnings: things that do not stop a build but that an editor should look at. An actor
//! nobody refers to, an alias that appears nowhere, a page that cites nothing.
//!
//! Pure: reads the model and the rendered bodies.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::markdown::Rendered;
use crate::model::{PageKind, Site};

/// The most aliases searched with a DFA (about 10 MB for 5,000 aliases).
const DFA_ALIASES: usize = 5_000;

/// Which of `aliases` appear in one of `texts`, counting those that `known` says do without
/// searching for them. Most aliases appear early, so the texts are searched in growing
/// batches, each for the aliases not found yet: the search of every text for every alias was
/// most of this stage on a large site.
fn aliases_found(aliases: &[(&str, usize)], texts: &[&str], known: Vec<bool>) -> Vec<bool> {
    let mut used = known;
    let mut missing: Vec<usize> = (0..aliases.len()).filter(|&i| !used[i]).collect();
    let mut rest = texts;
    let mut batch = 256;
    while !missing.is_empty() && !rest.is_empty() {
        // A DFA searches about twice as fast; its memory grows with the patterns' bytes
        // times the alphabet, so only for a bounded set.
        let kind = (missing.len() <= DFA_ALIASES).then_some(AhoCorasickKind::DFA);
        let Ok(ac) = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(missing.iter().map(|&i| aliases[i].0))
        else {
            break;
        };
        let (now, later) = rest.split_at(batch.min(rest.len()));
        // In parallel, each thread noting what it found.
        let found = now
            .par_iter()
            .fold(
                || vec![false; missing.len()],
                |mut found, text| {
                    for m in ac.find_overlapping_iter(text) {
                        found[m.pattern().as_usize()] = true;
                    }
                    found
                },
            )
            .reduce(
                || vec![false; missing.len()],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
                    a
                },
            );
        for (k, f) in found.into_iter().enumerate() {
            used[missing[k]] |= f;
        }
        missing.retain(|&i| !used[i]);
        rest = later;
        batch *= 4;
    }
    used
}

pub fn lint(site: &Site, bodies: &[Rendered], section_bodies: &[Rendered]) -> Vec<Diagnostic> {
    let mut out = Vec::new();

    // Who refers to each page, in front matter or in text (the context stage builds the
    // sets of who links to whom; here only whether anyone does matters).
    let mut referenced: Vec<bool> = (0..site.pages.len())
        .map(|id| !site.referenced_by[id].is_empty())
        .collect();
    for (_, to) in crate::markdown::text_links(bodies, section_bodies) {
        referenced[to] = true;
    }

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
                    .flat_map(|para| [Some(para.original.as_str()), para.translation.as_deref()])
                    .flatten()
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            }
        }))
        .collect();
    // The names auto-linking found in a body appear there: only the others are searched for.
    let seen: rustc_hash::FxHashSet<(&str, usize)> = bodies
        .iter()
        .chain(section_bodies)
        .flat_map(|b| &b.aliases_seen)
        .filter_map(|&k| site.aliases.get(k as usize))
        .map(|(name, id)| (name.as_str(), *id))
        .collect();
    let known = aliases.iter().map(|a| seen.contains(a)).collect();
    let used = aliases_found(&aliases, &texts, known);
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

#[cfg(test)]
mod tests {
    use super::aliases_found;

    #[test]
    fn every_alias_found_in_any_batch_of_texts_is_found_and_no_other() {
        let aliases = [
            ("Aleppo", 0),
            ("East Aleppo", 1),
            ("Kerry", 2),
            ("Kerry", 3),
            ("Lavrov", 4),
            ("Hangzhou", 5),
        ];
        // Past the first batches, so the later searches (for fewer aliases) are run.
        let mut texts = vec!["nothing here"; 2000];
        texts[0] = "in East Aleppo";
        texts[300] = "Mr Kerry said";
        texts[1999] = "Lavrov, last";
        let none = || vec![false; aliases.len()];
        assert_eq!(
            aliases_found(&aliases, &texts, none()),
            [true, true, true, true, true, false]
        );
        assert_eq!(aliases_found(&aliases, &[], none()), [false; 6]);
        // What is known to appear stays so, and the rest is searched for.
        let mut known = none();
        known[5] = true;
        assert_eq!(aliases_found(&aliases, &[], known.clone()), known);
        assert_eq!(aliases_found(&aliases, &texts, known), [true; 6]);
    }
}
