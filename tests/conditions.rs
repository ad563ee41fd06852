//! Display conditions, valeurs calculées and inéligibilité end to end: an
//! administrateur builds them with the no-code builder and in expert mode
//! (refused rules kept as typed, errors next to their row), a rule on a
//! deleted champ blocks publication; an usager sees champs appear as
//! answers change (after a save, and through the JSON the page's script
//! reads), a computed total, an ineligible answer that blocks the dépôt;
//! a hidden champ is neither validated nor kept at dépôt.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_calculs_and_ineligibilite_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_calculs_and_ineligibilite_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

async fn ajouter(admin: &Client, champs_url: &str, fields: &[(&str, &str)]) {
    admin.post(champs_url, fields).await.assert_status(200).assert_contains("Le champ a été ajouté");
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@conditions.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux familles"),
                ("description", "Une aide par enfant."),
                ("service_nom", "Service famille"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "famille@conditions.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");

    // Stable ids 1 to 5, in this order.
    ajouter(&admin, &champs_url, &[("type_champ", "yes_no"), ("libelle", "Avez-vous des enfants ?")]).await;
    ajouter(
        &admin,
        &champs_url,
        &[("type_champ", "integer_number"), ("libelle", "Nombre d'enfants"), ("obligatoire", "on")],
    )
    .await;
    ajouter(&admin, &champs_url, &[("type_champ", "decimal_number"), ("libelle", "Montant par enfant")]).await;
    // A formula on a champ placed below is refused, kept as typed.
    admin
        .post(&champs_url, &[("type_champ", "calcul"), ("libelle", "Total"), ("calcul", "champ_2 * champ_9")])
        .await
        .assert_status(422)
        .assert_contains("« champ_9 » n'est pas un champ placé au-dessus")
        .assert_contains(r#"id="calcul-erreur""#)
        .assert_contains("champ_2 * champ_9</textarea>");
    ajouter(&admin, &champs_url, &[("type_champ", "calcul"), ("libelle", "Total"), ("calcul", "champ_2 * champ_3")])
        .await;
    ajouter(&admin, &champs_url, &[("type_champ", "text"), ("libelle", "École"), ("obligatoire", "on")]).await;

    // ── The builder, without JavaScript. ──
    let condition_2 = format!("{champs_url}/2/condition");
    let page = admin.get(&condition_2).await;
    page.assert_status(200)
        .assert_contains("Condition d'affichage de « Nombre d'enfants »")
        .assert_contains(r#"<option value="1">Avez-vous des enfants ?</option>"#)
        .assert_contains("<code>champ_1</code>");
    // Only champs above are offered.
    page.assert_lacks(r#"<option value="3">"#);
    // « Ajouter une condition » comes back with one more row, as typed.
    admin
        .post(
            &condition_2,
            &[
                ("action", "ajouter"),
                ("clause_0_champ", "1"),
                ("clause_0_operateur", "egal"),
                ("clause_0_valeur", "oui"),
            ],
        )
        .await
        .assert_status(200)
        .assert_contains(r#"name="clause_1_champ""#)
        .assert_contains(r#"value="oui""#);
    // A value that is not a yes/no: refused next to its row, kept.
    admin
        .post(
            &condition_2,
            &[
                ("action", "enregistrer"),
                ("clause_0_champ", "1"),
                ("clause_0_operateur", "egal"),
                ("clause_0_valeur", "peut-être"),
            ],
        )
        .await
        .assert_status(422)
        .assert_contains("Condition 1 : choisissez « Oui » ou « Non ».")
        .assert_contains(r#"id="clause_0-erreur""#)
        .assert_contains(r#"value="peut-être""#);
    // A champ below, forged into the form: refused.
    admin
        .post(&condition_2, &[("clause_0_champ", "3"), ("clause_0_operateur", "vide")])
        .await
        .assert_status(422)
        .assert_contains("choisissez un champ placé au-dessus");
    admin
        .post(
            &condition_2,
            &[
                ("action", "enregistrer"),
                ("clause_0_champ", "1"),
                ("clause_0_operateur", "egal"),
                ("clause_0_valeur", "oui"),
            ],
        )
        .await
        .assert_status(200)
        .assert_contains("La condition d'affichage a été enregistrée.")
        .assert_contains("Affiché si « Avez-vous des enfants ? » est égal à « oui »");
    // Expert mode: rhai over the champs above.
    let condition_5 = format!("{champs_url}/5/condition");
    admin
        .post(&condition_5, &[("mode", "expert"), ("expression", "champ_2 >= 2 && inconnue(champ_1)")])
        .await
        .assert_status(422)
        .assert_contains("La fonction « inconnue");
    admin
        .post(&condition_5, &[("mode", "expert"), ("expression", "champ_2 >= 2")])
        .await
        .assert_status(200)
        .assert_contains("Affiché si champ_2 >= 2");
    // The montant shows with the children; its condition is then removed.
    let condition_3 = format!("{champs_url}/3/condition");
    admin
        .post(&condition_3, &[("clause_0_champ", "1"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "oui")])
        .await
        .assert_status(200);
    admin
        .post(&condition_3, &[("action", "supprimer")])
        .await
        .assert_contains("La condition d'affichage a été retirée");

    // Another administrateur sees none of it.
    let intrus = app.signed_in("intrus@conditions.example", Roles { administrateur: true, ..Roles::default() }).await;
    intrus.get(&condition_2).await.assert_status(404);
    intrus.post(&condition_2, &[("action", "supprimer")]).await.assert_status(404);
    intrus.get(&format!("/admin/demarches/{demarche}/ineligibilite")).await.assert_status(404);

    // ── A rule on a champ since deleted blocks publication. ──
    ajouter(&admin, &champs_url, &[("type_champ", "checkbox"), ("libelle", "Provisoire")]).await;
    let condition_7 = format!("{champs_url}/7/condition");
    ajouter(&admin, &champs_url, &[("type_champ", "text"), ("libelle", "Suite")]).await;
    admin
        .post(&condition_7, &[("clause_0_champ", "6"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "oui")])
        .await
        .assert_status(200);
    admin.post(&format!("{champs_url}/6/supprimer"), &[]).await.assert_status(200);
    admin
        .get(&champs_url)
        .await
        .assert_contains("Règles à corriger avant la publication")
        .assert_contains("La condition d'affichage de « Suite » porte sur un champ qui a été supprimé");
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "instructeur@conditions.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-familles")])
        .await
        .assert_status(422)
        .assert_contains("porte sur un champ qui a été supprimé");
    admin.post(&format!("{champs_url}/7/supprimer"), &[]).await.assert_status(200);

    // ── Inéligibilité. ──
    let ineligibilite = format!("/admin/demarches/{demarche}/ineligibilite");
    admin
        .post(
            &ineligibilite,
            &[("clause_0_champ", "2"), ("clause_0_operateur", "superieur"), ("clause_0_valeur", "10")],
        )
        .await
        .assert_status(422)
        .assert_contains("Le champ « Message » doit être rempli.")
        .assert_contains(r#"value="10""#);
    admin
        .post(
            &ineligibilite,
            &[
                ("message", "Cette aide est limitée aux familles de 10 enfants au plus."),
                ("clause_0_champ", "2"),
                ("clause_0_operateur", "superieur"),
                ("clause_0_valeur", "10"),
            ],
        )
        .await
        .assert_status(200)
        .assert_contains("La règle d'inéligibilité a été enregistrée.");
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-familles")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");

    usager(app).await;
}

async fn usager(app: &TestApp) {
    let usager = app.signed_in("usager@conditions.example", Roles::default()).await;
    let page = usager.post("/commencer/aide-familles", &[]).await;
    page.assert_status(200)
        // Hidden until « Oui »: on the page, for the script to show it.
        .assert_contains(r#"data-champ="2" hidden>"#)
        .assert_contains(r#"data-champ="5" hidden>"#)
        .assert_contains(r#"data-champ="1">"#)
        .assert_contains(r#"data-regles="/dossiers/"#)
        .assert_contains(r#"data-calcul="4""#);
    let dossier = page.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");

    // Without JavaScript: a save shows the champs an answer makes visible.
    let page = usager.post(&brouillon, &[("intention", "enregistrer"), ("champ_1", "true"), ("champ_3", "12,5")]).await;
    page.assert_status(200).assert_contains(r#"data-champ="2">"#).assert_contains(r#"data-champ="5" hidden>"#);
    let page = usager
        .post(&brouillon, &[("intention", "enregistrer"), ("champ_1", "true"), ("champ_2", "3"), ("champ_3", "12,5")])
        .await;
    page.assert_status(200)
        .assert_contains(r#"data-champ="5">"#)
        .assert_contains(r#"data-calcul="4" aria-labelledby="champ_4-libelle" aria-live="polite">37,5</output>"#);

    // What the page's script reads: hidden champs, totals, inéligibilité.
    let regles = format!("/dossiers/{dossier}/regles");
    let json = |p: &guichet_tests::app::Page| -> serde_json::Value {
        p.assert_status(200);
        serde_json::from_str(&p.raw).expect("JSON")
    };
    let v = json(&usager.post(&regles, &[("champ_1", "false")]).await);
    assert_eq!(v["masques"], serde_json::json!([2, 5]), "{v}");
    assert_eq!(v["ineligible"], serde_json::Value::Null);
    let v = json(&usager.post(&regles, &[("champ_1", "true"), ("champ_2", "12"), ("champ_3", "10")]).await);
    assert_eq!(v["masques"], serde_json::json!([]), "{v}");
    assert_eq!(v["calculs"]["4"], "120");
    assert_eq!(v["ineligible"], "Cette aide est limitée aux familles de 10 enfants au plus.");
    // Someone else's dossier answers like a missing one.
    let autre = app.signed_in("autre@conditions.example", Roles::default()).await;
    autre.post(&regles, &[("champ_1", "true")]).await.assert_status(404);

    // Ineligible: the dépôt is refused with the message, the answers kept.
    let page = usager
        .post(
            &brouillon,
            &[
                ("intention", "deposer"),
                ("champ_1", "true"),
                ("champ_2", "12"),
                ("champ_3", "10"),
                ("champ_5", "Jules Ferry"),
            ],
        )
        .await;
    page.assert_status(422)
        .assert_contains(r##"<a href="#ineligibilite">Cette aide est limitée aux familles de 10 enfants au plus.</a>"##)
        .assert_contains(r#"value="12""#);
    usager.get(&format!("/dossiers/{dossier}")).await.assert_contains("brouillon");

    // A hidden champ is not validated, and cleared at dépôt.
    let page = usager
        .post(
            &brouillon,
            &[
                ("intention", "deposer"),
                ("champ_1", "false"),
                ("champ_2", "beaucoup"),
                ("champ_3", "10"),
                ("champ_5", ""),
            ],
        )
        .await;
    page.assert_status(200).assert_contains("Votre dossier a bien été déposé");
    page.assert_lacks("beaucoup");

    let instructeur =
        app.signed_in("instructeur@conditions.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = instructeur.get(&format!("/instructeur/dossiers/{dossier}")).await;
    page.assert_status(200)
        .assert_contains("<dd>10</dd>")
        .assert_lacks("beaucoup")
        .assert_lacks("<dt>Nombre d'enfants</dt>");
}

/// A rule that compiles but fails on real answers (text minus a number)
/// shows its champ to the usager, and the administrateur finds it on the
/// form's page until the rule changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_failing_on_answers_is_shown_to_the_administrateur() {
    let app = TestApp::sqlite().await;
    let admin = app.signed_in("admin@echecs.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux jardins"),
                ("description", "Une aide aux jardins partagés."),
                ("service_nom", "Service des espaces verts"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "jardins@echecs.example"),
            ],
        )
        .await;
    let demarche = page.id_after("/admin/demarches/");
    let champs = format!("/admin/demarches/{demarche}/champs");
    ajouter(&admin, &champs, &[("type_champ", "text"), ("libelle", "Nom du jardin")]).await;
    ajouter(&admin, &champs, &[("type_champ", "text"), ("libelle", "Surface cultivée")]).await;
    admin
        .post(&format!("{champs}/2/condition"), &[("mode", "expert"), ("expression", "champ_1 - 1 > 0")])
        .await
        .assert_status(200);
    admin.get(&champs).await.assert_lacks("Règles qui ont échoué");
    admin.post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "i@echecs.example")]).await;
    admin.post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "aide-jardins")]).await.assert_status(200);

    let usager = app.signed_in("usager@echecs.example", Roles::default()).await;
    let page = usager.post("/commencer/aide-jardins", &[]).await;
    let dossier = page.id_after("/dossiers/");
    usager
        .post(&format!("/dossiers/{dossier}/brouillon"), &[("champ_1", "Les Lilas"), ("champ_2", "")])
        .await
        .assert_status(200)
        // The failing condition shows its champ.
        .assert_contains(r#"data-champ="2">"#);
    admin
        .get(&champs)
        .await
        .assert_status(200)
        .assert_contains("Règles qui ont échoué sur des réponses d'usagers")
        .assert_contains("La condition de « Surface cultivée » ne peut pas être évaluée");
    app.stop().await;
}
