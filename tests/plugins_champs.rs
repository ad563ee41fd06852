//! The first-party champ types of `guichet:plugin@0.2.0` (siret, adresse,
//! carte) in the real host, against the local contract servers of
//! `guichet_tests::contrats`: the operator grants each plugin its production
//! origin and relocates it to the contract server, the host injects the
//! secrets, and every test checks what the server received as well as what
//! the plugin answered.
//!
//! Needs `plugins/build.sh` (siret, adresse and carte in `plugins/dist/`).

use std::time::Duration;

use guichet::plugins::{Enrichment, ExportColumn, GuestError, PluginError, PluginFieldError, PluginValidation};
use guichet_tests::app::plugins_dir;
use guichet_tests::contrats::Outage;
use guichet_tests::contrats::api_carto::{self, ApiCarto};
use guichet_tests::contrats::api_entreprise::{self, ApiEntreprise};
use guichet_tests::contrats::ban::{self, Ban};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

/// A host with the first-party plugins `ids` and the operator's `operator`.
async fn host_with(ids: &[&str], operator: &str) -> (guichet::plugins::PluginHost, tempfile::TempDir) {
    let sources: Vec<_> = ids.iter().map(|id| plugins_dir().join(id)).collect();
    guichet_tests::plugin_host::host_with(&sources, operator).await
}

// ---------------------------------------------------------------------------
// Host set-up
// ---------------------------------------------------------------------------

/// `[siret]` granted API Entreprise, relocated to `base`, with `recipient`
/// and the jeton unless left out.
fn siret_operator(base: &str, recipient: Option<&str>, token: Option<&str>) -> String {
    let mut toml = format!(
        "[siret]\nhttp = [\"https://entreprise.api.gouv.fr\"]\nallow-private-addresses = true\n\
         [siret.relocate]\n\"https://entreprise.api.gouv.fr\" = \"{base}\"\n"
    );
    if let Some(recipient) = recipient {
        toml.push_str(&format!("[siret.config]\nrecipient = \"{recipient}\"\n"));
    }
    if let Some(token) = token {
        toml.push_str(&format!("[siret.secrets]\napi-entreprise = \"{token}\"\n"));
    }
    toml
}

fn adresse_operator(base: &str) -> String {
    format!(
        "[adresse]\nhttp = [\"https://data.geopf.fr\"]\nallow-private-addresses = true\n\
         [adresse.relocate]\n\"https://data.geopf.fr\" = \"{base}\"\n"
    )
}

fn carte_operator(base: &str) -> String {
    format!(
        "[carte]\nhttp = [\"https://apicarto.ign.fr\"]\nallow-private-addresses = true\n\
         [carte.relocate]\n\"https://apicarto.ign.fr\" = \"{base}\"\n"
    )
}

type EnrichOutcome = Result<Result<Option<Enrichment>, Vec<PluginFieldError>>, PluginError>;

fn enriched(outcome: EnrichOutcome) -> Enrichment {
    match outcome {
        Ok(Ok(Some(enrichment))) => enrichment,
        other => panic!("expected an enrichment, got {other:?}"),
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn resume_value<'a>(enrichment: &'a Enrichment, libelle: &str) -> &'a str {
    enrichment
        .resume
        .iter()
        .find(|(l, _)| l == libelle)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no « {libelle} » line in {:?}", enrichment.resume))
}

/// A guest `upstream-unavailable`: the host keeps the value and asks again.
fn assert_upstream(outcome: &EnrichOutcome, what: &str) {
    match outcome {
        Err(error @ PluginError::Guest { error: GuestError::UpstreamUnavailable(_), .. }) => {
            assert!(error.is_transient(), "{what}: {error} must be transient");
        }
        other => panic!("{what}: expected upstream-unavailable, got {other:?}"),
    }
}

/// A guest `misconfigured`: the operator's or administrateur's settings.
fn assert_misconfigured(outcome: &EnrichOutcome, what: &str) {
    assert!(
        matches!(outcome, Err(PluginError::Guest { error: GuestError::Misconfigured(_), .. })),
        "{what}: expected misconfigured, got {outcome:?}"
    );
}

fn column_ids(columns: &[ExportColumn]) -> Vec<&str> {
    columns.iter().map(|c| c.id.as_str()).collect()
}

// ---------------------------------------------------------------------------
// siret
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siret_is_enriched_from_api_entreprise_with_the_operators_jeton() {
    let insee = ApiEntreprise::start().await;
    let operator = siret_operator(&insee.base_url(), Some(api_entreprise::RECIPIENT), Some(api_entreprise::TOKEN));
    let (host, _dir) = host_with(&["siret"], &operator).await;

    let info = host.type_de_champ("siret").expect("siret is a champ type");
    assert_eq!(info.http_origins, vec!["https://entreprise.api.gouv.fr".to_owned()]);
    assert_eq!(
        host.validate("siret", "130 025 265 00013", "{}").await.expect("validate"),
        PluginValidation::Valid { normalized: api_entreprise::SIRET_DINUM.into() }
    );
    assert!(insee.requests().is_empty(), "validate is offline");

    let enrichment = enriched(host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await);
    let donnees = json_of(&enrichment.donnees);
    assert_eq!(donnees["siret"], api_entreprise::SIRET_DINUM);
    assert_eq!(donnees["siren"], "130025265");
    assert_eq!(donnees["raison_sociale"], "DIRECTION INTERMINISTERIELLE DU NUMERIQUE");
    assert_eq!(donnees["sigle"], "DINUM");
    assert_eq!(donnees["naf"], json!({ "code": "84.11Z", "libelle": "Administration publique générale" }));
    assert_eq!(donnees["forme_juridique"]["libelle"], "Service central d'un ministère");
    assert_eq!(donnees["adresse"]["code_postal"], "75007");
    assert_eq!(donnees["adresse"]["commune"], "PARIS 7");
    assert_eq!(donnees["adresse"]["code_commune"], "75107");
    assert_eq!(donnees["adresse"]["ligne"], "20 AVENUE DE SEGUR, 75007 PARIS 7");
    assert_eq!(donnees["siege_social"], true);
    assert_eq!(donnees["etat_administratif"], "actif");
    // Sirene's 2011-11-20T23:00:00Z is midnight in Paris on the 21st.
    assert_eq!(donnees["date_creation"], "2011-11-21");
    assert_eq!(resume_value(&enrichment, "Raison sociale"), "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)");
    assert_eq!(resume_value(&enrichment, "SIRET"), "130 025 265 00013");
    assert_eq!(resume_value(&enrichment, "Activité principale (NAF)"), "84.11Z – Administration publique générale");
    assert_eq!(resume_value(&enrichment, "État administratif"), "Actif");

    // One call, by API Entreprise's contract, with the jeton the operator
    // set: the manifest declares it as a host-injected header, the plugin
    // only asks whether it exists.
    let calls = insee.wait_for_requests(1, WAIT).await.expect("API Entreprise was called");
    assert_eq!(calls.len(), 1, "the établissement's answer carries its unité légale: {calls:?}");
    let call = &calls[0];
    assert_eq!(call.method, "GET");
    assert_eq!(call.path, format!("/v3/insee/sirene/etablissements/{}", api_entreprise::SIRET_DINUM));
    assert_eq!(call.header("authorization"), Some(format!("Bearer {}", api_entreprise::TOKEN).as_str()));
    assert_eq!(call.param("recipient"), Some(api_entreprise::RECIPIENT));
    // The manifest's defaults for the configuration the operator left unset.
    assert_eq!(call.param("context"), Some("Démarches en ligne"));
    assert_eq!(call.param("object"), Some("Vérification d'un numéro SIRET saisi dans un formulaire"));
    // Nothing the plugin produced or logged holds the jeton.
    assert!(!enrichment.donnees.contains(api_entreprise::TOKEN));
    let status = host.statuses().into_iter().find(|s| s.info.id == "siret").expect("siret status");
    assert!(
        status.recent_logs.iter().all(|log| !format!("{log:?}").contains(api_entreprise::TOKEN)),
        "{:?}",
        status.recent_logs
    );

    // Kept in the host's cache: asking again does not call API Entreprise.
    let again = enriched(host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await);
    assert_eq!(again, enrichment);
    assert_eq!(insee.requests().len(), 1, "the second enrichment came from the cache");

    // Display, search text and export from the donnees.
    let donnees_text = enrichment.donnees.as_str();
    assert_eq!(
        host.display("siret", api_entreprise::SIRET_DINUM, Some(donnees_text), "{}").await.expect("display"),
        "DIRECTION INTERMINISTERIELLE DU NUMERIQUE (DINUM)\nSIRET 130 025 265 00013\n20 AVENUE DE SEGUR, 75007 PARIS 7"
    );
    assert_eq!(
        host.display("siret", api_entreprise::SIRET_DINUM, None, "{}").await.expect("display without donnees"),
        "130 025 265 00013"
    );
    assert_eq!(
        host.search_text("siret", api_entreprise::SIRET_DINUM, Some(donnees_text), "{}").await.expect("search"),
        "13002526500013 130025265 DIRECTION INTERMINISTERIELLE DU NUMERIQUE DINUM 75007 PARIS 7"
    );
    let columns = host.export_columns("siret", "{}").await.expect("export columns").expect("siret exports");
    assert_eq!(
        column_ids(&columns),
        [
            "siret",
            "raison-sociale",
            "enseigne",
            "adresse",
            "code-postal",
            "commune",
            "code-naf",
            "libelle-naf",
            "forme-juridique",
            "date-creation",
            "etat-administratif",
            "siege-social",
        ]
    );
    assert_eq!(columns[1].libelle, "Raison sociale");
    let cells = host
        .export_values("siret", api_entreprise::SIRET_DINUM, Some(donnees_text), "{}")
        .await
        .expect("export values");
    assert_eq!(
        cells,
        [
            "13002526500013",
            "DIRECTION INTERMINISTERIELLE DU NUMERIQUE",
            "",
            "20 AVENUE DE SEGUR, 75007 PARIS 7",
            "75007",
            "PARIS 7",
            "84.11Z",
            "Administration publique générale",
            "Service central d'un ministère",
            "21/11/2011",
            "Actif",
            "Oui",
        ]
    );
    let bare = host.export_values("siret", api_entreprise::SIRET_DINUM, None, "{}").await.expect("export bare");
    assert_eq!(bare.len(), columns.len());
    assert_eq!(bare[0], api_entreprise::SIRET_DINUM);
    assert!(bare[1..].iter().all(String::is_empty), "{bare:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_siret_is_the_usagers_field_error() {
    let insee = ApiEntreprise::start().await;
    let operator = siret_operator(&insee.base_url(), Some(api_entreprise::RECIPIENT), Some(api_entreprise::TOKEN));
    let (host, _dir) = host_with(&["siret"], &operator).await;

    // A valid key, but no such établissement in the register.
    let unknown = "73282932000074";
    assert!(matches!(host.validate("siret", unknown, "{}").await, Ok(PluginValidation::Valid { .. })));
    match host.enrich("siret", unknown, "{}").await {
        Ok(Err(errors)) => assert_eq!(
            errors,
            vec![PluginFieldError {
                code: "siret-inconnu".into(),
                message: "Aucun établissement n'est enregistré sous ce numéro SIRET".into(),
            }]
        ),
        other => panic!("expected siret-inconnu, got {other:?}"),
    }
    let calls = insee.wait_for_requests(1, WAIT).await.expect("API Entreprise was asked");
    assert_eq!(calls[0].path, format!("/v3/insee/sirene/etablissements/{unknown}"));

    // An établissement that disappears from the register is unknown too.
    insee.remove_etablissement(api_entreprise::SIRET_SNCF);
    assert!(
        matches!(host.enrich("siret", api_entreprise::SIRET_SNCF, "{}").await, Ok(Err(e)) if e[0].code == "siret-inconnu")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_entreprise_outages_are_transient_upstream_failures() {
    let insee = ApiEntreprise::start().await;
    let operator = siret_operator(&insee.base_url(), Some(api_entreprise::RECIPIENT), Some(api_entreprise::TOKEN));
    let (host, _dir) = host_with(&["siret"], &operator).await;

    insee.set_outage(Outage::Unavailable);
    let outcome = host.enrich("siret", api_entreprise::SIRET_SNCF, "{}").await;
    assert_upstream(&outcome, "a transient upstream-unavailable on 503");

    insee.set_outage(Outage::RateLimited { retry_after: 30 });
    let outcome = host.enrich("siret", api_entreprise::SIRET_LA_POSTE, "{}").await;
    assert_upstream(&outcome, "a transient upstream-unavailable on 429");
    let seen = insee.requests();
    assert!(seen.len() >= 2, "both outages were met by real requests: {seen:?}");

    // Failures are not cached: once the API is back, the same SIRET answers.
    insee.clear_outage();
    let enrichment = enriched(host.enrich("siret", api_entreprise::SIRET_LA_POSTE, "{}").await);
    assert_eq!(json_of(&enrichment.donnees)["raison_sociale"], "LA POSTE");
}

/// The SDK gives each phase of a request 4 s (`wasi:http` request options);
/// siret's manifest sizes its 9 s wall-clock limit on that. A server that
/// holds the request longer must end as upstream-unavailable (the value is
/// kept and checked again later) before the host's own timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_api_entreprise_is_upstream_unavailable_within_the_plugins_timeout() {
    let insee = ApiEntreprise::start().await;
    let operator = siret_operator(&insee.base_url(), Some(api_entreprise::RECIPIENT), Some(api_entreprise::TOKEN));
    let (host, _dir) = host_with(&["siret"], &operator).await;

    insee.set_outage(Outage::Hang(Duration::from_secs(12)));
    let started = std::time::Instant::now();
    let outcome = host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await;
    let elapsed = started.elapsed();
    assert_upstream(&outcome, "a hung request");
    assert!(elapsed < Duration::from_secs(7), "the plugin's 4 s timeout did not apply: {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn siret_without_its_operator_configuration_is_misconfigured() {
    let insee = ApiEntreprise::start().await;
    let base = insee.base_url();

    // No jeton: refused before any request.
    let (host, _dir) = host_with(&["siret"], &siret_operator(&base, Some(api_entreprise::RECIPIENT), None)).await;
    let outcome = host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await;
    assert_misconfigured(&outcome, "misconfigured without the secret");
    // No recipient: refused before any request too.
    let (host, _dir2) = host_with(&["siret"], &siret_operator(&base, None, Some(api_entreprise::TOKEN))).await;
    let outcome = host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await;
    assert_misconfigured(&outcome, "misconfigured without recipient");
    assert!(insee.requests().is_empty(), "nothing was sent: {:?}", insee.requests());

    // The origin not granted: the host refuses the request, nothing is sent.
    let operator = format!(
        "[siret.config]\nrecipient = \"{}\"\n[siret.secrets]\napi-entreprise = \"{}\"\n",
        api_entreprise::RECIPIENT,
        api_entreprise::TOKEN
    );
    let (host, _dir3) = host_with(&["siret"], &operator).await;
    assert!(host.type_de_champ("siret").expect("loaded").http_origins.is_empty());
    let outcome = host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await;
    assert_misconfigured(&outcome, "misconfigured when the origin is not granted");
    assert!(insee.requests().is_empty(), "nothing was sent: {:?}", insee.requests());

    // A jeton API Entreprise refuses (401): misconfigured, not the usager's fault.
    let (host, _dir4) =
        host_with(&["siret"], &siret_operator(&base, Some(api_entreprise::RECIPIENT), Some("jeton-perime"))).await;
    let outcome = host.enrich("siret", api_entreprise::SIRET_DINUM, "{}").await;
    assert_misconfigured(&outcome, "misconfigured on 401");
    let calls = insee.wait_for_requests(1, WAIT).await.expect("the refused call");
    assert_eq!(calls[0].header("authorization"), Some("Bearer jeton-perime"));
}

// ---------------------------------------------------------------------------
// adresse
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adresse_suggests_structured_addresses_from_the_ban() {
    let ban = Ban::start().await;
    let (host, _dir) = host_with(&["adresse"], &adresse_operator(&ban.base_url())).await;

    let suggestions = host.suggest("adresse", "avenue de Ségur", "{}", 5).await.expect("suggest");
    let labels: Vec<&str> = suggestions.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels.contains(&"20 Avenue de Ségur 75007 Paris"), "{labels:?}");
    assert!(labels.contains(&"Avenue de Ségur 75007 Paris"), "{labels:?}");
    let numero = suggestions.iter().find(|s| s.label.starts_with("20 ")).expect("the housenumber");
    assert_eq!(numero.value, numero.label);
    let donnees = json_of(&numero.donnees);
    assert_eq!(donnees["source"], "ban");
    assert_eq!(donnees["numero"], "20");
    assert_eq!(donnees["voie"], "Avenue de Ségur");
    assert_eq!(donnees["code_postal"], "75007");
    assert_eq!(donnees["commune"], "Paris");
    assert_eq!(donnees["arrondissement"], "Paris 7e Arrondissement");
    assert_eq!(donnees["code_insee"], "75107");
    assert_eq!(donnees["departement"], json!({ "code": "75", "nom": "Paris" }));
    assert_eq!(donnees["region"], "Île-de-France");
    assert_eq!(donnees["ban_id"], "75107_8909_00020");
    assert_eq!(donnees["coordonnees"], json!({ "longitude": 2.308563, "latitude": 48.850609 }));

    let calls = ban.wait_for_requests(1, WAIT).await.expect("the geocoder was asked");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, ban::GEOPLATEFORME_SEARCH_PATH);
    assert_eq!(calls[0].param("q"), Some("avenue de Ségur"));
    assert_eq!(calls[0].param("autocomplete"), Some("1"));
    assert_eq!(calls[0].param("limit"), Some("5"));

    // Lyon: the département the routing rule reads.
    let lyon = host.suggest("adresse", "place Bellecour", "{}", 5).await.expect("suggest Lyon");
    assert_eq!(lyon.len(), 1, "{lyon:?}");
    assert_eq!(json_of(&lyon[0].donnees)["departement"], json!({ "code": "69", "nom": "Rhône" }));

    // Under three characters the host does not even call the plugin.
    ban.clear_requests();
    for short in ["", "ab", "  8 "] {
        assert!(host.suggest("adresse", short, "{}", 5).await.expect("short suggest").is_empty());
    }
    assert!(ban.requests().is_empty(), "short queries reached the geocoder: {:?}", ban.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adresse_enrich_is_the_ban_result_or_a_manual_entry() {
    let ban = Ban::start().await;
    let (host, _dir) = host_with(&["adresse"], &adresse_operator(&ban.base_url())).await;

    let label = "20 Avenue de Ségur 75007 Paris";
    let enrichment = enriched(host.enrich("adresse", label, "{}").await);
    let donnees = json_of(&enrichment.donnees);
    assert_eq!(donnees["source"], "ban");
    assert_eq!(donnees["label"], label);
    assert_eq!(donnees["code_insee"], "75107");
    assert_eq!(donnees["ban_id"], "75107_8909_00020");
    assert!(donnees["score"].as_f64().is_some_and(|s| s >= 0.7), "{donnees}");
    assert_eq!(resume_value(&enrichment, "Adresse"), label);
    assert_eq!(resume_value(&enrichment, "Commune"), "Paris (Paris 7e Arrondissement)");
    assert_eq!(resume_value(&enrichment, "Département"), "75 – Paris");
    let calls = ban.wait_for_requests(1, WAIT).await.expect("the geocoder was asked");
    assert_eq!(calls[0].param("q"), Some(label));
    assert_eq!(calls[0].param("autocomplete"), Some("0"));
    assert_eq!(calls[0].param("limit"), Some("1"));

    // Display, search and export from the donnees.
    let d = enrichment.donnees.as_str();
    assert_eq!(host.display("adresse", "20 av de segur", Some(d), "{}").await.expect("display"), label);
    let search = host.search_text("adresse", label, Some(d), "{}").await.expect("search");
    for word in ["75007", "Paris 7e Arrondissement", "75107", "Île-de-France"] {
        assert!(search.contains(word), "{word} missing from {search:?}");
    }
    let columns = host.export_columns("adresse", "{}").await.expect("columns").expect("adresse exports");
    assert_eq!(
        column_ids(&columns),
        ["adresse", "numero", "voie", "code-postal", "commune", "code-insee", "departement", "region"]
    );
    assert_eq!(
        host.export_values("adresse", label, Some(d), "{}").await.expect("values"),
        [label, "20", "Avenue de Ségur", "75007", "Paris", "75107", "75 – Paris", "Île-de-France"]
    );

    // An address the BAN does not know is kept as typed, never refused.
    let inconnue = "3 chemin des Oliviers 84000 Avignon";
    let enrichment = enriched(host.enrich("adresse", inconnue, "{}").await);
    let donnees = json_of(&enrichment.donnees);
    assert_eq!(donnees["source"], "saisie-manuelle");
    assert_eq!(donnees["label"], inconnue);
    assert_eq!(donnees["code_postal"], "84000");
    assert_eq!(donnees["commune"], "Avignon");
    assert!(donnees["code_insee"].is_null(), "{donnees}");
    assert!(resume_value(&enrichment, "Vérification").contains("Adresse non trouvée dans la Base Adresse Nationale"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn geocoder_outages_are_transient_upstream_failures() {
    let ban = Ban::start().await;
    let (host, _dir) = host_with(&["adresse"], &adresse_operator(&ban.base_url())).await;

    ban.set_outage(Outage::Unavailable);
    let outcome = host.enrich("adresse", "20 Avenue de Ségur 75007 Paris", "{}").await;
    assert_upstream(&outcome, "a transient upstream-unavailable on 503");
    match host.suggest("adresse", "avenue de Ségur", "{}", 5).await {
        Err(PluginError::Guest { error: GuestError::UpstreamUnavailable(_), .. }) => {}
        other => panic!("suggest during an outage: {other:?}"),
    }
    ban.set_outage(Outage::RateLimited { retry_after: 10 });
    let outcome = host.enrich("adresse", "1 Place de la Comédie 34000 Montpellier", "{}").await;
    assert_upstream(&outcome, "a transient upstream-unavailable on 429");
    assert!(ban.requests().len() >= 3, "{:?}", ban.requests());

    ban.clear_outage();
    let enrichment = enriched(host.enrich("adresse", "1 Place de la Comédie 34000 Montpellier", "{}").await);
    assert_eq!(json_of(&enrichment.donnees)["code_insee"], "34172");
}

// ---------------------------------------------------------------------------
// carte
// ---------------------------------------------------------------------------

/// A triangle over parcel HE0087 that pokes out north of the Comédie
/// parcels: its bounding box covers part of HE0088 (API Carto's stand-in
/// matches bounding boxes, so it answers both), its shape passes north of
/// HE0088's corner (at longitude 3.87985, its edge is at latitude 43.60875,
/// above HE0088's 43.60865).
const TRIANGLE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[3.8797,43.6085],[3.88,43.609],[3.8797,43.609],[3.8797,43.6085]]]},"properties":{"description":"Cour"}}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carte_finds_the_parcels_the_shape_really_touches() {
    let carto = ApiCarto::start().await;
    let (host, _dir) = host_with(&["carte"], &carte_operator(&carto.base_url())).await;
    let cadastres = r#"{"cadastres":true}"#;

    let normalized = match host.validate("carte", TRIANGLE, cadastres).await.expect("validate") {
        PluginValidation::Valid { normalized } => normalized,
        other => panic!("the triangle is valid: {other:?}"),
    };
    let enrichment = enriched(host.enrich("carte", &normalized, cadastres).await);
    let donnees = json_of(&enrichment.donnees);
    assert_eq!(donnees["geometries"], 1);
    assert!(donnees["surface_m2"].as_f64().is_some_and(|s| s > 0.0), "{donnees}");
    let parcelles = donnees["parcelles"].as_array().expect("parcelles");
    let idus: Vec<&str> = parcelles.iter().filter_map(|p| p["idu"].as_str()).collect();
    assert_eq!(idus, [api_carto::IDU_COMEDIE], "{donnees}");
    assert_eq!(parcelles[0]["commune"], "Montpellier");
    assert_eq!(parcelles[0]["code_insee"], "34172");
    assert_eq!(parcelles[0]["section"], "HE");
    assert_eq!(parcelles[0]["numero"], "0087");
    assert_eq!(donnees["parcelles_tronquees"], false);

    // One request by API Carto's contract: the polygon as GeoJSON.
    let calls = carto.wait_for_requests(1, WAIT).await.expect("API Carto was asked");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].path, api_carto::PARCELLE_PATH);
    assert_eq!(calls[0].param("_limit"), Some("200"));
    let geom = json_of(calls[0].param("geom").expect("geom"));
    assert_eq!(geom["type"], "Polygon");
    // The stand-in did answer HE0088 too: the plugin dropped it by shape.
    let raw = reqwest::Client::new()
        .get(format!("{}{}?{}", carto.base_url(), api_carto::PARCELLE_PATH, calls[0].query))
        .send()
        .await
        .expect("replay")
        .text()
        .await
        .expect("body");
    assert!(raw.contains(api_carto::IDU_COMEDIE_VOISINE), "the premise of this test broke: {raw}");

    let display = host.display("carte", &normalized, Some(&enrichment.donnees), cadastres).await.expect("display");
    assert!(display.starts_with("Polygone « Cour » : "), "{display}");
    assert!(display.contains("Parcelles cadastrales : Montpellier HE 87"), "{display}");
    let search = host.search_text("carte", &normalized, Some(&enrichment.donnees), cadastres).await.expect("search");
    assert_eq!(search, "Cour Montpellier 34172 34172000HE0087 HE0087");
    let columns = host.export_columns("carte", cadastres).await.expect("columns").expect("carte exports");
    let cells = host.export_values("carte", &normalized, Some(&enrichment.donnees), cadastres).await.expect("cells");
    assert_eq!(columns.len(), cells.len());
    assert_eq!(cells[0], "1");
    assert!(cells.iter().any(|c| c == api_carto::IDU_COMEDIE), "{cells:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carte_without_the_cadastre_layer_makes_no_request() {
    let carto = ApiCarto::start().await;
    let (host, _dir) = host_with(&["carte"], &carte_operator(&carto.base_url())).await;

    for options in ["{}", r#"{"cadastres":false}"#] {
        let enrichment = enriched(host.enrich("carte", TRIANGLE, options).await);
        let donnees = json_of(&enrichment.donnees);
        assert_eq!(donnees["geometries"], 1);
        assert!(donnees.get("parcelles").is_none(), "{donnees}");
        assert_eq!(enrichment.resume[0], ("Géométries".to_owned(), "1 polygone".to_owned()));
    }
    // Points and lines are never looked up, even with the layer on.
    let ligne = r#"{"type":"LineString","coordinates":[[3.8794,43.6083],[3.8801,43.6088]]}"#;
    let enrichment = enriched(host.enrich("carte", ligne, r#"{"cadastres":true}"#).await);
    assert!(json_of(&enrichment.donnees)["longueur_m"].as_f64().is_some_and(|l| l > 50.0));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(carto.requests().is_empty(), "API Carto was called: {:?}", carto.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carte_refuses_bad_geojson_in_french() {
    let carto = ApiCarto::start().await;
    let (host, _dir) = host_with(&["carte"], &carte_operator(&carto.base_url())).await;

    let cases = [
        (r#"{"type":"Polygon""#, "format-json"),
        (r#"{"type":"Cercle","coordinates":[1,2]}"#, "type-de-geometrie"),
        (r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#, "auto-intersection"),
        (r#"{"type":"Point","coordinates":[200,43.6]}"#, "longitude"),
        (r#"{"type":"FeatureCollection","features":[]}"#, "aucune-geometrie"),
    ];
    for (value, code) in cases {
        let errors = match host.validate("carte", value, "{}").await.expect("validate answers") {
            PluginValidation::Invalid(errors) => errors,
            other => panic!("{value} should be refused: {other:?}"),
        };
        assert!(errors.iter().any(|e| e.code == code), "{value}: expected {code} in {errors:?}");
        for error in &errors {
            assert!(error.message.ends_with('.') && error.message.chars().count() > 10, "{error:?}");
        }
        // enrich refuses it the same way, as field errors, without calling API Carto.
        match host.enrich("carte", value, r#"{"cadastres":true}"#).await {
            Ok(Err(errors)) => assert!(errors.iter().any(|e| e.code == code), "{errors:?}"),
            other => panic!("enrich of {value}: {other:?}"),
        }
    }
    let bowtie = r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#;
    assert_eq!(
        host.validate("carte", bowtie, "{}").await.expect("validate"),
        PluginValidation::Invalid(vec![PluginFieldError {
            code: "auto-intersection".into(),
            message: "Le polygone n° 1 se recoupe lui-même.".into(),
        }])
    );
    // A kind the démarche does not accept.
    match host.validate("carte", TRIANGLE, r#"{"geometries":"Points"}"#).await.expect("validate") {
        PluginValidation::Invalid(errors) => assert_eq!(errors[0].code, "type-non-autorise"),
        other => panic!("{other:?}"),
    }
    assert!(carto.requests().is_empty(), "{:?}", carto.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_carto_outages_are_transient_upstream_failures() {
    let carto = ApiCarto::start().await;
    let (host, _dir) = host_with(&["carte"], &carte_operator(&carto.base_url())).await;
    let cadastres = r#"{"cadastres":true}"#;

    carto.set_outage(Outage::Unavailable);
    let outcome = host.enrich("carte", TRIANGLE, cadastres).await;
    assert_upstream(&outcome, "a transient upstream-unavailable on 503");
    carto.set_outage(Outage::RateLimited { retry_after: 5 });
    let outcome = host.enrich("carte", TRIANGLE, cadastres).await;
    assert_upstream(&outcome, "a transient upstream-unavailable on 429");
    assert_eq!(carto.requests().len(), 2, "{:?}", carto.requests());

    carto.clear_outage();
    let enrichment = enriched(host.enrich("carte", TRIANGLE, cadastres).await);
    assert!(enrichment.donnees.contains(api_carto::IDU_COMEDIE), "{}", enrichment.donnees);
}
