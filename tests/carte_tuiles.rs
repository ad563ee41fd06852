//! The operator's map tiles: the carte champ receives the tile URL and its
//! credit, and the Content-Security-Policy lets images come from that one
//! origin, and from no other.

use guichet::config::MapTiles;
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_carte_draws_on_the_operators_tiles_and_the_csp_allows_only_them() {
    let tiles = MapTiles::parse("https://tuiles.example.gouv.fr/plan/{z}/{x}/{y}.png", "© Exemple").expect("tiles");
    let app = TestApp::start_with(Backend::Sqlite, move |c| c.map_tiles = Some(tiles)).await.expect("app");
    guichet::demo::seed(&app.server.state).await.expect("demo data");
    let usager = app.signed_in("tuiles@exemple.fr", Roles::default()).await;
    let page = usager.post("/commencer/demo", &[]).await;
    page.assert_status(200)
        .assert_contains(r#"data-tuiles="https://tuiles.example.gouv.fr/plan/{z}/{x}/{y}.png""#)
        .assert_contains(r#"data-attribution="© Exemple""#);
    let csp = page.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("img-src 'self' data: https://tuiles.example.gouv.fr;"), "{csp}");
    assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"), "{csp}");
    app.stop().await;

    // Without tiles: a blank map, and images from this site only.
    let app = TestApp::sqlite().await;
    let csp = app.client().get("/").await.headers.get("content-security-policy").cloned().expect("CSP");
    assert!(csp.to_str().unwrap_or_default().contains("img-src 'self' data:;"), "{csp:?}");
    app.stop().await;
}
