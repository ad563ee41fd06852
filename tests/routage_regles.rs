//! Routing by the groupes' own rules, built with the no-code builder (rhai
//! underneath, like every rule): the administrateur gives the « Sud »
//! groupe a rule on the answer to « Antenne », a refused rule comes back
//! with its error next to the clause, a rule reading a champ since deleted
//! blocks publication; a dossier answering « Sud » goes to that groupe with
//! the rule as its explanation and its instructeur sees it, another goes
//! to the default groupe. The default groupe has no rule page, another
//! administrateur gets a 404.

use guichet::domain::DossierId;
use guichet::store::dossiers;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routage_par_regles_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routage_par_regles_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

async fn creer_groupe(admin: &Client, demarche: i64, libelle: &str) -> i64 {
    let page = admin.post(&format!("/admin/demarches/{demarche}/groupes"), &[("libelle", libelle)]).await;
    page.assert_status(200).assert_contains("Le groupe a été créé.");
    page.id_after(&format!("/admin/demarches/{demarche}/groupes/"))
}

/// Files a dossier answering `antenne`; returns its number.
async fn deposer(usager: &Client, antenne: &str) -> i64 {
    let page = usager.post("/commencer/aide-antennes", &[]).await;
    page.assert_status(200);
    let numero = page.id_after("/dossiers/");
    usager
        .post(
            &format!("/dossiers/{numero}/brouillon"),
            &[("intention", "deposer"), ("champ_1", antenne), ("champ_2", "Association des riverains")],
        )
        .await
        .assert_status(200)
        .assert_contains("Dossier n°");
    numero
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@routage.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux antennes de quartier"),
                ("description", "Une aide répartie entre les antennes."),
                ("service_nom", "Direction des quartiers"),
                ("service_organisme", "Ville"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "quartiers@routage.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{demarche}/champs");
    for fields in [
        [
            ("type_champ", "drop_down_list"),
            ("libelle", "Antenne"),
            ("options", "Nord\nSud\nEst"),
            ("obligatoire", "on"),
        ],
        [("type_champ", "text"), ("libelle", "Nom de l'association"), ("options", ""), ("obligatoire", "on")],
        [("type_champ", "text"), ("libelle", "Quartier"), ("options", ""), ("obligatoire", "")],
    ] {
        admin.post(&champs, &fields).await.assert_status(200).assert_contains("Le champ a été ajouté");
    }
    let sud = creer_groupe(&admin, demarche, "Sud").await;
    let nord = creer_groupe(&admin, demarche, "Nord").await;

    // The groupe's page offers a rule; the builder lists the form's champs.
    let groupe_sud = format!("/admin/demarches/{demarche}/groupes/{sud}");
    admin.get(&groupe_sud).await.assert_status(200).assert_contains("Définir une règle de routage");
    let routage_sud = format!("{groupe_sud}/routage");
    admin
        .get(&routage_sud)
        .await
        .assert_status(200)
        .assert_contains("Règle de routage du groupe « Sud »")
        .assert_contains(r#"<option value="1">Antenne</option>"#);
    // A comparison a list cannot make: refused next to its clause, what
    // was typed kept; an empty rule is refused too.
    admin
        .post(&routage_sud, &[("clause_0_champ", "1"), ("clause_0_operateur", "superieur"), ("clause_0_valeur", "Sud")])
        .await
        .assert_status(422)
        .assert_contains("Condition 1 :")
        .assert_contains("ne peut pas être comparé avec « Antenne »")
        .assert_contains(r#"value="Sud""#);
    admin
        .post(&routage_sud, &[("clause_0_champ", ""), ("clause_0_operateur", "egal"), ("clause_0_valeur", "")])
        .await
        .assert_status(422)
        .assert_contains("Ajoutez au moins une condition.");
    admin
        .post(&routage_sud, &[("clause_0_champ", "1"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "Sud")])
        .await
        .assert_status(200)
        .assert_contains("La règle de routage a été enregistrée")
        .assert_contains("« Antenne » est égal à « Sud »");

    // The default groupe takes what no rule takes: no rule of its own.
    let defaut = admin.get(&format!("/admin/demarches/{demarche}/instructeurs")).await;
    let lien = format!("/admin/demarches/{demarche}/groupes/");
    let debut = defaut.body.find(&lien).expect("a link to the default groupe") + lien.len();
    let defaut_id: i64 = defaut.body[debut..].split('"').next().and_then(|n| n.parse().ok()).expect("its id");
    assert!(defaut_id != sud && defaut_id != nord, "the default groupe is listed first");
    admin.get(&format!("/admin/demarches/{demarche}/groupes/{defaut_id}/routage")).await.assert_status(404);
    // Another administrateur: like a missing groupe.
    let intrus = app.signed_in("intrus@routage.example", Roles { administrateur: true, ..Roles::default() }).await;
    intrus.get(&routage_sud).await.assert_status(404);
    intrus
        .post(&routage_sud, &[("clause_0_champ", "1"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "Nord")])
        .await
        .assert_status(404);

    // A rule on a champ since deleted blocks publication, saying which.
    let routage_nord = format!("/admin/demarches/{demarche}/groupes/{nord}/routage");
    admin
        .post(&routage_nord, &[("clause_0_champ", "3"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "Centre")])
        .await
        .assert_status(200);
    admin.post(&format!("{champs}/3/supprimer"), &[]).await.assert_status(200);
    admin
        .post(
            &format!("/admin/demarches/{demarche}/instructeurs"),
            &[("email", "sud@routage.example"), ("groupe", &sud.to_string())],
        )
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "accueil@routage.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-antennes")])
        .await
        .assert_status(422)
        .assert_contains("La règle de routage du groupe « Nord » porte sur un champ qui a été supprimé");
    admin.post(&routage_nord, &[("action", "supprimer"), ("existe", "1")]).await.assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-antennes")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");

    // « Sud » goes to the Sud groupe, with the rule as its explanation.
    let usager = app.signed_in("usager@routage.example", Roles::default()).await;
    let au_sud = deposer(&usager, "Sud").await;
    let au_nord = deposer(&usager, "Nord").await;
    let state = &app.server.state;
    let mut tx = state.store.read().await.expect("read");
    let dossier = dossiers::find_for_job(tx.conn(), DossierId(au_sud)).await.expect("dossier");
    let explication = dossiers::routage_explication(tx.conn(), DossierId(au_sud)).await.expect("explication");
    let autre = dossiers::find_for_job(tx.conn(), DossierId(au_nord)).await.expect("dossier");
    tx.commit().await.expect("commit");
    assert_eq!(dossier.groupe_instructeur_id, Some(sud));
    assert_eq!(explication.as_deref(), Some("Règle du groupe « Sud » : « Antenne » est égal à « Sud »."));
    assert_eq!(autre.groupe_instructeur_id, Some(defaut_id), "no rule holds: the default groupe");

    // The Sud instructeur sees theirs and why; the other is not theirs.
    let instructeur = app.signed_in("sud@routage.example", Roles { instructeur: true, ..Roles::default() }).await;
    instructeur
        .get(&format!("/instructeur/dossiers/{au_sud}"))
        .await
        .assert_status(200)
        .assert_contains("Règle du groupe « Sud »");
    instructeur.get(&format!("/instructeur/dossiers/{au_nord}")).await.assert_status(404);
}
