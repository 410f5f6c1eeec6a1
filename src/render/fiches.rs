//! One page per département (`departements/<code>.html`): every indicator with its value,
//! its change since the comparison year and its significance, its rank, the région and
//! France beside it; its position chart; its zones rouges; similar départements.

use anyhow::{Context, Result};
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;

use crate::cmd::compare::{Line, lines};
use crate::geo::Geography;
use crate::model::{ReportModel, ZoneInfo};
use crate::similar::{Neighbour, VARIABLES};

use super::{RenderContext, Renderer, html::environment, template, write};

static FICHE: &str = include_str!("../../report-templates/fiche.html");

pub struct Fiches;

/// What a fiche shows.
#[derive(Debug, Serialize)]
pub struct Fiche<'a> {
    pub code: String,
    pub name: String,
    pub region_code: String,
    pub region: String,
    pub lines: Vec<Line>,
    pub zones: Vec<&'a ZoneInfo>,
    pub zones_population: u64,
    pub neighbours: Vec<(&'a Neighbour, Option<f64>)>,
    pub neighbours_method: &'static str,
    pub density: Option<f64>,
    pub position_chart: Option<String>,
}

pub fn fiche<'a>(m: &'a ReportModel, code: &str) -> Result<Fiche<'a>> {
    let geo = Geography::get();
    let d = geo.departement(code).context("unknown département")?;
    let density = |c: &str| {
        m.indicator("densite-generalistes")
            .and_then(|i| i.departements().find(|r| r.code == c))
            .and_then(|r| r.cur.as_ref())
            .map(|v| v.value)
    };
    let zones: Vec<&ZoneInfo> = m.zones.iter().filter(|z| z.dept == code).collect();
    let position = m
        .indicator("densite-generalistes")
        .map(|i| format!("../charts/positions/position-densite-generalistes-{code}-{}.svg", i.years[0]));
    Ok(Fiche {
        code: code.to_string(),
        name: d.name.clone(),
        region_code: d.region.clone(),
        region: geo.region(&d.region).map(|r| r.name.clone()).unwrap_or_default(),
        lines: lines(&m.indicators, code),
        zones_population: zones.iter().map(|z| z.population).sum(),
        zones,
        neighbours: m
            .neighbours
            .get(code)
            .map(|ns| ns.iter().map(|n| (n, density(&n.code))).collect())
            .unwrap_or_default(),
        neighbours_method: VARIABLES,
        density: density(code),
        position_chart: position,
    })
}

impl Renderer for Fiches {
    fn name(&self) -> &'static str {
        "fiches"
    }

    fn render(&self, cx: &RenderContext) -> Result<()> {
        let (name, source) = template(cx.templates, "fiche.html", FICHE)?;
        let env = environment();
        let tmpl = env.template_from_named_str(&name, &source).with_context(|| format!("invalid template `{name}`"))?;
        for d in &Geography::get().departements {
            let f = fiche(cx.model, &d.code)?;
            let html = tmpl.render(context! { m => Serde(cx.model), f => Serde(&f) }).map_err(|e| {
                anyhow::anyhow!("template `{name}`{}: {e}", e.line().map(|l| format!(", line {l}")).unwrap_or_default())
            })?;
            // The file name comes from the reference list, never from input files.
            write(cx.out, &format!("departements/{}.html", d.code), html.as_bytes())?;
        }
        Ok(())
    }
}
