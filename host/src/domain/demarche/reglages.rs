//! A démarche's settings beyond its title and service: what the usager
//! reads before starting, how long dossiers are kept, who files, until
//! when, and whether a dépôt is decided at once.

use crate::domain::demarche::monavis::{MONAVIS_MAX_CHARS, lien_monavis};
use crate::domain::validation::{Erreurs, texte_optionnel};
use chrono::NaiveDate;
use serde::Serialize;

/// RGPD: dossiers are kept at least a month and at most five years.
pub const CONSERVATION_MOIS: std::ops::RangeInclusive<i64> = 1..=60;
pub const CONSERVATION_PAR_DEFAUT: i64 = 12;
/// Shown on the page after a dépôt; a few paragraphs at most.
pub const MESSAGE_FIN_DEPOT_MAX: usize = 5_000;
/// A cadre juridique typed as text (a law's title and articles) or a URL.
pub const CADRE_JURIDIQUE_MAX: usize = 5_000;
const URL_MAX: usize = 2_000;

/// Who files: the step before the form asks for an identity accordingly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Demandeur {
    /// Civilité, nom, prénom.
    #[default]
    Particulier,
    /// A SIRET, checked by the siret plugin.
    PersonneMorale,
}

impl Demandeur {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Particulier => "particulier",
            Self::PersonneMorale => "personne_morale",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Particulier, Self::PersonneMorale].into_iter().find(|d| d.as_str() == s)
    }
}

/// A déclarative démarche decides at dépôt: the dossier goes straight to
/// this state, with that state's e-mail, and can no longer be changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Declaratif {
    EnInstruction,
    Accepte,
}

impl Declaratif {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnInstruction => "en_instruction",
            Self::Accepte => "accepte",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::EnInstruction, Self::Accepte].into_iter().find(|d| d.as_str() == s)
    }
}

/// The settings as typed in the form (kept as typed when refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReglagesSaisis {
    pub duree_conservation_mois: String,
    pub demandeur: String,
    /// `AAAA-MM-JJ` (an `<input type="date">`) or `JJ/MM/AAAA` (typed
    /// without the date picker); empty for none.
    pub date_limite_depot: String,
    /// Empty, `en_instruction` or `accepte`.
    pub declaratif: String,
    pub message_fin_depot: String,
    pub lien_site: String,
    pub monavis: String,
    pub cadre_juridique: String,
    pub notice_url: String,
    /// A checkbox: non-empty when checked.
    pub modele: String,
}

/// The settings, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reglages {
    pub duree_conservation_mois: i64,
    pub demandeur: Demandeur,
    /// The last day dossiers can be filed, until midnight in Paris.
    pub date_limite_depot: Option<NaiveDate>,
    pub declaratif: Option<Declaratif>,
    pub message_fin_depot: String,
    pub lien_site: String,
    /// The pasted code, as accepted (its link is what pages use).
    pub monavis: String,
    pub cadre_juridique: String,
    pub notice_url: String,
    /// Offered to every administrateur as a model to clone.
    pub modele: bool,
}

impl Default for Reglages {
    fn default() -> Self {
        Self {
            duree_conservation_mois: CONSERVATION_PAR_DEFAUT,
            demandeur: Demandeur::Particulier,
            date_limite_depot: None,
            declaratif: None,
            message_fin_depot: String::new(),
            lien_site: String::new(),
            monavis: String::new(),
            cadre_juridique: String::new(),
            notice_url: String::new(),
            modele: false,
        }
    }
}

impl Reglages {
    /// The form's values for these settings.
    pub fn saisis(&self) -> ReglagesSaisis {
        ReglagesSaisis {
            duree_conservation_mois: self.duree_conservation_mois.to_string(),
            demandeur: self.demandeur.as_str().to_owned(),
            date_limite_depot: self.date_limite_depot.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            declaratif: self.declaratif.map(|d| d.as_str().to_owned()).unwrap_or_default(),
            message_fin_depot: self.message_fin_depot.clone(),
            lien_site: self.lien_site.clone(),
            monavis: self.monavis.clone(),
            cadre_juridique: self.cadre_juridique.clone(),
            notice_url: self.notice_url.clone(),
            modele: if self.modele { "on".to_owned() } else { String::new() },
        }
    }
}

impl ReglagesSaisis {
    /// Checks every setting, each error addressed to its field. A deadline
    /// must not be past, unless it is the one already set (`actuelle`: an
    /// administrateur editing a closed démarche's description is not made
    /// to remove it).
    pub fn valider(&self, e: &mut Erreurs, aujourdhui: NaiveDate, actuelle: Option<NaiveDate>) -> Reglages {
        let duree_conservation_mois = match self.duree_conservation_mois.trim() {
            "" => CONSERVATION_PAR_DEFAUT,
            s => match s.parse::<i64>() {
                Ok(n) if CONSERVATION_MOIS.contains(&n) => n,
                _ => {
                    e.add(
                        "duree_conservation_mois",
                        "La durée de conservation doit être un nombre de mois entre 1 et 60.",
                    );
                    CONSERVATION_PAR_DEFAUT
                }
            },
        };
        let demandeur = match self.demandeur.trim() {
            "" => Demandeur::Particulier,
            s => Demandeur::parse(s).unwrap_or_else(|| {
                e.add("demandeur", "Choisissez à qui s'adresse la démarche : particuliers ou personnes morales.");
                Demandeur::Particulier
            }),
        };
        let date_limite_depot = match self.date_limite_depot.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")) {
                Ok(d) if d >= aujourdhui || Some(d) == actuelle => Some(d),
                Ok(_) => {
                    e.add("date_limite_depot", "La date limite de dépôt ne peut pas être déjà passée.");
                    None
                }
                Err(_) => {
                    e.add("date_limite_depot", "La date limite de dépôt doit être une date, au format JJ/MM/AAAA.");
                    None
                }
            },
        };
        let declaratif = match self.declaratif.trim() {
            "" => None,
            s => Declaratif::parse(s).or_else(|| {
                e.add(
                    "declaratif",
                    "Choisissez « en instruction » ou « accepté », ou laissez la démarche non déclarative.",
                );
                None
            }),
        };
        let message_fin_depot = texte_optionnel(
            e,
            "message_fin_depot",
            "Message de fin de dépôt",
            &self.message_fin_depot,
            MESSAGE_FIN_DEPOT_MAX,
        );
        let lien_site = url_optionnelle(e, "lien_site", "Lien du site", &self.lien_site);
        let notice_url = url_optionnelle(e, "notice_url", "Lien vers la notice", &self.notice_url);
        let cadre_juridique =
            texte_optionnel(e, "cadre_juridique", "Cadre juridique", &self.cadre_juridique, CADRE_JURIDIQUE_MAX);
        let monavis = texte_optionnel(e, "monavis", "Code MonAvis", &self.monavis, MONAVIS_MAX_CHARS);
        if !monavis.is_empty()
            && e.get("monavis").is_none()
            && let Err(m) = lien_monavis(&monavis)
        {
            e.add("monavis", m);
        }
        Reglages {
            duree_conservation_mois,
            demandeur,
            date_limite_depot,
            declaratif,
            message_fin_depot,
            lien_site,
            monavis,
            cadre_juridique,
            notice_url,
            modele: !self.modele.trim().is_empty(),
        }
    }
}

/// An optional link shown to usagers: an http(s) address only (a
/// `javascript:` one would run in their browser).
fn url_optionnelle(e: &mut Erreurs, champ: &str, libelle: &str, value: &str) -> String {
    let value = texte_optionnel(e, champ, libelle, value, URL_MAX);
    if value.is_empty() || e.get(champ).is_some() {
        return value;
    }
    match url::Url::parse(&value) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host_str().is_some() => value,
        _ => {
            e.add(champ, format!("Le champ « {libelle} » doit être une adresse web commençant par https://."));
            value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jour(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn empty_settings_take_the_defaults() {
        let mut e = Erreurs::new();
        let r = ReglagesSaisis::default().valider(&mut e, jour(2026, 12, 7), None);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r, Reglages::default());
        assert_eq!(r.saisis().valider(&mut e, jour(2026, 12, 7), None), r);
    }

    #[test]
    fn each_bad_setting_is_reported_on_its_field() {
        let saisis = ReglagesSaisis {
            duree_conservation_mois: "61".into(),
            demandeur: "robot".into(),
            date_limite_depot: "2026-12-06".into(),
            declaratif: "refuse".into(),
            message_fin_depot: "x".repeat(MESSAGE_FIN_DEPOT_MAX + 1),
            lien_site: "javascript:alert(1)".into(),
            monavis: "<script>".into(),
            cadre_juridique: String::new(),
            notice_url: "notice.pdf".into(),
            modele: String::new(),
        };
        let mut e = Erreurs::new();
        saisis.valider(&mut e, jour(2026, 12, 7), None);
        let champs: Vec<&str> = e.0.iter().map(|e| e.champ.as_str()).collect();
        assert_eq!(
            champs,
            [
                "duree_conservation_mois",
                "demandeur",
                "date_limite_depot",
                "declaratif",
                "message_fin_depot",
                "lien_site",
                "notice_url",
                "monavis"
            ]
        );
        assert!(e.0.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn a_deadline_is_today_or_later_unless_already_set() {
        let mut saisis = ReglagesSaisis { date_limite_depot: "07/12/2026".into(), ..Default::default() };
        let mut e = Erreurs::new();
        assert_eq!(saisis.valider(&mut e, jour(2026, 12, 7), None).date_limite_depot, Some(jour(2026, 12, 7)));
        saisis.date_limite_depot = "2026-12-01".into();
        let r = saisis.valider(&mut e, jour(2026, 12, 7), Some(jour(2026, 12, 1)));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.date_limite_depot, Some(jour(2026, 12, 1)));
        saisis.valider(&mut e, jour(2026, 12, 7), None);
        assert!(e.get("date_limite_depot").is_some());
    }

    #[test]
    fn a_declarative_demarche_decides_one_of_two_ways() {
        let mut e = Erreurs::new();
        for (s, d) in [("en_instruction", Declaratif::EnInstruction), ("accepte", Declaratif::Accepte)] {
            let r =
                ReglagesSaisis { declaratif: s.into(), ..Default::default() }.valider(&mut e, jour(2026, 1, 1), None);
            assert_eq!(r.declaratif, Some(d));
        }
        assert!(e.is_empty());
    }
}
