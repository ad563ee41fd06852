//! The territory champs end to end: an administrateur adds the five types
//! through the editor, an usager files a dossier without JavaScript (a
//! commune name matching several communes comes back as a list to choose
//! from, the rest of the draft kept), the instructeur reads the names; the
//! combobox's JSON search is public and bounded.

use guichet::domain::territoire;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Page, TestApp};

/// The HTML name of the field labelled `libelle` on a form page.
fn champ(page: &Page, libelle: &str) -> String {
    let at = page.body.find(&format!(">{libelle}")).unwrap_or_else(|| panic!("no field « {libelle} »"));
    let before = &page.body[..at];
    let start = before.rfind("for=\"").expect("a label") + 5;
    before[start..].split('"').next().expect("label target").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn territory_champs_from_the_editor_to_the_instructeur() {
    let app = TestApp::sqlite().await;
    let admin = app.signed_in("admin@region.example", Roles { administrateur: true, ..Roles::default() }).await;
    let instructeur = app.signed_in("agent@region.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Déclaration de manifestation sportive"),
                ("description", "Pour déclarer une course."),
                ("service_nom", "Service des sports"),
                ("service_organisme", "Préfecture"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "sports@prefecture.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");
    let editeur = admin.get(&champs_url).await;
    for t in ["pays", "regions", "departements", "communes", "epci"] {
        editeur.assert_contains(&format!("value=\"{t}\""));
    }
    for (t, libelle) in [
        ("pays", "Pays de l'organisateur"),
        ("regions", "Région de départ"),
        ("departements", "Département d'arrivée"),
        ("communes", "Commune de départ"),
        ("epci", "Intercommunalité traversée"),
    ] {
        admin
            .post(&champs_url, &[("type_champ", t), ("libelle", libelle), ("obligatoire", "on")])
            .await
            .assert_status(200)
            .assert_contains("Le champ a été ajouté");
    }
    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "agent@region.example")])
        .await
        .assert_status(200);
    admin.post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "course")]).await.assert_status(200);

    let usager = app.signed_in("coureur@exemple.fr", Roles::default()).await;
    let page = usager.post("/commencer/course", &[]).await;
    page.assert_status(200)
        .assert_contains(">Belgique</option>")
        .assert_contains(">Auvergne-Rhône-Alpes</option>")
        .assert_contains(">971 – Guadeloupe</option>")
        .assert_contains("<optgroup label=\"69 – Rhône\">")
        .assert_contains("Code postal ou nom de la commune")
        .assert_contains("data-suggestions=\"/territoire/communes\"");
    let brouillon = page.path();
    let (pays, region, departement, commune, epci) = (
        champ(&page, "Pays de l'organisateur"),
        champ(&page, "Région de départ"),
        champ(&page, "Département d'arrivée"),
        champ(&page, "Commune de départ"),
        champ(&page, "Intercommunalité traversée"),
    );
    let lyon = territoire::epci_du_departement("69").into_iter().next().expect("an EPCI in the Rhône");

    // Unknown values: French errors next to their fields, the rest kept.
    let page = usager
        .post(
            &brouillon,
            &[
                ("intention", "enregistrer"),
                (&pays, "XX"),
                (&region, "84"),
                (&departement, "971"),
                (&commune, "Xyzzyville"),
                (&epci, lyon.siren),
            ],
        )
        .await;
    page.assert_contains("ce pays ne fait pas partie de la liste proposée")
        .assert_contains("aucune commune ne correspond à « Xyzzyville »")
        .assert_contains(&format!("id=\"{commune}\" name=\"{commune}\" type=\"text\" value=\"Xyzzyville\""))
        .assert_contains("<option value=\"971\" selected>");

    // Without JavaScript: a name shared by several communes comes back as
    // a list to choose from, with the draft and the other errors kept.
    let page = usager
        .post(
            &brouillon,
            &[
                ("intention", "deposer"),
                (&pays, "XX"),
                (&region, "84"),
                (&departement, "971"),
                (&commune, "Saint-Denis"),
                (&epci, lyon.siren),
            ],
        )
        .await;
    page.assert_contains("plusieurs communes correspondent à « Saint-Denis »")
        .assert_contains("ce pays ne fait pas partie de la liste proposée")
        .assert_contains("value=\"93066|93200\"")
        .assert_contains("value=\"97411|97400\"")
        .assert_contains("974 – La Réunion")
        .assert_contains("<option value=\"84\" selected>");
    assert!(!page.body.contains("Votre dossier a bien été déposé"));

    // The browser posts the text, then the ticked commune under the same
    // name: the ticked one is taken.
    let page = usager
        .post(
            &brouillon,
            &[
                ("intention", "deposer"),
                (&pays, "BE"),
                (&region, "84"),
                (&departement, "971"),
                (&commune, "Saint-Denis"),
                (&format!("{commune}_choix"), "93066|93200"),
                (&epci, lyon.siren),
            ],
        )
        .await;
    page.assert_status(200).assert_contains("Votre dossier a bien été déposé");
    let numero = guichet_tests::demo::numero(&brouillon);
    let lectures = [
        usager.get(&format!("/dossiers/{numero}")).await,
        instructeur.get(&format!("/instructeur/dossiers/{numero}")).await,
    ];
    for page in lectures {
        page.assert_status(200)
            .assert_contains("<dd>Belgique</dd>")
            .assert_contains("<dd>Auvergne-Rhône-Alpes</dd>")
            .assert_contains("<dd>971 – Guadeloupe</dd>")
            .assert_contains("<dd>Saint-Denis (93200)</dd>")
            .assert_contains(&format!("<dd>{}</dd>", lyon.nom))
            .assert_lacks("93066|93200");
    }
    // A postal code alone resolves when one commune has it; the stored
    // value shows as « Nom (CP) » in the form.
    let modifier = format!("/dossiers/{numero}/modifier");
    usager.get(&modifier).await.assert_contains("value=\"Saint-Denis (93200)\"");
    usager
        .post(
            &modifier,
            &[(&pays, "BE"), (&region, "84"), (&departement, "2A"), (&commune, "75011"), (&epci, lyon.siren)],
        )
        .await
        .assert_status(200);
    instructeur
        .get(&format!("/instructeur/dossiers/{numero}"))
        .await
        .assert_contains("<dd>Paris (75011)</dd>")
        .assert_contains("<dd>2A – Corse-du-Sud</dd>");
    app.stop().await;
}

/// The combobox's search: public, by postal code or name, bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commune_search_answers_json_within_bounds() {
    let app = TestApp::sqlite().await;
    let client = app.client();
    let page = client.get("/territoire/communes?q=75011").await;
    page.assert_status(200).assert_contains(r#""value":"Paris (75011)""#).assert_contains("75 – Paris");
    let page = client.get("/territoire/communes?q=saint%20denis").await;
    let body: serde_json::Value = serde_json::from_str(&page.body).expect("JSON");
    let list = body["suggestions"].as_array().expect("a list");
    assert!(list.len() > 1 && list.len() <= territoire::COMMUNES_MAX, "{list:?}");
    let long = "a".repeat(territoire::RECHERCHE_MAX_CHARS + 1);
    client
        .get(&format!("/territoire/communes?q={long}"))
        .await
        .assert_status(200)
        .assert_contains(r#"{"suggestions":[]}"#);
    client.get("/territoire/communes").await.assert_status(200).assert_contains(r#"{"suggestions":[]}"#);
    app.stop().await;
}
