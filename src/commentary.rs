//! The report's themes and their generated commentary: short sentences built from the
//! data (extremes, direction of change, significance), kept apart from the analyst's
//! editorial text (Markdown, parsed into plain blocks here, never into markup).

use std::path::Path;

use anyhow::{Context, Result};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::fmt;
use crate::model::{Block, FigureKind, IndicatorResult, LevelName, Row, Span, Theme};

fn embedded_editorial(id: &str) -> &'static str {
    match id {
        "introduction" => include_str!("../report-templates/editorial/introduction.md"),
        "demographie" => include_str!("../report-templates/editorial/demographie.md"),
        "pdsa" => include_str!("../report-templates/editorial/pdsa.md"),
        "sas" => include_str!("../report-templates/editorial/sas.md"),
        "renoncement" => include_str!("../report-templates/editorial/renoncement.md"),
        "zones-rouges" => include_str!("../report-templates/editorial/zones-rouges.md"),
        "sans-medecin-traitant" => include_str!("../report-templates/editorial/sans-medecin-traitant.md"),
        _ => include_str!("../report-templates/editorial/theme.md"),
    }
}

/// The editorial text of a theme: `DIR/<id>.md` when given and present, else the
/// placeholder. Returns the blocks and whether they are the placeholder.
pub fn editorial(dir: Option<&Path>, id: &str) -> Result<(Vec<Block>, bool)> {
    if let Some(dir) = dir {
        let path = dir.join(format!("{id}.md"));
        if path.is_file() {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
            return Ok((markdown(&text), false));
        }
    }
    Ok((markdown(embedded_editorial(id)), true))
}

/// Markdown to plain blocks of styled spans (paragraphs, headings, list items); links
/// keep their text, anything else (HTML, images, code) is kept as plain text.
pub fn markdown(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut cur: Option<Block> = None;
    let (mut strong, mut emph) = (0, 0);
    let push_text = |cur: &mut Option<Block>, t: &str, strong: bool, emph: bool| {
        let b = cur.get_or_insert_with(|| Block { kind: "p".into(), spans: Vec::new() });
        match b.spans.last_mut() {
            Some(s) if s.strong == strong && s.emph == emph => s.text.push_str(t),
            _ => b.spans.push(Span { text: t.to_string(), strong, emph }),
        }
    };
    for ev in Parser::new(text) {
        match ev {
            Event::Start(Tag::Paragraph) if cur.as_ref().is_none_or(|b| b.kind != "li") => {
                cur = Some(Block { kind: "p".into(), spans: Vec::new() });
            }
            Event::Start(Tag::Heading { .. }) => cur = Some(Block { kind: "h".into(), spans: Vec::new() }),
            Event::Start(Tag::Item) => cur = Some(Block { kind: "li".into(), spans: Vec::new() }),
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Heading(_)) | Event::End(TagEnd::Item) => {
                if let Some(b) = cur.take().filter(|b| !b.spans.is_empty()) {
                    blocks.push(b);
                }
            }
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong -= 1,
            Event::Start(Tag::Emphasis) => emph += 1,
            Event::End(TagEnd::Emphasis) => emph -= 1,
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push_text(&mut cur, &t, strong > 0, emph > 0)
            }
            Event::SoftBreak | Event::HardBreak => push_text(&mut cur, " ", strong > 0, emph > 0),
            _ => {}
        }
    }
    if let Some(b) = cur.filter(|b| !b.spans.is_empty()) {
        blocks.push(b);
    }
    blocks
}

fn value(ind: &IndicatorResult, v: f64) -> String {
    let d = ind.decimals as usize;
    if ind.percent { fmt::pct(v, d) } else { format!("{} {}", fmt::number(v, d), ind.unit) }
}

fn change(ind: &IndicatorResult, r: &Row) -> Option<String> {
    let d = r.delta_prev_abs?;
    let dd = ind.decimals as usize;
    let amount = if ind.percent {
        format!("{} point(s)", fmt::signed(d, dd.max(1)))
    } else {
        fmt::signed(d, dd + usize::from(!ind.is_count))
    };
    let label = match r.change_prev.as_deref() {
        Some("hausse significative") => ", une hausse statistiquement significative",
        Some("baisse significative") => ", une baisse statistiquement significative",
        Some(_) => ", une évolution non significative (stable)",
        None => "",
    };
    Some(format!("{amount} par rapport à {}{label}", ind.years[1]))
}

/// "La France compte … ; le plus élevé : … ; le plus faible : …".
fn sentences(ind: &IndicatorResult) -> Vec<String> {
    let mut out = Vec::new();
    let Some(fr) = ind.france() else { return out };
    if let Some(v) = &fr.cur {
        let mut s = format!("{} : {} en France en {}", ind.title, value(ind, v.value), ind.years[0]);
        if let Some(c) = change(ind, fr) {
            s.push_str(&format!(" ({c})"));
        }
        if let (Some(lo), Some(hi)) = (v.ci_low, v.ci_high)
            && ind.test == "survey"
        {
            s.push_str(&format!(", intervalle de confiance à 95 % de {} à {}", fmt::number(lo, 1), fmt::number(hi, 1)));
        }
        s.push('.');
        out.push(s);
    }
    if let Some(p) = fr.objective_pct
        && let Some(label) = &ind.objective
    {
        out.push(format!("Cela représente {} de l'{label}.", fmt::pct(p, 2)));
    }
    let mut depts: Vec<&Row> = ind.departements().filter(|r| r.cur.is_some()).collect();
    // Extremes of counts only reflect the size of the départements: rates only.
    if depts.len() >= 3 && !ind.is_count {
        depts.sort_by(|a, b| {
            b.cur.as_ref().map(|v| v.value).unwrap_or(0.0).total_cmp(&a.cur.as_ref().map(|v| v.value).unwrap_or(0.0))
        });
        let v = |r: &Row| r.cur.as_ref().map(|x| value(ind, x.value)).unwrap_or_default();
        let (hi, lo) = (depts[0], depts[depts.len() - 1]);
        out.push(format!(
            "Parmi les départements, la valeur la plus élevée est celle de {} ({}), la plus faible celle de {} ({}).",
            hi.name,
            v(hi),
            lo.name,
            v(lo)
        ));
        let up = depts.iter().filter(|r| r.change_prev.as_deref() == Some("hausse significative")).count();
        let down = depts.iter().filter(|r| r.change_prev.as_deref() == Some("baisse significative")).count();
        if ind.test != "none" && depts.iter().any(|r| r.change_prev.is_some()) {
            out.push(format!(
                "Depuis {}, {up} département(s) connaissent une hausse significative et {down} une baisse significative ; les autres sont stables au sens du test statistique.",
                ind.years[1]
            ));
        }
    }
    let flagged: Vec<String> = ind.departements().filter(|r| !r.flags.is_empty()).map(|r| r.name.clone()).collect();
    if !flagged.is_empty()
        && let Some(label) = ind.departements().find(|r| !r.flags.is_empty()).and_then(|r| r.flags.first())
    {
        out.push(format!("{} département(s) comptent {label} : {}.", flagged.len(), flagged.join(", ")));
    }
    let withheld = ind.rows.iter().filter(|r| r.level != LevelName::France && r.withheld.is_some()).count();
    if withheld > 0 {
        out.push(format!(
            "{withheld} estimation(s) territoriale(s) ne sont pas publiées, faute d'un nombre suffisant de répondants."
        ));
    }
    out
}

/// Builds the themes from the indicators' declarations (theme, order, figures), in the
/// report's order: generated commentary, editorial text, figure ids.
pub fn themes(indicators: &[IndicatorResult], editorial_dir: Option<&Path>) -> Result<Vec<Theme>> {
    let mut order: Vec<(u32, &str, &str)> = Vec::new();
    for ind in indicators {
        let p = &ind.presentation;
        if !order.iter().any(|(_, id, _)| *id == p.theme) {
            order.push((p.theme_order, &p.theme, &p.theme_title));
        }
    }
    order.sort();
    let mut out = Vec::new();
    for (_, id, title) in order {
        let mut present: Vec<&IndicatorResult> = indicators.iter().filter(|i| i.presentation.theme == id).collect();
        present.sort_by_key(|i| (i.presentation.order, i.id.clone()));
        let mut commentary = Vec::new();
        for ind in &present {
            commentary.extend(sentences(ind));
        }
        let (editorial, placeholder) = editorial(editorial_dir, id)?;
        let figures = present
            .iter()
            .flat_map(|i| {
                i.presentation.figures.iter().filter(|k| **k != FigureKind::Positions).map(|k| i.figure_id(*k))
            })
            .collect();
        out.push(Theme {
            id: id.to_string(),
            title: title.to_string(),
            commentary,
            editorial,
            editorial_placeholder: placeholder,
            figures,
            indicators: present.iter().map(|i| i.id.clone()).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_styled_blocks() {
        let b = markdown("Un **texte** avec *accent* et `#import`.\n\n- un\n- deux <script>x</script>\n");
        assert_eq!(b[0].kind, "p");
        assert_eq!(b[0].spans[1], Span { text: "texte".into(), strong: true, emph: false });
        assert!(b[0].spans.iter().any(|s| s.text.contains("#import")));
        assert_eq!(b.iter().filter(|x| x.kind == "li").count(), 2);
    }
}
