//! The whole flow through the SDK's test doubles: what is sent, and how
//! answers and failures come back. The contract's details are tested in
//! `rdv_sp`.

use std::cell::RefCell;
use std::rc::Rc;

use guichet_plugin_sdk::http::{HttpError, Request, Response};
use guichet_plugin_sdk::testing;

use super::*;

const AGENDA: &str = r#"{"url-agenda": "https://rdv.anct.gouv.fr/org/100/demarches-simplifiees"}"#;

fn usager() -> Usager {
    Usager { email: "marie.dupont@example.fr".into(), nom: Some("Dupont".into()), prenom: Some("Marie".into()) }
}

fn reponse(status: u16, body: &str) -> Result<Response, HttpError> {
    Ok(Response { status, headers: vec![("content-type".into(), "application/json".into())], body: body.into() })
}

/// Answers with `answers` in order and records the requests.
fn serveur(answers: Vec<Result<Response, HttpError>>) -> Rc<RefCell<Vec<Request>>> {
    let recues: Rc<RefCell<Vec<Request>>> = Rc::default();
    let copie = Rc::clone(&recues);
    let answers = RefCell::new(answers.into_iter());
    testing::on_http(move |request| {
        copie.borrow_mut().push(request.clone());
        answers.borrow_mut().next().unwrap_or(Err(HttpError::Connection("no more answers".into())))
    });
    recues
}

fn proposer(options: &str) -> Result<Proposition, PluginError> {
    let dossier = Dossier { numero: 17606854, ..Dossier::default() };
    let instructeur = Instructeur { email: "instructeur@example.gouv.fr".into() };
    RdvServicePublic::propose(
        &dossier,
        &instructeur,
        &usager(),
        "https://guichet.example.fr/dossiers/17606854",
        "https://guichet.example.fr/dossiers/17606854/rendez-vous",
        &Options::new(options),
    )
}

#[test]
fn propose_creates_a_plan_and_answers_the_agenda_link() {
    testing::set_secret(SECRET);
    let recues = serveur(vec![reponse(
        201,
        r#"{"rdv_plan":{"id":23,"rdv":null,"user_id":345,"url":"https://rdv.anct.gouv.fr/agents/rdv_plans/23"}}"#,
    )]);
    let proposition = proposer(AGENDA).expect("a proposition");
    assert_eq!(
        proposition,
        Proposition {
            reference: "23".into(),
            url_reservation: "https://rdv.anct.gouv.fr/org/100/demarches-simplifiees".into()
        }
    );
    let recues = recues.borrow();
    assert_eq!(recues.len(), 1);
    assert_eq!(recues[0].method, http::Method::Post);
    assert_eq!(recues[0].url, "https://rdv.anct.gouv.fr/api/v1/rdv_plans");
    assert_eq!(recues[0].header_value("Content-Type"), Some("application/json"));
    assert_eq!(recues[0].header_value("Authorization"), None, "the host adds the token");
    let corps: serde_json::Value = serde_json::from_slice(&recues[0].body).expect("JSON");
    assert_eq!(corps["user"]["last_name"], "Dupont");
    assert_eq!(corps["return_url"], "https://guichet.example.fr/dossiers/17606854/rendez-vous");
    testing::reset();
}

#[test]
fn propose_checks_options_and_secret_before_calling() {
    let recues = serveur(vec![]);
    assert!(matches!(proposer("{}"), Err(PluginError::Misconfigured(m)) if m.contains("url-agenda")));
    assert!(matches!(proposer(AGENDA), Err(PluginError::Misconfigured(m)) if m.contains(SECRET)));
    assert!(recues.borrow().is_empty(), "nothing was sent");
    testing::reset();
}

#[test]
fn failures_are_mapped() {
    testing::set_secret(SECRET);
    let _recues = serveur(vec![
        reponse(401, r#"{"error":"invalid_token","error_description":"The access token is invalid"}"#),
        reponse(503, r#"{"errors":["Service Unavailable"]}"#),
        Err(HttpError::Timeout),
        reponse(429, "Retry later\n"),
        Err(HttpError::Denied("origin not granted".into())),
    ]);
    assert!(matches!(proposer(AGENDA), Err(PluginError::Misconfigured(_))));
    assert!(matches!(proposer(AGENDA), Err(PluginError::UpstreamUnavailable(_))));
    assert!(matches!(proposer(AGENDA), Err(PluginError::UpstreamUnavailable(_))));
    assert!(matches!(proposer(AGENDA), Err(PluginError::UpstreamUnavailable(_))));
    assert!(matches!(proposer(AGENDA), Err(PluginError::Misconfigured(_))));
    testing::reset();
}

#[test]
fn list_is_empty_until_the_usager_books() {
    testing::set_secret(SECRET);
    let recues = serveur(vec![
        reponse(200, r#"{"rdv_plan":{"id":23,"rdv":null,"user_id":345}}"#),
        reponse(404, r#"{"errors":["Couldn't find RdvPlan with 'id'=23"]}"#),
    ]);
    assert_eq!(RdvServicePublic::list_rendez_vous("23", &Options::default()), Ok(vec![]));
    assert_eq!(RdvServicePublic::list_rendez_vous("23", &Options::default()), Ok(vec![]));
    assert_eq!(recues.borrow().len(), 2, "no rdvs index while nothing is booked");
    assert_eq!(recues.borrow()[0].url, "https://rdv.anct.gouv.fr/api/v1/rdv_plans/23");
    assert!(matches!(
        RdvServicePublic::list_rendez_vous("../23", &Options::default()),
        Err(PluginError::InvalidInput(_))
    ));
    testing::reset();
}

#[test]
fn a_booked_rendez_vous_is_read_from_the_index() {
    testing::set_secret(SECRET);
    let recues = serveur(vec![
        reponse(
            200,
            r#"{"rdv_plan":{"id":23,"user_id":345,"rdv":{"id":10093,"status":"unknown","starts_at":"2024-06-07T15:30:00+02:00","location_type":"visio"}}}"#,
        ),
        reponse(
            200,
            r#"{"rdvs":[{"id":10093,"uuid":"ab-cd_ef","status":"seen","starts_at":"2024-06-07 15:30:00 +0200",
            "ends_at":"2024-06-07 16:00:00 +0200","duration_in_min":30,"address":"",
            "motif":{"id":7,"name":"Entretien","location_type":"visio"},"lieu":null}],
            "meta":{"current_page":1,"next_page":null,"prev_page":null,"total_pages":1,"total_count":1}}"#,
        ),
    ]);
    let pris = RdvServicePublic::list_rendez_vous("23", &Options::default()).expect("the rendez-vous");
    assert_eq!(
        pris,
        vec![RendezVousPris {
            id: "10093".into(),
            commence_le: "2024-06-07T15:30:00+02:00".into(),
            duree_minutes: 30,
            etat: EtatRendezVous::Honore,
            modalite: Modalite::Visioconference,
            motif: "Entretien".into(),
            adresse: None,
            url_visio: Some("https://webconf.numerique.gouv.fr/RdvServicePublicabcdef".into()),
            url_gestion: Some("https://rdv.anct.gouv.fr/users/rdvs/10093".into()),
        }]
    );
    assert_eq!(recues.borrow()[1].url, "https://rdv.anct.gouv.fr/api/v1/rdvs?id%5B%5D=10093");
    testing::reset();
}
