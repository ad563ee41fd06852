//! A real drawing through the whole server: the usager saves a polygon of a
//! few hundred vertices in the demo démarche's carte champ, far longer than
//! the 2,000 characters of a short text answer, and the carte plugin (which
//! declares a 64 KiB value in its `[input]`) checks and stores it.

use guichet::domain::{DossierId, StableId};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::TestApp;

/// A closed ring of `n` vertices around a sports ground in Montpellier:
/// about 23 characters a vertex.
fn polygone(n: usize) -> String {
    let vertices: Vec<String> = (0..=n)
        .map(|i| {
            let angle = std::f64::consts::TAU * (i % n) as f64 / n as f64;
            format!("[{:.7},{:.7}]", 3.8797 + 0.001 * angle.cos(), 43.6087 + 0.0007 * angle.sin())
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[[{}]]}},"properties":{{"description":"Terrain"}}}}]}}"#,
        vertices.join(",")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polygon_of_hundreds_of_vertices_is_filed_in_the_carte_champ() {
    let app = TestApp::sqlite().await;
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let usager = app.signed_in("polygone@exemple.fr", Roles::default()).await;
    let brouillon = usager.post("/commencer/demo", &[]).await;
    brouillon.assert_status(200);
    // The carte champ's GeoJSON textarea is the one with `data-carte`.
    let body = &brouillon.body;
    let carte = body.find(" data-carte ").expect("the demo démarche has a carte champ");
    let marker = "name=\"";
    let start = body[..carte].rfind(marker).expect("the carte textarea's name") + marker.len();
    let name = &body[start..start + body[start..].find('"').expect("end of the name")];

    let drawing = polygone(300);
    assert!(drawing.len() > 5_000, "well over a short text's 2,000 characters: {}", drawing.len());
    let path = brouillon.path();
    let page = usager.post(&path, &[(name, drawing.as_str()), ("intention", "enregistrer")]).await;
    page.assert_status(200).assert_lacks("ne doit pas dépasser").assert_lacks("fr-error-text");

    let numero: i64 = path.trim_start_matches("/dossiers/").trim_end_matches("/brouillon").parse().expect("n°");
    let stable: i64 = name.trim_start_matches("champ_").parse().expect("stable id");
    let mut tx = app.server.state.store.read().await.expect("read");
    let champs = guichet::store::dossiers::champs(tx.conn(), DossierId(numero), guichet::store::dossiers::Stream::Main)
        .await
        .expect("champs");
    tx.commit().await.expect("commit");
    let stored = champs.get(&StableId(stable)).expect("the drawing is stored");
    assert!(stored.contains("Polygon") && stored.matches("],[").count() >= 300, "the whole polygon: {stored}");
    app.stop().await;
}
