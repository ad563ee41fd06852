//! Démarches: the form and its processing rules, as an administrateur
//! defines them, with the organisation (service) that answers usagers, its
//! settings (`reglages`) and its life: test, published, closed or
//! unpublished.

pub mod fichier;
pub mod monavis;
pub mod reglages;

use crate::domain::validation::{Erreurs, texte_optionnel, texte_requis};
use chrono::NaiveDate;
use reglages::{Reglages, ReglagesSaisis};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EtatDemarche {
    /// Being built; usable through its test link.
    Brouillon,
    /// Open to usagers at `/commencer/<path>`.
    Publiee,
    /// No longer accepts new dossiers; those filed are still processed.
    Close,
    /// Taken offline: its address answers that it is no longer available;
    /// filed dossiers are still processed. Can be published again.
    Depubliee,
}

impl EtatDemarche {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brouillon => "brouillon",
            Self::Publiee => "publiee",
            Self::Close => "close",
            Self::Depubliee => "depubliee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Brouillon, Self::Publiee, Self::Close, Self::Depubliee].into_iter().find(|e| e.as_str() == s)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Self::Brouillon => "En test",
            Self::Publiee => "Publiée",
            Self::Close => "Close",
            Self::Depubliee => "Dépubliée",
        }
    }

    /// A brouillon accepts test dossiers, a publiée accepts real ones.
    pub fn accepte_nouveaux_dossiers(self) -> bool {
        matches!(self, Self::Brouillon | Self::Publiee)
    }

    /// Published for the first time, or again after a closing or an
    /// unpublishing (the usagers' old links work again).
    pub fn peut_etre_publiee(self) -> bool {
        self != Self::Publiee
    }

    /// An unpublished démarche may be closed too (it then says why).
    pub fn peut_etre_close(self) -> bool {
        matches!(self, Self::Publiee | Self::Depubliee)
    }

    pub fn peut_etre_depubliee(self) -> bool {
        matches!(self, Self::Publiee | Self::Close)
    }
}

/// The contact card of the organisation in charge, shown to usagers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Service {
    pub nom: String,
    pub organisme: String,
    pub email: String,
    pub telephone: String,
    pub horaires: String,
    pub adresse: String,
}

/// What an administrateur types to create or edit a démarche.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DemarcheInput {
    pub libelle: String,
    pub description: String,
    pub service: Service,
    pub reglages: ReglagesSaisis,
}

pub const DEMARCHE_LIBELLE_MAX: usize = 200;
pub const DEMARCHE_DESCRIPTION_MAX: usize = 10_000;
const SERVICE_FIELD_MAX: usize = 500;

impl DemarcheInput {
    /// Trims every field and reports every problem at once. The refusal hands
    /// the input back so the form is shown again with what was typed.
    /// `aujourdhui` is the Paris date; `date_limite_actuelle` the deadline
    /// already set, if any (kept even when past).
    #[allow(clippy::result_large_err, reason = "the error path re-renders a form; its size costs nothing")]
    pub fn valider(
        self,
        aujourdhui: NaiveDate,
        date_limite_actuelle: Option<NaiveDate>,
    ) -> Result<(DemarcheInput, Reglages), (DemarcheInput, Erreurs)> {
        let mut e = Erreurs::new();
        let s = &self.service;
        let service = Service {
            nom: texte_requis(&mut e, "service_nom", "Nom du service", &s.nom, SERVICE_FIELD_MAX),
            organisme: texte_requis(&mut e, "service_organisme", "Organisme", &s.organisme, SERVICE_FIELD_MAX),
            email: {
                let v = texte_requis(
                    &mut e,
                    "service_email",
                    "Adresse électronique de contact",
                    &s.email,
                    SERVICE_FIELD_MAX,
                );
                if !v.is_empty() {
                    match crate::domain::compte::normaliser_email(&v) {
                        Ok(v) => v,
                        Err(m) => {
                            e.add("service_email", m);
                            v
                        }
                    }
                } else {
                    v
                }
            },
            telephone: texte_optionnel(&mut e, "service_telephone", "Téléphone", &s.telephone, 50),
            horaires: texte_optionnel(&mut e, "service_horaires", "Horaires", &s.horaires, SERVICE_FIELD_MAX),
            adresse: texte_optionnel(&mut e, "service_adresse", "Adresse postale", &s.adresse, SERVICE_FIELD_MAX),
        };
        let cleaned = DemarcheInput {
            libelle: texte_requis(&mut e, "libelle", "Titre de la démarche", &self.libelle, DEMARCHE_LIBELLE_MAX),
            description: texte_requis(
                &mut e,
                "description",
                "Description",
                &self.description,
                DEMARCHE_DESCRIPTION_MAX,
            ),
            service,
            reglages: self.reglages.clone(),
        };
        let reglages = self.reglages.valider(&mut e, aujourdhui, date_limite_actuelle);
        // Reorder so the summary follows the page: titre, description,
        // service, then the settings.
        e.0.sort_by_key(|err| !matches!(err.champ.as_str(), "libelle" | "description"));
        match e.into_result() {
            Ok(()) => Ok((cleaned, reglages)),
            Err(e) => Err((cleaned, e)),
        }
    }
}

/// Paths are part of public URLs; same rule as the original platform.
pub fn valider_path(path: &str) -> Result<String, &'static str> {
    let path = path.trim().to_lowercase();
    let ok = (3..=200).contains(&path.len())
        && path.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(path)
    } else {
        Err(
            "L'adresse doit comporter de 3 à 200 caractères : lettres minuscules sans accent, chiffres, tirets (-) ou soulignés (_).",
        )
    }
}

/// Suggests a path from a libellé: « Aide à l'équipement » → `aide-a-l-equipement`.
pub fn suggerer_path(libelle: &str) -> String {
    let mut out = String::new();
    for c in libelle.to_lowercase().chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(50).collect();
    out = out.trim_end_matches('-').to_string();
    if out.len() < 3 {
        out = format!("demarche-{out}").trim_end_matches('-').to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DemarcheInput {
        DemarcheInput {
            libelle: " Aide à l'équipement ".into(),
            description: "Pour les associations.".into(),
            service: Service {
                nom: "Service des sports".into(),
                organisme: "Mairie de Nantes".into(),
                email: "Sports@Nantes.fr".into(),
                ..Service::default()
            },
            reglages: ReglagesSaisis::default(),
        }
    }

    fn aujourdhui() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("valid date")
    }

    #[test]
    fn a_complete_demarche_is_trimmed_and_accepted() {
        let (d, reglages) = input().valider(aujourdhui(), None).unwrap();
        assert_eq!(reglages, Reglages::default());
        assert_eq!(d.libelle, "Aide à l'équipement");
        assert_eq!(d.service.email, "sports@nantes.fr");
    }

    #[test]
    fn every_missing_field_is_reported_in_page_order() {
        let mut vide = DemarcheInput::default();
        vide.reglages.duree_conservation_mois = "0".into();
        let (_, e) = vide.valider(aujourdhui(), None).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.champ.as_str()).collect();
        assert_eq!(
            fields,
            ["libelle", "description", "service_nom", "service_organisme", "service_email", "duree_conservation_mois"]
        );
        let mut bad = input();
        bad.service.email = "pas une adresse".into();
        let (kept, e) = bad.valider(aujourdhui(), None).unwrap_err();
        assert_eq!(kept.service.email, "pas une adresse");
        assert!(e.get("service_email").is_some());
    }

    #[test]
    fn paths_follow_the_public_url_rule() {
        assert_eq!(valider_path(" Aide-2026 "), Ok("aide-2026".into()));
        assert!(valider_path("ab").is_err());
        assert!(valider_path("aide/../admin").is_err());
        assert!(valider_path("équipement").is_err());
        assert_eq!(suggerer_path("Aide à l'équipement (2026) !"), "aide-a-l-equipement-2026");
        assert_eq!(suggerer_path("Œuvre"), "oeuvre");
        assert_eq!(suggerer_path("!!"), "demarche");
        assert!(valider_path(&suggerer_path(&"très long ".repeat(30))).is_ok());
    }
}
