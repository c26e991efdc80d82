//! Newswire-like prose for synthetic pages: English for bodies and translations, French for
//! the source's originals. Not meaningful, but shaped like the real thing (sentence lengths,
//! quotes and dashes for smart punctuation, names that auto-linking finds), so that Markdown,
//! auto-linking and escaping do realistic work.

use crate::rng::Rng;

const SUBJECTS: &[&str] = &[
    "the army",
    "rebel fighters",
    "local officials",
    "the monitoring group",
    "a military source",
    "residents",
    "aid agencies",
    "the ministry",
    "diplomats",
    "the coalition",
    "militia commanders",
    "observers",
    "the spokesman",
    "negotiators",
    "a senior official",
    "the opposition",
];

const VERBS: &[&str] = &[
    "said",
    "reported",
    "confirmed",
    "denied",
    "announced",
    "warned",
    "claimed",
    "insisted",
    "acknowledged",
    "told reporters",
];

const ACTIONS: &[&str] = &[
    "had taken control of",
    "withdrew from",
    "shelled",
    "reinforced positions around",
    "cut the supply route to",
    "negotiated a truce in",
    "evacuated civilians from",
    "reopened the road to",
    "besieged",
    "launched an offensive towards",
    "lost ground near",
    "resumed talks about",
];

const OBJECTS: &[&str] = &[
    "the northern districts",
    "the border crossing",
    "the old city",
    "the industrial zone",
    "the airport road",
    "the river villages",
    "the southern front",
    "the military academies",
    "the eastern suburbs",
    "the main highway",
];

const TIMES: &[&str] = &[
    "on Sunday",
    "late last month",
    "in early August",
    "overnight",
    "after weeks of fighting",
    "on the sidelines of the summit",
    "a month ago",
    "since July",
    "for the first time in years",
    "earlier this week",
];

const CLAUSES: &[&str] = &[
    "according to the Observatory",
    "despite repeated warnings",
    "amid heavy air strikes",
    "while talks stalled",
    "as thousands fled",
    "in a statement broadcast on television",
    "without giving figures",
    "citing sources on the ground",
    "which the other side's officials disputed",
    "though the army's account could not be verified",
];

const QUOTES: &[&str] = &[
    "we will not give up a single street",
    "the road is cut and the districts are besieged",
    "there can be no agreement without a ceasefire",
    "the talks were long but not useless",
    "civilians are paying the price of this war",
    "our forces are clearing the last pockets",
];

const SUJETS: &[&str] = &[
    "l'armée",
    "les rebelles",
    "l'Observatoire",
    "une source militaire",
    "les habitants",
    "le ministère",
    "les diplomates",
    "la coalition",
];

const VERBES: &[&str] = &[
    "a affirmé",
    "a annoncé",
    "a démenti",
    "a confirmé",
    "a indiqué",
];

const ACTIONS_FR: &[&str] = &[
    "a pris le contrôle de",
    "s'est retirée de",
    "a bombardé",
    "a coupé la route vers",
    "a assiégé",
    "a rouvert la route de",
];

const OBJETS: &[&str] = &[
    "les quartiers nord",
    "le poste-frontière",
    "la vieille ville",
    "la zone industrielle",
    "la route de l'aéroport",
    "les villages du fleuve",
];

const TEMPS: &[&str] = &[
    "dimanche",
    "fin août",
    "début août",
    "dans la nuit",
    "il y a un mois",
    "depuis juillet",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One English sentence, naming `who` (a page's title or alias) when given.
pub fn sentence(rng: &mut Rng, who: Option<&str>) -> String {
    let subject = who.map_or_else(|| rng.pick(SUBJECTS).to_string(), str::to_string);
    match rng.below(5) {
        0 => format!(
            "{} {} that {} {} {} {}, {}.",
            capitalise(&subject),
            rng.pick(VERBS),
            rng.pick(SUBJECTS),
            rng.pick(ACTIONS),
            rng.pick(OBJECTS),
            rng.pick(TIMES),
            rng.pick(CLAUSES)
        ),
        1 => format!(
            "{} {} {} {}.",
            capitalise(&subject),
            rng.pick(ACTIONS),
            rng.pick(OBJECTS),
            rng.pick(TIMES)
        ),
        2 => format!(
            "According to {}, \"{}\", {}.",
            subject,
            rng.pick(QUOTES),
            rng.pick(CLAUSES)
        ),
        3 => format!(
            "{} {} {} -- {} -- {}.",
            capitalise(&subject),
            rng.pick(ACTIONS),
            rng.pick(OBJECTS),
            rng.pick(CLAUSES),
            rng.pick(TIMES)
        ),
        _ => format!(
            "It was not the first time that {} {} {} {}; the {} of {} remained unclear.",
            subject,
            rng.pick(ACTIONS),
            rng.pick(OBJECTS),
            rng.pick(TIMES),
            rng.pick(&["outcome", "toll", "cost", "meaning"]),
            rng.pick(OBJECTS)
        ),
    }
}

/// One French sentence, as in the source's originals.
pub fn phrase_fr(rng: &mut Rng, who: Option<&str>) -> String {
    let subject = who.map_or_else(|| rng.pick(SUJETS).to_string(), str::to_string);
    format!(
        "Selon {}, {} {} {} {}, a-t-on appris {}.",
        rng.pick(SUJETS),
        subject,
        rng.pick(ACTIONS_FR),
        rng.pick(OBJETS),
        rng.pick(TEMPS),
        rng.pick(VERBES).trim_start_matches("a ")
    )
}

/// A short quotation: the French original and an English rendering.
pub fn quote(rng: &mut Rng) -> (String, String) {
    let i = rng.below(QUOTES.len());
    let fr = [
        "nous ne céderons pas une seule rue",
        "la route est coupée et les quartiers sont assiégés",
        "il n'y aura pas d'accord sans cessez-le-feu",
        "les discussions ont été longues mais pas inutiles",
        "les civils paient le prix de cette guerre",
        "nos forces nettoient les dernières poches",
    ];
    (fr[i].to_string(), QUOTES[i].to_string())
}

/// Whitespace-separated words, the way the body length is counted.
pub fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_name_who_they_are_given() {
        let mut rng = Rng::new(3);
        for _ in 0..20 {
            let s = sentence(&mut rng, Some("Amir Kabiron"));
            assert!(s.contains("Amir Kabiron"), "{s}");
            assert!(s.ends_with('.'), "{s}");
        }
        assert!(phrase_fr(&mut rng, Some("Tesamur")).contains("Tesamur"));
    }
}
