//! API Entreprise v3, INSEE Sirene endpoints: building the requests and
//! reading the answers, as pure functions tested natively against the
//! payloads of the contract (`tests/support/contrats/api_entreprise.rs`).
//!
//! - `GET https://entreprise.api.gouv.fr/v3/insee/sirene/etablissements/{siret}`
//! - `GET https://entreprise.api.gouv.fr/v3/insee/sirene/unites_legales/{siren}`
//!
//! both with the mandatory `context`, `recipient` and `object` query
//! parameters. The jeton (`Authorization: Bearer …`) is added by the host:
//! the plugin never sees it.

pub mod etablissement;

use guichet_plugin_sdk::http;
use serde::Deserialize;

/// The production origin; the operator may relocate it (staging, a contract
/// server in tests) without the plugin knowing.
pub const ORIGIN: &str = "https://entreprise.api.gouv.fr";

/// The manifest's name of the jeton (`[[secrets]]`).
pub const SECRET: &str = "api-entreprise";

/// The three parameters API Entreprise requires on every call, to trace who
/// asked what for which purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parametres {
    /// Framework of the call (for example « Démarches simplifiées »).
    pub context: String,
    /// SIRET of the administration receiving the data.
    pub recipient: String,
    /// Why the data is asked (for example the procedure).
    pub object: String,
}

/// The URL of an établissement.
pub fn etablissement_url(siret: &str, parametres: &Parametres) -> String {
    url("etablissements", siret, parametres)
}

/// The URL of an unité légale.
pub fn unite_legale_url(siren: &str, parametres: &Parametres) -> String {
    url("unites_legales", siren, parametres)
}

fn url(resource: &str, id: &str, parametres: &Parametres) -> String {
    let query = http::encode_query(&[
        ("context", &parametres.context),
        ("recipient", &parametres.recipient),
        ("object", &parametres.object),
    ]);
    format!("{ORIGIN}/v3/insee/sirene/{resource}/{}?{query}", http::encode_path_segment(id))
}

/// What a request asks for besides the URL.
pub const HEADERS: &[(&str, &str)] = &[("Accept", "application/json")];

/// What went wrong with a call, decided from its status and error codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Echec {
    /// 404: no such identifier in the Sirene register.
    Inconnu,
    /// 422 on the identifier itself (`00301`, `00302`): the API's format
    /// rules refused what ours accepted.
    FormatRefuse,
    /// 401/403, or a 422 on `recipient`: the operator's jeton or
    /// configuration is wrong.
    Configuration(String),
    /// 429, 5xx, or an answer that does not parse: try again later.
    Indisponible(String),
    /// Any other refusal: the plugin built a wrong request.
    Requete(String),
}

#[derive(Deserialize)]
struct Erreurs {
    #[serde(default)]
    errors: Vec<Erreur>,
}

#[derive(Deserialize)]
struct Erreur {
    #[serde(default)]
    code: String,
}

/// Sorts a non-2xx answer. `retry_after` is the `Retry-After` header, kept
/// for the logs.
pub fn echec(status: u16, body: &[u8], retry_after: Option<&str>) -> Echec {
    let codes: Vec<String> = serde_json::from_slice::<Erreurs>(body)
        .map(|erreurs| erreurs.errors.into_iter().map(|e| e.code).collect())
        .unwrap_or_default();
    let codes_text = codes.join(",");
    match status {
        404 => Echec::Inconnu,
        401 | 403 => Echec::Configuration(format!("API Entreprise refused the jeton (status {status}, {codes_text})")),
        422 if codes.iter().any(|c| c == "00210" || c == "00211") => {
            Echec::Configuration(format!("API Entreprise refused the configured recipient (status 422, {codes_text})"))
        }
        422 if !codes.is_empty() && codes.iter().all(|c| c == "00301" || c == "00302") => Echec::FormatRefuse,
        429 => Echec::Indisponible(format!(
            "API Entreprise rate limit reached (retry after {} s)",
            retry_after.unwrap_or("?")
        )),
        500..=599 => Echec::Indisponible(format!("API Entreprise answered status {status} ({codes_text})")),
        _ => Echec::Requete(format!("API Entreprise answered status {status} ({codes_text})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parametres() -> Parametres {
        Parametres {
            context: "Démarches en ligne".to_owned(),
            recipient: "10000001700010".to_owned(),
            object: "Vérification du SIRET saisi".to_owned(),
        }
    }

    #[test]
    fn builds_the_documented_urls() {
        assert_eq!(
            etablissement_url("13002526500013", &parametres()),
            "https://entreprise.api.gouv.fr/v3/insee/sirene/etablissements/13002526500013\
             ?context=D%C3%A9marches%20en%20ligne&recipient=10000001700010\
             &object=V%C3%A9rification%20du%20SIRET%20saisi"
        );
        assert!(
            unite_legale_url("130025265", &parametres())
                .starts_with("https://entreprise.api.gouv.fr/v3/insee/sirene/unites_legales/130025265?context=")
        );
        let target = http::parse_url(&etablissement_url("13002526500013", &parametres())).unwrap();
        assert_eq!(target.authority, "entreprise.api.gouv.fr");
    }

    #[test]
    fn sorts_the_contracts_errors() {
        let not_found = br#"{"errors":[{"code":"01003","title":"Entit\u00e9 non trouv\u00e9e","detail":"...","meta":{"provider":"INSEE"}}]}"#;
        assert_eq!(echec(404, not_found, None), Echec::Inconnu);
        let interdit = br#"{"errors":[{"code":"00101","title":"Interdit","detail":"Votre token n'est pas valide ou n'est pas renseign\u00e9","source":{"parameter":"token"},"meta":{}}]}"#;
        assert!(matches!(echec(401, interdit, None), Echec::Configuration(reason) if reason.contains("00101")));
        let manquants = br#"{"errors":[{"code":"00201"},{"code":"00202"},{"code":"00203"}]}"#;
        assert!(matches!(echec(422, manquants, None), Echec::Requete(_)));
        assert!(matches!(echec(422, br#"{"errors":[{"code":"00210"}]}"#, None), Echec::Configuration(_)));
        assert!(matches!(echec(422, br#"{"errors":[{"code":"00211"}]}"#, None), Echec::Configuration(_)));
        assert_eq!(echec(422, br#"{"errors":[{"code":"00302"}]}"#, None), Echec::FormatRefuse);
        assert!(matches!(echec(422, br#"{"errors":[{"code":"00302"},{"code":"00203"}]}"#, None), Echec::Requete(_)));
        let trop = br#"{"errors":[{"code":"00429","title":"Trop de requ\u00eates"}]}"#;
        assert!(matches!(echec(429, trop, Some("30")), Echec::Indisponible(reason) if reason.contains("30 s")));
        assert!(matches!(echec(503, br#"{"errors":[{"code":"01001"}]}"#, None), Echec::Indisponible(_)));
        assert!(matches!(echec(502, b"<html>bad gateway</html>", None), Echec::Indisponible(_)));
        assert!(matches!(echec(400, b"", None), Echec::Requete(_)));
    }
}
