//! Routing at dépôt through the whole server: the demo démarche's
//! administrateur creates a second groupe instructeur and sets up the
//! routage plugin with a département table; a dossier whose address is in
//! the Rhône goes to that groupe, with the rule's explanation, and the
//! default groupe's instructeur cannot see it.

use guichet::domain::DossierId;
use guichet::store::dossiers;
use guichet_tests::app::TestApp;
use guichet_tests::demo::{self, ADMIN, INSTRUCTEUR, USAGER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_goes_to_the_groupe_its_departement_maps_to() {
    let app = TestApp::sqlite().await;
    let demarche = demo::demarche(&app).await;
    let state = &app.server.state;

    // The administrateur creates a second groupe, « Lyon »…
    let admin = demo::client(&app, ADMIN).await;
    let cree = admin.post(&format!("/admin/demarches/{}/groupes", demarche.id), &[("libelle", "Lyon")]).await;
    cree.assert_status(200).assert_contains("Le groupe a été créé.");
    let lyon = cree.id_after(&format!("/admin/demarches/{}/groupes/", demarche.id));

    // … then enables the routing rule and sets its table.
    let plugins = format!("/admin/demarches/{}/plugins", demarche.id);
    admin.get(&plugins).await.assert_contains("Routage des dossiers");
    admin.post(&format!("{plugins}/routage/activer"), &[]).await.assert_status(200);
    let reglages = format!("{plugins}/routage/reglages");
    // Freshly enabled, its required settings are empty: the page says the
    // rule is not applied until they are filled.
    admin
        .get(&reglages)
        .await
        .assert_status(200)
        .assert_contains("Table de routage")
        .assert_contains("<textarea")
        .assert_contains("Ce plugin n'est pas appelé tant que ses réglages ne lui conviennent pas")
        .assert_contains("doit être rempli.");
    // The adresse champ of the demo form is stable id 4 (after nom and SIRET).
    admin
        .post(&reglages, &[("champ", "4"), ("table", "69 = Lyon\n13 = Marseille"), ("defaut", "")])
        .await
        .assert_status(200)
        .assert_contains("Les réglages du plugin ont été enregistrés.");
    admin.get(&reglages).await.assert_lacks("Ce plugin n'est pas appelé");

    // An usager files a dossier with an address in Lyon.
    let usager = demo::client(&app, USAGER).await;
    let numero = demo::deposer(&usager, "732 829 320 00074", "3 rue de la République 69002 Lyon").await;

    let mut tx = state.store.read().await.expect("read");
    let dossier = dossiers::find_for_job(tx.conn(), DossierId(numero)).await.expect("dossier");
    let explication = dossiers::routage_explication(tx.conn(), DossierId(numero)).await.expect("explication");
    tx.commit().await.expect("commit");
    assert_eq!(dossier.groupe_instructeur_id, Some(lyon), "routed to Lyon");
    let explication = explication.expect("the rule's explanation is recorded");
    assert!(explication.contains("69") && explication.contains("Lyon"), "{explication}");

    // The default groupe's instructeur does not see it: exactly like a
    // dossier that does not exist.
    let instructeur = demo::client(&app, INSTRUCTEUR).await;
    let fiche = format!("/instructeur/dossiers/{numero}");
    instructeur.get(&fiche).await.assert_status(404);

    // Once the administrateur adds them to the Lyon groupe, they see it,
    // and why it came to them.
    admin
        .post(&format!("/admin/demarches/{}/groupes/{lyon}/instructeurs", demarche.id), &[("email", INSTRUCTEUR)])
        .await
        .assert_status(200)
        .assert_contains("L'instructeur a été affecté.");
    instructeur.get(&fiche).await.assert_status(200).assert_contains("Routage :").assert_contains("Lyon");
    app.stop().await;
}
