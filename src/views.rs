//! Per-département views of the report model: the lines of a département (value,
//! comparison, change, rank, région, France) and the same lines formatted in French.
//! Shared by the fiches (HTML and PDF) and `barometre compare`.

use serde::Serialize;

use crate::fmt;
use crate::model::{IndicatorResult, LevelName};

#[derive(Debug, Serialize)]
pub struct Line {
    pub indicateur: String,
    pub unite: String,
    pub annee: i32,
    pub valeur: Option<f64>,
    pub annee_comparaison: i32,
    pub valeur_comparaison: Option<f64>,
    /// The baseline year and its value.
    pub annee_base: i32,
    pub valeur_base: Option<f64>,
    pub evolution: Option<f64>,
    pub significativite: String,
    pub rang: Option<u32>,
    /// 95 % interval of the rank.
    pub rang_min: Option<u32>,
    pub rang_max: Option<u32>,
    pub region: Option<f64>,
    pub france: Option<f64>,
    /// Decimals shown for this indicator.
    pub decimales: u8,
    /// Whether the département's values are real published figures: « réel »,
    /// « synthétique » (demo data) or « en partie réel » (some years only); the same for
    /// France's value of the edition year.
    pub nature: String,
    pub nature_france: String,
    /// Which of the value, comparison, baseline and France values are real.
    pub reels: [bool; 4],
}

pub fn lines(indicators: &[IndicatorResult], code: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for ind in indicators.iter().filter(|i| i.presentation.fiche) {
        let Some(r) = ind.departements().find(|r| r.code == code) else { continue };
        let region =
            r.region.as_ref().and_then(|c| ind.rows.iter().find(|x| x.level == LevelName::Region && &x.code == c));
        out.push(Line {
            indicateur: ind.title.clone(),
            unite: ind.unit.clone(),
            annee: ind.years[0],
            valeur: r.cur.as_ref().map(|v| v.value),
            annee_comparaison: ind.years[1],
            valeur_comparaison: r.prev.as_ref().map(|v| v.value),
            annee_base: ind.years[2],
            valeur_base: r.base.as_ref().map(|v| v.value),
            evolution: r.delta_prev_abs,
            significativite: r.change_prev.clone().or_else(|| r.withheld.clone()).unwrap_or_default(),
            rang: r.rank,
            rang_min: r.rank_low,
            rang_max: r.rank_high,
            region: region.and_then(|x| x.cur.as_ref()).map(|v| v.value),
            france: ind.france().and_then(|x| x.cur.as_ref()).map(|v| v.value),
            decimales: ind.decimals,
            nature: {
                let values = [&r.cur, &r.prev, &r.base];
                let known: Vec<bool> = (0..3).filter(|&k| values[k].is_some()).map(|k| r.real[k].is_some()).collect();
                if known.is_empty() {
                    "sans valeur".into()
                } else if known.iter().all(|x| *x) {
                    "réel".into()
                } else if known.iter().any(|x| *x) {
                    "en partie réel".into()
                } else {
                    "synthétique".into()
                }
            },
            nature_france: ind.france().map_or("", |f| f.nature(0)).to_string(),
            reels: [
                r.cur.is_some() && r.real[0].is_some(),
                r.prev.is_some() && r.real[1].is_some(),
                r.base.is_some() && r.real[2].is_some(),
                ind.france().is_some_and(|f| f.cur.is_some() && f.real[0].is_some()),
            ],
        });
    }
    out
}

/// A line formatted for display (terminal, fiche PDF): French numbers, percentages,
/// changes with one more decimal for rates.
#[derive(Debug, Serialize)]
pub struct Cells {
    pub titre: String,
    pub unite: String,
    pub label: String,
    pub annee: i32,
    pub valeur: String,
    pub annee_comparaison: i32,
    pub comparaison: String,
    pub annee_base: i32,
    pub base: String,
    pub evolution: String,
    pub significativite: String,
    /// « 12e » (1 = best access by the indicator's polarity), « 1er ».
    pub rang: String,
    /// « entre le 5e et le 20e avec 95 % de confiance » (95 % interval of the rank), or empty.
    pub rang_intervalle: String,
    /// The same, short: « 5e–20e ».
    pub rang_ic: String,
    pub region: String,
    pub france: String,
    /// « réel », « synthétique », « en partie réel », with France's when it differs
    /// (« synthétique ; France : réel »).
    pub nature: String,
    /// Which of the value, comparison, baseline and France values are real.
    pub reels: [bool; 4],
}

pub fn cells(ind: &IndicatorResult, l: &Line) -> Cells {
    let v = |x: Option<f64>| match x {
        Some(x) if ind.percent => fmt::pct(x, ind.decimals as usize),
        Some(x) => fmt::number(x, ind.decimals as usize),
        None => "n.d.".into(),
    };
    let d = ind.change_decimals();
    Cells {
        titre: ind.title.clone(),
        unite: ind.unit.clone(),
        label: ind.short_label.clone(),
        annee: l.annee,
        valeur: v(l.valeur),
        annee_comparaison: l.annee_comparaison,
        comparaison: v(l.valeur_comparaison),
        annee_base: l.annee_base,
        base: v(l.valeur_base),
        evolution: l
            .evolution
            .map(|e| {
                if ind.percent {
                    let s = fmt::signed(e, d);
                    // French: singular below two (« 1,5 point », « 2 points »).
                    let p = 10f64.powi(d as i32);
                    format!("{s} {}", if (e.abs() * p).round() / p < 2.0 { "point" } else { "points" })
                } else {
                    fmt::signed(e, d)
                }
            })
            .unwrap_or_else(|| "—".into()),
        significativite: l.significativite.clone(),
        rang: l.rang.map(fmt::ordinal).unwrap_or_default(),
        rang_intervalle: match (l.rang_min, l.rang_max) {
            (Some(a), Some(b)) if a == b => "à ce rang avec 95 % de confiance".to_string(),
            (Some(a), Some(b)) => {
                format!("entre le {} et le {} avec 95 % de confiance", fmt::ordinal(a), fmt::ordinal(b))
            }
            _ => String::new(),
        },
        rang_ic: match (l.rang_min, l.rang_max) {
            (Some(a), Some(b)) => format!("{}\u{2013}{}", fmt::ordinal(a), fmt::ordinal(b)),
            _ => String::new(),
        },
        region: v(l.region),
        france: v(l.france),
        nature: if l.nature_france.is_empty() || l.nature_france == l.nature {
            l.nature.clone()
        } else {
            format!("{} ; France : {}", l.nature, l.nature_france)
        },
        reels: l.reels,
    }
}
