//! The first-party plugins of the other `guichet:plugin@0.2.0` extension
//! points in the real host: the routing rule « par département », the PDF
//! attestation (rendered by the host's `document` interface, read back with
//! poppler's `pdftotext`) and the RDV Service Public rendez-vous plugin
//! against its local contract server.
//!
//! Needs `plugins/build.sh` (routage, attestation and rendez-vous in
//! `plugins/dist/`) and `pdftotext` (poppler-utils).

use std::time::Duration;

use guichet::plugins::{
    AttestationTemplate, ChampSnapshot, DossierSnapshot, EtatRendezVous, GroupeSnapshot, GuestError,
    ModaliteRendezVous, PluginError, PluginHost, UsagerContact,
};
use guichet_tests::app::plugins_dir;
use guichet_tests::contrats::Outage;
use guichet_tests::contrats::rdv_service_public::{
    self, PREMIER_PLAN, PREMIER_RDV, RdvServicePublic, Reservation, Status,
};

const WAIT: Duration = Duration::from_secs(5);

/// A host with the first-party plugins `ids` and the operator's `operator`.
async fn host_with(ids: &[&str], operator: &str) -> (guichet::plugins::PluginHost, tempfile::TempDir) {
    let sources: Vec<_> = ids.iter().map(|id| plugins_dir().join(id)).collect();
    guichet_tests::plugin_host::host_with(&sources, operator).await
}

// ---------------------------------------------------------------------------
// Host set-up and snapshots
// ---------------------------------------------------------------------------

fn champ(
    stable_id: u64,
    libelle: &str,
    type_champ: &str,
    valeur: Option<&str>,
    donnees: Option<&str>,
) -> ChampSnapshot {
    ChampSnapshot {
        stable_id,
        libelle: libelle.into(),
        type_champ: type_champ.into(),
        valeur: valeur.map(str::to_owned),
        donnees: donnees.map(str::to_owned),
    }
}

/// Dossier 4021 of « Aide au permis de conduire », accepted on 12 March
/// 2026 (23:30 UTC, the 13th in Paris).
fn dossier(champs: Vec<ChampSnapshot>) -> DossierSnapshot {
    DossierSnapshot {
        numero: 4021,
        etat: "accepte".into(),
        demarche_numero: 3,
        demarche_libelle: "Aide au permis de conduire".into(),
        usager_email: "paul.martin@example.fr".into(),
        depose_le: Some("2026-02-03T08:00:00Z".into()),
        decide_le: Some("2026-03-12T23:30:00Z".into()),
        en_instruction_le: Some("2026-02-20T10:00:00Z".into()),
        motivation: Some("Dossier complet".into()),
        champs,
    }
}

fn groupes() -> Vec<GroupeSnapshot> {
    [(1, "Défaut"), (7, "Lyon"), (9, "Marseille")]
        .into_iter()
        .map(|(id, libelle)| GroupeSnapshot { id, libelle: libelle.into() })
        .collect()
}

fn guest_error<T: std::fmt::Debug>(outcome: Result<T, PluginError>) -> GuestError {
    match outcome {
        Err(PluginError::Guest { error, .. }) => error,
        other => panic!("expected a guest error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// routage
// ---------------------------------------------------------------------------

const TABLE: &str = r#"{"champ": 12, "table": "69 = Lyon\n13 = Marseille"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routage_sends_the_dossier_to_the_groupe_of_its_departement() {
    let (host, _dir) = host_with(&["routage"], "").await;
    let info = host.plugin("routage").expect("routage is loaded");
    assert_eq!(info.provides.to_string(), "routage");
    assert!(info.http_origins.is_empty());
    let schema: serde_json::Value = serde_json::from_str(&info.options_schema).expect("options schema is JSON");
    assert_eq!(schema["required"], serde_json::json!(["champ", "table"]));

    let rhone = dossier(vec![
        champ(3, "Nom", "texte", Some("Martin"), None),
        champ(12, "Département", "departements", Some("69"), None),
    ]);
    let decision = host.route("routage", &rhone, &groupes(), TABLE).await.expect("a decision");
    assert_eq!(decision.groupe, Some(7));
    assert_eq!(decision.explication, "Département 69 (Rhône) → groupe « Lyon »");
    // Pure: the same dossier gets the same decision.
    assert_eq!(host.route("routage", &rhone, &groupes(), TABLE).await.expect("again"), decision);

    // The département the adresse plugin stored in its donnees, and a table
    // in its JSON object form naming the groupe by id.
    let adresse = dossier(vec![champ(
        12,
        "Adresse",
        "adresse",
        Some("Place Bellecour 69002 Lyon"),
        Some(r#"{"source":"ban","label":"Place Bellecour 69002 Lyon","departement":{"code":"69","nom":"Rhône"}}"#),
    )]);
    let by_id = r#"{"champ": "12", "table": {"69": 7, "13": 9}}"#;
    let decision = host.route("routage", &adresse, &groupes(), by_id).await.expect("a decision");
    assert_eq!(decision.groupe, Some(7), "{decision:?}");
    // A code postal typed as text.
    let marseille = dossier(vec![champ(12, "Adresse", "texte", Some("2 quai du Port, 13002 Marseille"), None)]);
    assert_eq!(host.route("routage", &marseille, &groupes(), TABLE).await.expect("a decision").groupe, Some(9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routage_explains_in_french_when_it_falls_back_to_the_default_groupe() {
    let (host, _dir) = host_with(&["routage"], "").await;

    let paris = dossier(vec![champ(12, "Département", "departements", Some("75"), None)]);
    let decision = host.route("routage", &paris, &groupes(), TABLE).await.expect("a decision");
    assert_eq!(decision.groupe, None);
    assert_eq!(
        decision.explication,
        "Département 75 (Paris) absent de la table de routage : groupe par défaut de la démarche"
    );

    let illisible = dossier(vec![champ(12, "Département", "departements", Some("Atlantide"), None)]);
    let decision = host.route("routage", &illisible, &groupes(), TABLE).await.expect("a decision");
    assert_eq!(decision.groupe, None);
    assert_eq!(
        decision.explication,
        "Aucun département reconnu dans le champ « Département » : groupe par défaut de la démarche"
    );

    let vide = dossier(vec![champ(12, "Département", "departements", None, None)]);
    let decision = host.route("routage", &vide, &groupes(), TABLE).await.expect("a decision");
    assert_eq!(
        (decision.groupe, decision.explication.as_str()),
        (None, "Champ « Département » non rempli : groupe par défaut de la démarche")
    );

    // With a `defaut` groupe of the rule's own.
    let avec_defaut = r#"{"champ": 12, "table": "69 = Lyon", "defaut": "Marseille"}"#;
    let decision = host.route("routage", &paris, &groupes(), avec_defaut).await.expect("a decision");
    assert_eq!(decision.groupe, Some(9));
    assert_eq!(
        decision.explication,
        "Département 75 (Paris) absent de la table de routage → groupe « Marseille » (par défaut)"
    );
}

/// A routing rule built against the frozen 0.2.0 WIT, without the SDK (the
/// fixture `ancien`), loads and routes on this 0.2.1 host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_2_0_plugin_keeps_routing_on_a_0_2_1_host() {
    let sources = [guichet_tests::app::fixture_dir("ancien")];
    let (host, _dir) = guichet_tests::plugin_host::host_with(&sources, "").await;
    let info = host.plugin("ancien").expect("loaded");
    assert_eq!(info.wit, "guichet:plugin@0.2.0");
    let decision = host.route("ancien", &dossier(Vec::new()), &groupes(), "{}").await.expect("a decision");
    assert_eq!(decision.groupe, Some(9));
    assert_eq!(decision.explication, "Dossier n° 4021 (accepte) → groupe « Marseille »");
    // The first-party routage plugin, built by the SDK, speaks 0.2.1.
    let (host, _dir) = host_with(&["routage"], "").await;
    assert_eq!(host.plugin("routage").expect("loaded").wit, "guichet:plugin@0.2.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routage_refuses_unusable_options() {
    let (host, _dir) = host_with(&["routage"], "").await;
    let rhone = dossier(vec![champ(12, "Département", "departements", Some("69"), None)]);

    // Settings that break the plugin's options-schema (no champ, no table,
    // a champ that is a list) or are not an object: refused by the host
    // before the plugin runs, with the culprit named.
    for (options, culprit) in [
        (r#"{"table": "69 = Lyon"}"#, "champ"),
        (r#"{"champ": 12}"#, "table"),
        (r#"{"champ": [12], "table": "69 = Lyon"}"#, "/champ"),
        ("[1]", "object"),
    ] {
        let error = host.route("routage", &rhone, &groupes(), options).await.expect_err("refused");
        match &error {
            PluginError::InvalidOptions { reason, .. } => assert!(reason.contains(culprit), "{options}: {reason}"),
            other => panic!("{options}: expected invalid options, got {other:?}"),
        }
        assert!(!error.is_transient());
    }
    // Within the schema but unusable (a table line that maps nothing): the
    // plugin's own verdict, the administrateur's settings, not a plugin bug.
    for options in [r#"{"champ": 12, "table": "soixante-neuf"}"#, r#"{"champ": 12, "table": ""}"#] {
        let error = guest_error(host.route("routage", &rhone, &groupes(), options).await);
        assert!(matches!(error, GuestError::Misconfigured(_)), "{options}: {error:?}");
    }
    // A refused call is the caller's mistake: the plugin stays healthy.
    let decision = host.route("routage", &rhone, &groupes(), r#"{"champ": 12, "table": "69 = Lyon"}"#).await;
    assert_eq!(decision.expect("still answering").groupe, Some(7));
}

// ---------------------------------------------------------------------------
// attestation
// ---------------------------------------------------------------------------

const VERIFICATION: &str = "https://guichet.example.fr/v/3f9a";

fn template() -> AttestationTemplate {
    AttestationTemplate {
        titre: "Attestation n° --numéro du dossier--".into(),
        corps: "M. --Nom--, votre demande « --libellé démarche-- » déposée le --date de dépôt-- est acceptée.\n\n\
                Instruite depuis le --date de passage en instruction--. Motif : --motivation--."
            .into(),
        pied_de_page: "Préfecture du Rhône, 69003 Lyon".into(),
        entete: vec!["Préfecture du Rhône".into()],
        logo: None,
        signature: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attestation_is_a_pdf_with_the_dossiers_values() {
    let (host, _dir) = host_with(&["attestation"], "").await;
    let champs = vec![champ(1, "Nom", "texte", Some("Martin"), None), champ(2, "Permis", "texte", Some("B"), None)];

    let document = host
        .render_attestation("attestation", &dossier(champs.clone()), &template(), VERIFICATION, "{}")
        .await
        .expect("an attestation");
    assert_eq!(document.media_type, "application/pdf");
    assert_eq!(document.filename, "attestation-dossier-4021.pdf");
    assert!(document.data.starts_with(b"%PDF-"), "{:?}", &document.data[..document.data.len().min(16)]);

    let text = guichet_tests::pdf::text(&document.data);
    for expected in [
        "Attestation n° 4021",
        "Préfecture du Rhône",
        "M. Martin, votre demande « Aide au permis de conduire » déposée le 3 février 2026 est acceptée.",
        // From `dossier-details` (WIT 0.2.1), not from the 0.2.0 record.
        "Instruite depuis le 20 février 2026. Motif : Dossier complet.",
        // 23:30 UTC on 12 March is the 13th in Paris.
        "Fait le 13 mars 2026",
        "Préfecture du Rhône, 69003 Lyon",
        "l'authenticité de cette attestation",
        VERIFICATION,
    ] {
        assert!(text.contains(expected), "{expected:?} missing from the PDF text: {text}");
    }
    assert!(!text.contains("--"), "a tag was left in: {text}");
    assert!(!text.contains("Récapitulatif du dossier"), "no table without the setting: {text}");

    // Deterministic: the same dossier gives the same bytes.
    let again = host
        .render_attestation("attestation", &dossier(champs.clone()), &template(), VERIFICATION, "{}")
        .await
        .expect("again");
    assert_eq!(again.data, document.data);

    // The démarche's setting adds a table of the filled champs.
    let with_table = host
        .render_attestation(
            "attestation",
            &dossier(champs),
            &template(),
            VERIFICATION,
            r#"{"tableau-des-champs": true}"#,
        )
        .await
        .expect("an attestation with its table");
    let text = guichet_tests::pdf::text(&with_table.data);
    assert!(text.contains("Récapitulatif du dossier"), "{text}");
    assert!(text.contains("Permis"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attestation_reports_bad_settings_and_input() {
    let (host, _dir) = host_with(&["attestation"], "").await;
    let dossier = dossier(Vec::new());

    // A number breaks the declared schema: the host refuses it…
    let error = host
        .render_attestation("attestation", &dossier, &template(), VERIFICATION, r#"{"tableau-des-champs": 3}"#)
        .await
        .expect_err("refused by the host");
    assert!(matches!(error, PluginError::InvalidOptions { .. }), "{error:?}");
    // … a text the plugin does not understand is its own verdict.
    let error = guest_error(
        host.render_attestation("attestation", &dossier, &template(), VERIFICATION, r#"{"tableau-des-champs": "oui"}"#)
            .await,
    );
    assert!(matches!(error, GuestError::Misconfigured(_)), "{error:?}");
    let error = guest_error(host.render_attestation("attestation", &dossier, &template(), "  ", "{}").await);
    assert!(matches!(error, GuestError::InvalidInput(_)), "{error:?}");
    // A template over the host's cap never reaches the plugin.
    let mut huge = template();
    huge.corps = "x".repeat(guichet::plugins::MAX_OPTIONS_BYTES + 1);
    let error = host.render_attestation("attestation", &dossier, &huge, VERIFICATION, "{}").await.expect_err("too big");
    assert!(matches!(error, PluginError::InputTooLarge { .. }), "{error:?}");
    // An attestation plugin is not a routing rule.
    let error = host.route("attestation", &dossier, &groupes(), "{}").await.expect_err("wrong extension point");
    assert!(matches!(error, PluginError::WrongExtensionPoint { .. }), "{error:?}");
}

// ---------------------------------------------------------------------------
// rendez-vous
// ---------------------------------------------------------------------------

const AGENDA: &str = r#"{"url-agenda": "https://rdv.anct.gouv.fr/org/100/aide-au-permis"}"#;
const URL_DOSSIER: &str = "http://localhost/procedures/3/dossiers/4021";
const URL_RETOUR: &str = "http://localhost/dossiers/4021/rendez-vous";

fn rdv_operator(base: &str, token: Option<&str>) -> String {
    let mut toml = format!(
        "[rendez-vous]\nhttp = [\"https://rdv.anct.gouv.fr\"]\nallow-private-addresses = true\n\
         [rendez-vous.relocate]\n\"https://rdv.anct.gouv.fr\" = \"{base}\"\n"
    );
    if let Some(token) = token {
        toml.push_str(&format!("[rendez-vous.secrets]\nrdv-service-public = \"{token}\"\n"));
    }
    toml
}

fn paul() -> UsagerContact {
    UsagerContact { email: "paul.martin@example.fr".into(), nom: Some("Martin".into()), prenom: Some("Paul".into()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendez_vous_are_proposed_and_read_back_from_rdv_service_public() {
    let rdv = RdvServicePublic::start().await;
    let (host, _dir) =
        host_with(&["rendez-vous"], &rdv_operator(&rdv.base_url(), Some(rdv_service_public::TOKEN))).await;
    let dossier = dossier(Vec::new());

    let proposition = host
        .propose_rendez_vous(
            "rendez-vous",
            &dossier,
            "agent@prefecture.example",
            &paul(),
            URL_DOSSIER,
            URL_RETOUR,
            AGENDA,
        )
        .await
        .expect("a proposition");
    assert_eq!(proposition.reference, PREMIER_PLAN.to_string());
    assert_eq!(proposition.url_reservation, "https://rdv.anct.gouv.fr/org/100/aide-au-permis");
    // What the service received: the usager, both links, the agent's token.
    let plan = rdv.plan(PREMIER_PLAN).expect("the plan exists on the service");
    assert_eq!(plan["user"]["first_name"], "Paul");
    assert_eq!(plan["user"]["last_name"], "Martin");
    assert_eq!(plan["user"]["email"], "paul.martin@example.fr");
    assert_eq!(plan["return_url"], URL_RETOUR);
    assert_eq!(plan["dossier_url"], URL_DOSSIER);
    let calls = rdv.wait_for_requests(1, WAIT).await.expect("the plan was created");
    assert_eq!((calls[0].method.as_str(), calls[0].path.as_str()), ("POST", "/api/v1/rdv_plans"));
    assert_eq!(calls[0].header("authorization"), Some(format!("Bearer {}", rdv_service_public::TOKEN).as_str()));

    // Nothing booked yet.
    let reference = proposition.reference.as_str();
    assert!(host.list_rendez_vous("rendez-vous", reference, AGENDA).await.expect("list").is_empty());

    // The usager books a visioconference.
    let starts_at = "2026-12-07T15:30:00+01:00";
    let id = rdv.reserver(PREMIER_PLAN, Reservation::visio(starts_at, 30));
    assert_eq!(id, PREMIER_RDV);
    let list = host.list_rendez_vous("rendez-vous", reference, AGENDA).await.expect("list");
    assert_eq!(list.len(), 1, "{list:?}");
    let booked = &list[0];
    assert_eq!(booked.id, PREMIER_RDV.to_string());
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&booked.commence_le).expect("RFC 3339"),
        chrono::DateTime::parse_from_rfc3339(starts_at).expect("RFC 3339")
    );
    assert_eq!(booked.duree_minutes, 30);
    assert_eq!(booked.etat, EtatRendezVous::AVenir);
    assert_eq!(booked.modalite, ModaliteRendezVous::Visioconference);
    assert_eq!(booked.motif, "Entretien");
    assert_eq!(booked.adresse, None);
    assert!(
        booked
            .url_visio
            .as_deref()
            .is_some_and(|u| u.starts_with("https://webconf.numerique.gouv.fr/RdvServicePublic")),
        "{booked:?}"
    );
    assert_eq!(
        booked.url_gestion.as_deref(),
        Some(format!("https://rdv.anct.gouv.fr/users/rdvs/{PREMIER_RDV}").as_str())
    );

    // The service's statuses, as the contract's states.
    for (status, etat) in [
        (Status::Seen, EtatRendezVous::Honore),
        (Status::Excused, EtatRendezVous::Annule),
        (Status::Revoked, EtatRendezVous::Revoque),
        (Status::Noshow, EtatRendezVous::Absence),
        (Status::Waiting, EtatRendezVous::AVenir),
    ] {
        rdv.set_status(PREMIER_RDV, status);
        let list = host.list_rendez_vous("rendez-vous", reference, AGENDA).await.expect("list");
        assert_eq!(list.iter().map(|r| r.etat).collect::<Vec<_>>(), [etat], "{status:?}");
    }

    // A second dossier, booked on site.
    let second = host
        .propose_rendez_vous(
            "rendez-vous",
            &dossier,
            "agent@prefecture.example",
            &paul(),
            URL_DOSSIER,
            URL_RETOUR,
            AGENDA,
        )
        .await
        .expect("a second proposition");
    let plan: u64 = second.reference.parse().expect("a plan id");
    rdv.reserver(plan, Reservation::sur_place("2026-12-08T09:00:00+01:00", 45));
    let list = host.list_rendez_vous("rendez-vous", &second.reference, AGENDA).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].modalite, ModaliteRendezVous::SurPlace);
    assert_eq!(list[0].adresse.as_deref(), Some("Mairie de Saint-Péray, Rue de la Mairie, 07130 Saint-Péray"));
    assert_eq!(list[0].url_visio, None);

    // A plan deleted on the service lists nothing.
    rdv.remove_plan(plan);
    assert!(host.list_rendez_vous("rendez-vous", &second.reference, AGENDA).await.expect("list").is_empty());
}

async fn propose(
    host: &PluginHost,
    dossier: &DossierSnapshot,
    options: &str,
) -> Result<guichet::plugins::PropositionRendezVous, PluginError> {
    host.propose_rendez_vous(
        "rendez-vous",
        dossier,
        "agent@prefecture.example",
        &paul(),
        URL_DOSSIER,
        URL_RETOUR,
        options,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rendez_vous_failures_are_typed() {
    let rdv = RdvServicePublic::start().await;
    let base = rdv.base_url();
    let dossier = dossier(Vec::new());
    // The token the service refuses (401): the operator's configuration.
    let (host, _dir) = host_with(&["rendez-vous"], &rdv_operator(&base, Some("jeton-revoque"))).await;
    let error = guest_error(propose(&host, &dossier, AGENDA).await);
    assert!(matches!(error, GuestError::Misconfigured(_)), "{error:?}");
    let error = guest_error(host.list_rendez_vous("rendez-vous", "10", AGENDA).await);
    assert!(matches!(error, GuestError::Misconfigured(_)), "{error:?}");
    let calls = rdv.wait_for_requests(2, WAIT).await.expect("both were sent");
    assert!(calls.iter().all(|c| c.header("authorization") == Some("Bearer jeton-revoque")), "{calls:?}");

    // No token at all, or no agenda link: refused before any request.
    rdv.clear_requests();
    let (host, _dir2) = host_with(&["rendez-vous"], &rdv_operator(&base, None)).await;
    let error = guest_error(propose(&host, &dossier, AGENDA).await);
    assert!(matches!(error, GuestError::Misconfigured(_)), "{error:?}");
    let (host, _dir3) = host_with(&["rendez-vous"], &rdv_operator(&base, Some(rdv_service_public::TOKEN))).await;
    let error = propose(&host, &dossier, "{}").await.expect_err("no agenda link");
    assert!(matches!(&error, PluginError::InvalidOptions { reason, .. } if reason.contains("url-agenda")), "{error:?}");
    assert!(rdv.requests().is_empty(), "{:?}", rdv.requests());

    // An outage is transient.
    rdv.set_outage(Outage::Unavailable);
    let outcome = propose(&host, &dossier, AGENDA).await;
    match &outcome {
        Err(error @ PluginError::Guest { error: GuestError::UpstreamUnavailable(_), .. }) => {
            assert!(error.is_transient());
        }
        other => panic!("expected upstream-unavailable, got {other:?}"),
    }
    rdv.clear_outage();
    assert!(propose(&host, &dossier, AGENDA).await.is_ok());

    // A reference that is not a plan id: the host's mistake.
    let error = guest_error(host.list_rendez_vous("rendez-vous", "../../admin", AGENDA).await);
    assert!(matches!(error, GuestError::InvalidInput(_)), "{error:?}");
}
