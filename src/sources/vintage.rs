//! The vintage (millésime) of an official file, read from what the file says of itself:
//! its title and notes (« millésime 2026 », « effectifs au 1er janvier 2026 », « 2012-2026 »,
//! « mise à jour le 12 mars 2026 »). The last data year is only the fallback, for a file
//! that says nothing, and the fetch says so.

use serde::Serialize;

/// A vintage and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vintage {
    pub year: i32,
    /// Where and how it was found, for the fetch report and the manifest: "sheet
    /// `Lisez-moi`, row 1: « … »", or why the last data year was taken.
    pub evidence: String,
}

/// The kinds of statement, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Said {
    /// « millésime 2026 »
    Millesime,
    /// « au 1er janvier 2026 », « données au 01/01/2026 »
    FirstOfJanuary,
    /// « 2012-2026 », « 2012 à 2026 » in a title: the last year of the series.
    Span,
    /// « publié le 12 mars 2026 », « mise à jour : 2026-03-12 »
    Published,
}

/// The vintage stated by the text cells `(sheet, row, text)` of a file's title and
/// notes, if any: the strongest kind of statement found, and its latest year.
pub fn stated<'a>(cells: impl IntoIterator<Item = (&'a str, usize, &'a str)>) -> Option<Vintage> {
    let mut best: Option<(Said, i32, String)> = None;
    for (sheet, row, text) in cells {
        for (said, year) in statements(text) {
            let better = match &best {
                None => true,
                Some((s, y, _)) => said < *s || (said == *s && year > *y),
            };
            if better {
                let shown: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let shown = match shown.char_indices().nth(120) {
                    Some((i, _)) => format!("{}…", &shown[..i]),
                    None => shown,
                };
                best = Some((said, year, format!("read in sheet `{sheet}`, row {row}: « {shown} »")));
            }
        }
    }
    best.map(|(_, year, evidence)| Vintage { year, evidence })
}

/// The fallback: the last data year, saying that the file states no vintage.
pub fn last_data_year(years: &[i32]) -> Option<Vintage> {
    years
        .iter()
        .max()
        .map(|&year| Vintage { year, evidence: "the last data year: the file does not state its vintage".to_string() })
}

/// Every statement of a vintage in one cell's text.
fn statements(text: &str) -> Vec<(Said, i32)> {
    let t = plain(text);
    let years = years_in(&t);
    let mut out = Vec::new();
    for (i, &(at, end, year)) in years.iter().enumerate() {
        let before = &t[..at];
        // The end of a span that starts here, if this year starts one.
        let span_end = years.get(i + 1).filter(|&&(next_at, _, next)| {
            let between = t[end..next_at].trim();
            next > year && matches!(between, "-" | "–" | "—" | "a" | "au" | "/")
        });
        let tail = before.trim_end().trim_end_matches([':', ',']).trim_end();
        if tail.ends_with("millesime") {
            out.push((Said::Millesime, year));
        } else if tail.ends_with("1er janvier") || tail.ends_with("01/01/") || before.ends_with("01/01/") {
            out.push((Said::FirstOfJanuary, span_end.map_or(year, |s| s.2)));
        } else if let Some(&(_, _, last)) = span_end {
            out.push((Said::Span, last));
        } else if ["publi", "mise a jour", "mis a jour", "actualis", "diffus"]
            .iter()
            .any(|w| before.rfind(w).is_some_and(|p| before.len() - p <= 40))
        {
            out.push((Said::Published, year));
        }
    }
    out
}

/// Lowercase, accents removed, spaces collapsed.
fn plain(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let lower: String = s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect();
    lower.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The years (1990–2100, four digits standing alone) in a text, with their byte range.
fn years_in(t: &str) -> Vec<(usize, usize, i32)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4
                && let Ok(y) = t[start..i].parse::<i32>()
                && (1990..=2100).contains(&y)
            {
                out.push((start, i, y));
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Option<i32> {
        stated([("s", 1, text)]).map(|v| v.year)
    }

    #[test]
    fn statements_of_a_vintage() {
        assert_eq!(one("Médecins inscrits au RPPS, effectifs et densités au 1er janvier, 2012-2026"), Some(2026));
        assert_eq!(one("Données au 1er janvier 2026"), Some(2026));
        assert_eq!(one("Effectifs au 1er janvier 2012 à 2026"), Some(2026));
        assert_eq!(one("Millésime : 2026"), Some(2026));
        assert_eq!(one("Mise à jour le 12 mars 2026"), Some(2026));
        assert_eq!(one("Date de publication : 15/03/2026"), Some(2026));
        assert_eq!(one("ND : donnée non diffusée (effectif inférieur à 10)"), None);
        assert_eq!(one("03-30-34 ans"), None);
        assert_eq!(one("2026"), None, "a year alone says nothing");
        // The strongest statement wins, then the latest year.
        let v =
            stated([("Lisez-moi", 3, "Publié le 2 avril 2027"), ("Effectifs", 1, "Millésime 2026")]).expect("vintage");
        assert_eq!(v.year, 2026);
        assert_eq!(v.evidence, "read in sheet `Effectifs`, row 1: « Millésime 2026 »");
        assert_eq!(last_data_year(&[2012, 2022]).map(|v| v.year), Some(2022));
    }
}
