//! The static HTML site, rendered with minijinja (autoescaped) from the report model:
//! `index.html` (overview by theme, sortable table of départements), `methodologie.html`,
//! `telechargements.html`, all on `base.html`. No external resource: styles are inline,
//! charts are local files, the Inter font is shipped in `assets/`.

use anyhow::Result;
use minijinja::value::Serde;
use minijinja::{Environment, context};

use crate::fmt;

use super::{Files, RenderContext, Renderer, template};

pub(crate) static BASE: &str = include_str!("../../report-templates/base.html");
static INDEX: &str = include_str!("../../report-templates/index.html");
static METHODOLOGIE: &str = include_str!("../../report-templates/methodologie.html");
static TELECHARGEMENTS: &str = include_str!("../../report-templates/telechargements.html");
static FIGURE: &str = include_str!("../../report-templates/figure.html");

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
            ("figure.html", FIGURE),
        ] {
            let (name, source) = template(cx.templates, file, embedded)?;
            env.add_template_owned(file.to_string(), source).map_err(|e| describe(&name, e))?;
        }
        let departements = departements();
        // Every figure inline (its text set in the page's font, a title on every
        // département of a map, each linked to its fiche), from the index and from its
        // own page one level down.
        let mut inline = std::collections::BTreeMap::new();
        let mut inline_sub = std::collections::BTreeMap::new();
        for c in &cx.figures.charts {
            let svg = cx.figures.svg(&c.svg)?;
            inline.insert(c.id.clone(), web_svg(svg, &c.alt, c.kind == "carte", ""));
            inline_sub.insert(c.id.clone(), web_svg(svg, &c.alt, c.kind == "carte", "../"));
        }
        for (file, page) in PAGES {
            let tmpl = env.get_template(file).map_err(|e| describe(file, e))?;
            let html = tmpl
                .render(context! {
                    m => Serde(cx.published()),
                    root => "",
                    page => page,
                    departements => departements.clone(),
                    neighbours_method => crate::similar::VARIABLES,
                    inline => inline.clone(),
                })
                .map_err(|e| describe(file, e))?;
            out.push((file.to_string(), crate::fmt::typo_html(&html).into_bytes()));
        }
        // A page per figure: the figure, its data as a table, its files and the snippet
        // to embed it.
        let tmpl = env.get_template("figure.html").map_err(|e| describe("figure.html", e))?;
        for c in &cx.figures.charts {
            let csv = cx.figures.file(&c.csv).unwrap_or_default();
            let mut reader = csv::Reader::from_reader(csv);
            let header: Vec<String> =
                reader.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
            let rows: Vec<Vec<String>> =
                reader.records().filter_map(|r| r.ok()).map(|r| r.iter().map(str::to_string).collect()).collect();
            let html = tmpl
                .render(context! {
                    m => Serde(cx.published()),
                    root => "../",
                    page => "figure",
                    departements => departements.clone(),
                    c => Serde(c),
                    svg => inline_sub.get(&c.id).cloned().unwrap_or_default(),
                    header => header,
                    rows => rows,
                })
                .map_err(|e| describe("figure.html", e))?;
            out.push((format!("figures/{}.html", c.id), crate::fmt::typo_html(&html).into_bytes()));
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

/// Code and name of every département, for the picker of every page.
pub(crate) fn departements() -> Vec<minijinja::Value> {
    crate::geo::Geography::get()
        .departements
        .iter()
        .map(|d| context! { code => d.code.clone(), name => d.name.clone() })
        .collect()
}

/// An SVG figure ready to sit inline in a page: named for screen readers, scaled to its
/// box; on a map, every département linked to its fiche (`root` leads to the edition).
pub(crate) fn web_svg(svg: &str, alt: &str, map: bool, root: &str) -> String {
    let role = if map { "group" } else { "img" };
    let alt = alt.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    let mut out = svg.replacen("<svg ", &format!("<svg class=\"figure\" role=\"{role}\" aria-label=\"{alt}\" "), 1);
    if map {
        let mut linked = String::with_capacity(out.len() + 20_000);
        let mut rest = out.as_str();
        while let Some(i) = rest.find("<polygon data-code=\"") {
            let Some(end) = rest[i..].find("</polygon>").map(|e| e + i + "</polygon>".len()) else { break };
            let code: String = rest[i + 20..].chars().take_while(|c| *c != '"').collect();
            let title = rest[i..end]
                .split("<title>")
                .nth(1)
                .and_then(|t| t.split("</title>").next())
                .unwrap_or("")
                .replace('"', "&quot;");
            linked.push_str(&rest[..i]);
            linked.push_str(&format!("<a href=\"{root}departements/{code}.html\" aria-label=\"{title}\">"));
            linked.push_str(&rest[i..end]);
            linked.push_str("</a>");
            rest = &rest[end..];
        }
        linked.push_str(rest);
        out = linked;
    }
    out
}

fn describe(name: &str, e: minijinja::Error) -> anyhow::Error {
    let line = e.line().map(|l| format!(", line {l}")).unwrap_or_default();
    anyhow::anyhow!("template `{name}`{line}: {e}")
}

/// The environment with the French number filters: `num(d)`, `signed(d)`, `pct(d)`.
/// Editorial blocks as HTML: consecutive list items in one list, text escaped.
fn blocks_html(v: &minijinja::Value) -> Result<String, minijinja::Error> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::new();
    let mut in_list = false;
    for b in v.try_iter()? {
        let kind = b.get_attr("kind")?.to_string();
        let mut text = String::new();
        for s in b.get_attr("spans")?.try_iter()? {
            let t = esc(&s.get_attr("text")?.to_string());
            let t = if s.get_attr("emph")?.is_true() { format!("<em>{t}</em>") } else { t };
            let t = if s.get_attr("strong")?.is_true() { format!("<strong>{t}</strong>") } else { t };
            text.push_str(&t);
        }
        if kind == "li" && !in_list {
            out.push_str("<ul>");
            in_list = true;
        } else if kind != "li" && in_list {
            out.push_str("</ul>");
            in_list = false;
        }
        match kind.as_str() {
            "li" => out.push_str(&format!("<li>{text}</li>")),
            "h" => out.push_str(&format!("<h3>{text}</h3>")),
            _ => out.push_str(&format!("<p>{text}</p>")),
        }
    }
    if in_list {
        out.push_str("</ul>");
    }
    Ok(out)
}

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
    // For a search: without accents, case or punctuation, words separated by one space.
    env.add_filter("fold", |s: &str| {
        let f = crate::formats::fold(s);
        f.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
    });
    env.add_filter("epci_de", |s: &str| fmt::epci_de(s));
    // Editorial blocks (paragraphs, headings, list items of styled spans) as HTML.
    env.add_filter("blocks", |v: minijinja::Value| -> Result<minijinja::Value, minijinja::Error> {
        Ok(minijinja::Value::from_safe_string(blocks_html(&v)?))
    });
    env
}
