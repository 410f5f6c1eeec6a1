//! The demo edition generator: a deterministic, seeded, synthetic dataset for every
//! source of the barometer, consistent with the published national figures.
//!
//! Owns the calibration targets (published figures of the 2025 edition). Real
//! populations come from the reference geography; everything else is generated.
//! Rerunning it gives byte-identical files (checked by a test).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::geo::{Geography, Zone};

pub const SEED: u64 = 20_251_120;

/// Published national GP counts (1 January), calibrated exactly.
/// 2022 is the sum of DREES's real counts by département; 2021 and 2024 are synthetic.
pub const GP_TOTALS: [(i32, u64); 6] =
    [(2020, 101_340), (2021, 100_640), (2022, 99_939), (2023, 99_499), (2024, 99_730), (2025, 100_019)];
/// Published densities per 100,000 in 2025 (and Mayotte in 2023).
pub const GP_DENSITY_2025: [(&str, f64); 7] =
    [("05", 288.0), ("75", 240.0), ("73", 211.0), ("28", 84.0), ("976", 39.0), ("93", 89.0), ("91", 96.0)];
pub const MAYOTTE_DENSITY_2023: f64 = 46.0;
pub const YEARS: std::ops::RangeInclusive<i32> = 2020..=2025;

/// Small seeded random helpers.
struct Rand(ChaCha8Rng);

impl Rand {
    fn new(stream: u64) -> Rand {
        Rand(ChaCha8Rng::seed_from_u64(SEED ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }
    fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.0.random::<f64>()
    }
    fn normal(&mut self, mu: f64, sd: f64) -> f64 {
        // Box–Muller
        let u1 = self.0.random::<f64>().max(1e-12);
        let u2 = self.0.random::<f64>();
        mu + sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    fn index(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.0.random_range(0..=i);
            v.swap(i, j);
        }
    }
}

/// Splits `total` into whole numbers proportional to `weights` (largest remainder,
/// ties broken by position), so that the parts sum exactly to `total`.
pub fn allocate(weights: &[f64], total: u64) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut rest = total - parts.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if rest == 0 {
            break;
        }
        parts[i] += 1;
        rest -= 1;
    }
    parts
}

/// Allocates `total` with some parts fixed in advance.
fn allocate_with_fixed(weights: &[f64], fixed: &[Option<u64>], total: u64) -> Vec<u64> {
    let fixed_sum: u64 = fixed.iter().flatten().sum();
    let free_w: Vec<f64> = weights.iter().zip(fixed).map(|(w, f)| if f.is_some() { 0.0 } else { *w }).collect();
    let mut out = allocate(&free_w, total - fixed_sum);
    for (o, f) in out.iter_mut().zip(fixed) {
        if let Some(f) = f {
            *o = *f;
        }
    }
    out
}

/// The generated demo edition: file name → bytes.
pub struct DemoFiles {
    pub files: BTreeMap<String, Vec<u8>>,
}

struct Ctx<'a> {
    geo: &'a Geography,
    codes: Vec<String>,
    pop: BTreeMap<(String, i32), u64>,
    gp: BTreeMap<(String, i32), u64>,
}

impl Ctx<'_> {
    fn density(&self, code: &str, year: i32) -> f64 {
        self.gp[&(code.to_string(), year)] as f64 / self.pop[&(code.to_string(), year)] as f64 * 1e5
    }
}

pub fn generate(geo: &Geography) -> DemoFiles {
    let codes: Vec<String> = geo.departements.iter().map(|d| d.code.clone()).collect();
    let mut ctx = Ctx { geo, codes, pop: BTreeMap::new(), gp: BTreeMap::new() };
    let mut files = BTreeMap::new();
    files.insert("population.csv".to_string(), population(&mut ctx));
    files.insert("generalistes.csv".to_string(), generalistes(&mut ctx));
    let (pdsa, pdsa_nat) = pdsa(&ctx);
    files.insert("pdsa.csv".to_string(), pdsa);
    files.insert("pdsa-national.csv".to_string(), pdsa_nat);
    files.insert("sas.csv".to_string(), sas(&ctx));
    files.insert("renoncement.csv".to_string(), renoncement(&ctx));
    let (zr, zr_depts) = zones_rouges(&ctx);
    files.insert("generalistes-communes.csv".to_string(), generalistes_communes(&ctx, &zr));
    files.insert("zones-rouges.csv".to_string(), zr);
    files.insert("sans-medecin-traitant.csv".to_string(), sans_medecin_traitant(&ctx));
    files.insert("missions-solidarite.csv".to_string(), missions(&zr_depts));
    files.insert("provenance.toml".to_string(), PROVENANCE.as_bytes().to_vec());
    DemoFiles { files }
}

/// Population at 1 January by département, INSEE estimates of the 2026 vintage, one vintage
/// for every year (`fixtures/real/insee/`; 2024 and 2025 provisional).
static POPULATION_REAL: &str =
    include_str!("../../fixtures/real/insee/population-departements-2019-2026-millesime-2026.csv");

/// Population: real, INSEE's estimates at 1 January, 2026 vintage.
fn population(ctx: &mut Ctx) -> Vec<u8> {
    let real: BTreeMap<(String, i32), u64> = POPULATION_REAL
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let code = f.next()?.to_string();
            let year = f.next()?.parse().ok()?;
            Some(((code, year), f.next()?.parse().ok()?))
        })
        .collect();
    let mut out = String::from("code_departement,annee,population,source\n");
    for code in ctx.codes.clone() {
        for year in YEARS {
            // Compiled in and checked by a test: 101 départements × 2019-2026.
            let p = real.get(&(code.clone(), year)).copied().unwrap_or(0);
            let source = if year >= 2024 {
                "INSEE, estimation provisoire au 1er janvier, millésime 2026"
            } else {
                "INSEE, estimation au 1er janvier, millésime 2026"
            };
            ctx.pop.insert((code.clone(), year), p);
            let _ = writeln!(out, "{code},{year},{p},\"{source}\"");
        }
    }
    out.into_bytes()
}

/// GPs by département on 1 January 2022 (DREES, RPPS; `fixtures/real/drees/`).
static GP_2022_REAL: &str = include_str!("../../fixtures/real/drees/generalistes-2022-departements.csv");

fn generalistes(ctx: &mut Ctx) -> Vec<u8> {
    let n = ctx.codes.len();
    let mut rng = Rand::new(1);
    let pop = |ctx: &Ctx, i: usize, y: i32| ctx.pop[&(ctx.codes[i].clone(), y)] as f64;
    let fixed_density: BTreeMap<&str, f64> = GP_DENSITY_2025.into_iter().collect();

    // 2022: the real counts (DREES).
    let real22: BTreeMap<&str, u64> = GP_2022_REAL
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let code = f.next()?;
            Some((code, f.next()?.parse().ok()?))
        })
        .collect();
    let c22: Vec<u64> = ctx.codes.iter().map(|c| real22.get(c.as_str()).copied().unwrap_or(0)).collect();
    let d22 = |ctx: &Ctx, i: usize| c22[i] as f64 / pop(ctx, i, 2022) * 1e5;

    // 2025: published densities fixed; the others drift a few percent from their real
    // density of 2022.
    let mut w25 = vec![0.0; n];
    let mut fixed25 = vec![None; n];
    for i in 0..n {
        let code = ctx.codes[i].as_str();
        if let Some(d) = fixed_density.get(code) {
            fixed25[i] = Some((d * pop(ctx, i, 2025) / 1e5).round() as u64);
        }
        w25[i] = d22(ctx, i) * rng.normal(0.0, 0.03).exp() * pop(ctx, i, 2025) / 1e5;
    }
    let total = |y: i32| GP_TOTALS.iter().find(|(yy, _)| *yy == y).map(|(_, t)| *t).unwrap_or(0);
    let c25 = allocate_with_fixed(&w25, &fixed25, total(2025));

    // 2023: a third of the way from 2022 to 2025, with noise; Mayotte at its published 46.
    let mut w23 = vec![0.0; n];
    let mut fixed23 = vec![None; n];
    for i in 0..n {
        w23[i] = (c22[i] as f64 + (c25[i] as f64 - c22[i] as f64) / 3.0) * rng.normal(0.0, 0.01).exp();
        if ctx.codes[i] == "976" {
            fixed23[i] = Some((MAYOTTE_DENSITY_2023 * pop(ctx, i, 2023) / 1e5).round() as u64);
        }
    }
    let c23 = allocate_with_fixed(&w23, &fixed23, total(2023));

    // 2020: more GPs than in 2022, with spread; 2021 and 2024 between their neighbours.
    let w20: Vec<f64> = (0..n).map(|i| c22[i] as f64 * rng.normal(0.014, 0.02).exp()).collect();
    let c20 = allocate(&w20, total(2020));
    let mid = |a: &[u64], b: &[u64]| -> Vec<f64> { a.iter().zip(b).map(|(&x, &y)| (x + y) as f64 / 2.0).collect() };
    let c21 = allocate(&mid(&c20, &c22), total(2021));
    let c24 = allocate(&mid(&c23, &c25), total(2024));

    let mut out = String::from("code_departement,annee,effectif\n");
    for i in 0..n {
        for (year, c) in [(2020, &c20), (2021, &c21), (2022, &c22), (2023, &c23), (2024, &c24), (2025, &c25)] {
            ctx.gp.insert((ctx.codes[i].clone(), year), c[i]);
            let _ = writeln!(out, "{},{year},{}", ctx.codes[i], c[i]);
        }
    }
    out.into_bytes()
}

/// GPs by commune of practice, as the open directory would give them once reduced
/// (`generalistes-communes.csv`), for every demo year. Synthetic: each département's
/// directory total is its DREES count times a factor drawn once near 0.98 (the directory
/// counts each doctor at one site, DREES counts by its own definition), spread over its
/// communes in proportion to population^1.15 with a lasting draw per commune, a yearly
/// draw, and a third of the weight in the zones rouges (at most 0.7 times the
/// département's density) (chosen for their low density).
fn generalistes_communes(ctx: &Ctx, zones_rouges: &[u8]) -> Vec<u8> {
    let communes = crate::communes::Communes::get();
    let red: std::collections::BTreeSet<&str> =
        std::str::from_utf8(zones_rouges).unwrap_or("").lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    let mut rng = Rand::new(12);
    let mut by_dept: BTreeMap<&str, Vec<(usize, f64)>> = BTreeMap::new();
    for (i, c) in communes.communes.iter().enumerate() {
        let red = c.epci.as_deref().is_some_and(|e| red.contains(e));
        let w = (c.population as f64).powf(1.15) * rng.normal(0.0, 0.45).exp() * if red { 0.35 } else { 1.0 };
        by_dept.entry(c.departement.as_str()).or_default().push((i, w));
    }
    // A zone rouge is under-served: where its share of the weight would give it more than
    // 0.7 times its département's density (a town at its centre), it is scaled down.
    for members in by_dept.values_mut() {
        let total_w: f64 = members.iter().map(|m| m.1).sum();
        let total_p: f64 = members.iter().map(|m| communes.communes[m.0].population as f64).sum();
        let mut zone: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (i, w) in members.iter() {
            let c = &communes.communes[*i];
            if let Some(e) = c.epci.as_deref().filter(|e| red.contains(e)) {
                let z = zone.entry(e).or_default();
                *z = (z.0 + w, z.1 + c.population as f64);
            }
        }
        for (i, w) in members.iter_mut() {
            let Some((zw, zp)) = communes.communes[*i].epci.as_deref().and_then(|e| zone.get(e)) else { continue };
            let ratio = (zw / total_w) / (zp / total_p).max(f64::MIN_POSITIVE);
            if ratio > 0.7 {
                *w *= 0.7 / ratio;
            }
        }
    }
    let factor: BTreeMap<&str, f64> = ctx.codes.iter().map(|c| (c.as_str(), rng.normal(-0.02, 0.035).exp())).collect();
    let mut rows: Vec<(usize, i32, u64)> = Vec::new();
    for year in YEARS {
        for (dept, members) in &by_dept {
            let drees = ctx.gp.get(&(dept.to_string(), year)).copied().unwrap_or(0);
            let total = (drees as f64 * factor.get(dept).copied().unwrap_or(1.0)).round() as u64;
            let weights: Vec<f64> = members.iter().map(|(_, w)| w * rng.normal(0.0, 0.08).exp()).collect();
            for ((i, _), n) in members.iter().zip(allocate(&weights, total)) {
                if n > 0 {
                    rows.push((*i, year, n));
                }
            }
        }
    }
    rows.sort_by(|a, b| communes.communes[a.0].code.cmp(&communes.communes[b.0].code).then(a.1.cmp(&b.1)));
    let mut out = String::from("code_commune,annee,generalistes\n");
    for (i, year, n) in rows {
        let _ = writeln!(out, "{},{year},{n}", communes.communes[i].code);
    }
    out.into_bytes()
}

/// PDSA survey: départements' sectors, GPs concerned and volunteers in 2022 and 2024
/// (national 38 % and 39 %; Paris 9 %, Vosges 84 % in 2024), plus the national series.
fn pdsa(ctx: &Ctx) -> (Vec<u8>, Vec<u8>) {
    let n = ctx.codes.len();
    let mut rng = Rand::new(2);
    let non_respondents_2022 = ["2B", "973"];
    let mut out = String::from("code_departement,annee,secteurs,generalistes_concernes,generalistes_volontaires\n");
    let mut rows: BTreeMap<(usize, i32), (u64, u64, u64)> = BTreeMap::new();
    let base_rate: Vec<f64> = (0..n).map(|_| rng.normal(0.40, 0.13).clamp(0.12, 0.78)).collect();
    for (year, target, fixed) in
        [(2022, 0.38, [("75", 0.11), ("88", 0.82)]), (2024, 0.39, [("75", 0.09), ("88", 0.84)])]
    {
        let mut conc = vec![0u64; n];
        let mut w = vec![0.0; n];
        let mut fixed_vol = vec![None; n];
        for i in 0..n {
            let code = ctx.codes[i].as_str();
            if year == 2022 && non_respondents_2022.contains(&code) {
                continue;
            }
            conc[i] = (ctx.gp[&(code.to_string(), year)] as f64 * rng.uniform(0.55, 0.75)).round() as u64;
            let rate = (base_rate[i] + if year == 2022 { rng.normal(-0.01, 0.03) } else { 0.0 }).clamp(0.10, 0.80);
            w[i] = rate * conc[i] as f64;
            if let Some((_, r)) = fixed.iter().find(|(c, _)| *c == code) {
                fixed_vol[i] = Some((r * conc[i] as f64).round() as u64);
            }
        }
        let total_conc: u64 = conc.iter().sum();
        let vol = allocate_with_fixed(&w, &fixed_vol, (target * total_conc as f64).round() as u64);
        for i in 0..n {
            let secteurs = (conc[i] as f64 / rng.uniform(12.0, 20.0)).round().max(1.0) as u64;
            rows.insert((i, year), (secteurs, conc[i], vol[i]));
        }
    }
    let mut national = BTreeMap::new();
    for i in 0..n {
        for year in [2022, 2024] {
            let code = &ctx.codes[i];
            let (s, c, v) = rows[&(i, year)];
            if c == 0 {
                let _ = writeln!(out, "{code},{year},ND,ND,ND");
            } else {
                let _ = writeln!(out, "{code},{year},{s},{c},{v}");
                let e = national.entry(year).or_insert((0u64, 0u64));
                e.0 += v;
                e.1 += c;
            }
        }
    }
    let rate = |y: i32| national.get(&y).map(|(v, c)| *v as f64 / *c as f64 * 100.0).unwrap_or(0.0);
    let mut nat = String::from("annee,taux_participation\n");
    let series = [
        (2012, 73.0),
        (2013, 71.2),
        (2014, 68.9),
        (2015, 66.5),
        (2016, 63.8),
        (2017, 61.6),
        (2018, 58.9),
        (2019, 53.4),
        (2020, 46.7),
        (2021, 41.9),
        (2022, rate(2022)),
        (2023, 38.6),
        (2024, rate(2024)),
    ];
    for (y, r) in series {
        let _ = writeln!(nat, "{y},{r:.1}");
    }
    (out.into_bytes(), nat.into_bytes())
}

/// SAS: 92 SAS covering 93 départements (Corsica shares one), 85,280 appointments in 2025.
fn sas(ctx: &Ctx) -> Vec<u8> {
    let mut rng = Rand::new(3);
    let mut without: Vec<String> = vec!["976".to_string()];
    let mut candidates: Vec<String> =
        ctx.codes.iter().filter(|c| !["976", "2A", "2B", "75"].contains(&c.as_str())).cloned().collect();
    rng.shuffle(&mut candidates);
    without.extend(candidates.into_iter().take(7));
    let mut sas: Vec<(String, Vec<String>)> = Vec::new();
    for code in &ctx.codes {
        if without.contains(code) || code == "2B" {
            continue;
        }
        let name = ctx.geo.departement(code).map(|d| d.name.clone()).unwrap_or_default();
        if code == "2A" {
            sas.push(("SAS Corse".to_string(), vec!["2A".to_string(), "2B".to_string()]));
        } else {
            sas.push((format!("SAS {name}"), vec![code.clone()]));
        }
    }
    let weights: Vec<f64> = sas
        .iter()
        .map(|(_, ds)| ds.iter().map(|d| ctx.pop[&(d.clone(), 2025)] as f64).sum::<f64>() * rng.uniform(0.3, 1.7))
        .collect();
    let rdv = allocate(&weights, 85_280);
    let mut out = String::from("id_sas,nom_sas,departements,date_ouverture,annee,rdv_plateforme\n");
    for (k, ((name, ds), r)) in sas.iter().zip(&rdv).enumerate() {
        let month = 1 + rng.index(42); // January 2022 .. June 2025
        let (y, m) = (2022 + (month - 1) / 12, 1 + (month - 1) % 12);
        let _ = writeln!(out, "SAS-{:03},{name},{},{y}-{m:02}-01,2025,{r}", k + 1, ds.join("|"));
    }
    out.into_bytes()
}

/// Renunciation survey: about 5,000 weighted respondents per year; weighted rate 62 % in
/// 2024 and 65 % in 2025.
fn renoncement(ctx: &Ctx) -> Vec<u8> {
    let mut rng = Rand::new(4);
    let ages = [("18-24", 0.10), ("25-34", 0.15), ("35-49", 0.25), ("50-64", 0.25), ("65+", 0.25)];
    let motifs = ["delai", "distance", "cout", "pas_de_medecin", "autre"];
    let pops: Vec<f64> = ctx.codes.iter().map(|c| ctx.pop[&(c.clone(), 2025)] as f64).collect();
    let total_pop: f64 = pops.iter().sum();
    let mut out = String::from("id,annee,code_departement,tranche_age,sexe,poids,renoncement,motif\n");
    let mut id = 0;
    for (year, target, n) in [(2024, 0.62, 5_000usize), (2025, 0.65, 5_100usize)] {
        let mut resp: Vec<(usize, &str, &str, f64, bool)> = Vec::with_capacity(n);
        for _ in 0..n {
            let mut u = rng.uniform(0.0, total_pop);
            let mut d = 0;
            while d + 1 < pops.len() && u >= pops[d] {
                u -= pops[d];
                d += 1;
            }
            let mut a = rng.uniform(0.0, 1.0);
            let mut age = ages[ages.len() - 1].0;
            for (label, p) in ages {
                if a < p {
                    age = label;
                    break;
                }
                a -= p;
            }
            let sexe = if rng.uniform(0.0, 1.0) < 0.52 { "F" } else { "H" };
            let weight = (rng.uniform(0.4, 2.6) * 100.0).round() / 100.0;
            let dens = ctx.density(&ctx.codes[d], year);
            let p = (target + 0.12 * (150.0 - dens) / 100.0).clamp(0.2, 0.95);
            let yes = rng.uniform(0.0, 1.0) < p;
            resp.push((d, age, sexe, weight, yes));
        }
        // Calibrate the weighted national rate to the published figure (±0.1 point).
        let wsum: f64 = resp.iter().map(|r| r.3).sum();
        let mut yes_w: f64 = resp.iter().filter(|r| r.4).map(|r| r.3).sum();
        let mut k = 0;
        while (yes_w / wsum - target).abs() > 0.001 && k < 100 * n {
            let i = rng.index(n);
            let want_yes = yes_w / wsum < target;
            if resp[i].4 != want_yes {
                resp[i].4 = want_yes;
                yes_w += if want_yes { resp[i].3 } else { -resp[i].3 };
            }
            k += 1;
        }
        for (d, age, sexe, weight, yes) in resp {
            id += 1;
            let motif = if yes { motifs[rng.index(motifs.len())] } else { "" };
            let _ =
                writeln!(out, "R{id:06},{year},{},{age},{sexe},{weight:.2},{},{motif}", ctx.codes[d], u8::from(yes));
        }
    }
    out.into_bytes()
}

/// Zones rouges: 151 real EPCI (SIREN from the reference list), 28 in Occitanie, chosen in
/// départements with few GPs, more than 2.5 million inhabitants in all. The list is
/// synthetic: the ministry's list is not available as data.
/// The zones rouges EPCI named in published sources (77 of the 151; see
/// `fixtures/real/zones-rouges/SOURCES.md`): SIREN and département.
static ZONES_ROUGES_CONNUES: &str = include_str!("../../fixtures/real/zones-rouges/liste-2025-partielle.csv");

/// Published number of zones rouges by région (ARS and press, June 2025): none in
/// Île-de-France; the overseas ones are all among the named ones.
const ZONES_ROUGES_PAR_REGION: [(&str, usize); 14] = [
    ("76", 28),
    ("75", 29),
    ("84", 17),
    ("93", 5),
    ("28", 7),
    ("44", 10),
    ("53", 2),
    ("94", 2),
    ("11", 0),
    ("01", 1),
    ("02", 0),
    ("03", 2),
    ("04", 1),
    ("06", 4),
];

/// Départements where no EPCI is drawn: those whose named zones rouges are all of them
/// (published counts: Gers 4, Hautes-Pyrénées 1, Tarn-et-Garonne 1, Tarn 4, Lozère 1,
/// Landes 2, Cher 6, Haute-Loire 2, Dordogne 9), and those the ARS or the press say have none (Charente-Maritime,
/// Gironde, Pyrénées-Atlantiques, Sarthe); in Auvergne-Rhône-Alpes, the ARS places its
/// consultations only in the Allier, the Puy-de-Dôme, the Loire, the Ardèche, the Haute-Loire
/// and the Cantal (Haute-Savoie has no CC in the drawn size range). See `fixtures/real/zones-rouges/SOURCES.md`.
const ZONES_ROUGES_SANS_TIRAGE: [&str; 18] =
    ["32", "65", "82", "81", "48", "40", "18", "43", "24", "17", "33", "64", "72", "01", "26", "38", "69", "73"];

/// Départements the press names among the most affected (Creuse, Yonne, Indre, Cher,
/// Gers, Tarn, Aude): synthetic picks favour them.
const ZONES_ROUGES_DEPARTEMENTS_CITES: [&str; 7] = ["23", "89", "36", "18", "32", "81", "11"];

/// Zones rouges: the 151 EPCI. Those named in published sources are real (`demo = non`);
/// the others are drawn (`demo = oui`) so that each région has its published count, from
/// the CC and CA of the départements with the fewest GPs, favouring the départements the
/// press names.
fn zones_rouges(ctx: &Ctx) -> (Vec<u8>, BTreeMap<String, u64>) {
    let mut rng = Rand::new(5);
    let geo = ctx.geo;
    let region_of = |d: &str| geo.departement(d).map(|x| x.region.clone()).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(ZONES_ROUGES_CONNUES.as_bytes());
    let known: Vec<String> = reader.records().filter_map(|r| r.ok()).map(|r| r[2].to_string()).collect();
    let by_siren: BTreeMap<&str, &crate::geo::Epci> = geo.epci.iter().map(|e| (e.siren.as_str(), e)).collect();
    // Compiled in and checked by tests: every SIREN of the list is in the reference table.
    let mut chosen: Vec<(&crate::geo::Epci, bool)> =
        known.iter().filter_map(|s| by_siren.get(s.as_str()).map(|e| (*e, true))).collect();
    // Rural départements first (few inhabitants per commune), those the press cites
    // before the others; the Tarn has its four, all named.
    let rural = |d: &str| {
        let pop = ctx.pop.get(&(d.to_string(), 2025)).copied().unwrap_or(1) as f64;
        let communes = geo.departement(d).map_or(1, |x| x.nb_communes.max(1)) as f64;
        (pop / communes).ln()
    };
    let mut scored: Vec<(f64, &crate::geo::Epci)> = geo
        .epci
        .iter()
        .filter(|e| e.kind == "CC" && (6_000..=35_000).contains(&e.population))
        .filter(|e| geo.departement(&e.departements[0]).is_some_and(|d| d.zone == Zone::Metro))
        .filter(|e| !known.contains(&e.siren) && !ZONES_ROUGES_SANS_TIRAGE.contains(&e.departements[0].as_str()))
        .map(|e| {
            let d = &e.departements[0];
            let cited = if ZONES_ROUGES_DEPARTEMENTS_CITES.contains(&d.as_str()) { 1.0 } else { 0.0 };
            (rural(d) + rng.uniform(0.0, 1.0) - cited, e)
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.siren.cmp(&b.1.siren)));
    let target = |r: &str| ZONES_ROUGES_PAR_REGION.iter().find(|(c, _)| *c == r).map(|(_, n)| *n);
    let count = |chosen: &[(&crate::geo::Epci, bool)], r: &str| {
        chosen.iter().filter(|(e, _)| region_of(&e.departements[0]) == r).count()
    };
    // Régions with a published count first, then the others up to 151.
    // Régions with a published count first, then the others up to 151; at most four
    // drawn per département.
    let mut passes: Vec<(Option<&str>, usize)> = Vec::new();
    for (r, n) in ZONES_ROUGES_PAR_REGION {
        passes.push((Some(r), n.saturating_sub(count(&chosen, r))));
    }
    let named: usize = ZONES_ROUGES_PAR_REGION.iter().map(|(_, n)| n).sum();
    let elsewhere = chosen.iter().filter(|(e, _)| target(&region_of(&e.departements[0])).is_none()).count();
    passes.push((None, 151usize.saturating_sub(named).saturating_sub(elsewhere)));
    // At most four per département, named ones included.
    let mut drawn: BTreeMap<String, usize> = BTreeMap::new();
    for (e, _) in &chosen {
        *drawn.entry(e.departements[0].clone()).or_insert(0) += 1;
    }
    for (region, want) in passes {
        let mut n = 0;
        for (_, e) in &scored {
            if n == want {
                break;
            }
            let d = &e.departements[0];
            let r = region_of(d);
            let fits = match region {
                Some(x) => r == x,
                None => target(&r).is_none(),
            };
            if !fits || drawn.get(d).copied().unwrap_or(0) >= 4 {
                continue;
            }
            *drawn.entry(d.clone()).or_insert(0) += 1;
            chosen.push((*e, false));
            n += 1;
        }
    }
    // The published total is 2,539,784 inhabitants: a drawn EPCI is swapped for another
    // of its région, smaller or larger, until the total is within 2 % of it.
    let total = |c: &[(&crate::geo::Epci, bool)]| c.iter().map(|(e, _)| e.population).sum::<u64>();
    for _ in 0..500 {
        let t = total(&chosen) as f64;
        let high = t > 2_539_784.0 * 1.02;
        if !high && t >= 2_539_784.0 * 0.98 {
            break;
        }
        // The drawn EPCI to replace: the largest when too high, the smallest when too low.
        let Some(pos) = (0..chosen.len()).filter(|&i| !chosen[i].1).max_by_key(|&i| {
            let p = chosen[i].0.population;
            (if high { p } else { u64::MAX - p }, chosen[i].0.siren.clone())
        }) else {
            break;
        };
        let old = chosen[pos].0;
        let region = region_of(&old.departements[0]);
        let cand = scored.iter().map(|x| x.1).find(|e| {
            region_of(&e.departements[0]) == region
                && !chosen.iter().any(|(c, _)| c.siren == e.siren)
                && (old.departements[0] == e.departements[0]
                    || chosen.iter().filter(|(c, _)| c.departements[0] == e.departements[0]).count() < 4)
                && if high { e.population < old.population } else { e.population > old.population }
        });
        match cand {
            Some(e) => chosen[pos] = (e, false),
            None => break,
        }
    }
    chosen.sort_by(|a, b| a.0.siren.cmp(&b.0.siren));
    let mut by_dept = BTreeMap::new();
    let mut out = String::from("siren,nom_epci,code_departement,code_region,population,demo\n");
    for (e, real) in &chosen {
        let d = &e.departements[0];
        *by_dept.entry(d.clone()).or_insert(0) += e.population;
        let name = if e.name.contains(',') { format!("\"{}\"", e.name) } else { e.name.clone() };
        let demo = if *real { "non" } else { "oui" };
        let _ = writeln!(out, "{},{name},{d},{},{},{demo}", e.siren, region_of(d), e.population);
    }
    (out.into_bytes(), by_dept)
}

/// Patients without a médecin traitant: 6.7 M (650,000 in ALD) in 2023, 6.0 M (400,000) in 2025.
fn sans_medecin_traitant(ctx: &Ctx) -> Vec<u8> {
    let mut rng = Rand::new(6);
    let mut out = String::from("code_departement,annee,patients_sans_medecin_traitant,dont_ald\n");
    let mut cols = Vec::new();
    for (year, total, ald) in [(2023, 6_700_000u64, 650_000u64), (2025, 6_000_000, 400_000)] {
        let w: Vec<f64> = ctx
            .codes
            .iter()
            .map(|c| {
                ctx.pop[&(c.clone(), year)] as f64 * (180.0 / ctx.density(c, year)).powf(1.2) * rng.uniform(0.85, 1.15)
            })
            .collect();
        let sans = allocate(&w, total);
        let w_ald: Vec<f64> = sans.iter().map(|&s| s as f64 * rng.uniform(0.8, 1.2)).collect();
        cols.push((year, sans, allocate(&w_ald, ald)));
    }
    for (i, code) in ctx.codes.iter().enumerate() {
        for (year, sans, ald) in &cols {
            let _ = writeln!(out, "{code},{year},{},{}", sans[i], ald[i]);
        }
    }
    out.into_bytes()
}

/// Solidarity missions in zones rouges by month and département since September 2025:
/// about 200 doctors enrolled and 1,000 consultations by November 2025, more than 300
/// doctors and 6,500 consultations from October 2025 to mid-February 2026.
fn missions(zr_depts: &BTreeMap<String, u64>) -> Vec<u8> {
    let mut rng = Rand::new(7);
    // month, enrolled (cumulative), doctors on mission, days, consultations
    let months: [(&str, u64, u64, u64, u64); 6] = [
        ("2025-09", 90, 8, 10, 150),
        ("2025-10", 150, 18, 22, 350),
        ("2025-11", 200, 25, 30, 500),
        ("2025-12", 240, 70, 85, 1_400),
        ("2026-01", 285, 120, 150, 2_450),
        ("2026-02", 310, 95, 112, 1_850),
    ];
    let depts: Vec<&String> = zr_depts.keys().collect();
    let weights: Vec<f64> = depts.iter().map(|d| zr_depts[*d] as f64 * rng.uniform(0.5, 1.5)).collect();
    let mut enrolled = vec![0u64; depts.len()];
    let mut prev_total = 0;
    let mut out =
        String::from("mois,code_departement,medecins_inscrits,medecins_mobilises,jours_mission,consultations\n");
    for (month, ins_total, mob_total, days_total, cons_total) in months {
        let inc = allocate(&weights, ins_total - prev_total);
        prev_total = ins_total;
        for (e, i) in enrolled.iter_mut().zip(&inc) {
            *e += i;
        }
        let ew: Vec<f64> = enrolled.iter().map(|&e| e as f64).collect();
        let mut mob = allocate(&ew, mob_total);
        // Never more doctors on mission than enrolled.
        for i in 0..mob.len() {
            while mob[i] > enrolled[i] {
                mob[i] -= 1;
                if let Some(j) = (0..mob.len()).max_by_key(|&j| enrolled[j] - mob[j].min(enrolled[j])) {
                    mob[j] += 1;
                }
            }
        }
        // At least one day per doctor on mission, at most two.
        let extra_w: Vec<f64> = mob.iter().map(|&m| m as f64).collect();
        let extra = allocate(&extra_w, days_total - mob_total);
        let days: Vec<u64> = mob.iter().zip(&extra).map(|(m, x)| m + x.min(m)).collect();
        let dw: Vec<f64> = days.iter().map(|&d| d as f64).collect();
        let cons = allocate(&dw, cons_total);
        for (i, d) in depts.iter().enumerate() {
            if enrolled[i] > 0 {
                let _ = writeln!(out, "{month},{d},{},{},{},{}", enrolled[i], mob[i], days[i], cons[i]);
            }
        }
    }
    out.into_bytes()
}

const PROVENANCE: &str = r#"# Provenance of the demo edition (fixtures/demo/).
# Generated by `barometre demo` (src/demo/generate.rs, seed 20251120). DO NOT EDIT:
# rerun the generator. Demo data ("données de démonstration"): the figures listed under
# `reel` are real published figures (source, date, licence); every other figure is
# synthetic, drawn to agree with them.

demo = true
vintage = "démo 2025-11 (générateur v2)"

[files."generalistes.csv"]
source = "Démo, calée sur DREES/RPPS (médecins généralistes en activité au 1er janvier)"
years = [2020, 2021, 2022, 2023, 2024, 2025]
notes = "Réels : les 101 effectifs du 1er janvier 2022 (DREES) et le total national de 2025. Synthétiques : les autres années par département, tirées à quelques pour cent de 2022 ; densités 2025 publiées imposées pour les Hautes-Alpes, Paris, la Savoie, l'Eure-et-Loir et Mayotte ; totaux nationaux de 2020 et 2023 déduits des écarts publiés."

[[files."generalistes.csv".reel]]
annees = [2022]
territoires = ["*"]
source = "DREES, RPPS, médecins généralistes au 1er janvier 2022"
url = "https://www.data.gouv.fr/fr/datasets/r/58c6b89a-e364-4867-9fdf-2f7770117cc5"
licence = "Licence Ouverte 2.0"

[[files."generalistes.csv".reel]]
annees = [2025]
territoires = ["FR"]
source = "Baromètre AMF–Mutualité française, 3e édition (20 novembre 2025), d'après DREES/RPPS"

[files."generalistes-communes.csv"]
source = "Démo, au format réduit de l'annuaire santé (RPPS en libre accès) : généralistes par commune d'exercice"
years = [2020, 2021, 2022, 2023, 2024, 2025]
notes = "Synthétique : le total de chaque département est son effectif DREES multiplié par un facteur tiré près de 0,98, réparti entre ses communes selon la population (puissance 1,15), un tirage durable par commune, un tirage annuel, et un poids réduit des deux tiers dans les zones rouges. Populations des communes : populations municipales légales (COG 2026)."

[files."population.csv"]
source = "INSEE, estimations de population au 1er janvier, millésime 2026 (2024 et 2025 provisoires)"
years = [2020, 2021, 2022, 2023, 2024, 2025]

[[files."population.csv".reel]]
annees = [2020, 2021, 2022, 2023, 2024, 2025]
territoires = ["*"]
source = "INSEE, estimations de population au 1er janvier, millésime 2026"
url = "https://www.insee.fr/fr/statistiques/fichier/8721456/estim-pop-dep-sexe-gca-1975-2026.xlsx"
licence = "Licence Ouverte 2.0"

[files."pdsa.csv"]
source = "Démo, calée sur l'enquête CNOM sur la permanence des soins ambulatoires"
years = [2022, 2024]
notes = "Réels : les taux nationaux de 2022 (38 %) et 2024 (39 %), Paris (9 %) et les Vosges (84 %) en 2024. Synthétiques : les autres départements, et les effectifs."

[[files."pdsa.csv".reel]]
annees = [2022, 2024]
territoires = ["FR"]
source = "CNOM, enquêtes sur la permanence des soins ambulatoires, d'après le baromètre AMF–Mutualité française 2025"

[[files."pdsa.csv".reel]]
annees = [2024]
territoires = ["75", "88"]
source = "CNOM, enquête 2024 sur la permanence des soins ambulatoires, d'après le baromètre AMF–Mutualité française 2025"

[files."pdsa-national.csv"]
source = "Démo, calée sur l'enquête CNOM (2012 : 73 %, 2022 : 38 %, 2024 : 39 %)"
years = [2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024]
notes = "Réels : 2012, 2022 et 2024. Synthétiques : les années intermédiaires, interpolées."

[[files."pdsa-national.csv".reel]]
annees = [2012, 2022, 2024]
territoires = ["FR"]
source = "CNOM, enquêtes sur la permanence des soins ambulatoires"

[files."sas.csv"]
source = "Démo, calée sur le ministère de la Santé (92 SAS, 93 départements, 85 280 rendez-vous)"
years = [2025]
notes = "Réel : le nombre de départements couverts (93) ; le total national des rendez-vous (85 280) est repris, mais le taux pour 100 000 habitants couverts ne l'est pas. Synthétiques : quels départements, les dates d'ouverture et la répartition des rendez-vous."

[[files."sas.csv".reel]]
annees = [2025]
territoires = ["FR"]
indicateurs = ["sas-departements-couverts"]
source = "Ministère de la Santé, d'après le baromètre AMF–Mutualité française 2025"

[files."renoncement.csv"]
source = "Démo : micro-données d'enquête pondérées, calées sur le baromètre 2025 (65 % ; +3 points)"
years = [2024, 2025]
notes = "Réels : les taux nationaux publiés (65 % en 2025, 3 points de plus qu'en 2024). Synthétiques : les répondants, donc tout taux départemental ou régional."

[[files."renoncement.csv".reel]]
annees = [2024, 2025]
territoires = ["FR"]
source = "Baromètre AMF–Mutualité française 2025 (enquête sur le renoncement aux soins)"

[files."zones-rouges.csv"]
source = "Ministère de la Santé, liste des zones rouges (27-30 juin 2025) : EPCI nommés par la presse régionale et les ARS (demo = non) ; les autres tirés selon les effectifs régionaux publiés (demo = oui)"
years = [2025]
notes = "Réels : les 77 EPCI nommés (demo = non), le nombre national (151), les comptes et populations des départements dont tous les EPCI sont nommés. Synthétiques : les EPCI tirés (demo = oui), donc les autres départements, les régions incomplètes et la population totale."

[[files."zones-rouges.csv".reel]]
annees = [2025]
territoires = ["FR"]
indicateurs = ["zones-rouges-epci"]
source = "Ministère de la Santé, liste des 151 zones rouges (juin 2025)"

# Départements whose zones rouges are all named (the count published for the département
# or its région is reached), or that have none: their counts and populations are real.
# Not Guyane, La Réunion and Mayotte, whose names are ambiguous (SOURCES.md).
[[files."zones-rouges.csv".reel]]
annees = [2025]
territoires = ["14", "27", "50", "61", "76", "22", "29", "35", "56", "04", "05", "06", "13", "83", "84", "2A", "2B", "971", "972", "43", "24", "32", "65", "82", "81", "48", "40", "18", "17", "33", "64", "72", "75", "77", "78", "91", "92", "93", "94", "95"]
source = "Ministère de la Santé, liste des zones rouges (juin 2025), EPCI nommés par les ARS et la presse régionale (fixtures/real/zones-rouges/SOURCES.md)"

[files."sans-medecin-traitant.csv"]
source = "Démo, calée sur l'Assurance maladie (6,7 M en 2023 dont 650 000 en ALD ; 6 M en 2025 dont 400 000)"
years = [2023, 2025]
notes = "Réels : les totaux nationaux publiés (arrondis). Synthétiques : la répartition par département."

[[files."sans-medecin-traitant.csv".reel]]
annees = [2023, 2025]
territoires = ["FR"]
source = "Assurance maladie, chiffres nationaux publiés (arrondis), d'après le baromètre AMF–Mutualité française 2025"

[files."missions-solidarite.csv"]
source = "Démo, calée sur le ministère (≈ 200 médecins et 1 000 consultations fin novembre 2025 ; > 300 médecins et 6 500 consultations d'octobre 2025 à mi-février 2026)"
years = [2025, 2026]
notes = "Synthétique : les ordres de grandeur publiés sont approchés, aucun chiffre n'est repris tel quel."
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_sums_exactly_and_is_proportional() {
        assert_eq!(allocate(&[1.0, 1.0, 1.0], 10), vec![4, 3, 3]);
        assert_eq!(allocate(&[3.0, 1.0], 100), vec![75, 25]);
        assert_eq!(allocate(&[0.0, 0.0], 5), vec![0, 0]);
    }
}
