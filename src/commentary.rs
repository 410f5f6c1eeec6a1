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
pub fn editorial(dir: Option<&Path>, id: &str, demo: bool) -> Result<(Vec<Block>, bool)> {
    if let Some(dir) = dir {
        let path = dir.join(format!("{id}.md"));
        if path.is_file() {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", path.display()))?;
            return Ok((markdown(&text), false));
        }
    }
    if demo && let Some(text) = demo_editorial(id) {
        return Ok((markdown(text), false));
    }
    Ok((markdown(embedded_editorial(id)), true))
}

/// The demo edition's editorial texts (`fixtures/demo/editorial/`), each saying it is a
/// demonstration text: a demo build is complete without `--draft`.
fn demo_editorial(id: &str) -> Option<&'static str> {
    Some(match id {
        "introduction" => include_str!("../fixtures/demo/editorial/introduction.md"),
        "demographie" => include_str!("../fixtures/demo/editorial/demographie.md"),
        "pdsa" => include_str!("../fixtures/demo/editorial/pdsa.md"),
        "sas" => include_str!("../fixtures/demo/editorial/sas.md"),
        "renoncement" => include_str!("../fixtures/demo/editorial/renoncement.md"),
        "zones-rouges" => include_str!("../fixtures/demo/editorial/zones-rouges.md"),
        "sans-medecin-traitant" => include_str!("../fixtures/demo/editorial/sans-medecin-traitant.md"),
        _ => return None,
    })
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
    let amount = if ind.percent {
        let d1 = ind.change_decimals();
        let p = 10f64.powi(d1 as i32);
        // French: singular below two (« 1,5 point »).
        let unit = if (d.abs() * p).round() / p < 2.0 { "point" } else { "points" };
        format!("{} {unit}", fmt::signed(d, d1))
    } else {
        fmt::signed(d, ind.change_decimals())
    };
    let label = match r.change_prev.as_deref() {
        Some("hausse") => ", une hausse au-delà du seuil de pertinence",
        Some("baisse") => ", une baisse au-delà du seuil de pertinence",
        Some("stable") => ", une évolution stable (en deçà du seuil de pertinence)",
        Some(_) => ", une évolution incertaine",
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
        out.push(format!("Cela représente {} de l'{label}.", fmt::share_pct(p)));
    }
    let mut depts: Vec<&Row> = ind.departements().filter(|r| r.cur.is_some()).collect();
    // Extremes of counts only reflect the size of the départements: rates only.
    if depts.len() >= 3 && !ind.is_count {
        depts.sort_by(|a, b| {
            b.cur.as_ref().map(|v| v.value).unwrap_or(0.0).total_cmp(&a.cur.as_ref().map(|v| v.value).unwrap_or(0.0))
        });
        let v = |r: &Row| r.cur.as_ref().map(|x| value(ind, x.value)).unwrap_or_default();
        let (hi, lo) = (depts[0], depts[depts.len() - 1]);
        let geo = crate::geo::Geography::get();
        let de = |r: &Row| geo.departement(&r.code).map_or_else(|| format!("de {}", r.name), |d| d.de());
        // Values equal as published are ties: stated as such, no one named « the highest ».
        let end = |r: &Row, word: &str| {
            let tied = depts.iter().filter(|x| v(x) == v(r)).count();
            if tied > 1 {
                format!("la plus {word} ({}) est partagée par {tied} départements", v(r))
            } else {
                format!("la plus {word} est celle {} ({})", de(r), v(r))
            }
        };
        out.push(format!("Parmi les départements, la valeur {}, {}.", end(hi, "élevée"), end(lo, "faible")));
        let n = |l: &str| depts.iter().filter(|r| r.change_prev.as_deref() == Some(l)).count();
        if depts.iter().any(|r| r.change_prev.is_some()) {
            out.push(format!(
                "Depuis {} : {} en hausse, {} en baisse, {} stable{}, {} à l'évolution incertaine (règle de la méthodologie).",
                ind.years[1],
                fmt::count(n("hausse"), "département", "départements"),
                n("baisse"),
                n("stable"),
                if n("stable") > 1 { "s" } else { "" },
                n("évolution incertaine"),
            ));
        }
    }
    let flagged: Vec<String> = ind.departements().filter(|r| !r.flags.is_empty()).map(|r| r.name.clone()).collect();
    if !flagged.is_empty()
        && let Some(label) = ind.departements().find(|r| !r.flags.is_empty()).and_then(|r| r.flags.first())
    {
        out.push(format!(
            "{} {} {label} : {}.",
            fmt::count(flagged.len(), "département", "départements"),
            if flagged.len() > 1 { "comptent" } else { "compte" },
            flagged.join(", ")
        ));
    }
    let withheld = ind.rows.iter().filter(|r| r.level != LevelName::France && r.withheld.is_some()).count();
    if withheld > 0 {
        out.push(format!(
            "{} {} pas {}, faute d'un échantillon assez grand pour une estimation précise.",
            fmt::count(withheld, "estimation territoriale", "estimations territoriales"),
            if withheld > 1 { "ne sont" } else { "n'est" },
            if withheld > 1 { "publiées" } else { "publiée" }
        ));
    }
    out
}

/// Builds the themes from the indicators' declarations (theme, order, figures), in the
/// report's order: generated commentary, editorial text, figure ids.
pub fn themes(indicators: &[IndicatorResult], editorial_dir: Option<&Path>, demo: bool) -> Result<Vec<Theme>> {
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
        let (editorial, placeholder) = editorial(editorial_dir, id, demo)?;
        let figures = present
            .iter()
            .flat_map(|i| {
                i.presentation.figures.iter().filter(|k| **k != FigureKind::Positions).map(|k| i.figure_id(*k))
            })
            .collect();
        // A map is printed when at least half of the départements have a value: a survey
        // published by région only (most départements withheld) is shown by région, its
        // mostly blank map stays on the site.
        let mapped = |i: &IndicatorResult| {
            let n = i.departements().count();
            2 * i.departements().filter(|r| r.cur.is_some()).count() >= n
        };
        let print_figures = present
            .iter()
            .flat_map(|i| {
                i.presentation
                    .figures
                    .iter()
                    .filter(|k| k.in_print() && (**k != FigureKind::Carte || mapped(i)))
                    .map(|k| i.figure_id(*k))
            })
            .collect();
        out.push(Theme {
            id: id.to_string(),
            title: title.to_string(),
            commentary,
            editorial,
            editorial_placeholder: placeholder,
            figures,
            print_figures,
            indicators: present.iter().map(|i| i.id.clone()).collect(),
        });
    }
    Ok(out)
}

/// The statistical principles of the edition, in French, shared by the PDF's and the
/// site's methodology: aggregation, intervals, the rule that labels a change (with each
/// indicator's model and threshold), how many labels chance alone would give, ranks and
/// their uncertainty, suppression and estimates.
pub fn method_notes(indicators: &[IndicatorResult]) -> Vec<String> {
    let mut out = vec![
        "Les valeurs régionales et nationales sont des rapports de sommes sur les départements (somme des numérateurs divisée par la somme des dénominateurs), jamais des moyennes de taux départementaux. La valeur d'une année porte sur tous les départements qui en ont une ; l'évolution d'une région ou de la France est calculée sur les seuls départements présents les deux années comparées, pour ne pas confondre un changement de périmètre avec une évolution (les tables téléchargeables indiquent combien de départements entrent dans chaque somme).".to_string(),
        "Chaque valeur est publiée avec un intervalle de confiance à 95 % adapté à sa nature : loi de Poisson exacte (Garwood) pour les effectifs et les taux rapportés à une population, intervalle de Wilson pour les parts d'une population, intervalle de Wilson sur la taille d'échantillon effective de Kish pour les enquêtes pondérées. Les valeurs de SAS réparties entre plusieurs départements au prorata de leur population sont des estimations : elles sont publiées sans intervalle et ne sont pas classées.".to_string(),
        "Une évolution est qualifiée en comparant l'intervalle de confiance à 95 % de l'évolution à un seuil de pertinence fixé pour chaque indicateur : « hausse » si l'intervalle est entièrement au-dessus du seuil, « baisse » s'il est entièrement en dessous de son opposé, « stable » s'il est entièrement compris entre les deux, « évolution incertaine » sinon. Une évolution n'est donc jamais dite stable parce qu'un test échoue faute de données, ni qualifiée de hausse quand elle est réelle mais négligeable.".to_string(),
    ];
    let mut models = Vec::new();
    for ind in indicators {
        let (Some(model), Some(t)) = (ind.change_model.as_deref(), ind.change_threshold) else { continue };
        let t = fmt::number(t, if t.fract() == 0.0 { 0 } else { 1 });
        let how = match model {
            "trend" => {
                let phi = ind.dispersion.map(|d| {
                    format!(
                        " ; facteur de dispersion φ = {} (statistique de Pearson {} pour {} degrés de liberté, {} départements, {}-{})",
                        fmt::number(d.phi, 3),
                        fmt::number(d.pearson, 1),
                        d.df,
                        d.departements,
                        d.from,
                        d.to
                    )
                });
                format!(
                    "tendance log-linéaire sur toutes les années disponibles de la période, modèle quasi-Poisson dont la dispersion est estimée sur l'ensemble des départements{} ; seuil ±{t}\u{202f}% d'évolution relative",
                    phi.unwrap_or_default()
                )
            }
            "binomial" => format!(
                "différence de deux proportions, intervalle de Newcombe (score hybride), p-valeur du test z à variance poolée ; seuil ±{t} point{}",
                if t.parse::<f64>().unwrap_or(2.0) < 2.0 { "" } else { "s" }
            ),
            _ => format!(
                "différence de deux proportions pondérées d'échantillons indépendants, intervalle de Wald et test z à variances séparées calculés sur les tailles d'échantillon effectives de Kish (effet de plan des poids) ; seuil ±{t} points"
            ),
        };
        models.push(format!("{} : {how}", ind.title));
    }
    if !models.is_empty() {
        out.push(format!("Modèle et seuil de chaque indicateur qualifié — {}.", models.join(" ; ")));
    }
    out.push("Les effectifs et densités de médecins sont des recensements : leur variation d'une année à l'autre n'est pas une erreur d'échantillonnage, et un test de Poisson entre deux années seulement est presque sans puissance. La tendance utilise toutes les années de la période, et sa variance est celle que les départements montrent réellement autour de leur propre tendance (surdispersion quasi-Poisson, comme le font les observatoires régionaux de santé). Les parts d'une population (patients sans médecin traitant parmi les habitants, généralistes volontaires parmi les généralistes concernés par la permanence des soins) sont traitées comme des proportions binomiales : l'enquête de l'Ordre sur la permanence des soins n'offre que deux années comparables, trop peu pour estimer une tendance et sa dispersion. Avec des effectifs de l'ordre du million, l'intervalle est très étroit et c'est le seuil de pertinence qui décide.".to_string());
    out.push("Combien de qualifications le hasard seul produirait-il ? Pour un département dont la valeur n'a pas réellement changé, l'intervalle à 95 % est entièrement au-dessus de zéro, ou entièrement en dessous, dans 2,5 % des cas de chaque côté, et moins souvent encore au-delà d'un seuil positif : sur 101 départements, on attend donc au plus environ 5 « hausse » ou « baisse » dues au seul hasard (101 × 5 %).".to_string());
    out.push("Rang : 1er = meilleur accès selon le sens de l'indicateur (la densité la plus élevée, la part de patients sans médecin traitant la plus faible) ; les ex aequo partagent le meilleur rang. Les effectifs (nombre de médecins, de zones rouges…) mesurent la taille d'un département, pas l'accès : ils ne sont ni classés, ni répartis en quintiles, ni comparés à la France. L'intervalle à 95 % du rang est obtenu par simulation : chaque valeur est tirée 1 000 fois selon sa loi d'échantillonnage (Poisson, binomiale, ou normale sur la taille effective pour une enquête), les départements sont classés à chaque tirage, et l'intervalle va du 25e au 975e rang obtenu ; le générateur est initialisé à partir de l'identifiant de l'indicateur, de sorte que les mêmes données donnent les mêmes intervalles.".to_string());
    out.push("Les graphiques en entonnoir placent chaque département selon sa valeur et sa taille (population, ou taille d'échantillon effective pour l'enquête), avec les limites à 95 % et 99,8 % autour de la valeur de la France : un département hors de l'entonnoir s'en écarte plus que le hasard ne l'expliquerait.".to_string());
    for ind in indicators {
        if let Some(s) = &ind.suppression {
            out.push(format!("{} : {s}.", ind.title));
        }
    }
    out
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
