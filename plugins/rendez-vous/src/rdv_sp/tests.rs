use serde_json::{Value, json};

use super::*;

fn usager() -> Usager<'static> {
    Usager { email: "marie.dupont@example.fr", nom: Some("Dupont"), prenom: Some("Marie") }
}

#[test]
fn a_plan_is_created_with_the_documented_body() {
    let requete =
        creer_plan(&usager(), "https://guichet.example.fr/dossiers/12", "https://guichet.example.fr/retour/12")
            .expect("a request");
    assert_eq!(requete.methode, Methode::Post);
    assert_eq!(requete.url, "https://rdv.anct.gouv.fr/api/v1/rdv_plans");
    assert!(requete.entetes.contains(&("content-type", "application/json")));
    assert!(!requete.entetes.iter().any(|(nom, _)| *nom == "authorization"), "the host adds the token");
    let corps: Value = serde_json::from_str(requete.corps.as_deref().expect("a body")).expect("JSON");
    assert_eq!(
        corps,
        json!({
            "user": { "first_name": "Marie", "last_name": "Dupont", "email": "marie.dupont@example.fr" },
            "return_url": "https://guichet.example.fr/retour/12",
            "dossier_url": "https://guichet.example.fr/dossiers/12",
        })
    );
}

#[test]
fn names_are_required_by_the_api() {
    for (nom, prenom) in [(None, Some("Marie")), (Some("Dupont"), None), (Some(" "), Some("Marie"))] {
        let usager = Usager { nom, prenom, ..usager() };
        assert!(matches!(creer_plan(&usager, "u", "r"), Err(Erreur::InvalidInput(_))), "{nom:?} {prenom:?}");
    }
    let sans_email = Usager { email: " ", ..usager() };
    assert!(matches!(creer_plan(&sans_email, "u", "r"), Err(Erreur::InvalidInput(_))));
}

/// The 201 answer of the integration guide and of démarches-simplifiées'
/// comment (demo instance).
const PLAN_CREE: &str = r#"{"rdv_plan":{"id":10,"created_at":"2025-01-23 15:15:20 +0100","rdv":null,
    "updated_at":"2025-01-23 15:15:20 +0100","url":"https://demo.rdv.anct.gouv.fr/agents/rdv_plans/10","user_id":6425}}"#;

#[test]
fn the_created_plan_gives_its_id() {
    assert_eq!(lire_creation(201, PLAN_CREE.as_bytes()), Ok(10));
    assert_eq!(lire_creation(200, br#"{"rdv_plan":{"id":23,"rdv":null,"user_id":345}}"#), Ok(23));
    assert!(matches!(lire_creation(201, br#"{"rdv_plan":{"id":"10"}}"#), Err(Erreur::UpstreamUnavailable(_))));
    assert!(matches!(lire_creation(201, b"<html>"), Err(Erreur::UpstreamUnavailable(_))));
}

#[test]
fn refusals_of_a_creation_are_mapped() {
    let invalide = br#"{"errors":{"return_url":[{"error":"n'est pas un nom de domaine autoris\u00e9"}]},
        "error_messages":["return_url n'est pas un nom de domaine autoris\u00e9"]}"#;
    assert!(matches!(lire_creation(422, invalide), Err(Erreur::Misconfigured(m)) if m.contains("return_url")));
    let manquant = br#"{"errors":["param is missing or the value is empty: user"]}"#;
    assert!(matches!(lire_creation(422, manquant), Err(Erreur::InvalidInput(m)) if m.contains("param is missing")));
    let doorkeeper = br#"{"error":"invalid_token","error_description":"The access token is invalid"}"#;
    assert!(
        matches!(lire_creation(401, doorkeeper), Err(Erreur::Misconfigured(m)) if m.contains("access token is invalid"))
    );
    let interdit = br#"{"errors":[{"base":"forbidden"}],"error_messages":["Vous ne pouvez pas"]}"#;
    assert!(matches!(lire_creation(403, interdit), Err(Erreur::Misconfigured(_))));
    assert!(matches!(lire_creation(404, b""), Err(Erreur::Misconfigured(_))));
    for statut in [429, 500, 502, 503, 504, 302, 400] {
        assert!(matches!(lire_creation(statut, b""), Err(Erreur::UpstreamUnavailable(_))), "{statut}");
    }
}

#[test]
fn a_plan_is_read_by_its_reference() {
    let requete = lire_plan_requete(" 10 ").expect("a request");
    assert_eq!(requete.methode, Methode::Get);
    assert_eq!(requete.url, "https://rdv.anct.gouv.fr/api/v1/rdv_plans/10");
    assert_eq!(requete.corps, None);
    for reference in ["", "abc", "10/../users", "-1", "99999999999999999999", "１０"] {
        assert!(matches!(lire_plan_requete(reference), Err(Erreur::InvalidInput(_))), "{reference}");
    }
}

#[test]
fn a_plan_tells_whether_it_is_booked() {
    assert_eq!(lire_plan(200, PLAN_CREE.as_bytes()), Ok(EtatPlan::EnAttente));
    assert_eq!(lire_plan(200, br#"{"rdv_plan":{"id":10,"user_id":1}}"#), Ok(EtatPlan::EnAttente));
    // démarches-simplifiées' comment of a booked plan (demo instance).
    let reserve = br#"{"rdv_plan":{"id":10,"created_at":"2025-01-23 15:15:20 +0100",
        "rdv":{"id":10093,"status":"unknown","starts_at":"2025-02-11T10:30:00+01:00","location_type":"phone"},
        "updated_at":"2025-01-23 15:15:20 +0100","url":"https://demo.rdv.anct.gouv.fr/agents/rdv_plans/10","user_id":6425}}"#;
    assert_eq!(
        lire_plan(200, reserve),
        Ok(EtatPlan::Reserve(Resume {
            id: 10093,
            status: "unknown".into(),
            starts_at: "2025-02-11T10:30:00+01:00".into(),
            location_type: "phone".into(),
        }))
    );
    assert_eq!(lire_plan(404, br#"{"errors":["Couldn't find RdvPlan with 'id'=10"]}"#), Ok(EtatPlan::Inconnu));
    assert!(matches!(lire_plan(200, br#"{"rdv_plans":[]}"#), Err(Erreur::UpstreamUnavailable(_))));
    assert!(matches!(
        lire_plan(200, br#"{"rdv_plan":{"rdv":{"status":"seen"}}}"#),
        Err(Erreur::UpstreamUnavailable(_))
    ));
    assert!(matches!(lire_plan(401, b"{}"), Err(Erreur::Misconfigured(_))));
    assert!(matches!(lire_plan(503, b""), Err(Erreur::UpstreamUnavailable(_))));
}

fn resume() -> Resume {
    Resume {
        id: 10093,
        status: "unknown".into(),
        starts_at: "2024-06-07T15:30:00+02:00".into(),
        location_type: "visio".into(),
    }
}

/// One `RdvBlueprint` as `GET /api/v1/rdvs` renders it (fields of
/// `app/blueprints/rdv_blueprint.rb`, associations shortened; times as
/// Blueprinter writes Ruby times, as the API's own spec compares them).
fn rdv(location_type: &str, lieu: Value, address: &str) -> Value {
    json!({
        "id": 10093,
        "uuid": "5f3c2b1a-7d4e-4c6b-9a8e-0f1e2d3c4b5a",
        "status": "unknown",
        "starts_at": "2024-06-07 15:30:00 +0200",
        "ends_at": "2024-06-07 16:00:00 +0200",
        "duration_in_min": 30,
        "address": address,
        "context": null,
        "cancelled_at": null,
        "max_participants_count": null,
        "users_count": 1,
        "name": null,
        "collectif": false,
        "created_by": "user",
        "created_by_type": "User",
        "created_by_id": 6425,
        "created_at": "2024-05-27T18:21:00.000+02:00",
        "url_for_agents": "https://rdv.anct.gouv.fr/admin/organisations/100/rdvs/10093",
        "organisation": { "id": 100, "name": "Betagouv" },
        "motif": { "id": 7, "name": "Entretien d'instruction", "location_type": location_type, "collectif": false },
        "lieu": lieu,
        "users": [],
        "participations": [],
        "agents": [],
    })
}

fn page(rdvs: Vec<Value>) -> Vec<u8> {
    let total = rdvs.len();
    json!({
        "rdvs": rdvs,
        "meta": { "current_page": 1, "next_page": null, "prev_page": null, "total_pages": 1, "total_count": total },
    })
    .to_string()
    .into_bytes()
}

#[test]
fn the_rdvs_index_is_asked_by_id() {
    let requete = lire_rdvs_requete(10093);
    assert_eq!(requete.url, "https://rdv.anct.gouv.fr/api/v1/rdvs?id%5B%5D=10093");
    assert_eq!(requete.methode, Methode::Get);
}

#[test]
fn a_visio_rendez_vous() {
    let rendez_vous = lire_rdvs(200, &page(vec![rdv("visio", Value::Null, "")]), &resume()).expect("a rendez-vous");
    assert_eq!(
        rendez_vous,
        RendezVous {
            id: "10093".into(),
            commence_le: "2024-06-07T15:30:00+02:00".into(),
            debut_unix: 1_717_767_000,
            duree_minutes: 30,
            etat: EtatRendezVous::AVenir,
            modalite: Modalite::Visioconference,
            motif: "Entretien d'instruction".into(),
            adresse: None,
            url_visio: Some(
                "https://webconf.numerique.gouv.fr/RdvServicePublic5f3c2b1a7d4e4c6b9a8e0f1e2d3c4b5a".into()
            ),
            url_gestion: Some("https://rdv.anct.gouv.fr/users/rdvs/10093".into()),
        }
    );
    let mut avec_lien = rdv("visio", Value::Null, "");
    avec_lien["visio_url"] = json!("https://webinaire.numerique.gouv.fr/meeting/signin/1234/creator/5678/hash/abcd");
    let rendez_vous = lire_rdvs(200, &page(vec![avec_lien]), &resume()).expect("a rendez-vous");
    assert_eq!(
        rendez_vous.url_visio.as_deref(),
        Some("https://webinaire.numerique.gouv.fr/meeting/signin/1234/creator/5678/hash/abcd")
    );
}

#[test]
fn an_on_site_rendez_vous_has_the_lieu_and_its_address() {
    let lieu = json!({ "id": 3, "name": "Mairie de Saint-Péray", "address": "Rue de la Mairie, 07130 Saint-Péray",
                       "phone_number": null, "organisation_id": 100, "single_use": false, "enabled": true });
    let sur_place = rdv("public_office", lieu, "Rue de la Mairie, 07130 Saint-Péray");
    let rendez_vous = lire_rdvs(200, &page(vec![sur_place]), &resume()).expect("a rendez-vous");
    assert_eq!(rendez_vous.modalite, Modalite::SurPlace);
    assert_eq!(rendez_vous.adresse.as_deref(), Some("Mairie de Saint-Péray, Rue de la Mairie, 07130 Saint-Péray"));
    assert_eq!(rendez_vous.url_visio, None);

    let domicile = rdv("home", Value::Null, "21 rue des Ardennes, 75019 Paris");
    let rendez_vous = lire_rdvs(200, &page(vec![domicile]), &resume()).expect("a rendez-vous");
    assert_eq!(rendez_vous.modalite, Modalite::Domicile);
    assert_eq!(rendez_vous.adresse.as_deref(), Some("21 rue des Ardennes, 75019 Paris"));

    let telephone = rdv("phone", Value::Null, "21 rue des Ardennes, 75019 Paris");
    let rendez_vous = lire_rdvs(200, &page(vec![telephone]), &resume()).expect("a rendez-vous");
    assert_eq!((rendez_vous.modalite, rendez_vous.adresse), (Modalite::Telephone, None));
}

#[test]
fn statuses_map_to_the_wit_states() {
    for (status, etat) in [
        ("unknown", EtatRendezVous::AVenir),
        ("waiting", EtatRendezVous::AVenir),
        ("seen", EtatRendezVous::Honore),
        ("excused", EtatRendezVous::Annule),
        ("revoked", EtatRendezVous::Revoque),
        ("noshow", EtatRendezVous::Absence),
        ("something_new", EtatRendezVous::AVenir),
    ] {
        let mut un = rdv("phone", Value::Null, "");
        un["status"] = json!(status);
        assert_eq!(lire_rdvs(200, &page(vec![un]), &resume()).expect("a rendez-vous").etat, etat, "{status}");
    }
}

#[test]
fn the_duration_falls_back_on_ends_at() {
    let mut un = rdv("phone", Value::Null, "");
    un.as_object_mut().expect("an object").remove("duration_in_min");
    un["ends_at"] = json!("2024-06-07T16:30:00.000+02:00");
    assert_eq!(lire_rdvs(200, &page(vec![un]), &resume()).expect("a rendez-vous").duree_minutes, 60);
}

#[test]
fn without_the_rdv_in_the_index_the_plan_summary_is_used() {
    let autre = {
        let mut autre = rdv("phone", Value::Null, "");
        autre["id"] = json!(1);
        autre
    };
    for (statut, corps) in [(200, page(vec![autre])), (200, page(vec![])), (404, b"{}".to_vec())] {
        let rendez_vous = lire_rdvs(statut, &corps, &resume()).expect("a rendez-vous");
        assert_eq!(rendez_vous.id, "10093");
        assert_eq!(rendez_vous.commence_le, "2024-06-07T15:30:00+02:00");
        assert_eq!(rendez_vous.modalite, Modalite::Visioconference);
        assert_eq!((rendez_vous.duree_minutes, rendez_vous.motif.as_str()), (0, ""));
    }
}

#[test]
fn broken_rdvs_answers_are_upstream_failures() {
    let mut sans_debut = rdv("phone", Value::Null, "");
    sans_debut["starts_at"] = json!("demain");
    for (statut, corps) in [
        (200, page(vec![sans_debut])),
        (200, b"{\"rdv\": []}".to_vec()),
        (200, b"not json".to_vec()),
        (200, vec![b' '; CORPS_MAX + 1]),
        (500, Vec::new()),
    ] {
        assert!(matches!(lire_rdvs(statut, &corps, &resume()), Err(Erreur::UpstreamUnavailable(_))), "{statut}");
    }
    assert!(matches!(lire_rdvs(403, b"{}", &resume()), Err(Erreur::Misconfigured(_))));
}

#[test]
fn error_messages_are_short() {
    let long = json!({ "errors": ["é".repeat(1000)] }).to_string();
    let Erreur::UpstreamUnavailable(message) = erreur_de_statut(418, long.as_bytes()) else {
        panic!("418 is unexpected");
    };
    assert!(message.len() < 400, "{}", message.len());
}
