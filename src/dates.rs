//! Partial and approximate dates, as dispatches give them: `2011`, `2016-08`, `2016-08-06`,
//! `6 August 2016`, `late August 2016`, `~2016-09-02`, and spans `2016-07-17..2016-08-06`.
//!
//! A date is a span of days (`start..=end`) plus how precisely it was stated, so the
//! timeline can sort by it and draw partial dates as spans. Pure functions only.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Day {
    /// Days since 1970-01-01 (proleptic Gregorian), for drawing spans to scale.
    pub fn ordinal(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Year,
    Month,
    Day,
}

/// A parsed date: the span of days it covers and how to say it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateSpec {
    pub start: Day,
    pub end: Day,
    pub precision: Precision,
    pub approximate: bool,
    /// The date in words: "late August 2016", "around 2 September 2016".
    pub label: String,
    /// A valid HTML `datetime` value for the start: "2016", "2016-08", "2016-08-06".
    pub datetime: String,
}

const MONTHS: [&str; 12] = [
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

pub const ACCEPTED_FORMS: &str = "\"2011\", \"2016-08\", \"2016-08-06\", \"6 August 2016\", \"late August 2016\", \"~2016-09-02\" or \"2016-07-17..2016-08-06\"";

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[derive(Clone, Copy)]
enum Part {
    Early,
    Mid,
    Late,
}

/// Parses a date; the error says what is wrong in words a user can act on.
pub fn parse(input: &str) -> Result<DateSpec, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("the date is empty".into());
    }
    if let Some((a, b)) = s.split_once("..") {
        let a = parse(a)?;
        let b = parse(b)?;
        if b.end < a.start {
            return Err(format!(
                "the span ends ({}) before it starts ({})",
                b.label, a.label
            ));
        }
        return Ok(DateSpec {
            start: a.start,
            end: b.end,
            precision: a.precision,
            approximate: a.approximate || b.approximate,
            label: format!("{} – {}", a.label, b.label),
            datetime: a.datetime,
        });
    }
    let (approximate, rest) = strip_any(s, &["~", "around ", "about ", "circa ", "c. ", "ca. "]);
    let (part, rest) = match strip_any(rest, &["early "]) {
        (true, r) => (Some(Part::Early), r),
        _ => match strip_any(rest, &["mid-", "mid "]) {
            (true, r) => (Some(Part::Mid), r),
            _ => match strip_any(rest, &["late "]) {
                (true, r) => (Some(Part::Late), r),
                _ => (None, rest),
            },
        },
    };
    let (year, month, day) = parse_core(rest.trim())?;
    if !(1..=9999).contains(&year) {
        return Err(format!("year {year} is out of range"));
    }
    if let Some(m) = month {
        if !(1..=12).contains(&m) {
            return Err(format!("month {m} does not exist; months run from 1 to 12"));
        }
        if let Some(d) = day {
            let max = days_in_month(year, m);
            if d == 0 || d > max {
                return Err(format!("{} {year} has no day {d}", MONTHS[m as usize - 1]));
            }
        }
    }
    let (precision, mut start, mut end) = match (month, day) {
        (None, _) => (
            Precision::Year,
            Day {
                year,
                month: 1,
                day: 1,
            },
            Day {
                year,
                month: 12,
                day: 31,
            },
        ),
        (Some(m), None) => (
            Precision::Month,
            Day {
                year,
                month: m,
                day: 1,
            },
            Day {
                year,
                month: m,
                day: days_in_month(year, m),
            },
        ),
        (Some(m), Some(d)) => {
            let day = Day {
                year,
                month: m,
                day: d,
            };
            (Precision::Day, day, day)
        }
    };
    let mut label = match (month, day) {
        (None, _) => year.to_string(),
        (Some(m), None) => format!("{} {year}", MONTHS[m as usize - 1]),
        (Some(m), Some(d)) => format!("{d} {} {year}", MONTHS[m as usize - 1]),
    };
    if let Some(part) = part {
        let (word, sep) = match part {
            Part::Early => ("early", " "),
            Part::Mid => ("mid", "-"),
            Part::Late => ("late", " "),
        };
        match precision {
            Precision::Day => {
                return Err(format!(
                    "\"{word}\" needs a month or a year, not a full day (\"{word} August 2016\")"
                ));
            }
            Precision::Year => {
                let (a, b) = match part {
                    Part::Early => (1, 4),
                    Part::Mid => (5, 8),
                    Part::Late => (9, 12),
                };
                start = Day {
                    year,
                    month: a,
                    day: 1,
                };
                end = Day {
                    year,
                    month: b,
                    day: days_in_month(year, b),
                };
            }
            Precision::Month => {
                let m = start.month;
                let (a, b) = match part {
                    Part::Early => (1, 10),
                    Part::Mid => (11, 20),
                    Part::Late => (21, days_in_month(year, m)),
                };
                start.day = a;
                end.day = b;
            }
        }
        label = format!("{word}{sep}{label}");
    }
    if approximate {
        label = format!("around {label}");
    }
    let datetime = match precision {
        Precision::Year => format!("{year:04}"),
        Precision::Month => format!("{year:04}-{:02}", start.month),
        Precision::Day => start.iso(),
    };
    Ok(DateSpec {
        start,
        end,
        precision,
        approximate: approximate || part.is_some(),
        label,
        datetime,
    })
}

/// Strips the first of `prefixes` (ASCII, any case) that `s` starts with. `get` rather than
/// slicing: the prefix's length may fall inside a character of `s` ("Août").
fn strip_any<'a>(s: &'a str, prefixes: &[&str]) -> (bool, &'a str) {
    for p in prefixes {
        if let Some(head) = s.get(..p.len())
            && head.eq_ignore_ascii_case(p)
        {
            return (true, s[p.len()..].trim_start());
        }
    }
    (false, s)
}

fn number(s: &str, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if digits.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn month_number(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| {
            m.eq_ignore_ascii_case(word) || (word.len() >= 3 && m[..3].eq_ignore_ascii_case(word))
        })
        .map(|i| i as u32 + 1)
}

type Core = (i32, Option<u32>, Option<u32>);

fn parse_core(s: &str) -> Result<Core, String> {
    let bad = || format!("\"{s}\" is not a date I can read");
    // ISO forms: YYYY, YYYY-MM, YYYY-MM-DD.
    if s.starts_with(|c: char| c.is_ascii_digit()) && !s.contains(' ') {
        let mut parts = s.split('-');
        let year = parts
            .next()
            .and_then(|p| number(p, 4..=4))
            .ok_or_else(bad)?;
        let month = match parts.next() {
            Some(p) => Some(number(p, 1..=2).ok_or_else(bad)?),
            None => None,
        };
        let day = match parts.next() {
            Some(p) => Some(number(p, 1..=2).ok_or_else(bad)?),
            None => None,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        return Ok((year as i32, month, day));
    }
    // Words: "6 August 2016", "August 2016", "August 6, 2016".
    let words: Vec<&str> = s.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [m, y] => {
            let month = month_number(m).ok_or_else(bad)?;
            let year = number(y, 4..=4).ok_or_else(bad)?;
            Ok((year as i32, Some(month), None))
        }
        [d, m, y] if d.starts_with(|c: char| c.is_ascii_digit()) => {
            let day = number(d, 1..=2).ok_or_else(bad)?;
            let month = month_number(m).ok_or_else(bad)?;
            let year = number(y, 4..=4).ok_or_else(bad)?;
            Ok((year as i32, Some(month), Some(day)))
        }
        [m, d, y] => {
            let month = month_number(m).ok_or_else(bad)?;
            let day = number(d, 1..=2).ok_or_else(bad)?;
            let year = number(y, 4..=4).ok_or_else(bad)?;
            Ok((year as i32, Some(month), Some(day)))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> Day {
        Day { year, month, day }
    }

    #[test]
    fn parses_the_accepted_forms() {
        let cases: &[(&str, Day, Day, &str, bool)] = &[
            ("2011", d(2011, 1, 1), d(2011, 12, 31), "2011", false),
            (
                "2016-08",
                d(2016, 8, 1),
                d(2016, 8, 31),
                "August 2016",
                false,
            ),
            (
                "2016-02",
                d(2016, 2, 1),
                d(2016, 2, 29),
                "February 2016",
                false,
            ),
            (
                "2016-08-06",
                d(2016, 8, 6),
                d(2016, 8, 6),
                "6 August 2016",
                false,
            ),
            (
                "6 August 2016",
                d(2016, 8, 6),
                d(2016, 8, 6),
                "6 August 2016",
                false,
            ),
            (
                "August 6, 2016",
                d(2016, 8, 6),
                d(2016, 8, 6),
                "6 August 2016",
                false,
            ),
            (
                "aug 2016",
                d(2016, 8, 1),
                d(2016, 8, 31),
                "August 2016",
                false,
            ),
            (
                "late August 2016",
                d(2016, 8, 21),
                d(2016, 8, 31),
                "late August 2016",
                true,
            ),
            (
                "early 2016",
                d(2016, 1, 1),
                d(2016, 4, 30),
                "early 2016",
                true,
            ),
            (
                "mid-July 2016",
                d(2016, 7, 11),
                d(2016, 7, 20),
                "mid-July 2016",
                true,
            ),
            (
                "~2016-09-02",
                d(2016, 9, 2),
                d(2016, 9, 2),
                "around 2 September 2016",
                true,
            ),
            (
                "around 2012",
                d(2012, 1, 1),
                d(2012, 12, 31),
                "around 2012",
                true,
            ),
            (
                "2016-07-17..2016-08-06",
                d(2016, 7, 17),
                d(2016, 8, 6),
                "17 July 2016 – 6 August 2016",
                false,
            ),
        ];
        for (input, start, end, label, approx) in cases {
            let got = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((got.start, got.end), (*start, *end), "{input}");
            assert_eq!(got.label, *label, "{input}");
            assert_eq!(got.approximate, *approx, "{input}");
        }
    }

    #[test]
    fn rejects_impossible_dates_with_reasons() {
        let cases = [
            (
                "2016-13",
                "month 13 does not exist; months run from 1 to 12",
            ),
            ("2015-02-29", "February 2015 has no day 29"),
            (
                "late 2016-08-06",
                "\"late\" needs a month or a year, not a full day (\"late August 2016\")",
            ),
            ("Sunday", "\"Sunday\" is not a date I can read"),
            ("16-08-06", "\"16-08-06\" is not a date I can read"),
            ("", "the date is empty"),
            // A prefix's length falls inside the `û` (fuzz/regressions/front_matter).
            ("Août 2016", "\"Août 2016\" is not a date I can read"),
            ("mié 2016", "\"mié 2016\" is not a date I can read"),
            ("é", "\"é\" is not a date I can read"),
            (
                "2016-08-06..2016-08-01",
                "the span ends (1 August 2016) before it starts (6 August 2016)",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(parse(input).unwrap_err(), message, "{input}");
        }
    }

    #[test]
    fn ordinal_matches_known_days() {
        assert_eq!(d(1970, 1, 1).ordinal(), 0);
        assert_eq!(d(2016, 9, 4).ordinal(), 17048);
        assert_eq!(d(2016, 3, 1).ordinal() - d(2016, 2, 28).ordinal(), 2);
    }
}
