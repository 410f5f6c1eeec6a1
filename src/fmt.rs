//! French number and date formatting: narrow no-break space (U+202F) between thousands,
//! decimal comma, true minus sign, "%" after a narrow no-break space.

const NNBSP: char = '\u{202f}';

/// `100019` → "100 019"; `1.25, 1` → "1,3".
pub fn number(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(NNBSP);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(',');
        out.push_str(f);
    }
    let zero = out.chars().all(|c| c == '0' || c == ',' || c == NNBSP);
    if x < 0.0 && !zero { format!("\u{2212}{out}") } else { out }
}

/// Always signed: "+520", "−1,3", "0".
pub fn signed(x: f64, decimals: usize) -> String {
    let s = number(x, decimals);
    if s.starts_with('\u{2212}') || s.chars().all(|c| c == '0' || c == ',') { s } else { format!("+{s}") }
}

/// "1,3 %" (value already in percent).
pub fn pct(x: f64, decimals: usize) -> String {
    format!("{}{NNBSP}%", number(x, decimals))
}

/// A small share in percent with two significant digits, so that it never reads as zero:
/// 0.0033 → "0,0033 %", 12.345 → "12 %", 0.25 → "0,25 %".
pub fn share_pct(x: f64) -> String {
    let decimals = if x > 0.0 && x < 10.0 { (1.0 - x.log10().floor()).max(0.0) as usize } else { 0 };
    pct(x, decimals)
}

/// "+1,3 %".
pub fn signed_pct(x: f64, decimals: usize) -> String {
    format!("{}{NNBSP}%", signed(x, decimals))
}

/// A place name after « de », by INSEE's TNCC (type de nom en clair): 0 « de Paris »,
/// 1 « d’Ille-et-Vilaine », 2 « du Tarn », 3 « de la Creuse », 4 « des Vosges »,
/// 5 « de l’Ain »; an article already in the name stays (« de La Réunion »).
pub fn de_name(name: &str, tncc: u8) -> String {
    match tncc {
        1 => format!("d\u{2019}{name}"),
        2 => format!("du {name}"),
        3 => format!("de la {name}"),
        4 => format!("des {name}"),
        5 => format!("de l\u{2019}{name}"),
        _ => format!("de {name}"),
    }
}

/// A place name with its article, by TNCC: « le Tarn », « la Creuse », « les Vosges »,
/// « l’Ain », « Paris ».
pub fn le_name(name: &str, tncc: u8) -> String {
    match tncc {
        2 => format!("le {name}"),
        3 => format!("la {name}"),
        4 => format!("les {name}"),
        5 => format!("l\u{2019}{name}"),
        _ => name.to_string(),
    }
}

/// Where a place is, by TNCC: « en Creuse », « en Île-de-France », « dans le Tarn »,
/// « dans les Vosges », « à Paris »; islands (`island`: the overseas départements and
/// régions) take « à » or « en » as usage has it: « en Guadeloupe », « en Martinique »,
/// « en Guyane », « à La Réunion », « à Mayotte ».
pub fn en_name(name: &str, tncc: u8, island: bool) -> String {
    match tncc {
        2 => format!("dans le {name}"),
        4 => format!("dans les {name}"),
        1 | 3 | 5 => format!("en {name}"),
        _ if island || name == "Paris" => format!("à {name}"),
        // Bretagne, Normandie, Corse, Maine-et-Loire, Provence-Alpes-Côte d'Azur…
        _ => format!("en {name}"),
    }
}

/// An EPCI's name after « de »: communautés (CC, CA, CU) and métropoles take « la »
/// (« de la CC du Haut Allier », « de la Métropole de Lyon »); another name takes
/// « de », elided before a vowel (« d’Est Ensemble »).
pub fn epci_de(name: &str) -> String {
    let first = name.split_whitespace().next().unwrap_or("");
    let feminine = ["CC", "CA", "CU", "Communauté", "Métropole", "Eurométropole"];
    if feminine.iter().any(|f| first.eq_ignore_ascii_case(f)) {
        format!("de la {name}")
    } else if name.starts_with(['A', 'E', 'I', 'O', 'U', 'É', 'Î', 'a', 'e', 'i', 'o', 'u', 'é', 'H']) {
        format!("d\u{2019}{name}")
    } else {
        format!("de {name}")
    }
}

/// French ordinal: 1 → "1er", 2 → "2e".
pub fn ordinal(n: u32) -> String {
    if n == 1 { "1er".to_string() } else { format!("{n}e") }
}

/// A count and its noun, singular or plural: (1, "département", "départements") →
/// "1 département"; 0 and 2 take the plural.
/// A count and its noun; French takes the singular for 0 and 1 (« 0 département »).
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{} {}", number(n as f64, 0), if n <= 1 { singular } else { plural })
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `2025-11-20` → "20 novembre 2025" (1 → "1er").
/// French typography for running text: typographic apostrophes (’), a no-break space
/// before « : » and inside guillemets, a narrow no-break space before « ; », « ? », « ! ».
/// HTML's escaped apostrophes (`&#x27;`, `&#39;`, `&apos;`) count as apostrophes.
pub fn typo(s: &str) -> String {
    let s = s
        .replace("&#x27;", "\u{2019}")
        .replace("&#39;", "\u{2019}")
        .replace("&apos;", "\u{2019}")
        .replace('\'', "\u{2019}");
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        match (c, next) {
            // A space (or several) before : ; ? ! » becomes one no-break space.
            (' ', Some(':' | '»')) => out.push('\u{a0}'),
            (' ', Some(';' | '?' | '!')) => out.push('\u{202f}'),
            ('«', Some(' ')) => {
                out.push('«');
                out.push('\u{a0}');
            }
            (' ', _) if i > 0 && chars[i - 1] == '«' => {}
            _ => out.push(c),
        }
    }
    out
}

/// [`typo_markup`] for HTML, with ordinals set as an editor sets them: « 3<sup>e</sup>
/// édition », « 1<sup>er</sup> » (not in `<title>`, which holds no markup, nor in an inline
/// SVG, whose text [`publish_svg`] has set).
pub fn typo_html(doc: &str) -> String {
    map_text(&typo_markup(doc), &["script", "style", "title", "svg"], raise_ordinals, no_ordinal)
}

/// Applies `f` to the text of an HTML or SVG document: tags (with their attributes) and
/// the content of the `raw` elements are copied as they are. Nothing is allocated per tag
/// (the 1,256 EPCI pages made this a tenth of the edition's time).
fn map_text(doc: &str, raw: &[&str], f: fn(&str) -> String, unchanged: fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(doc.len() + doc.len() / 64);
    let mut rest = doc;
    let text = |t: &str, out: &mut String| {
        if unchanged(t) {
            out.push_str(t);
        } else {
            out.push_str(&f(t));
        }
    };
    while !rest.is_empty() {
        match rest.find('<') {
            Some(0) => {
                let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                let tag = &rest[..end];
                out.push_str(tag);
                rest = &rest[end..];
                let opens = |name: &str| {
                    let t = tag.as_bytes();
                    t.len() > name.len() && t[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
                };
                if let Some(name) = raw.iter().find(|r| opens(r)) {
                    let stop = find_closing(rest, name).unwrap_or(rest.len());
                    out.push_str(&rest[..stop]);
                    rest = &rest[stop..];
                }
            }
            Some(i) => {
                text(&rest[..i], &mut out);
                rest = &rest[i..];
            }
            None => {
                text(rest, &mut out);
                rest = "";
            }
        }
    }
    out
}

/// Byte offset of the first `</name` in `s`, ASCII case ignored.
fn find_closing(s: &str, name: &str) -> Option<usize> {
    let (b, n) = (s.as_bytes(), name.as_bytes());
    let mut from = 0;
    while let Some(i) = s[from..].find("</") {
        let at = from + i;
        let end = at + 2 + n.len();
        if end <= b.len() && b[at + 2..end].eq_ignore_ascii_case(n) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// Text that [`typo`] leaves as it is: no apostrophe, no entity, no guillemet, no space
/// before a colon, semicolon, question or exclamation mark.
fn typo_unchanged(s: &str) -> bool {
    let b = s.as_bytes();
    !b.iter().enumerate().any(|(i, &c)| match c {
        b'\'' | b'&' => true,
        // « and » are U+00AB and U+00BB: C2 AB, C2 BB in UTF-8.
        0xC2 => matches!(b.get(i + 1), Some(0xAB)),
        b' ' => {
            matches!(b.get(i + 1), Some(b':' | b';' | b'?' | b'!'))
                || (b.get(i + 1) == Some(&0xC2) && b.get(i + 2) == Some(&0xBB))
        }
        _ => false,
    })
}

/// Text without a digit followed by « e » holds no ordinal for [`raise_ordinals`].
fn no_ordinal(s: &str) -> bool {
    !s.as_bytes().windows(2).any(|w| w[0].is_ascii_digit() && w[1] == b'e')
}

/// « 3e » → « 3<sup>e</sup> », « 1er » → « 1<sup>er</sup> » (whole words only).
fn raise_ordinals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        if starts_word && chars[i].is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let suffix = if chars.get(j) == Some(&'e') && chars.get(j + 1) == Some(&'r') {
                2
            } else if chars.get(j) == Some(&'e') {
                1
            } else {
                0
            };
            let after = chars.get(j + suffix);
            if suffix > 0 && after.is_none_or(|c| !c.is_alphanumeric()) {
                out.extend(&chars[i..j]);
                out.push_str("<sup>");
                out.extend(&chars[j..j + suffix]);
                out.push_str("</sup>");
                i = j + suffix;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// An SVG figure ready to publish: French typography in its text ([`typo_markup`]) and a
/// sans-serif fallback after Inter, for browsers showing it as an image (where the page's
/// web fonts do not apply).
pub fn publish_svg(svg: &str) -> String {
    typo_markup(&svg.replace("font-family=\"Inter\"", "font-family=\"Inter, Helvetica, Arial, sans-serif\""))
}

/// [`typo`] on the text of an HTML or SVG document: tags, attributes, scripts and styles
/// are left as they are.
pub fn typo_markup(doc: &str) -> String {
    map_text(doc, &["script", "style"], typo, typo_unchanged)
}

pub fn date_fr(year: i32, month: u32, day: u32) -> String {
    let m = MONTHS.get(month.saturating_sub(1) as usize).copied().unwrap_or("?");
    let d = if day == 1 { "1er".to_string() } else { day.to_string() };
    format!("{d} {m} {year}")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant).
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// « a », « a et b », « a, b et c ».
pub fn list_fr(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

/// « a », « a ou b », « a, b ou c ».
pub fn list_fr_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} ou {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast paths of `map_text` change nothing: text they pass through unchanged is
    /// text `typo` and `raise_ordinals` would have left alone, and raw elements are found
    /// whatever their case.
    #[test]
    fn typography_fast_paths_agree_with_the_full_rules() {
        for t in [
            "Paris",
            " ",
            "a : b",
            "a ; b",
            "a?",
            "a ?",
            "« x »",
            "x »",
            "l'Ain",
            "l&#39;Ain",
            "5 %",
            "3e",
            "1er",
            "12 e",
            "3 200 habitants",
            "x2 ex",
            "x\u{a0}: y",
            "«x",
            "a !",
            "ab;c",
            "Côte-d'Or",
            "été ",
            "",
        ] {
            if typo_unchanged(t) {
                assert_eq!(typo(t), t, "{t:?}");
            }
            if no_ordinal(t) {
                assert_eq!(raise_ordinals(t), t, "{t:?}");
            }
        }
        assert!(!typo_unchanged("a : b") && !typo_unchanged("« x") && !typo_unchanged("l'Ain"));
        assert!(!no_ordinal("3e") && !no_ordinal("le 21e siècle") && !no_ordinal("1er") && no_ordinal("12 e"));
        assert_eq!(
            typo_html("<p>l'Ain : 3e</p><SCRIPT>a : 'b' 3e</Script><p>1er ; x</p>"),
            "<p>l\u{2019}Ain\u{a0}: 3<sup>e</sup></p><SCRIPT>a : 'b' 3e</Script><p>1<sup>er</sup>\u{202f}; x</p>"
        );
        assert_eq!(find_closing("a</b></SVG>", "svg"), Some(5));
        assert_eq!(find_closing("a</b>", "svg"), None);
    }

    #[test]
    fn formats_french_numbers() {
        assert_eq!(number(100_019.0, 0), "100\u{202f}019");
        assert_eq!(number(145.6, 0), "146");
        assert_eq!(number(1.26, 1), "1,3");
        assert_eq!(number(-0.04, 1), "0,0");
        assert_eq!(signed(520.0, 0), "+520");
        assert_eq!(signed(-4.2, 0), "\u{2212}4");
        assert_eq!(signed_pct(-1.3, 1), "\u{2212}1,3\u{202f}%");
        assert_eq!(pct(39.0, 0), "39\u{202f}%");
        assert_eq!(number(1_234_567.891, 2), "1\u{202f}234\u{202f}567,89");
        assert_eq!(share_pct(1_000.0 / 30_000_000.0 * 100.0), "0,0033\u{202f}%");
        assert_eq!(share_pct(0.25), "0,25\u{202f}%");
        assert_eq!(share_pct(12.345), "12\u{202f}%");
        assert_eq!(ordinal(1), "1er");
        assert_eq!(ordinal(2), "2e");
        assert_eq!(count(1, "point", "points"), "1 point");
        assert_eq!(
            typo("L'accès : « stable » ; hausse ? oui !"),
            "L\u{2019}accès\u{a0}: «\u{a0}stable\u{a0}»\u{202f}; hausse\u{202f}? oui\u{202f}!"
        );
        assert_eq!(
            typo_html("<title>3e édition</title><p>3e édition, 1er sur 101, 2e–5e, 12 e, 3eme</p>"),
            "<title>3e édition</title><p>3<sup>e</sup> édition, 1<sup>er</sup> sur 101, 2<sup>e</sup>–5<sup>e</sup>, 12 e, 3eme</p>"
        );
        assert_eq!(
            typo_markup("<p class='x'>l&#x27;Ain : <a href=\"a:b\">d'Eure</a></p><script>a = 'b' ;</script>"),
            "<p class='x'>l\u{2019}Ain\u{a0}: <a href=\"a:b\">d\u{2019}Eure</a></p><script>a = 'b' ;</script>"
        );
        assert_eq!(count(0, "département", "départements"), "0 département");
        assert_eq!(count(2, "département", "départements"), "2 départements");
    }

    #[test]
    fn formats_french_dates() {
        assert_eq!(date_fr(2025, 11, 20), "20 novembre 2025");
        assert_eq!(date_fr(2025, 12, 1), "1er décembre 2025");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_412), (2025, 11, 20));
    }
}
