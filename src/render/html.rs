//! The static HTML site, rendered with minijinja (autoescaped) from the report model:
//! `index.html` (overview by theme, sortable table of départements), `methodologie.html`,
//! `telechargements.html`, all on `base.html`. No external resource: styles are inline,
//! charts are local files, the Inter font is shipped in `assets/`.

use anyhow::Result;
use minijinja::value::Serde;
use minijinja::{Environment, context};

use crate::fmt;

use super::{Files, RenderContext, Renderer, template};

static BASE: &str = include_str!("../../report-templates/base.html");
static INDEX: &str = include_str!("../../report-templates/index.html");
static METHODOLOGIE: &str = include_str!("../../report-templates/methodologie.html");
static TELECHARGEMENTS: &str = include_str!("../../report-templates/telechargements.html");

/// The site's pages: template, output file.
const PAGES: [(&str, &str); 3] =
    [("index.html", "index"), ("methodologie.html", "methodologie"), ("telechargements.html", "telechargements")];

static INTER_LICENSE: &str = include_str!("../../report-templates/fonts/LICENSE-Inter.txt");

pub struct Html;

impl Renderer for Html {
    fn name(&self) -> &'static str {
        "HTML"
    }

    fn render(&self, cx: &RenderContext) -> Result<Files> {
        let mut out = Files::new();
        let mut env = environment();
        for (file, embedded) in [
            ("base.html", BASE),
            ("index.html", INDEX),
            ("methodologie.html", METHODOLOGIE),
            ("telechargements.html", TELECHARGEMENTS),
        ] {
            let (name, source) = template(cx.templates, file, embedded)?;
            env.add_template_owned(file.to_string(), source).map_err(|e| describe(&name, e))?;
        }
        let departements: Vec<_> = crate::geo::Geography::get()
            .departements
            .iter()
            .map(|d| context! { code => d.code.clone(), name => d.name.clone() })
            .collect();
        for (file, page) in PAGES {
            let tmpl = env.get_template(file).map_err(|e| describe(file, e))?;
            let html = tmpl
                .render(context! {
                    m => Serde(cx.published()),
                    root => "",
                    page => page,
                    departements => departements.clone(),
                    neighbours_method => crate::similar::VARIABLES,
                })
                .map_err(|e| describe(file, e))?;
            out.push((file.to_string(), crate::fmt::typo_html(&html).into_bytes()));
        }
        for (file, bytes) in
            [("Inter-Regular.otf", super::svg::INTER_REGULAR), ("Inter-Bold.otf", super::svg::INTER_BOLD)]
        {
            out.push((format!("assets/{file}"), bytes.to_vec()));
        }
        out.push(("assets/LICENSE-Inter.txt".into(), INTER_LICENSE.as_bytes().to_vec()));
        Ok(out)
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
    env.add_filter("ordinal", |x: Option<u32>| x.map(fmt::ordinal).unwrap_or_default());
    env.add_filter("pct", |x: Option<f64>, d: Option<usize>| {
        x.map(|x| fmt::signed_pct(x, d.unwrap_or(1))).unwrap_or_else(|| "n.d.".into())
    });
    env
}
