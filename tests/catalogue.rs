//! The built-in catalogue end to end: an administrateur builds a démarche
//! with one champ of every text, number, date and choice type through the
//! editor's pages (refused options kept as typed, errors next to their
//! field), publishes it; an usager files bad values (French errors next to
//! the fields, the draft kept) then good ones; the instructeur reads the
//! values as displayed.

use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Client, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalogue_type_from_editor_to_instructeur_on_sqlite() {
    let app = TestApp::sqlite().await;
    parcours(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalogue_type_from_editor_to_instructeur_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app).await;
    app.stop().await;
}

/// A champ as the editor posts it: type, libellé, description, options.
type Champ = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

/// The champs, in order: stable ids 1, 2, … follow this list.
const CHAMPS: &[Champ] = &[
    ("header_section", "Identité", "", &[("niveau", "1")]),
    (
        "explication",
        "À lire",
        "Premier paragraphe\nsuite.\n\n- point un\n- voir [le guide](https://guide.example/aide)\n\n<script>alert(1)</script>",
        &[("texte_repliable", "Détails repliés")],
    ),
    ("civilite", "Civilité", "", &[("obligatoire", "on")]),
    ("text", "Nom", "", &[("obligatoire", "on"), ("niveau", "3"), ("options", "ignoré")]),
    ("textarea", "Présentation", "", &[("limite_caracteres", "20")]),
    (
        "formatted",
        "Code adhérent",
        "",
        &[
            ("format_mode", "avance"),
            ("format_regex", "[A-Z]{2}[0-9]{3}"),
            ("format_exemple", "AB123"),
            ("format_message", "Deux lettres puis trois chiffres."),
        ],
    ),
    ("email", "Courriel", "", &[]),
    ("phone", "Téléphone", "", &[]),
    ("iban", "IBAN", "", &[]),
    ("integer_number", "Enfants", "", &[("positif", "on"), ("max", "10")]),
    ("decimal_number", "Surface", "", &[("min", "1")]),
    ("date", "Naissance", "", &[("passe", "on")]),
    ("datetime", "Rendez-vous", "", &[]),
    ("checkbox", "Lettre d'information", "", &[]),
    ("yes_no", "Boursier", "", &[]),
    ("drop_down_list", "Ville", "", &[("options", "--Nord--\nLille\n--Sud--\nNice"), ("autre", "on")]),
    ("multiple_drop_down_list", "Langues", "", &[("options", "Français\nAnglais\nBreton")]),
    ("linked_drop_down_list", "Matériel", "", &[("options", "--Vélo--\nRoute\nVTT\n--Ski--\nAlpin")]),
    ("dossier_link", "Dossier précédent", "", &[]),
    ("header_section", "Engagements", "", &[("niveau", "2")]),
    ("engagement", "Je m'engage à dire vrai", "", &[]),
];

fn n(libelle: &str) -> String {
    let i = CHAMPS.iter().position(|(_, l, _, _)| *l == libelle).expect("a champ of the list");
    format!("champ_{}", i + 1)
}

async fn parcours(app: &TestApp) {
    let admin = app.signed_in("admin@catalogue.example", Roles { administrateur: true, ..Roles::default() }).await;
    let instructeur =
        app.signed_in("instructeur@catalogue.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Catalogue complet"),
                ("description", "Une démarche avec chaque type de champ."),
                ("service_nom", "Service test"),
                ("service_organisme", "Mairie"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "service@catalogue.example"),
            ],
        )
        .await;
    page.assert_status(200);
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");

    // ── Refused edits: the error next to its field, what was typed kept. ──
    admin
        .post(
            &champs_url,
            &[
                ("type_champ", "formatted"),
                ("libelle", "Code"),
                ("format_mode", "avance"),
                ("format_regex", "([A-Z]"),
                ("format_exemple", "AB"),
            ],
        )
        .await
        .assert_status(422)
        .assert_contains("L'expression régulière n'est pas valide")
        .assert_contains(r#"id="format_regex-erreur""#)
        .assert_contains(r#"value="([A-Z]""#)
        .assert_contains(r#"value="Code""#);
    admin
        .post(
            &champs_url,
            &[
                ("type_champ", "formatted"),
                ("libelle", "Code"),
                ("format_mode", "avance"),
                ("format_regex", r"\w{500}\w{500}"),
                ("format_exemple", "x"),
            ],
        )
        .await
        .assert_status(422)
        .assert_contains("trop complexe");
    admin
        .post(
            &champs_url,
            &[("type_champ", "linked_drop_down_list"), ("libelle", "Lié"), ("options", "Route\n--Vélo--")],
        )
        .await
        .assert_status(422)
        .assert_contains("doubles tirets");
    admin
        .post(&champs_url, &[("type_champ", "integer_number"), ("libelle", "N"), ("min", "5"), ("max", "2")])
        .await
        .assert_status(422)
        .assert_contains("Le maximum doit être supérieur ou égal au minimum.");

    for (type_champ, libelle, description, options) in CHAMPS {
        let mut form = vec![("type_champ", *type_champ), ("libelle", *libelle), ("description", *description)];
        form.extend_from_slice(options);
        // A level-2 title right after a level-1 one is fine; a level 3
        // there would skip one: refused, kept as typed.
        if *libelle == "Engagements" {
            let mut saut = form.clone();
            saut.retain(|(k, _)| *k != "niveau");
            saut.push(("niveau", "3"));
            admin
                .post(&champs_url, &saut)
                .await
                .assert_status(422)
                .assert_contains("est de niveau 3 mais suit un titre de niveau 1")
                .assert_contains(r#"<option value="3" selected>"#);
        }
        admin.post(&champs_url, &form).await.assert_status(200).assert_contains("Le champ a été ajouté");
    }
    // Options of other types are dropped: the text champ kept neither a
    // level nor choices; the editor shows a champ's own options back.
    let edition = admin.get(&format!("{champs_url}/4")).await;
    edition.assert_status(200).assert_lacks(">ignoré</textarea>");
    admin.get(&format!("{champs_url}/6")).await.assert_contains(r#"value="[A-Z]{2}[0-9]{3}""#);

    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "instructeur@catalogue.example")])
        .await
        .assert_status(200);
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", "catalogue")])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");

    // Someone else's dossier, which the usager must not be able to link.
    let autre = app.signed_in("autre@catalogue.example", Roles::default()).await;
    let autre_dossier = autre.post("/commencer/catalogue", &[]).await.id_after("/dossiers/");

    // ── The usager's form: the DSFR components of each type. ──
    let usager = app.signed_in("usager@catalogue.example", Roles::default()).await;
    let page = usager.post("/commencer/catalogue", &[]).await;
    page.assert_status(200)
        .assert_contains(r#"<h2 class="fr-h4 fr-mt-4w""#)
        .assert_contains(r#"<h3 class="fr-h5 fr-mt-4w""#)
        .assert_contains("<p>Premier paragraphe<br>suite.</p>")
        .assert_contains(r#"<a href="https://guide.example/aide" rel="noopener noreferrer">le guide</a>"#)
        .assert_contains("<summary")
        .assert_contains(r#"type="email" value="" inputmode="email" autocomplete="email""#)
        .assert_contains(r#"type="tel" value="" inputmode="tel" autocomplete="tel""#)
        .assert_contains(r#"type="datetime-local""#)
        .assert_contains(r#"data-limite="20""#)
        .assert_contains(&format!(r#"name="{}[]" value="Breton""#, n("Langues")))
        .assert_contains(r#"<option disabled>— Nord —</option>"#)
        .assert_contains(r#"<optgroup label="Vélo">"#)
        .assert_contains(&format!(r#"name="{}_secondaire""#, n("Matériel")))
        .assert_contains(&format!(r#"type="radio" id="{}-0" name="{}" value="M.""#, n("Civilité"), n("Civilité")));
    // The explication's HTML is escaped but its own tags (`body` is decoded).
    assert!(page.raw.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"), "{}", page.raw);
    let dossier = page.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");

    // Only a multiple choice's boxes may repeat a key.
    usager
        .post(&brouillon, &[("intention", "enregistrer"), (&n("Nom"), "A"), (&n("Nom"), "B")])
        .await
        .assert_status(400);

    // ── Bad values: each error in French next to its field, all kept. ──
    let autre_numero = autre_dossier.to_string();
    let langues = format!("{}[]", n("Langues"));
    let secondaire = format!("{}_secondaire", n("Matériel"));
    let ville_autre = format!("{}_autre", n("Ville"));
    let mauvais: Vec<(String, &str)> = vec![
        ("intention".into(), "deposer"),
        (n("Civilité"), "Mlle"),
        (n("Nom"), "Léa Martin"),
        (n("Présentation"), "Vingt et un caractères"),
        (n("Code adhérent"), "ab12"),
        (n("Courriel"), "lea@exemple"),
        (n("Téléphone"), "06 12"),
        (n("IBAN"), "FR76 3000 6000 0112 3456 7890 188"),
        (n("Enfants"), "11"),
        (n("Surface"), "0,5"),
        (n("Naissance"), "2199-01-01"),
        (n("Rendez-vous"), "demain"),
        (n("Ville"), "__autre__"),
        (langues.clone(), "Allemand"),
        (n("Matériel"), "Vélo"),
        (secondaire.clone(), "Alpin"),
        (n("Dossier précédent"), &autre_numero),
    ];
    let fields: Vec<(&str, &str)> = mauvais.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let page = usager.post(&brouillon, &fields).await;
    page.assert_status(422);
    for message in [
        "Choisissez « Monsieur » ou « Madame » pour « Civilité ».",
        "« Présentation » ne doit pas dépasser 20 caractères.",
        "« Code adhérent » : Deux lettres puis trois chiffres.",
        "« Courriel » doit être une adresse électronique valide",
        "« Téléphone » doit être un numéro de téléphone valide",
        "« IBAN » : cet IBAN contient une erreur de saisie (clé de contrôle incorrecte).",
        "« Enfants » doit être inférieur ou égal à 10.",
        "« Surface » doit être supérieur ou égal à 1.",
        "« Naissance » doit être dans le passé.",
        "« Rendez-vous » doit être une date et une heure valides",
        "Précisez votre réponse « Autre » pour « Ville ».",
        "Les choix pour « Langues » ne font pas partie de la liste proposée.",
        "Le second choix pour « Matériel » ne correspond pas au premier (Vélo).",
        &format!("le dossier n° {autre_dossier} n'existe pas ou ne fait pas partie de vos dossiers"),
        "Cochez la case « Je m'engage à dire vrai » pour déposer le dossier.",
    ] {
        page.assert_contains(message);
    }
    page.assert_contains(&format!(r#"id="{}-erreur""#, n("Courriel")))
        .assert_contains(r#"value="lea@exemple" inputmode="email" autocomplete="email" aria-invalid="true""#)
        .assert_contains(r#"value="06 12""#)
        .assert_contains("Vingt et un caractères</textarea>");
    // The draft was kept: the page reloaded shows what was typed.
    usager.get(&brouillon).await.assert_contains(r#"value="lea@exemple""#).assert_contains(r#"value="ab12""#);

    // ── Good values: filed. ──
    let numero = dossier.to_string();
    let bons: Vec<(String, &str)> = vec![
        ("intention".into(), "deposer"),
        (n("Civilité"), "Mme"),
        (n("Nom"), "Léa Martin"),
        (n("Présentation"), "Bonjour"),
        (n("Code adhérent"), "AB123"),
        (n("Courriel"), "Lea@Exemple.FR"),
        (n("Téléphone"), "06.12.34.56.78"),
        (n("IBAN"), "fr76 3000 6000 0112 3456 7890 189"),
        (n("Enfants"), "7"),
        (n("Surface"), "2,5"),
        (n("Naissance"), "2001-02-03"),
        (n("Rendez-vous"), "2026-03-01T14:30"),
        (n("Lettre d'information"), "on"),
        (n("Boursier"), "true"),
        (n("Ville"), "__autre__"),
        (ville_autre, "Brest"),
        (langues.clone(), "Breton"),
        (langues, "Français"),
        (n("Matériel"), "Vélo"),
        (secondaire, "VTT"),
        (n("Dossier précédent"), &numero),
        (n("Je m'engage à dire vrai"), "on"),
    ];
    let fields: Vec<(&str, &str)> = bons.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    usager.post(&brouillon, &fields).await.assert_status(200).assert_contains("Votre dossier a bien été déposé");

    lecture_instructeur(&instructeur, dossier).await;
}

async fn lecture_instructeur(instructeur: &Client, dossier: i64) {
    let page = instructeur.get(&format!("/instructeur/dossiers/{dossier}")).await;
    page.assert_status(200);
    for shown in [
        "<dd>Madame</dd>",
        "<dd>Léa Martin</dd>",
        "<dd>AB123</dd>",
        "<dd>Lea@exemple.fr</dd>",
        "<dd>06 12 34 56 78</dd>",
        "<dd>FR76 3000 6000 0112 3456 7890 189</dd>",
        "<dd>7</dd>",
        "<dd>2,5</dd>",
        "<dd>03/02/2001</dd>",
        "<dd>01/03/2026 à 14 h 30</dd>",
        "<dd>Brest</dd>",
        "<dd>Français, Breton</dd>",
        "<dd>Vélo / VTT</dd>",
        &format!(r#"<dd><a href="/instructeur/dossiers/{dossier}">Dossier n° {dossier}</a></dd>"#),
    ] {
        page.assert_contains(shown);
    }
    // The explication is no answer and no section of the dossier.
    page.assert_lacks("<dt>À lire</dt>").assert_lacks("Premier paragraphe");
}

/// The demo démarche shows one champ of every built-in type (README: the
/// demo is where a newcomer sees the catalogue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_every_built_in_type() {
    let app = TestApp::sqlite().await;
    let demarche = guichet_tests::demo::demarche(&app).await;
    let mut tx = app.server.state.store.read().await.expect("read");
    let revision = demarche.current_revision().expect("published");
    let types = guichet::store::demarches::types_de_champ(tx.conn(), revision).await.expect("form");
    tx.commit().await.expect("commit");
    let manquants: Vec<String> = guichet::domain::TypeChamp::BUILTIN
        .iter()
        .filter(|t| !types.iter().any(|tdc| tdc.type_champ == **t))
        .map(|t| t.as_str())
        .collect();
    assert!(manquants.is_empty(), "types missing from the demo: {manquants:?}");
    app.stop().await;
}
