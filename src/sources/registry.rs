//! The one registry of the barometer's datasets: for each, its id, French title, the
//! formats its file may come in, its canonical template, the numeric fields indicators
//! may use, and its reader as `fetch` runs it. The catalogue of `sources.toml`, the
//! templates of `init-templates`, the sources known to indicator specs and the fetch
//! summaries are all derived from here.

use anyhow::Result;

use crate::geo::Geography;

use super::provenance::Format;
use super::{Located, Summary, Template};
use super::{contours, contours_epci, gp, gp_communes, missions, pdsa, population, sans_mt, sas, survey, zones_rouges};

/// A dataset of the barometer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dataset {
    Generalistes,
    GeneralistesCommunes,
    Population,
    Pdsa,
    PdsaNational,
    Sas,
    Renoncement,
    ZonesRouges,
    SansMedecinTraitant,
    Missions,
    Contours,
    ContoursEpci,
}

impl Dataset {
    /// Every dataset, in the catalogue's order.
    pub const ALL: [Dataset; 12] = [
        Dataset::Generalistes,
        Dataset::GeneralistesCommunes,
        Dataset::Population,
        Dataset::Pdsa,
        Dataset::PdsaNational,
        Dataset::Sas,
        Dataset::Renoncement,
        Dataset::ZonesRouges,
        Dataset::SansMedecinTraitant,
        Dataset::Missions,
        Dataset::Contours,
        Dataset::ContoursEpci,
    ];

    /// The id used in `sources.toml`, file names and indicator specs.
    pub fn id(self) -> &'static str {
        match self {
            Dataset::Generalistes => gp::ID,
            Dataset::GeneralistesCommunes => gp_communes::ID,
            Dataset::Population => population::ID,
            Dataset::Pdsa => pdsa::ID,
            Dataset::PdsaNational => pdsa::NATIONAL_ID,
            Dataset::Sas => sas::ID,
            Dataset::Renoncement => survey::ID,
            Dataset::ZonesRouges => zones_rouges::ID,
            Dataset::SansMedecinTraitant => sans_mt::ID,
            Dataset::Missions => missions::ID,
            Dataset::Contours => contours::ID,
            Dataset::ContoursEpci => contours_epci::ID,
        }
    }

    pub fn from_id(id: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.id() == id)
    }

    /// The ids of every dataset, for messages.
    pub fn known() -> String {
        Dataset::ALL.map(Dataset::id).join(", ")
    }

    /// A few words for a sentence (« les populations », « la PDSA »…).
    pub fn short(self) -> &'static str {
        match self {
            Dataset::Generalistes => "médecins généralistes",
            Dataset::GeneralistesCommunes => "généralistes par commune",
            Dataset::Population => "population",
            Dataset::Pdsa => "permanence des soins (PDSA)",
            Dataset::PdsaNational => "série nationale de la PDSA",
            Dataset::Sas => "SAS",
            Dataset::Renoncement => "renoncement aux soins",
            Dataset::ZonesRouges => "zones rouges",
            Dataset::SansMedecinTraitant => "patients sans médecin traitant",
            Dataset::Missions => "missions de solidarité",
            Dataset::Contours => "contours",
            Dataset::ContoursEpci => "contours des intercommunalités",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Dataset::Generalistes => "Médecins généralistes en activité au 1er janvier (DREES/RPPS)",
            Dataset::GeneralistesCommunes => {
                "Médecins généralistes par commune d'exercice (annuaire santé, RPPS en libre accès)"
            }
            Dataset::Population => "Population au 1er janvier par département (INSEE)",
            Dataset::Pdsa => "Participation des généralistes à la permanence des soins (enquête CNOM)",
            Dataset::PdsaNational => "Taux national de participation à la PDSA (enquête CNOM)",
            Dataset::Sas => "Services d'accès aux soins : couverture et rendez-vous",
            Dataset::Renoncement => "Enquête renoncement aux soins (micro-données pondérées)",
            Dataset::ZonesRouges => "Zones rouges (EPCI prioritaires)",
            Dataset::SansMedecinTraitant => "Patients sans médecin traitant (Assurance maladie)",
            Dataset::Missions => "Missions de solidarité territoriale dans les zones rouges",
            Dataset::Contours => "Contours des départements (IGN/Etalab)",
            Dataset::ContoursEpci => "Contours des intercommunalités (EPCI, IGN/Etalab)",
        }
    }

    /// The formats its file may come in; the first is the one `init-templates` writes.
    pub fn formats(self) -> &'static [Format] {
        match self {
            Dataset::Generalistes => gp::FORMATS,
            Dataset::GeneralistesCommunes => gp_communes::FORMATS,
            Dataset::Population => population::FORMATS,
            Dataset::Contours | Dataset::ContoursEpci => &[Format::GeoJson],
            _ => &[Format::Canonical],
        }
    }

    /// Its canonical layout, written by `init-templates` (none for the contours).
    pub fn template(self) -> Option<&'static Template> {
        Some(match self {
            Dataset::Generalistes => &gp::TEMPLATE,
            Dataset::GeneralistesCommunes => &gp_communes::TEMPLATE,
            Dataset::Population => &population::TEMPLATE,
            Dataset::Pdsa => &pdsa::TEMPLATE,
            Dataset::PdsaNational => &pdsa::NATIONAL_TEMPLATE,
            Dataset::Sas => &sas::TEMPLATE,
            Dataset::Renoncement => &survey::TEMPLATE,
            Dataset::ZonesRouges => &zones_rouges::TEMPLATE,
            Dataset::SansMedecinTraitant => &sans_mt::TEMPLATE,
            Dataset::Missions => &missions::TEMPLATE,
            Dataset::Contours | Dataset::ContoursEpci => return None,
        })
    }

    /// The numeric fields an indicator may take from it (see `indicators::engine::Inputs`,
    /// which derives some of them: SAS coverage, zone populations, monthly consultations).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Dataset::Generalistes => &["effectif"],
            Dataset::GeneralistesCommunes => &[],
            Dataset::Population => &["population"],
            Dataset::Pdsa => &["generalistes_volontaires", "generalistes_concernes", "secteurs"],
            Dataset::Sas => &["departement_couvert", "departement", "population_couverte", "rdv_plateforme"],
            Dataset::SansMedecinTraitant => &["patients_sans_medecin_traitant", "dont_ald"],
            Dataset::ZonesRouges => &["epci", "population_zones"],
            Dataset::Missions => {
                &["medecins_inscrits", "medecins_mobilises", "jours_mission", "consultations", "consultations_par_mois"]
            }
            Dataset::Renoncement => &["renoncement"],
            Dataset::PdsaNational | Dataset::Contours | Dataset::ContoursEpci => &[],
        }
    }

    /// Reads a file of the dataset with its reader, as `fetch` does to validate and
    /// summarise what it downloaded; an official layout is also written out as the
    /// dataset's canonical table.
    pub fn summary(self, located: Located, geo: &Geography) -> Result<Summary> {
        let years = |n: usize, y: Vec<i32>| Summary::from_years(n, y);
        match self {
            Dataset::Generalistes => {
                let official = located.format != Format::Canonical;
                let (rows, vintage) = gp::parse_with_vintage(located, geo)?;
                let mut s = years(rows.len(), rows.iter().map(|r| r.year).collect());
                s.vintage = vintage;
                if official {
                    let records = rows.iter().map(|r| {
                        let count = r.count.map(|c| c.to_string()).unwrap_or_else(|| "ND".into());
                        [r.dept.clone(), r.year.to_string(), count]
                    });
                    s.canonical = Some(canonical_csv(&gp::TEMPLATE, records)?);
                }
                Ok(s)
            }
            Dataset::GeneralistesCommunes => {
                let official = located.format != Format::Canonical;
                let counts = gp_communes::parse(located)?;
                let mut s = years(counts.records().count(), counts.years.keys().copied().collect());
                if official {
                    s.canonical = Some(canonical_csv(&gp_communes::TEMPLATE, counts.records())?);
                }
                Ok(s)
            }
            Dataset::Population => {
                let official = located.format != Format::Canonical;
                let rows = population::parse(located, geo)?;
                let mut s = years(rows.len(), rows.iter().map(|r| r.year).collect());
                if official {
                    let records = rows.iter().map(|r| [r.dept.clone(), r.year.to_string(), r.population.to_string()]);
                    s.canonical = Some(canonical_csv(&population::TEMPLATE, records)?);
                }
                Ok(s)
            }
            Dataset::Pdsa => pdsa::parse(located, geo).map(|r| years(r.len(), r.iter().map(|r| r.year).collect())),
            Dataset::PdsaNational => {
                pdsa::parse_national(located).map(|r| years(r.len(), r.iter().map(|r| r.0).collect()))
            }
            Dataset::Sas => sas::parse(located, geo).map(|r| years(r.len(), r.iter().map(|r| r.year).collect())),
            Dataset::Renoncement => {
                survey::parse(located, geo).map(|r| years(r.len(), r.iter().map(|r| r.year).collect()))
            }
            Dataset::ZonesRouges => zones_rouges::parse(located, geo).map(|z| years(z.zones.len(), Vec::new())),
            Dataset::SansMedecinTraitant => {
                sans_mt::parse(located, geo).map(|r| years(r.len(), r.iter().map(|r| r.year).collect()))
            }
            Dataset::Missions => {
                missions::parse(located, geo).map(|r| years(r.len(), r.iter().map(|r| r.month.0).collect()))
            }
            Dataset::Contours => contours::parse(located, geo).map(|c| years(c.shapes.len(), Vec::new())),
            Dataset::ContoursEpci => {
                contours_epci::parse(located, geo).map(|c| years(c.shapes.len() + c.unknown.len(), Vec::new()))
            }
        }
    }
}

/// The canonical CSV of records, under the first columns of the dataset's template (the
/// optional columns after them are left out).
fn canonical_csv<const N: usize>(template: &Template, records: impl Iterator<Item = [String; N]>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(template.columns.iter().take(N).map(|c| c.name))?;
    for r in records {
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("failed to write a canonical table: {}", e.error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dataset_is_found_by_its_id_and_templates_match() {
        for d in Dataset::ALL {
            assert_eq!(Dataset::from_id(d.id()), Some(d));
            if let Some(t) = d.template() {
                assert_eq!(t.id, d.id(), "template of {d:?}");
            }
            assert!(!d.formats().is_empty());
        }
        assert_eq!(Dataset::from_id("inconnu"), None);
    }

    /// What `fetch` stores is read back by `build` as the same records, old years included
    /// (the INSEE series start in 1975).
    #[test]
    fn canonical_tables_read_back_as_the_same_records() {
        let geo = Geography::get();
        let rows = [["01", "1975", "376477"], ["2A", "2025", "163000"]].map(|r| r.map(String::from));
        let bytes = canonical_csv(&population::TEMPLATE, rows.clone().into_iter()).expect("csv");
        let located = Located { display: "population.canonical.csv".into(), bytes, format: Format::Canonical };
        let back = population::parse(located, geo).expect("read back");
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].dept.as_str(), back[0].year, back[0].population), ("01", 1975, 376_477));
        assert_eq!((back[1].dept.as_str(), back[1].year, back[1].population), ("2A", 2025, 163_000));
        let gp = [["75", "2012", "ND"]].map(|r| r.map(String::from));
        let bytes = canonical_csv(&gp::TEMPLATE, gp.into_iter()).expect("csv");
        let located = Located { display: "generalistes.canonical.csv".into(), bytes, format: Format::Canonical };
        let back = gp::parse(located, geo).expect("read back");
        assert_eq!((back[0].dept.as_str(), back[0].year, back[0].count), ("75", 2012, None));
        assert_eq!(
            gp::TEMPLATE.columns.iter().take(3).map(|c| c.name).collect::<Vec<_>>(),
            ["code_departement", "annee", "effectif"]
        );
    }
}
