//! Synthetic dossiers: `N` pages over actors, locations, talks and sources, with the full front
//! matter the engine accepts (aliases, relations with citations, coordinates, participants,
//! quotes, events with partial dates) and bodies of about 450 words with citations into the
//! sources, `@/…` links (some with anchors), auto-linkable names, lists, tables and context
//! notes.
//!
//! The output is a function of `(pages, seed)` only: every page draws from its own random
//! stream, names come from a bijection of the entity's index (so they are unique by
//! construction, and auto-linking never meets an ambiguous alias), and files come out in a
//! fixed order. The same content can be written for dossier or, with the schema's keys under
//! `[params]`, for Hugo: the Markdown bodies are the same bytes in both.

use crate::frontmatter::{FrontMatter, Table, Val};
use crate::prose;
use crate::rng::Rng;

/// Which engine the site is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `site.toml`, schema keys at the top of the front matter.
    Dossier,
    /// `hugo.toml`, schema keys under `[params]`; the Markdown bodies are the same bytes.
    Hugo,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// How many pages of each kind; [`Counts::for_pages`] spreads a page count.
    pub counts: Counts,
    pub seed: u64,
    pub flavour: Flavour,
    /// The theme `site.toml` names (dossier only).
    pub theme: String,
}

/// A file of the generated site; `path` is relative to the site root (`content/actors/x.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub text: String,
}

/// Numbered paragraphs in each source.
pub const PARAGRAPHS: usize = 40;

/// The body length aimed at, in words.
pub const BODY_WORDS: usize = 450;

/// The camps of site.toml.
pub const SIDES: &[(&str, &str)] = &[
    ("government", "The government and its allies"),
    ("rebels", "Rebel groups"),
    ("coalition", "The coalition"),
    ("kurds", "Kurdish forces"),
    ("jihadists", "Jihadist groups"),
    ("neutral", "Monitors, media and forums"),
];

/// How many pages of each kind `pages` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub sources: usize,
    pub actors: usize,
    pub locations: usize,
    pub talks: usize,
}

impl Counts {
    /// One source per thousand pages; of the rest, 40% actors, 30% locations, 30% talks. At
    /// least 10 pages are made whatever is asked.
    pub fn for_pages(pages: usize) -> Counts {
        let sources = (pages / 1000).max(1);
        let rest = pages.saturating_sub(sources);
        let actors = (rest * 4 / 10).max(4);
        let locations = (rest * 3 / 10).max(3);
        let talks = rest.saturating_sub(actors + locations).max(2);
        Counts {
            sources,
            actors,
            locations,
            talks,
        }
    }

    pub fn pages(&self) -> usize {
        self.sources + self.actors + self.locations + self.talks
    }

    /// Section `_index.md` files: home, actors, locations, talks, timeline, and sources when
    /// there is more than one.
    pub fn sections(&self) -> usize {
        5 + usize::from(self.sources > 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Names

const CONSONANTS: &[u8] = b"bdfghklmnprstvzj";
const VOWELS: &[u8] = b"aeiou";
const FINALS: &[u8] = b"nrmlsdkt";
/// Three consonant-vowel syllables: 80³ distinct names.
const NAME_SPACE: usize = 80 * 80 * 80;

/// The unique name word of entity `i` ("Kabiron"): three syllables from the digits of a
/// permutation of `i`, plus a final consonant that is a function of them. Distinct `i` below
/// [`NAME_SPACE`] give distinct words of exactly seven letters.
fn core_name(seed: u64, i: usize) -> String {
    assert!(i < NAME_SPACE, "more than {NAME_SPACE} named entities");
    let offset = (seed % NAME_SPACE as u64) as usize;
    // 7919 is prime and does not divide 80³ = 2¹² · 5³, so this is a bijection.
    let p = (i * 7919 + offset) % NAME_SPACE;
    let digits = [p % 80, (p / 80) % 80, p / 6400];
    let mut s = String::with_capacity(7);
    for d in digits {
        s.push(CONSONANTS[d / 5] as char);
        s.push(VOWELS[d % 5] as char);
    }
    s.push(FINALS[(digits[0] + digits[1] + digits[2]) % 8] as char);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => s,
    }
}

/// ASCII slug, as the engine makes from a file name.
fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

const FIRST_NAMES: &[&str] = &[
    "Amir", "Layla", "Omar", "Nadia", "Yusuf", "Rania", "Karim", "Samir", "Hana", "Tariq", "Salma",
    "Fadi", "Mona", "Ziad", "Dina", "Walid", "Lina", "Bassam", "Rima", "Hassan", "Sergei", "Olga",
    "Ivan", "Anna", "John", "Mary", "Pierre", "Claire", "Ahmet", "Elif", "Mehmet", "Zeynep",
];

const ROLES: &[&str] = &[
    "Commander of the northern front",
    "Foreign minister",
    "Spokesman of the ministry",
    "Director of the monitoring group",
    "Senior negotiator",
    "Governor of the province",
    "Head of the local council",
    "Field commander",
];

/// Actor kinds with their weights in percent.
const ACTOR_KINDS: &[(&str, u64)] = &[
    ("person", 45),
    ("armed-group", 12),
    ("militia", 8),
    ("government", 6),
    ("state", 5),
    ("institution", 5),
    ("organisation", 5),
    ("media", 5),
    ("party", 4),
    ("official", 3),
    ("armed-force", 2),
];

const RELATIONS: &[&str] = &[
    "allied-with",
    "supports",
    "fights",
    "opposes",
    "negotiates-with",
    "speaks-for",
    "part-of",
    "formerly-part-of",
    "leads",
    "member-of",
    "accuses",
    "quotes",
];

const TALK_KINDS: &[&str] = &["meeting", "talks", "statement", "call", "announcement"];
const TALK_STATUS: &[&str] = &[
    "held",
    "held",
    "held",
    "held",
    "planned",
    "reported",
    "reported",
    "cancelled",
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const AS_STATED: &[&str] = &[
    "Sunday",
    "a month ago",
    "late August",
    "recently",
    "on Friday",
    "for four years",
    "Monday morning",
    "last week",
];

#[derive(Debug, Clone)]
struct Named {
    title: String,
    /// Another name auto-linking finds (a French form, a surname).
    alias: String,
    slug: String,
}

#[derive(Debug, Clone)]
struct Actor {
    name: Named,
    kind: &'static str,
    role: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Location {
    name: Named,
    kind: &'static str,
    within: Option<usize>,
}

#[derive(Debug, Clone)]
struct Talk {
    slug: String,
    kind: &'static str,
}

#[derive(Debug, Clone)]
struct Source {
    slug: String,
    /// Relative to `content/`: `source.md`, `sources/wire-0002.md`.
    rel: String,
    title: String,
}

/// Every page's identity, decided before any page is written so pages can refer to each other.
struct World {
    seed: u64,
    flavour: Flavour,
    counts: Counts,
    actors: Vec<Actor>,
    locations: Vec<Location>,
    talks: Vec<Talk>,
    sources: Vec<Source>,
}

fn pick_weighted(rng: &mut Rng, items: &[(&'static str, u64)]) -> &'static str {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.next_u64() % total;
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    items[0].0
}

fn actor(seed: u64, i: usize) -> Actor {
    let mut rng = Rng::for_item(seed, 1, i as u64);
    let core = core_name(seed, i);
    let kind = pick_weighted(&mut rng, ACTOR_KINDS);
    let (title, alias) = match kind {
        "person" => (format!("{} {core}", rng.pick(FIRST_NAMES)), core.clone()),
        "armed-group" if rng.chance(50) => (format!("{core} Brigade"), format!("Brigade {core}")),
        "armed-group" => (format!("{core} Front"), format!("Front {core}")),
        "militia" => (format!("{core} Militia"), format!("Milice {core}")),
        "government" => (
            format!("Government of {core}"),
            format!("Gouvernement de {core}"),
        ),
        "state" => (
            format!("Republic of {core}"),
            format!("République de {core}"),
        ),
        "institution" => (format!("{core} Council"), format!("Conseil de {core}")),
        "organisation" => (format!("{core} Relief Agency"), format!("Agence {core}")),
        "media" => (format!("{core} Radio"), format!("Radio {core}")),
        "party" => (format!("{core} Party"), format!("Parti {core}")),
        "official" => (
            format!("{core} Ministry spokesman"),
            format!("Porte-parole de {core}"),
        ),
        _ => (format!("{core} Air Force"), format!("Aviation de {core}")),
    };
    let role = match kind {
        "person" | "official" => Some(*rng.pick(ROLES)),
        _ => None,
    };
    Actor {
        name: Named {
            slug: slugify(&title),
            title,
            alias,
        },
        kind,
        role,
    }
}

/// Locations form a tree: countries, provinces within them, cities within provinces, and
/// towns, villages, districts, sites, rivers, crossings and valleys within cities. A parent
/// always has a lower index, so `within` never loops.
fn location(seed: u64, counts: &Counts, l: usize) -> Location {
    let n = counts.locations;
    let mut rng = Rng::for_item(seed, 2, l as u64);
    let core = core_name(seed, counts.actors + l);
    let countries = (n / 50).max(1);
    let provinces = (n / 10).max(countries);
    let cities = (n / 3).max(provinces);
    let parent_in = |rng: &mut Rng, lo: usize, hi: usize| {
        if hi > lo {
            Some(lo + rng.below(hi - lo))
        } else {
            Some(rng.below(l))
        }
    };
    let (kind, within) = if l < countries {
        ("country", None)
    } else if l < provinces {
        ("province", parent_in(&mut rng, 0, countries))
    } else if l < cities {
        ("city", parent_in(&mut rng, countries, provinces))
    } else {
        let kind = *rng.pick(&[
            "town", "town", "village", "village", "district", "district", "site", "river",
            "border", "area", "region",
        ]);
        (kind, parent_in(&mut rng, provinces, cities))
    };
    let (title, alias) = match kind {
        "country" => (core.clone(), format!("{core}ie")),
        "province" => (format!("{core} Province"), format!("Province de {core}")),
        "city" => (core.clone(), format!("{core}e")),
        "town" => (core.clone(), format!("{core}a")),
        "village" => (format!("Tel {core}"), format!("Tell {core}")),
        "district" => (format!("{core} District"), format!("Quartier {core}")),
        "site" => (format!("{core} Airbase"), format!("Base de {core}")),
        "river" => (format!("{core} River"), format!("Nahr {core}")),
        "border" => (format!("{core} Crossing"), format!("Poste de {core}")),
        "area" => (format!("{core} Valley"), format!("Vallée de {core}")),
        _ => (format!("{core} Plain"), format!("Plaine de {core}")),
    };
    Location {
        name: Named {
            slug: slugify(&title),
            title,
            alias,
        },
        kind,
        within,
    }
}

impl World {
    fn new(counts: Counts, seed: u64, flavour: Flavour) -> World {
        assert!(
            counts.sources >= 1 && counts.actors >= 4 && counts.locations >= 3 && counts.talks >= 2,
            "too few pages: {counts:?}"
        );
        let actors = (0..counts.actors).map(|i| actor(seed, i)).collect();
        let locations = (0..counts.locations)
            .map(|l| location(seed, &counts, l))
            .collect();
        let talks = (0..counts.talks)
            .map(|t| {
                let kind = *Rng::for_item(seed, 3, t as u64).pick(TALK_KINDS);
                Talk {
                    slug: format!("{kind}-{:05}", t + 1),
                    kind,
                }
            })
            .collect();
        let sources = (0..counts.sources)
            .map(|k| {
                if k == 0 {
                    Source {
                        slug: "source".into(),
                        rel: "source.md".into(),
                        title: "The dispatch".into(),
                    }
                } else {
                    let slug = format!("wire-{:04}", k + 1);
                    Source {
                        rel: format!("sources/{slug}.md"),
                        title: format!("Wire {:04}", k + 1),
                        slug,
                    }
                }
            })
            .collect();
        World {
            seed,
            flavour,
            counts,
            actors,
            locations,
            talks,
            sources,
        }
    }

    fn site_title(&self) -> String {
        format!(
            "Synthetic dossier ({} pages, seed {})",
            self.counts.pages(),
            self.seed
        )
    }

    /// A name to mention in running text: the title or the alias.
    fn mention(&self, rng: &mut Rng, e: Entity) -> String {
        let n = self.named(e);
        if rng.chance(60) {
            n.title.clone()
        } else {
            n.alias.clone()
        }
    }

    fn named(&self, e: Entity) -> &Named {
        match e {
            Entity::Actor(i) => &self.actors[i].name,
            Entity::Location(i) => &self.locations[i].name,
        }
    }

    /// `[Title](@/actors/slug.md)`.
    fn link(&self, e: Entity) -> String {
        let (folder, n) = match e {
            Entity::Actor(i) => ("actors", &self.actors[i].name),
            Entity::Location(i) => ("locations", &self.locations[i].name),
        };
        format!("[{}](@/{folder}/{}.md)", n.title, n.slug)
    }

    /// `[¶17]`, `[¶4, 6]`, `[¶4-6]`, `[p12]` or, with several sources, `[wire-0003 ¶7]`.
    fn body_cite(&self, rng: &mut Rng) -> String {
        let n = rng.between(1, PARAGRAPHS);
        if self.sources.len() > 1 && rng.chance(15) {
            let s = &self.sources[rng.between(1, self.sources.len() - 1)];
            return format!("[{} ¶{n}]", s.slug);
        }
        match rng.below(6) {
            0 => {
                let m = rng.between(1, PARAGRAPHS);
                if m == n {
                    format!("[¶{n}]")
                } else {
                    format!("[¶{}, {}]", n.min(m), n.max(m))
                }
            }
            1 => {
                let a = n.min(PARAGRAPHS - 2);
                format!("[¶{a}-{}]", a + rng.between(1, 2))
            }
            2 => format!("[p{n}]"),
            _ => format!("[¶{n}]"),
        }
    }

    /// `cite = [17, 18]` or, naming another source, `cite = ["wire-0003:7", "12"]`.
    fn fm_cites(&self, rng: &mut Rng) -> Val {
        let k = rng.between(1, 2);
        let ns: Vec<usize> = (0..k).map(|_| rng.between(1, PARAGRAPHS)).collect();
        if self.sources.len() > 1 && rng.chance(15) {
            let s = &self.sources[rng.between(1, self.sources.len() - 1)];
            Val::Arr(
                ns.iter()
                    .enumerate()
                    .map(|(i, n)| {
                        if i == 0 {
                            Val::Str(format!("{}:{n}", s.slug))
                        } else {
                            Val::Str(n.to_string())
                        }
                    })
                    .collect(),
            )
        } else {
            Val::Arr(ns.iter().map(|&n| Val::Int(n as i64)).collect())
        }
    }

    fn fm_cite(&self, rng: &mut Rng) -> Val {
        match self.fm_cites(rng) {
            Val::Arr(mut v) => v.swap_remove(0),
            other => other,
        }
    }

    fn source_link(&self, rng: &mut Rng) -> String {
        let n = rng.between(1, PARAGRAPHS);
        let s = &self.sources[rng.below(self.sources.len())];
        format!(
            "[{}, paragraph {n}](@/{}#p{n})",
            s.title.to_lowercase(),
            s.rel
        )
    }

    fn talk_link(&self, rng: &mut Rng) -> String {
        let t = &self.talks[rng.below(self.talks.len())];
        if rng.chance(50) {
            format!("[the outcome of {}](@/talks/{}.md#outcome)", t.slug, t.slug)
        } else {
            format!("[the {} {}](@/talks/{}.md)", t.kind, t.slug, t.slug)
        }
    }

    fn random_entity(&self, rng: &mut Rng) -> Entity {
        if rng.chance(55) {
            Entity::Actor(rng.below(self.actors.len()))
        } else {
            Entity::Location(rng.below(self.locations.len()))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Actor(usize),
    Location(usize),
}

// ---------------------------------------------------------------------------------------------
// Dates and events

fn date(rng: &mut Rng) -> Val {
    let y = 2011 + rng.below(6);
    let m = 1 + rng.below(12);
    let d = 1 + rng.below(28);
    let month = MONTHS[m - 1];
    match rng.below(11) {
        0 => Val::Str(format!("{y}")),
        1 => Val::Str(format!("{y}-{m:02}")),
        2 => Val::Str(format!("{y}-{m:02}-{d:02}")),
        3 => Val::Str(format!("{d} {month} {y}")),
        4 => Val::Str(format!("late {month} {y}")),
        5 => Val::Str(format!("early {y}")),
        6 => Val::Str(format!("mid-{month} {y}")),
        7 => Val::Str(format!("~{y}-{m:02}-{d:02}")),
        8 => Val::Str(format!("around {d} {month} {y}")),
        9 => {
            let m2 = (m + rng.below(2)).min(12);
            let d2 = if m2 == m {
                d + rng.below(28 - d + 1)
            } else {
                1 + rng.below(28)
            };
            Val::Str(format!("{y}-{m:02}-{d:02}..{y}-{m2:02}-{d2:02}"))
        }
        _ => Val::Date(format!("{y}-{m:02}-{d:02}")),
    }
}

/// An event; `me` is the page declaring it, named among its actors or as its place.
fn event(w: &World, rng: &mut Rng, me: Option<Entity>) -> Table {
    let k = rng.between(1, 3);
    let mut actors: Vec<usize> = rng.distinct(w.actors.len(), k);
    if let Some(Entity::Actor(a)) = me
        && !actors.contains(&a)
    {
        actors[0] = a;
    }
    let place = match me {
        Some(Entity::Location(l)) => Some(l),
        _ if rng.chance(70) => Some(rng.below(w.locations.len())),
        _ => None,
    };
    let who = w.actors[actors[0]].name.title.clone();
    let mut t = Table::default();
    t.set("date", date(rng));
    if rng.chance(50) {
        t.set("as_stated", *rng.pick(AS_STATED));
    }
    t.set("summary", prose::sentence(rng, Some(&who)));
    t.set(
        "actors",
        Val::Arr(
            actors
                .iter()
                .map(|&a| Val::Str(w.actors[a].name.slug.clone()))
                .collect(),
        ),
    );
    if let Some(p) = place {
        t.set("place", w.locations[p].name.slug.as_str());
    }
    t.set("cite", w.fm_cites(rng));
    t
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// A body of about [`BODY_WORDS`] words naming `related` (the pages this one's front matter
/// refers to), with citations, `@/` links with and without anchors, a list, a table, inline
/// and block context notes. Talks have an `## Outcome` heading, which other pages link to.
fn body(w: &World, rng: &mut Rng, me: Option<Entity>, related: &[Entity], talk: bool) -> String {
    let mut others: Vec<Entity> = related.iter().copied().filter(|&e| Some(e) != me).collect();
    while others.len() < 6 {
        let e = w.random_entity(rng);
        if Some(e) != me && !others.contains(&e) {
            others.push(e);
        }
    }
    let mut s = String::with_capacity(3500);
    // Plain mentions (auto-linked on their first occurrence), then an explicit link.
    let m0 = w.mention(rng, others[0]);
    let m2 = w.mention(rng, others[2]);
    s.push_str(&format!(
        "{} {}\n{} {} {}\n\n",
        prose::sentence(rng, Some(&m0)).trim_end_matches('.'),
        w.body_cite(rng) + ".",
        prose::sentence(rng, None),
        format_args!(
            "So did {} {}, and [context: the front line had barely moved since {} {}.]",
            w.link(others[1]),
            w.body_cite(rng),
            rng.pick(MONTHS),
            2011 + rng.below(6)
        ),
        prose::sentence(rng, Some(&m2)),
    ));
    s.push_str("## Background\n\n");
    if let Some(me) = me {
        // Every alias is met somewhere in the text (the engine warns about one that is not).
        let alias = w.named(me).alias.clone();
        s.push_str(&prose::sentence(rng, Some(&alias)));
        s.push(' ');
    }
    for _ in 0..3 {
        let e = others[rng.below(others.len())];
        let who = w.mention(rng, e);
        s.push_str(&prose::sentence(rng, Some(&who)));
        s.push(' ');
        s.push_str(&w.body_cite(rng));
        s.push(' ');
    }
    s.push_str("\n\n");
    s.push_str(&format!(
        "- {}: {} {}\n- {}, {}\n- See {}.\n",
        w.link(others[3]),
        prose::sentence(rng, None),
        w.body_cite(rng),
        capitalise_first(&w.talk_link(rng)),
        prose::sentence(rng, None).to_lowercase(),
        w.source_link(rng),
    ));
    s.push_str("\n| Date | Place | What happened |\n|---|---|---|\n");
    for _ in 0..3 {
        let place = Entity::Location(rng.below(w.locations.len()));
        let d = 1 + rng.below(28);
        s.push_str(&format!(
            "| {d} {} {} | {} | {} {} |\n",
            rng.pick(MONTHS),
            2011 + rng.below(6),
            w.link(place),
            prose::sentence(rng, None),
            w.body_cite(rng)
        ));
    }
    s.push_str(if talk {
        "\n## Outcome\n\n"
    } else {
        "\n## In the dispatches\n\n"
    });
    let m4 = w.mention(rng, others[4]);
    s.push_str(&format!(
        "{} {} {}\n\n",
        prose::sentence(rng, Some(&m4)),
        prose::sentence(rng, None),
        w.body_cite(rng)
    ));
    if rng.chance(35) {
        s.push_str(&format!(
            "> [!CONTEXT]\n> {}\n> {}\n\n",
            prose::sentence(rng, None),
            prose::sentence(rng, None)
        ));
    }
    let m5 = w.mention(rng, others[5]);
    let mut last = prose::sentence(rng, Some(&m5));
    while prose::words(&s) + prose::words(&last) < BODY_WORDS {
        if rng.chance(30) {
            last.push('\n');
        } else {
            last.push(' ');
        }
        let who = if rng.chance(30) {
            let e = others[rng.below(others.len())];
            Some(w.mention(rng, e))
        } else {
            None
        };
        last.push_str(&prose::sentence(rng, who.as_deref()));
        if rng.chance(40) {
            last.push(' ');
            last.push_str(&w.body_cite(rng));
        }
        if rng.chance(12) {
            last.push_str("\n\n");
        }
    }
    s.push_str(last.trim_end());
    s.push('\n');
    s
}

fn capitalise_first(s: &str) -> String {
    // Links start with `[`; capitalise the first letter after it.
    let mut out = String::with_capacity(s.len());
    let mut done = false;
    for c in s.chars() {
        if !done && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            done = true;
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Pages

fn common(fm: &mut FrontMatter, rng: &mut Rng, title: &str, summary: String) {
    fm.top.set("title", title);
    fm.top.set("summary", summary);
    if rng.chance(30) {
        fm.top.set("weight", Val::Int(rng.between(1, 100) as i64));
    }
}

fn actor_page(w: &World, a: usize) -> File {
    let mut rng = Rng::for_item(w.seed, 11, a as u64);
    let actor = &w.actors[a];
    let mut fm = FrontMatter::default();
    let summary = prose::sentence(&mut rng, Some(&actor.name.title));
    common(&mut fm, &mut rng, &actor.name.title, summary);
    fm.top.set("kind", actor.kind);
    if let Some(role) = actor.role {
        fm.top.set("role", role);
    }
    if rng.chance(80) {
        fm.top.set("side", rng.pick(SIDES).0);
    }
    fm.top
        .set("aliases", Val::Arr(vec![actor.name.alias.as_str().into()]));
    // Relations mostly stay within a neighbourhood of indices: dossiers have clusters. The
    // first goes to the next actor, so that every actor has a referrer at any size (`dossier
    // check` warns of an actor nobody refers to, and the driver requires a clean check); its
    // draw is still made, to keep the rest of the page as it was.
    let n = w.actors.len();
    let mut related = Vec::new();
    let mut relations = Vec::new();
    for k in 0..rng.between(1, 4) {
        let drawn = (a + 1 + rng.below((n - 1).min(50))) % n;
        let to = if k == 0 { (a + 1) % n } else { drawn };
        if related.contains(&Entity::Actor(to)) {
            continue;
        }
        related.push(Entity::Actor(to));
        let mut r = Table::default();
        r.set("type", *rng.pick(RELATIONS))
            .set("to", w.actors[to].name.slug.as_str())
            .set("cite", w.fm_cites(&mut rng));
        if rng.chance(30) {
            r.set("note", prose::sentence(&mut rng, None));
        }
        relations.push(r);
    }
    fm.arrays.push(("relations", relations));
    let events: Vec<Table> = (0..[0, 0, 1, 1, 2][rng.below(5)])
        .map(|_| event(w, &mut rng, Some(Entity::Actor(a))))
        .collect();
    if !events.is_empty() {
        fm.arrays.push(("events", events));
    }
    let body = body(w, &mut rng, Some(Entity::Actor(a)), &related, false);
    File {
        path: format!("content/actors/{}.md", actor.name.slug),
        text: fm.render(w.flavour) + "\n" + &body,
    }
}

fn location_page(w: &World, l: usize) -> File {
    let mut rng = Rng::for_item(w.seed, 12, l as u64);
    let loc = &w.locations[l];
    let mut fm = FrontMatter::default();
    let summary = prose::sentence(&mut rng, Some(&loc.name.title));
    common(&mut fm, &mut rng, &loc.name.title, summary);
    fm.top.set("kind", loc.kind);
    fm.top
        .set("aliases", Val::Arr(vec![loc.name.alias.as_str().into()]));
    let mut related = Vec::new();
    if let Some(p) = loc.within {
        fm.top.set("within", w.locations[p].name.slug.as_str());
        related.push(Entity::Location(p));
    }
    if rng.chance(90) {
        let mut c = Table::default();
        c.set(
            "lat",
            Val::Float(32.0 + (rng.below(50_000) as f64) / 10_000.0),
        )
        .set(
            "lon",
            Val::Float(35.0 + (rng.below(70_000) as f64) / 10_000.0),
        );
        fm.tables.push(("coordinates", c));
    }
    if rng.chance(30) {
        fm.arrays.push((
            "events",
            vec![event(w, &mut rng, Some(Entity::Location(l)))],
        ));
    }
    let body = body(w, &mut rng, Some(Entity::Location(l)), &related, false);
    File {
        path: format!("content/locations/{}.md", loc.name.slug),
        text: fm.render(w.flavour) + "\n" + &body,
    }
}

fn talk_page(w: &World, t: usize) -> File {
    let mut rng = Rng::for_item(w.seed, 13, t as u64);
    let talk = &w.talks[t];
    let participants: Vec<usize> = {
        // Participants are neighbours, like the actors of one negotiation.
        let n = w.actors.len();
        let base = rng.below(n);
        let mut p = vec![base];
        let want = rng.between(2, 4).min(n);
        while p.len() < want {
            let x = (base + rng.below(20.min(n))) % n;
            if !p.contains(&x) {
                p.push(x);
            }
        }
        p
    };
    let place = rng.below(w.locations.len());
    let a = &w.actors[participants[0]].name.title;
    let b = &w.actors[participants[1]].name.title;
    let where_ = &w.locations[place].name.title;
    let title = match talk.kind {
        "meeting" => format!("{a} and {b} meet in {where_}"),
        "talks" => format!("Talks between {a} and {b}"),
        "statement" => format!("Statement by {a} on {where_}"),
        "call" => format!("{a} calls {b}"),
        _ => format!("{a} announces a truce in {where_}"),
    };
    let mut fm = FrontMatter::default();
    let summary = prose::sentence(&mut rng, Some(a));
    common(&mut fm, &mut rng, &title, summary);
    fm.top.set("kind", talk.kind);
    fm.top.set("status", *rng.pick(TALK_STATUS));
    if rng.chance(80) {
        fm.top.set("date", date(&mut rng));
    }
    if rng.chance(50) {
        fm.top.set("as_stated", *rng.pick(AS_STATED));
    }
    if rng.chance(85) {
        fm.top
            .set("location", w.locations[place].name.slug.as_str());
    }
    fm.top.set(
        "participants",
        Val::Arr(
            participants
                .iter()
                .map(|&p| Val::Str(w.actors[p].name.slug.clone()))
                .collect(),
        ),
    );
    if rng.chance(50) {
        fm.top.set(
            "duration",
            *rng.pick(&["several hours", "two days", "an hour", "all night"]),
        );
    }
    if rng.chance(70) {
        fm.top.set("outcome", prose::sentence(&mut rng, None));
    }
    if t > 0 && rng.chance(30) {
        let earlier = t - 1 - rng.below(t.min(20));
        fm.top.set("follows", w.talks[earlier].slug.as_str());
    }
    fm.top.set("cite", w.fm_cites(&mut rng));
    let quotes: Vec<Table> = (0..rng.between(1, 2))
        .map(|_| {
            let (original, translation) = prose::quote(&mut rng);
            let mut q = Table::default();
            if rng.chance(90) {
                let s = participants[rng.below(participants.len())];
                q.set("speaker", w.actors[s].name.slug.as_str());
            }
            q.set("original", original)
                .set("translation", translation)
                .set("cite", w.fm_cite(&mut rng));
            q
        })
        .collect();
    fm.arrays.push(("quotes", quotes));
    if rng.chance(30) {
        fm.arrays.push(("events", vec![event(w, &mut rng, None)]));
    }
    let mut related: Vec<Entity> = participants.iter().map(|&p| Entity::Actor(p)).collect();
    related.push(Entity::Location(place));
    let body = body(w, &mut rng, None, &related, true);
    File {
        path: format!("content/talks/{}.md", talk.slug),
        text: fm.render(w.flavour) + "\n" + &body,
    }
}

fn source_page(w: &World, k: usize) -> File {
    let mut rng = Rng::for_item(w.seed, 14, k as u64);
    let s = &w.sources[k];
    let mut fm = FrontMatter::default();
    fm.top.set("title", s.title.as_str());
    fm.top.set(
        "description",
        format!("A {PARAGRAPHS}-paragraph dispatch in French, with an English translation."),
    );
    fm.top.set(
        "summary",
        format!("The source, {PARAGRAPHS} numbered paragraphs."),
    );
    let mut meta = Table::default();
    meta.set("publisher", *rng.pick(&["AFP", "Reuters", "AP", "ANSA"]))
        .set("language", "fr")
        .set(
            "title_original",
            format!("Dépêche {}", s.title.to_lowercase()),
        )
        .set("url", format!("https://example.org/wires/{}", s.slug))
        .set("published", date(&mut rng))
        .set(
            "date_note",
            "Context, not from the source: the dispatch is undated; its clues date it.",
        );
    fm.tables.push(("source", meta));
    let paragraphs = (0..PARAGRAPHS)
        .map(|i| {
            let mut p = Table::default();
            if i > 0 && i % 10 == 0 {
                p.set("kind", "heading")
                    .set("original", "- 'Les Russes ont reculé' -")
                    .set("translation", "- 'The Russians backed down' -");
            } else {
                let e = w.random_entity(&mut rng);
                let who = w.named(e).title.clone();
                p.set(
                    "original",
                    format!(
                        "{} {}",
                        prose::phrase_fr(&mut rng, Some(&who)),
                        prose::phrase_fr(&mut rng, None)
                    ),
                )
                .set(
                    "translation",
                    format!(
                        "{} {}",
                        prose::sentence(&mut rng, Some(&who)),
                        prose::sentence(&mut rng, None)
                    ),
                );
            }
            p
        })
        .collect();
    fm.arrays.push(("paragraphs", paragraphs));
    let mut body = String::from("## About this dispatch\n\n");
    for _ in 0..6 {
        body.push_str(&prose::sentence(&mut rng, None));
        body.push(' ');
    }
    body.push_str(&w.body_cite(&mut rng));
    body.push_str("\n\n> [!CONTEXT]\n> The dispatch is undated; its clues place it in 2016.\n");
    File {
        path: format!("content/{}", s.rel),
        text: fm.render(w.flavour) + "\n" + &body,
    }
}

fn section(w: &World, path: &str, title: &str, template: Option<&str>, body: String) -> File {
    let mut fm = FrontMatter::default();
    fm.top.set("title", title);
    fm.top.set(
        "description",
        format!("{title}: every page of this kind in the dossier."),
    );
    if let Some(t) = template {
        fm.top.set("template", t);
    }
    File {
        path: path.to_string(),
        text: fm.render(w.flavour) + "\n" + &body,
    }
}

fn sections(w: &World) -> Vec<File> {
    let mut rng = Rng::for_item(w.seed, 15, 0);
    let para = |rng: &mut Rng| {
        let mut s = String::new();
        for _ in 0..3 {
            s.push_str(&prose::sentence(rng, None));
            s.push(' ');
        }
        s.push_str(&w.body_cite(rng));
        s.push_str("\n\n");
        s
    };
    let mut home = para(&mut rng);
    home.push_str(
        "Read [who's who](@/actors/_index.md), [the places](@/locations/_index.md), \
         [the talks](@/talks/_index.md), [the timeline](@/timeline/_index.md) or \
         [the dispatch itself](@/source.md).\n",
    );
    let mut out = vec![
        section(w, "content/_index.md", &w.site_title(), None, home),
        section(
            w,
            "content/actors/_index.md",
            "Who's who",
            None,
            para(&mut rng) + "> [!CONTEXT]\n> Camps are an editorial classification.\n",
        ),
        section(
            w,
            "content/locations/_index.md",
            "Places",
            None,
            para(&mut rng),
        ),
        section(w, "content/talks/_index.md", "Talks", None, para(&mut rng)),
        section(
            w,
            "content/timeline/_index.md",
            "Timeline",
            Some("timeline.html"),
            para(&mut rng),
        ),
    ];
    if w.sources.len() > 1 {
        out.push(section(
            w,
            "content/sources/_index.md",
            "Sources",
            None,
            para(&mut rng),
        ));
    }
    out
}

fn site_toml(w: &World, theme: &str) -> File {
    let mut s = format!(
        "title = \"{}\"\ndescription = \"A generated dossier for benchmarks.\"\n\
         base_url = \"https://example.org/bench/\"\ndefault_language = \"en\"\n\
         theme = \"{theme}\"\noutput_dir = \"public\"\ndefault_source = \"source\"\n\n\
         [markdown]\nsmart_punctuation = true\nunsafe_html = false\nauto_link = true\n",
        w.site_title()
    );
    if theme == "minimal" {
        // The minimal theme is the twin of Hugo's layouts, which build no search index; the
        // default theme is the one measured with search (issue 8).
        s = s.replacen(
            "output_dir = \"public\"\n",
            "output_dir = \"public\"\nsearch = false\n",
            1,
        );
        // Nor do they put the cited paragraph into each citation (they print `[¶17]` as
        // text), and the minimal theme shows no tooltip.
        s.push_str("citation_tooltips = false\n");
    }
    for (id, label) in SIDES {
        s.push_str(&format!(
            "\n[[sides]]\nid = \"{id}\"\nlabel = \"{label}\"\n"
        ));
    }
    File {
        path: "site.toml".into(),
        text: s,
    }
}

fn hugo_toml(w: &World) -> File {
    File {
        path: "hugo.toml".into(),
        text: format!(
            "baseURL = \"https://example.org/bench/\"\nlocale = \"en\"\ntitle = \"{}\"\n\
             # The minimal comparison renders pages and sections only, as dossier's minimal theme.\n\
             disableKinds = [\"taxonomy\", \"term\", \"rss\", \"sitemap\", \"robotstxt\", \"404\"]\n\n\
             [markup.goldmark.renderer]\nunsafe = false\n",
            w.site_title()
        ),
    }
}

/// Calls `emit` with every file of the site, in a fixed order: the config, sections, sources,
/// actors, locations, talks.
pub fn for_each_file<E>(
    opts: &Options,
    mut emit: impl FnMut(File) -> Result<(), E>,
) -> Result<(), E> {
    let w = World::new(opts.counts, opts.seed, opts.flavour);
    let mut send = |f: File| emit(f);
    match opts.flavour {
        Flavour::Dossier => send(site_toml(&w, &opts.theme))?,
        Flavour::Hugo => send(hugo_toml(&w))?,
    }
    for f in sections(&w) {
        send(f)?;
    }
    for k in 0..w.sources.len() {
        send(source_page(&w, k))?;
    }
    for a in 0..w.actors.len() {
        send(actor_page(&w, a))?;
    }
    for l in 0..w.locations.len() {
        send(location_page(&w, l))?;
    }
    for t in 0..w.talks.len() {
        send(talk_page(&w, t))?;
    }
    Ok(())
}

/// Every file of the site, in memory.
pub fn files(opts: &Options) -> Vec<File> {
    let mut out = Vec::new();
    let _ = for_each_file(opts, |f| {
        out.push(f);
        Ok::<(), ()>(())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_seven_letters() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..20_000 {
            let n = core_name(5, i);
            assert_eq!(n.len(), 7, "{n}");
            assert!(seen.insert(n));
        }
    }

    #[test]
    fn every_actor_is_named_in_a_relation_of_the_one_before() {
        // Random relations alone left one actor of 40,000 without a referrer at 100,000 pages.
        let w = World::new(Counts::for_pages(2_000), 3, Flavour::Dossier);
        let n = w.actors.len();
        for a in 0..n {
            let next = &w.actors[(a + 1) % n].name.slug;
            let page = actor_page(&w, a).text;
            assert!(
                page.contains(&format!("to = \"{next}\"")),
                "actor {a} does not name {next}:\n{page}"
            );
        }
    }

    #[test]
    fn counts_add_up() {
        for n in [10, 100, 1000, 10_000, 100_000] {
            let c = Counts::for_pages(n);
            assert_eq!(c.pages(), n, "{c:?}");
        }
        assert_eq!(Counts::for_pages(10_000).sources, 10);
    }
}
