//! Plugins set per champ, and the form widgets their manifests declare.
//! Two champs of one plugin on one démarche take different settings on
//! their own page (errors next to the field, the typed values kept, nobody
//! else's démarche reachable), and every call for a champ gets that champ's
//! settings: two maps allow different numbers of shapes, two SIRET champs
//! treat a closed établissement differently. What the usager reads under a
//! plugin champ's label comes from the plugin's manifest, not from the host.

use guichet::domain::DemarcheId;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, TestApp, plugins_dir};
use guichet_tests::contrats::api_entreprise::{self, ApiEntreprise};
use std::path::Path;

const ADMIN: &str = "admin@par-champ.example";

/// A new démarche with `plugin` enabled and one champ of it per libellé:
/// the démarche's id and the champs' stable ids, in order.
async fn demarche(app: &TestApp, admin: &Client, plugin: &str, libelles: &[&str]) -> (i64, Vec<i64>) {
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Travaux sur la voie publique"),
                ("description", "Demande d'autorisation."),
                ("service_nom", "Service voirie"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "voirie@mairie.example"),
            ],
        )
        .await;
    let id = page.id_after("/admin/demarches/");
    admin.post(&format!("/admin/demarches/{id}/plugins/{plugin}/activer"), &[]).await.assert_status(200);
    let type_champ = format!("plugin:{plugin}");
    for libelle in libelles {
        admin
            .post(&format!("/admin/demarches/{id}/champs"), &[("type_champ", &type_champ), ("libelle", libelle)])
            .await
            .assert_status(200);
    }
    let mut tx = app.server.state.store.read().await.expect("read");
    let d = guichet::store::demarches::find(tx.conn(), DemarcheId(id)).await.expect("démarche");
    let types = guichet::store::demarches::types_de_champ(tx.conn(), d.draft_revision().expect("draft"))
        .await
        .expect("types de champ");
    tx.commit().await.expect("commit");
    (id, types.iter().map(|t| t.stable_id.0).collect())
}

/// A brouillon through the démarche's test link: its path.
async fn brouillon(admin: &Client, demarche: i64) -> String {
    let page = admin.get(&format!("/admin/demarches/{demarche}")).await;
    let test_path =
        page.body.split("/commencer/test/").nth(1).and_then(|s| s.split('"').next()).expect("test link").to_string();
    let dossier = admin.post(&format!("/commencer/test/{test_path}"), &[]).await.id_after("/dossiers/");
    format!("/dossiers/{dossier}/brouillon")
}

/// `n` small squares in Montpellier, as the map widget posts them.
fn polygones(n: usize) -> String {
    let features: Vec<String> = (0..n)
        .map(|i| {
            let x = 3.87 + 0.01 * i as f64;
            format!(
                r#"{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[[[{x},43.6],[{x1},43.6],[{x1},43.61],[{x},43.61],[{x},43.6]]]}},"properties":{{}}}}"#,
                x1 = x + 0.005
            )
        })
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_maps_of_one_demarche_take_their_own_number_of_shapes() {
    let app = TestApp::sqlite().await;
    let admin = app.signed_in(ADMIN, Roles { administrateur: true, ..Roles::default() }).await;
    let (id, champs) = demarche(&app, &admin, "carte", &["Emprise du chantier", "Itinéraire de déviation"]).await;
    let [emprise, deviation] = champs[..] else { panic!("two champs: {champs:?}") };
    let reglages = |sid: i64| format!("/admin/demarches/{id}/champs/{sid}/plugin");

    // Each map champ links to its own settings page.
    admin
        .get(&format!("/admin/demarches/{id}/champs"))
        .await
        .assert_contains(&format!("href=\"{}\"", reglages(emprise)));
    admin
        .get(&reglages(emprise))
        .await
        .assert_status(200)
        .assert_contains("Réglages du champ « Emprise du chantier »")
        .assert_contains("Nombre maximal de géométries")
        .assert_contains("Comme la démarche (non réglé)");

    // Refused with the same rules as the démarche's page, next to the
    // field, and what was typed comes back.
    admin
        .post(&reglages(emprise), &[("max-geometries", "99"), ("geometries", "Polygones"), ("cadastres", "non")])
        .await
        .assert_status(422)
        .assert_contains("« Nombre maximal de géométries » doit être entre 1 et 50.")
        .assert_contains(r#"id="max-geometries-erreur""#)
        .assert_contains(r##"href="#max-geometries""##)
        .assert_contains(r#"value="99""#)
        .assert_contains(r#"<option value="Polygones" selected>"#)
        .assert_contains(r#"<option value="non" selected>"#);
    admin
        .post(&reglages(emprise), &[("max-geometries", "1"), ("geometries", "Polygones")])
        .await
        .assert_status(200)
        .assert_contains("Le champ a été modifié.")
        .assert_contains(r#"value="1""#);
    admin.post(&reglages(deviation), &[("max-geometries", "3")]).await.assert_status(200);

    // Renaming the champ keeps its settings.
    admin
        .post(
            &format!("/admin/demarches/{id}/champs/{emprise}"),
            &[("type_champ", "plugin:carte"), ("libelle", "Emprise des travaux")],
        )
        .await
        .assert_status(200);
    admin.get(&reglages(emprise)).await.assert_contains(r#"value="1""#);

    // The usager's form draws each map with its own bounds.
    let brouillon = brouillon(&admin, id).await;
    admin
        .get(&brouillon)
        .await
        .assert_contains(r#"data-geometries="Polygones" data-max="1""#)
        .assert_contains(r#"data-geometries="" data-max="3""#);

    // Two polygons: too many for the first map, fine for the second.
    let deux = polygones(2);
    let (nom_emprise, nom_deviation) = (format!("champ_{emprise}"), format!("champ_{deviation}"));
    admin
        .post(&brouillon, &[(nom_emprise.as_str(), deux.as_str()), (nom_deviation.as_str(), deux.as_str())])
        .await
        .assert_status(422)
        .assert_contains("« Emprise des travaux » : Ce champ accepte au plus 1 géométrie (2 saisies).")
        .assert_contains(&format!(r#"id="{nom_emprise}-erreur""#))
        .assert_lacks(&format!(r#"id="{nom_deviation}-erreur""#));
    let une = polygones(1);
    admin
        .post(&brouillon, &[(nom_emprise.as_str(), une.as_str()), (nom_deviation.as_str(), deux.as_str())])
        .await
        .assert_status(200)
        .assert_lacks("fr-error-text");

    // Another administrateur's démarche does not exist for them, nor does
    // a page for a champ that is not a plugin's.
    let autre = app.signed_in("autre@par-champ.example", Roles { administrateur: true, ..Roles::default() }).await;
    autre.get(&reglages(emprise)).await.assert_status(404);
    autre.post(&reglages(emprise), &[("max-geometries", "50")]).await.assert_status(404);
    admin.get(&reglages(emprise)).await.assert_contains(r#"value="1""#);
    admin
        .post(&format!("/admin/demarches/{id}/champs"), &[("type_champ", "text"), ("libelle", "Commentaire")])
        .await
        .assert_status(200);
    admin.get(&reglages(deviation + 1)).await.assert_status(404);
    app.stop().await;
}

/// A SQLite server whose operator grants the siret plugin API Entreprise,
/// relocated to the contract server `api`.
async fn app_with(api: &ApiEntreprise) -> TestApp {
    let grants = api.grants();
    TestApp::start_with(Backend::Sqlite, move |config| config.plugins_operator = grants).await.expect("a SQLite server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_siret_champ_set_to_refuse_closed_etablissements_refuses_them() {
    let api = ApiEntreprise::start().await;
    // The DINUM, closed since 12 March 2021.
    let mut ferme = api_entreprise::etablissements()
        .into_iter()
        .find(|e| e["siret"] == api_entreprise::SIRET_DINUM)
        .expect("the DINUM's établissement");
    ferme["etat_administratif"] = "F".into();
    ferme["date_fermeture"] = 1_615_503_600.into();
    api.insert_etablissement(ferme);
    let app = app_with(&api).await;
    let admin = app.signed_in(ADMIN, Roles { administrateur: true, ..Roles::default() }).await;
    let (id, champs) = demarche(&app, &admin, "siret", &["SIRET du demandeur", "SIRET du prestataire"]).await;
    let [demandeur, prestataire] = champs[..] else { panic!("two champs: {champs:?}") };
    let reglages = format!("/admin/demarches/{id}/champs/{demandeur}/plugin");
    admin
        .get(&reglages)
        .await
        .assert_contains("Refuser les établissements fermés")
        .assert_contains("Comme la démarche (non réglé)");
    admin.post(&reglages, &[("refuser-fermes", "oui")]).await.assert_status(200);

    // The hint under each label is the one the plugin's manifest writes.
    let brouillon = brouillon(&admin, id).await;
    let page = admin.get(&brouillon).await;
    let hint = r#"<span class="fr-hint-text">14 chiffres, par exemple 732 829 320 00074</span>"#;
    assert_eq!(page.body.matches(hint).count(), 2, "the manifest's hint under both SIRET champs");

    let (nom_demandeur, nom_prestataire) = (format!("champ_{demandeur}"), format!("champ_{prestataire}"));
    let siret = api_entreprise::SIRET_DINUM;
    admin
        .post(&brouillon, &[(nom_demandeur.as_str(), siret), (nom_prestataire.as_str(), siret)])
        .await
        .assert_status(422)
        .assert_contains("« SIRET du demandeur » : Cet établissement est fermé depuis le 12/03/2021")
        .assert_contains(&format!(r#"id="{nom_demandeur}-erreur""#))
        .assert_lacks(&format!(r#"id="{nom_prestataire}-erreur""#))
        .assert_contains("DIRECTION INTERMINISTERIELLE DU NUMERIQUE");
    app.stop().await;
}

/// A copy of a built plugin whose manifest `edit` rewrites.
fn copie(plugin: &str, dir: &Path, edit: impl FnOnce(String) -> String) {
    let (from, to) = (plugins_dir().join(plugin), dir.join(plugin));
    std::fs::create_dir_all(&to).expect("plugin dir");
    let wasm = format!("{plugin}.wasm");
    std::fs::copy(from.join(&wasm), to.join(&wasm))
        .unwrap_or_else(|e| panic!("build it with scripts/build-plugins.sh: {e}"));
    let manifest = std::fs::read_to_string(from.join("plugin.toml")).expect("plugin.toml");
    std::fs::write(to.join("plugin.toml"), edit(manifest)).expect("plugin.toml");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hint_and_autofill_come_from_the_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    copie("siret", dir.path(), |manifest| {
        let hint = r#"hint = "14 chiffres, par exemple 732 829 320 00074""#;
        assert!(manifest.contains(hint), "the shipped siret manifest declares its hint");
        manifest.replace(hint, "hint = \"Le numéro de votre établissement, sur votre Kbis\"\nautocomplete = \"off\"")
    });
    let plugins = dir.path().to_owned();
    let app = TestApp::start_with(Backend::Sqlite, move |config| config.plugins_dirs = vec![plugins])
        .await
        .expect("a SQLite server");
    let admin = app.signed_in(ADMIN, Roles { administrateur: true, ..Roles::default() }).await;
    let (id, champs) = demarche(&app, &admin, "siret", &["SIRET"]).await;
    let brouillon = brouillon(&admin, id).await;
    admin
        .get(&brouillon)
        .await
        .assert_contains(r#"<span class="fr-hint-text">Le numéro de votre établissement, sur votre Kbis</span>"#)
        .assert_lacks("732 829 320 00074")
        .assert_contains(&format!(
            r#"name="champ_{}" type="text" value="" inputmode="numeric" autocomplete="off""#,
            champs[0]
        ));
    app.stop().await;
}

/// A setting the manifest requires may be filled on the démarche or on
/// the champ: publication waits for one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_setting_filled_on_the_champ_unblocks_publication() {
    let dir = tempfile::tempdir().expect("temp dir");
    copie("siret", dir.path(), |manifest| manifest.replace("required = false", "required = true"));
    let plugins = dir.path().to_owned();
    let app = TestApp::start_with(Backend::Sqlite, move |config| config.plugins_dirs = vec![plugins])
        .await
        .expect("a SQLite server");
    let admin = app.signed_in(ADMIN, Roles { administrateur: true, ..Roles::default() }).await;
    let (id, champs) = demarche(&app, &admin, "siret", &["SIRET"]).await;
    let manque = "Les réglages du plugin « Numéro SIRET » sont à compléter pour le champ « SIRET »";
    admin.get(&format!("/admin/demarches/{id}")).await.assert_contains(manque);
    admin
        .post(&format!("/admin/demarches/{id}/champs/{}/plugin", champs[0]), &[("refuser-fermes", "non")])
        .await
        .assert_status(200);
    admin.get(&format!("/admin/demarches/{id}")).await.assert_status(200).assert_lacks("sont à compléter");
    app.stop().await;
}
