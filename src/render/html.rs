//! The static HTML site, rendered with minijinja (autoescaped) from the report model.
//! No external resource: styles are inline, charts are local files.

use anyhow::{Context, Result};
use minijinja::value::Serde;
use minijinja::{Environment, context};

use crate::fmt;

use super::{RenderContext, Renderer, template, write};

static INDEX: &str = include_str!("../../report-templates/index.html");

pub struct Html;

impl Renderer for Html {
    fn name(&self) -> &'static str {
        "HTML"
    }

    fn render(&self, cx: &RenderContext) -> Result<()> {
        let (name, source) = template(cx.templates, "index.html", INDEX)?;
        let env = environment();
        let tmpl = env.template_from_named_str(&name, &source).with_context(|| format!("invalid template `{name}`"))?;
        let html = tmpl.render(context! { m => Serde(cx.model) }).map_err(|e| describe(&name, e))?;
        write(cx.out, "index.html", html.as_bytes())
    }
}

fn describe(name: &str, e: minijinja::Error) -> anyhow::Error {
    let line = e.line().map(|l| format!(", line {l}")).unwrap_or_default();
    anyhow::anyhow!("template `{name}`{line}: {e}")
}

/// The environment with the French number filters: `num(d)`, `signed(d)`, `pct(d)`.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_filter("num", |x: Option<f64>, d: Option<usize>| {
        x.map(|x| fmt::number(x, d.unwrap_or(0))).unwrap_or_else(|| "n.d.".into())
    });
    env.add_filter("signed", |x: Option<f64>, d: Option<usize>| {
        x.map(|x| fmt::signed(x, d.unwrap_or(0))).unwrap_or_else(|| "n.d.".into())
    });
    env.add_filter("pct", |x: Option<f64>, d: Option<usize>| {
        x.map(|x| fmt::signed_pct(x, d.unwrap_or(1))).unwrap_or_else(|| "n.d.".into())
    });
    env
}
