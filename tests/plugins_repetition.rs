//! A plugin's champ inside a bloc répétable, end to end, with API
//! Entreprise answered by its contract server: the administrateur puts a
//! SIRET champ into a block; each row's SIRET is checked by the plugin on
//! its own (a wrong number refused next to that row's field, the
//! établissement of each valid one shown under it with its own
//! confirmation box); a confirmation counts only for its row; the
//! instructeur reads each row's établissement. With API Entreprise down at
//! dépôt, one row's check is deferred to a job, which finds the
//! établissement later: the instructeur sees it in that row, marked as not
//! confirmed. Runs on SQLite and PostgreSQL.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, Page, TestApp};
use guichet_tests::contrats::Outage;
use guichet_tests::contrats::api_entreprise::{self, ApiEntreprise};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_champs_in_rows_on_sqlite() {
    let api = ApiEntreprise::start().await;
    let app = app_with(Backend::Sqlite, &api).await.expect("a SQLite server");
    parcours(&app, &api).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_champs_in_rows_on_postgres() {
    let api = ApiEntreprise::start().await;
    let Some(app) = app_with(Backend::Postgres, &api).await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        return;
    };
    parcours(&app, &api).await;
    app.stop().await;
}

/// A server whose operator grants the siret plugin API Entreprise,
/// relocated to the contract server `api`.
async fn app_with(backend: Backend, api: &ApiEntreprise) -> Option<TestApp> {
    let grants = api.grants();
    TestApp::start_with(backend, move |config| config.plugins_operator = grants).await
}

/// The row ids on a form page, in order.
fn lignes(page: &Page) -> Vec<String> {
    page.body
        .split("data-ligne=\"")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| *c != '"').collect::<String>())
        .collect()
}

/// The value of a confirmation box in a page.
fn jeton(page: &Page, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page.body.find(&marker).unwrap_or_else(|| panic!("no box {name}: {}", page.body)) + marker.len();
    page.body[start..].split('"').next().expect("value").to_owned()
}

/// The démarche: a name, then a mandatory block « Établissements » (2)
/// holding a mandatory SIRET champ (3) and a text champ (4).
async fn demarche(admin: &Client) {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux réseaux d'entreprises"),
                ("description", "Une aide pour les groupements d'établissements."),
                ("service_nom", "Service du développement économique"),
                ("service_organisme", "Région"),
                ("cadre_juridique", "Délibération n° 2026-31 du conseil régional"),
                ("service_email", "economie@region.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    admin.post(&format!("/admin/demarches/{demarche}/plugins/siret/activer"), &[]).await.assert_status(200);
    let champs = format!("/admin/demarches/{demarche}/champs");
    for fields in [
        vec![("type_champ", "text"), ("libelle", "Nom du réseau"), ("obligatoire", "on")],
        vec![("type_champ", "repetition"), ("libelle", "Établissements"), ("obligatoire", "on")],
        vec![("type_champ", "plugin:siret"), ("libelle", "SIRET"), ("obligatoire", "on"), ("parent", "2")],
        vec![("type_champ", "text"), ("libelle", "Rôle dans le réseau"), ("parent", "2")],
    ] {
        admin.post(&champs, &fields).await.assert_status(200).assert_contains("Le champ a été ajouté");
    }
    // The editor shows the SIRET champ inside the block.
    admin.get(&champs).await.assert_status(200).assert_contains(r#"aria-label="Champs du bloc « Établissements »""#);
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "admin@reseaux.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "reseaux")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");
}

/// An usager's brouillon with two rows: its path and the rows' ids.
async fn brouillon_a_deux_lignes(usager: &Client) -> (String, Vec<String>) {
    let page = usager.post("/commencer/reseaux", &[]).await;
    page.assert_status(200);
    let brouillon = format!("/dossiers/{}/brouillon", page.id_after("/dossiers/"));
    let premiere = lignes(&usager.get(&brouillon).await);
    assert_eq!(premiere.len(), 1, "a mandatory block starts with one row");
    let mut fields = vec![("ligne", "ajouter:2".to_string()), ("champ_1", "Réseau des services publics".into())];
    fields.push(("champ_2[]", premiere[0].clone()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let rows = lignes(&usager.post(&brouillon, &fields).await);
    assert_eq!(rows.len(), 2);
    (brouillon, rows)
}

/// The form's fields: each row's SIRET and role, the boxes given.
fn reponses(rows: &[String], sirets: [&str; 2], boxes: &[(String, String)], intention: &str) -> Vec<(String, String)> {
    let mut fields = vec![("champ_1".to_string(), "Réseau des services publics".to_string())];
    for (row, siret) in rows.iter().zip(sirets) {
        fields.push(("champ_2[]".into(), row.clone()));
        fields.push((format!("l{row}-champ_3"), siret.into()));
        fields.push((format!("l{row}-champ_4"), "Membre".into()));
    }
    fields.extend(boxes.iter().cloned());
    fields.push(("intention".into(), intention.into()));
    fields
}

async fn poster(usager: &Client, path: &str, fields: &[(String, String)]) -> Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    usager.post(path, &fields).await
}

async fn parcours(app: &TestApp, api: &ApiEntreprise) {
    let admin = app
        .signed_in("admin@reseaux.example", Roles { administrateur: true, instructeur: true, ..Roles::default() })
        .await;
    demarche(&admin).await;
    let usager = app.signed_in("camille@reseaux.example", Roles::default()).await;
    let (brouillon, rows) = brouillon_a_deux_lignes(&usager).await;
    let (dinum, la_poste) = (api_entreprise::SIRET_DINUM, api_entreprise::SIRET_LA_POSTE);
    let boite = |row: &str| format!("l{row}-confirmation_3");

    // A wrong number in the second row is refused next to that row's
    // field; the first row's établissement shows under its own field,
    // with its own box to tick; everything typed is kept.
    let refused = poster(&usager, &brouillon, &reponses(&rows, [dinum, "13002526500014"], &[], "deposer")).await;
    refused
        .assert_status(422)
        .assert_contains(&format!(r#"id="l{}-champ_3-erreur""#, rows[1]))
        .assert_contains("Élément 2 — « SIRET » :")
        .assert_contains(&format!(r#"id="{}-erreur""#, boite(&rows[0])))
        .assert_contains("Élément 1 — « SIRET » : vérifiez les informations trouvées sous le champ")
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_contains(r#"value="13002526500014""#)
        .assert_lacks(&format!(r#"name="{}""#, boite(&rows[1])));
    let jeton_dinum = jeton(&refused, &boite(&rows[0]));

    // Corrected: the second row's établissement shows with its box. A
    // box ticked with the first row's token does not confirm the second.
    let emprunte = vec![(boite(&rows[0]), jeton_dinum.clone()), (boite(&rows[1]), jeton_dinum.clone())];
    let refused = poster(&usager, &brouillon, &reponses(&rows, [dinum, la_poste], &emprunte, "deposer")).await;
    refused
        .assert_status(422)
        .assert_contains("Élément 2 — « SIRET » : vérifiez les informations trouvées sous le champ")
        .assert_lacks("Élément 1 — « SIRET » : vérifiez")
        .assert_contains("LA POSTE");
    let jeton_poste = jeton(&refused, &boite(&rows[1]));
    assert_ne!(jeton_poste, jeton_dinum);

    // Saved with both boxes ticked, the brouillon comes back ticked.
    let coches = vec![(boite(&rows[0]), jeton_dinum.clone()), (boite(&rows[1]), jeton_poste.clone())];
    poster(&usager, &brouillon, &reponses(&rows, [dinum, la_poste], &coches, "enregistrer"))
        .await
        .assert_status(200)
        .assert_contains("brouillon a bien été enregistré");
    usager
        .get(&brouillon)
        .await
        .assert_contains(&format!(r#"name="{}" value="{jeton_dinum}" checked"#, boite(&rows[0])))
        .assert_contains(&format!(r#"name="{}" value="{jeton_poste}" checked"#, boite(&rows[1])));
    poster(&usager, &brouillon, &reponses(&rows, [dinum, la_poste], &coches, "deposer"))
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");

    // The usager and the instructeur read each row's établissement.
    let numero = brouillon.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").to_string();
    usager
        .get(&format!("/dossiers/{numero}"))
        .await
        .assert_status(200)
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_contains("LA POSTE");
    let fiche = admin.get(&format!("/instructeur/dossiers/{numero}")).await;
    fiche
        .assert_status(200)
        .assert_contains("Élément 2")
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE")
        .assert_contains("LA POSTE")
        .assert_lacks("non confirmées par l'usager");

    // API Entreprise down for the first request of a dépôt: the first
    // row's check (a SIRET not seen yet) is deferred; the second row's
    // établissement comes from the plugin's cache, confirmed with the box
    // of the same données as before; the dossier is filed. The job finds
    // the first row's établissement later, and nobody confirmed it.
    let autre = app.signed_in("dominique@reseaux.example", Roles::default()).await;
    let (brouillon, rows) = brouillon_a_deux_lignes(&autre).await;
    api.set_outage_for(Outage::Unavailable, 1);
    let sncf = api_entreprise::SIRET_SNCF;
    let coche = vec![(boite(&rows[1]), jeton_poste)];
    poster(&autre, &brouillon, &reponses(&rows, [sncf, la_poste], &coche, "deposer"))
        .await
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé");
    let numero = brouillon.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").to_string();
    let fiche = format!("/instructeur/dossiers/{numero}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let page = loop {
        let page = admin.get(&fiche).await;
        if !page.body.contains("Vérification automatique en attente") {
            break page;
        }
        assert!(Instant::now() < deadline, "the deferred check of the row ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    page.assert_status(200).assert_contains("SOCIETE NATIONALE SNCF").assert_contains("LA POSTE");
    // Only the deferred row is unconfirmed: the badge shows once, in the
    // first row (before the second row's heading).
    let badge = "Informations trouvées non confirmées par l'usager";
    assert_eq!(page.body.matches(badge).count(), 1, "{}", page.body);
    let (premiere, seconde) = (page.body.find(badge), page.body.find("Élément 2"));
    assert!(premiere < seconde, "the unconfirmed établissement is the first row's");
}
