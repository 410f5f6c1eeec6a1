//! Statistically similar départements: nearest neighbours on documented structural
//! variables, for the fiches' comparisons.
//!
//! Variables (centred and reduced over the 101 départements): the logarithm of the
//! population, and the logarithm of the mean population of its communes (an urbanity
//! proxy: rural départements have many small communes). Euclidean distance; the five
//! nearest. Access-to-care indicators are deliberately left out, so that comparing a
//! département with its neighbours on those indicators is not circular.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::geo::Geography;

pub const VARIABLES: &str = "taille de la population (logarithme) et population moyenne des communes (logarithme, indicateur d'urbanité), centrées et réduites ; distance euclidienne";

#[derive(Debug, Clone, Serialize)]
pub struct Neighbour {
    pub code: String,
    pub name: String,
    pub distance: f64,
}

/// The `k` nearest départements of every département, from its population.
pub fn neighbours(geo: &Geography, population: &BTreeMap<String, f64>, k: usize) -> BTreeMap<String, Vec<Neighbour>> {
    let feats: Vec<(String, [f64; 2])> = geo
        .departements
        .iter()
        .filter_map(|d| {
            let p = *population.get(&d.code)?;
            (p > 0.0 && d.nb_communes > 0).then(|| (d.code.clone(), [p.ln(), (p / f64::from(d.nb_communes)).ln()]))
        })
        .collect();
    let n = feats.len() as f64;
    let mut mean = [0.0; 2];
    let mut sd = [0.0; 2];
    for j in 0..2 {
        mean[j] = feats.iter().map(|f| f.1[j]).sum::<f64>() / n;
        sd[j] = (feats.iter().map(|f| (f.1[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt().max(1e-12);
    }
    let z: Vec<(String, [f64; 2])> =
        feats.iter().map(|(c, f)| (c.clone(), [(f[0] - mean[0]) / sd[0], (f[1] - mean[1]) / sd[1]])).collect();
    let mut out = BTreeMap::new();
    for (c, a) in &z {
        let mut d: Vec<(f64, &String)> = z
            .iter()
            .filter(|(o, _)| o != c)
            .map(|(o, b)| (((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt(), o))
            .collect();
        d.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(y.1)));
        out.insert(
            c.clone(),
            d.into_iter()
                .take(k)
                .map(|(dist, o)| Neighbour {
                    code: o.clone(),
                    name: geo.departement(o).map(|x| x.name.clone()).unwrap_or_default(),
                    distance: (dist * 1000.0).round() / 1000.0,
                })
                .collect(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_the_closest_on_standardised_variables() {
        let geo = Geography::get();
        let pop: BTreeMap<String, f64> =
            geo.departements.iter().map(|d| (d.code.clone(), f64::from(d.nb_communes) * 1000.0)).collect();
        // With a mean commune population of 1,000 everywhere, only the size differs:
        // the nearest départements have the nearest number of communes.
        let n = neighbours(geo, &pop, 3);
        let creuse = geo.departement("23").map(|d| d.nb_communes).unwrap_or(0);
        let first = &n["23"][0];
        let diff =
            |c: &str| (i64::from(geo.departement(c).map(|d| d.nb_communes).unwrap_or(0)) - i64::from(creuse)).abs();
        assert!(geo.departements.iter().filter(|d| d.code != "23").all(|d| diff(&d.code) >= diff(&first.code)));
        assert_eq!(n["23"].len(), 3);
    }
}
