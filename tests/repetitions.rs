//! Blocs répétables end to end: the administrateur puts champs into a
//! block and out of it (types a block cannot hold refused next to the
//! field), a condition on a row's sibling; the usager adds and removes
//! rows without JavaScript (the brouillon keeps everything typed), a bad
//! value in one row is refused next to it, a mandatory block needs a row,
//! the page's script reads each row's hidden champs and the total; the
//! instructeur reads the rows in order, a champ hidden in its row cleared.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, Page, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repetitions_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repetitions_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

async fn ajouter(admin: &Client, champs_url: &str, fields: &[(&str, &str)]) {
    admin.post(champs_url, fields).await.assert_status(200).assert_contains("Le champ a été ajouté");
}

/// The row ids on a form page, in order.
fn lignes(page: &Page) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find("data-ligne=\"") {
        rest = &rest[i + "data-ligne=\"".len()..];
        let id: String = rest.chars().take_while(|c| *c != '"').collect();
        assert_eq!(id.len(), 16, "row id {id:?}");
        out.push(id);
    }
    out
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@repetitions.example", Roles { administrateur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Subvention de projet"),
                ("description", "Une aide aux projets associatifs."),
                ("service_nom", "Service vie associative"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "associations@repetitions.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");

    // 1 and 2 at the top; 3 to 6 in the block; 7 below it.
    ajouter(&admin, &champs_url, &[("type_champ", "text"), ("libelle", "Nom du projet"), ("obligatoire", "on")]).await;
    ajouter(&admin, &champs_url, &[("type_champ", "repetition"), ("libelle", "Dépenses"), ("obligatoire", "on")]).await;
    let dans_le_bloc = |fields: &[(&'static str, &'static str)]| {
        let mut f = fields.to_vec();
        f.push(("parent", "2"));
        f
    };
    ajouter(
        &admin,
        &champs_url,
        &dans_le_bloc(&[("type_champ", "text"), ("libelle", "Nature de la dépense"), ("obligatoire", "on")]),
    )
    .await;
    ajouter(&admin, &champs_url, &dans_le_bloc(&[("type_champ", "decimal_number"), ("libelle", "Montant")])).await;
    ajouter(&admin, &champs_url, &dans_le_bloc(&[("type_champ", "yes_no"), ("libelle", "Déjà financée ?")])).await;
    ajouter(&admin, &champs_url, &dans_le_bloc(&[("type_champ", "text"), ("libelle", "Financeur")])).await;
    // What a block cannot hold is refused next to the field, kept as typed.
    admin
        .post(&champs_url, &dans_le_bloc(&[("type_champ", "repetition"), ("libelle", "Sous-bloc")]))
        .await
        .assert_status(422)
        .assert_contains("ne peut pas être placé dans un bloc répétable")
        .assert_contains(r#"id="parent-erreur""#)
        .assert_contains(r#"value="Sous-bloc""#);
    // A block that no longer exists (or is no block) is refused too.
    admin
        .post(&champs_url, &[("type_champ", "text"), ("libelle", "Perdu"), ("parent", "1")])
        .await
        .assert_status(422)
        .assert_contains("Ce bloc répétable n'existe plus.");
    ajouter(
        &admin,
        &champs_url,
        &[("type_champ", "calcul"), ("libelle", "Total des dépenses"), ("calcul", "somme(champ_4)")],
    )
    .await;

    // The editor lists the block's champs inside it, with their moves.
    let page = admin.get(&champs_url).await;
    page.assert_status(200)
        .assert_contains(r#"aria-label="Champs du bloc « Dépenses »""#)
        .assert_contains("Sortir du bloc")
        .assert_contains("Mettre dans le bloc « Dépenses »")
        .assert_contains(r#"<option value="2">Dans le bloc « Dépenses »</option>"#);
    // Into the block above and back out; a child moves among its siblings.
    let deplacer = |id: i64| format!("{champs_url}/{id}/deplacer");
    admin.post(&deplacer(7), &[("sens", "entrer")]).await.assert_status(200);
    admin.post(&deplacer(7), &[("sens", "entrer")]).await.assert_status(422).assert_contains("déjà dans un bloc");
    admin.post(&deplacer(7), &[("sens", "sortir")]).await.assert_status(200);
    admin.post(&deplacer(1), &[("sens", "entrer")]).await.assert_status(422).assert_contains("Aucun bloc");
    admin.post(&deplacer(6), &[("sens", "haut")]).await.assert_status(200);
    admin.post(&deplacer(6), &[("sens", "bas")]).await.assert_status(200);
    // A block cannot become another type while it holds champs.
    admin
        .post(&format!("{champs_url}/2"), &[("type_champ", "text"), ("libelle", "Dépenses")])
        .await
        .assert_status(422)
        .assert_contains("Ce bloc répétable contient des champs");

    // The financeur shows in a row when that row's expense is financed.
    admin
        .post(
            &format!("{champs_url}/6/condition"),
            &[("clause_0_champ", "5"), ("clause_0_operateur", "egal"), ("clause_0_valeur", "oui")],
        )
        .await
        .assert_status(200)
        .assert_contains("Affiché si « Déjà financée ? » est égal à « oui »");

    // Another administrateur cannot move anything.
    let intrus = app.signed_in("intrus@repetitions.example", Roles { administrateur: true, ..Roles::default() }).await;
    intrus.post(&deplacer(3), &[("sens", "sortir")]).await.assert_status(404);

    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "instructeur@repetitions.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "subvention-projet")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");

    usager(app).await;
}

async fn usager(app: &TestApp) {
    let usager = app.signed_in("usager@repetitions.example", Roles::default()).await;
    let page = usager.post("/commencer/subvention-projet", &[]).await;
    // A mandatory block starts with one row to fill.
    page.assert_status(200)
        .assert_contains("Dépenses — élément 1")
        .assert_lacks("Aucun élément pour l'instant.")
        .assert_contains(r#"value="ajouter:2""#)
        .assert_contains(r#"<button type="submit" name="intention" value="enregistrer" hidden"#);
    assert_eq!(lignes(&page).len(), 1);
    let dossier = page.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");

    // A mandatory block needs a row: the usager removed it.
    usager
        .post(&brouillon, &[("intention", "deposer"), ("champ_1", "Jardin partagé")])
        .await
        .assert_status(422)
        .assert_contains("« Dépenses » : ajoutez au moins un élément.");

    // Without JavaScript: each « Ajouter un élément » saves and adds a row.
    let mut page = usager.post(&brouillon, &[("ligne", "ajouter:2"), ("champ_1", "Jardin partagé")]).await;
    for _ in 0..2 {
        let mut fields =
            vec![("ligne".to_string(), "ajouter:2".to_string()), ("champ_1".into(), "Jardin partagé".into())];
        fields.extend(lignes(&page).into_iter().map(|r| ("champ_2[]".to_string(), r)));
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        page = usager.post(&brouillon, &refs).await;
    }
    page.assert_status(200).assert_contains("Dépenses — élément 3").assert_contains(r#"value="Jardin partagé""#);
    let rows = lignes(&page);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[0] < rows[1] && rows[1] < rows[2], "rows in the order added: {rows:?}");
    let nom = |row: &str, champ: i64| format!("l{row}-champ_{champ}");

    // A bad amount in row 2: refused next to it, everything kept.
    let (n1, m1, f1, n2, m2, f2, n3) = (
        nom(&rows[0], 3),
        nom(&rows[0], 4),
        nom(&rows[0], 5),
        nom(&rows[1], 3),
        nom(&rows[1], 4),
        nom(&rows[1], 5),
        nom(&rows[2], 3),
    );
    let financeur1 = nom(&rows[0], 6);
    let financeur2 = nom(&rows[1], 6);
    let base = vec![
        ("champ_1", "Jardin partagé"),
        ("champ_2[]", rows[0].as_str()),
        ("champ_2[]", rows[1].as_str()),
        ("champ_2[]", rows[2].as_str()),
        (n1.as_str(), "Graines"),
        (m1.as_str(), "120,50"),
        (f1.as_str(), "true"),
        (financeur1.as_str(), "Région"),
        (n2.as_str(), "Outils"),
        (f2.as_str(), "false"),
        // Typed, then hidden by « Non »: cleared at dépôt.
        (financeur2.as_str(), "Personne"),
        (n3.as_str(), "Clôture"),
    ];
    let mut mauvais = base.clone();
    mauvais.push(("intention", "deposer"));
    mauvais.push((m2.as_str(), "beaucoup"));
    let page = usager.post(&brouillon, &mauvais).await;
    page.assert_status(422)
        .assert_contains("Élément 2 — ")
        .assert_contains(&format!(r#"id="{m2}-erreur""#))
        .assert_contains(r#"value="beaucoup""#)
        .assert_contains(r#"value="Graines""#);

    // What the page's script reads: each row's hidden champs and the total.
    let mut regles = base.clone();
    regles.push((m2.as_str(), "30"));
    let v: serde_json::Value =
        serde_json::from_str(&usager.post(&format!("/dossiers/{dossier}/regles"), &regles).await.raw).expect("JSON");
    assert_eq!(v["lignes"][&rows[0]]["masques"], serde_json::json!([]), "{v}");
    assert_eq!(v["lignes"][&rows[1]]["masques"], serde_json::json!([6]), "{v}");
    assert_eq!(v["calculs"]["7"], "150,5", "{v}");
    // A forged row id is no row.
    let v: serde_json::Value = serde_json::from_str(
        &usager.post(&format!("/dossiers/{dossier}/regles"), &[("champ_2[]", "../../etc/passwd")]).await.raw,
    )
    .expect("JSON");
    assert_eq!(v["lignes"], serde_json::json!({}), "{v}");

    // « Supprimer l'élément 3 »: the row goes, the others stay as typed.
    let mut supprimer = base.clone();
    let action = format!("supprimer:2:{}", rows[2]);
    supprimer.push(("ligne", action.as_str()));
    supprimer.push((m2.as_str(), "30"));
    let page = usager.post(&brouillon, &supprimer).await;
    page.assert_status(200).assert_lacks("Clôture").assert_contains(r#"value="Outils""#);
    assert_eq!(lignes(&page), rows[..2]);

    // Someone else cannot touch the rows.
    let autre = app.signed_in("autre@repetitions.example", Roles::default()).await;
    autre.post(&brouillon, &[("ligne", "ajouter:2")]).await.assert_status(404);

    let mut depot: Vec<(&str, &str)> = base.iter().copied().filter(|(_, v)| *v != rows[2] && *v != "Clôture").collect();
    depot.push((m2.as_str(), "30"));
    depot.push(("intention", "deposer"));
    let page = usager.post(&brouillon, &depot).await;
    page.assert_status(200).assert_contains("Votre dossier a bien été déposé");

    let instructeur =
        app.signed_in("instructeur@repetitions.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = instructeur.get(&format!("/instructeur/dossiers/{dossier}")).await;
    page.assert_status(200)
        .assert_contains("<dt>Dépenses</dt>")
        .assert_contains("Élément 1")
        .assert_contains("Élément 2")
        .assert_contains("<dd>Graines</dd>")
        .assert_contains("<dd>Région</dd>")
        .assert_contains("<dd>Outils</dd>")
        .assert_contains("<dd>150,5</dd>")
        .assert_lacks("Personne")
        .assert_lacks("Clôture");
    // The usager reads the same rows.
    usager.get(&format!("/dossiers/{dossier}")).await.assert_contains("<dd>Graines</dd>").assert_lacks("Personne");
}
