//! Appointments as the WIT `rendez-vous` interface describes them, and the
//! per-démarche options.

/// WIT `etat-rendez-vous`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtatRendezVous {
    AVenir,
    Honore,
    Annule,
    Revoque,
    Absence,
}

/// WIT `modalite`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modalite {
    SurPlace,
    Telephone,
    Visioconference,
    Domicile,
}

/// WIT `rendez-vous`, plus its Unix time to sort by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RendezVous {
    pub id: String,
    pub commence_le: String,
    pub debut_unix: i64,
    pub duree_minutes: u32,
    pub etat: EtatRendezVous,
    pub modalite: Modalite,
    pub motif: String,
    pub adresse: Option<String>,
    pub url_visio: Option<String>,
    pub url_gestion: Option<String>,
}

/// Soonest first, as `list-rendez-vous` answers.
pub fn trier(rendez_vous: &mut [RendezVous]) {
    rendez_vous.sort_by(|a, b| a.debut_unix.cmp(&b.debut_unix).then_with(|| a.id.cmp(&b.id)));
}

/// The options (démarche settings) are unusable; English, for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionsInvalides(pub String);

/// Longest `url-agenda` kept: a booking link is a short URL; this bounds
/// what the plugin copies into every proposition.
const URL_MAX: usize = 2000;

/// `url-agenda`: the public booking link of the organisation's agenda on
/// RDV Service Public (« URL de votre agenda »), sent to the usager.
pub fn url_agenda(options: &str) -> Result<String, OptionsInvalides> {
    let invalide = |m: &str| OptionsInvalides(m.to_owned());
    let options: serde_json::Value =
        serde_json::from_str(options).map_err(|_| invalide("options are not valid JSON"))?;
    let Some(options) = options.as_object() else {
        return Err(invalide("options are not a JSON object"));
    };
    let url = match options.get("url-agenda") {
        Some(serde_json::Value::String(url)) if !url.trim().is_empty() => url.trim(),
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::String(_)) => {
            return Err(invalide("option `url-agenda` (the agenda's booking link) is not set"));
        }
        Some(_) => return Err(invalide("option `url-agenda` must be a string")),
    };
    let hote = url.strip_prefix("https://").map(|reste| reste.split(['/', '?', '#']).next().unwrap_or_default());
    match hote {
        Some(hote) if !hote.is_empty() && url.len() <= URL_MAX && !url.contains(char::is_whitespace) => {
            Ok(url.to_owned())
        }
        _ => Err(invalide("option `url-agenda` must be an https:// link without spaces")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_agenda_is_a_https_link() {
        let url = "https://rdv.anct.gouv.fr/org/100/demarches-simplifiees";
        assert_eq!(url_agenda(&format!(r#"{{"url-agenda": " {url} "}}"#)), Ok(url.to_owned()));
        for options in [
            "{}",
            r#"{"url-agenda": ""}"#,
            r#"{"url-agenda": null}"#,
            r#"{"url-agenda": 3}"#,
            r#"{"url-agenda": "http://rdv.anct.gouv.fr/org/100"}"#,
            r#"{"url-agenda": "https:///org/100"}"#,
            r#"{"url-agenda": "https://rdv.anct.gouv.fr/org 100"}"#,
            r#"{"url-agenda": "javascript:alert(1)"}"#,
            "[]",
            "{",
        ] {
            assert!(url_agenda(options).is_err(), "{options}");
        }
        let long = format!(r#"{{"url-agenda": "https://rdv.anct.gouv.fr/{}"}}"#, "a".repeat(URL_MAX));
        assert!(url_agenda(&long).is_err());
    }

    #[test]
    fn soonest_first() {
        let rdv = |id: &str, debut_unix| RendezVous {
            id: id.into(),
            commence_le: String::new(),
            debut_unix,
            duree_minutes: 30,
            etat: EtatRendezVous::AVenir,
            modalite: Modalite::Telephone,
            motif: String::new(),
            adresse: None,
            url_visio: None,
            url_gestion: None,
        };
        let mut liste = vec![rdv("3", 300), rdv("1", 100), rdv("2", 100)];
        trier(&mut liste);
        assert_eq!(liste.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    }
}
