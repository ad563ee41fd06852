//! The whole product on one démarche holding every built-in champ type,
//! through the real HTTP server only, as people use it:
//!
//! - an administrateur builds the form in the editor's pages (a section,
//!   an explication, a bloc répétable with a number in it, every text,
//!   number, date, choice, territory and file type, a dossier link, an
//!   engagement and a valeur calculée totalling the block's amounts), sets
//!   a display condition with the no-code builder and an inéligibilité
//!   rule, adds an instructeur and publishes;
//! - an usager uploads a PDF (the JavaScript route) and an image (with the
//!   form, without JavaScript), adds three rows, sees the conditional champ
//!   hidden then shown, is refused the dépôt by an ineligible answer (422,
//!   the message, the brouillon and its files kept), then files it: the
//!   conditional champ, hidden at dépôt, is cleared;
//! - the instructeur reads every value as displayed (territory names, the
//!   rows in order, the total, the file names) and downloads the files as
//!   attachments, byte for byte.
//!
//! It runs on SQLite with files on the local disk, on PostgreSQL when the
//! suite has one, and with files on a real S3 server (SeaweedFS): each
//! stored file is also read behind the platform's back, on the disk or in
//! the bucket, so a file that landed in the wrong place fails the test.

use guichet::domain::{DossierId, StableId, TypeChamp, territoire};
use guichet::storage::StorageConfig;
use guichet::store::pieces_jointes::{self, PieceRow};
use guichet::workflow::comptes::Roles;
use guichet_tests::app::{Backend, Client, Page, TestApp};
use guichet_tests::fichiers::{adresse_televersement, televerser};
use guichet_tests::s3::S3Server;
use reqwest::multipart::{Form, Part};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_from_editor_to_instructeur_on_sqlite_and_local_files() {
    let app = TestApp::sqlite().await;
    assert_eq!(app.server.state.storage.backend(), "local");
    parcours(&app, None).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_from_editor_to_instructeur_on_postgres() {
    let Some(app) = TestApp::postgres().await else { return };
    parcours(&app, None).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_from_editor_to_instructeur_with_files_on_s3() {
    let Some(s3) = S3Server::start().await else { return };
    let storage = s3.storage_config("parcours");
    let app = TestApp::start_with(Backend::Sqlite, |c| c.storage = storage).await.expect("app on S3");
    assert_eq!(app.server.state.storage.backend(), "s3");
    parcours(&app, Some(&s3)).await;
    app.stop().await;
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const NOM_PDF: &str = "Avis d'imposition 2025.pdf";
const NOM_PNG: &str = "cni recto.png";

const INELIGIBLE: &str = "Cette aide est réservée aux personnes de 25 ans au plus.";

/// A champ as the editor posts it: type, libellé, options.
type Champ = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// The form, in order: stable ids 1, 2, … follow this list (`id`). The
/// block's champs name it by its stable id (27), checked in `construire`.
const CHAMPS: &[Champ] = &[
    ("header_section", "Le demandeur", &[("niveau", "1")]),
    ("explication", "Avant de commencer", &[("description", "Munissez-vous de votre avis d'imposition.")]),
    ("civilite", "Civilité", &[("obligatoire", "on")]),
    ("text", "Nom", &[("obligatoire", "on")]),
    ("textarea", "Présentation du projet", &[]),
    (
        "formatted",
        "Code adhérent",
        &[
            ("format_mode", "avance"),
            ("format_regex", "[A-Z]{2}[0-9]{3}"),
            ("format_exemple", "AB123"),
            ("format_message", "Deux lettres puis trois chiffres."),
        ],
    ),
    ("email", "Courriel", &[]),
    ("phone", "Téléphone", &[]),
    ("iban", "IBAN", &[]),
    ("integer_number", "Âge", &[("obligatoire", "on")]),
    ("decimal_number", "Surface du jardin", &[]),
    ("date", "Date de naissance", &[("passe", "on")]),
    ("datetime", "Rendez-vous souhaité", &[]),
    ("checkbox", "Lettre d'information", &[]),
    ("yes_no", "Avez-vous un véhicule ?", &[]),
    // Shown only with a vehicle (condition set below); mandatory when shown.
    ("text", "Immatriculation", &[("obligatoire", "on")]),
    ("drop_down_list", "Ville", &[("options", "Lille\nNice")]),
    ("multiple_drop_down_list", "Langues", &[("options", "Français\nAnglais\nBreton")]),
    ("linked_drop_down_list", "Matériel", &[("options", "--Vélo--\nRoute\nVTT\n--Ski--\nAlpin")]),
    ("header_section", "Territoire", &[("niveau", "1")]),
    ("pays", "Pays de naissance", &[]),
    ("regions", "Région du projet", &[]),
    ("departements", "Département du projet", &[]),
    ("communes", "Commune du projet", &[]),
    ("epci", "Intercommunalité du projet", &[]),
    ("header_section", "Budget", &[("niveau", "1")]),
    ("repetition", "Dépenses", &[("obligatoire", "on")]),
    ("text", "Nature de la dépense", &[("obligatoire", "on"), ("parent", "27")]),
    ("decimal_number", "Montant", &[("obligatoire", "on"), ("parent", "27")]),
    ("calcul", "Total des dépenses", &[("calcul", "somme(champ_29)")]),
    ("header_section", "Pièces et engagement", &[("niveau", "1")]),
    ("piece_justificative", "Justificatif de domicile", &[("obligatoire", "on")]),
    ("titre_identite", "Pièce d'identité", &[("obligatoire", "on")]),
    ("dossier_link", "Dossier précédent", &[]),
    ("engagement", "Je certifie l'exactitude de ces informations", &[]),
];

/// The stable id of the champ labelled `libelle`.
fn id(libelle: &str) -> i64 {
    let i = CHAMPS.iter().position(|(_, l, _)| *l == libelle).unwrap_or_else(|| panic!("no champ « {libelle} »"));
    i as i64 + 1
}

/// Its input name at the top level of the form.
fn n(libelle: &str) -> String {
    format!("champ_{}", id(libelle))
}

/// Its input name in a row of the block.
fn dans(row: &str, libelle: &str) -> String {
    format!("l{row}-champ_{}", id(libelle))
}

async fn parcours(app: &TestApp, s3: Option<&S3Server>) {
    let path = "aide-jardins-partages";
    let demarche = construire(app, path).await;
    let dossier = remplir(app, path).await;
    lire(app, s3, demarche, dossier).await;
}

/// The administrateur's part; the démarche's id.
async fn construire(app: &TestApp, path: &str) -> i64 {
    let admin = app.signed_in("admin@jardins.example", Roles { administrateur: true, ..Roles::default() }).await;
    app.compte("agent@jardins.example", Roles { instructeur: true, ..Roles::default() }).await;
    let page = admin
        .post(
            "/admin/demarches",
            &[
                ("libelle", "Aide aux jardins partagés"),
                ("description", "Une aide pour équiper un jardin partagé."),
                ("service_nom", "Service des espaces verts"),
                ("service_organisme", "Mairie de Nantes"),
                ("cadre_juridique", "Délibération n° 2026-12 du conseil"),
                ("service_email", "jardins@nantes.example"),
            ],
        )
        .await;
    page.assert_status(200).assert_contains("La démarche a été créée");
    let demarche = page.id_after("/admin/demarches/");
    let champs_url = format!("/admin/demarches/{demarche}/champs");

    // The list above must hold every built-in type: a type added to the
    // catalogue without a place in this journey fails here, by name.
    let manquants: Vec<String> =
        TypeChamp::BUILTIN.iter().map(TypeChamp::as_str).filter(|t| !CHAMPS.iter().any(|(c, _, _)| c == t)).collect();
    assert!(manquants.is_empty(), "built-in types missing from this journey: {manquants:?}");
    assert_eq!(id("Dépenses"), 27, "the block's champs name it by this stable id");
    let editeur = admin.get(&champs_url).await;
    editeur.assert_status(200);
    for t in TypeChamp::BUILTIN {
        editeur.assert_contains(&format!("value=\"{}\"", t.as_str()));
    }

    for (type_champ, libelle, options) in CHAMPS {
        let mut form = vec![("type_champ", *type_champ), ("libelle", *libelle)];
        form.extend_from_slice(options);
        admin.post(&champs_url, &form).await.assert_status(200).assert_contains("Le champ a été ajouté");
    }
    let page = admin.get(&champs_url).await;
    page.assert_status(200)
        .assert_contains(r#"aria-label="Champs du bloc « Dépenses »""#)
        .assert_contains("Formule : <code>somme(champ_29)</code>");

    // The display condition, through the builder's page (no JavaScript).
    let condition = format!("{champs_url}/{}/condition", id("Immatriculation"));
    admin
        .get(&condition)
        .await
        .assert_status(200)
        .assert_contains("Condition d'affichage de « Immatriculation »")
        .assert_contains(&format!(
            r#"<option value="{}">Avez-vous un véhicule ?</option>"#,
            id("Avez-vous un véhicule ?")
        ))
        // Only champs above are offered.
        .assert_lacks(&format!(r#"<option value="{}">"#, id("Ville")));
    let vehicule = id("Avez-vous un véhicule ?").to_string();
    admin
        .post(
            &condition,
            &[
                ("action", "enregistrer"),
                ("clause_0_champ", vehicule.as_str()),
                ("clause_0_operateur", "egal"),
                ("clause_0_valeur", "oui"),
            ],
        )
        .await
        .assert_status(200)
        .assert_contains("La condition d'affichage a été enregistrée.")
        .assert_contains("Affiché si « Avez-vous un véhicule ? » est égal à « oui »");

    let ineligibilite = format!("/admin/demarches/{demarche}/ineligibilite");
    admin
        .get(&ineligibilite)
        .await
        .assert_status(200)
        .assert_contains("Règle d'inéligibilité")
        .assert_contains(&format!(r#"<option value="{}">Âge</option>"#, id("Âge")));
    let age = id("Âge").to_string();
    admin
        .post(
            &ineligibilite,
            &[
                ("action", "enregistrer"),
                ("message", INELIGIBLE),
                ("clause_0_champ", age.as_str()),
                ("clause_0_operateur", "superieur"),
                ("clause_0_valeur", "25"),
            ],
        )
        .await
        .assert_status(200)
        .assert_contains("La règle d'inéligibilité a été enregistrée.");
    admin
        .get(&champs_url)
        .await
        .assert_contains("Inéligibilité : le dépôt est refusé si « Âge » est supérieur à « 25 »")
        .assert_contains("Affiché si « Avez-vous un véhicule ? » est égal à « oui »");

    admin
        .post(&format!("/admin/demarches/{demarche}/instructeurs"), &[("email", "agent@jardins.example")])
        .await
        .assert_status(200)
        .assert_contains("agent@jardins.example");
    admin
        .post(&format!("/admin/demarches/{demarche}/publier"), &[("path", path)])
        .await
        .assert_status(200)
        .assert_contains("La démarche est publiée");

    // What was published is what the editor showed: every built-in type,
    // the block's champs in it, the rules on their champs.
    let mut tx = app.server.state.store.read().await.expect("read");
    let row = guichet::store::demarches::find_by_path(tx.conn(), path).await.expect("published démarche");
    let revision = row.current_revision().expect("a published revision");
    let types = guichet::store::demarches::types_de_champ(tx.conn(), revision).await.expect("form");
    tx.commit().await.expect("commit");
    let publies: Vec<String> = types.iter().map(|t| t.type_champ.as_str()).collect();
    let attendus: Vec<&str> = CHAMPS.iter().map(|(t, _, _)| *t).collect();
    assert_eq!(publies, attendus, "the published form, in order");
    let enfants: Vec<&str> =
        types.iter().filter(|t| t.parent == Some(StableId(id("Dépenses")))).map(|t| t.libelle.as_str()).collect();
    assert_eq!(enfants, ["Nature de la dépense", "Montant"]);
    let conditionnels: Vec<&str> = types.iter().filter(|t| t.condition.is_some()).map(|t| t.libelle.as_str()).collect();
    assert_eq!(conditionnels, ["Immatriculation"]);
    demarche
}

/// The row ids on a form page, in order.
fn lignes(page: &Page) -> Vec<String> {
    page.body
        .split("data-ligne=\"")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| *c != '"').collect::<String>())
        .inspect(|id| assert_eq!(id.len(), 16, "row id {id:?}"))
        .collect()
}

/// The dossier form's action on `page`: with files the form is multipart
/// and carries its CSRF token in the query, as the browser posts it.
fn action(page: &Page) -> String {
    let marker = "<form method=\"post\" action=\"/dossiers/";
    let start = page.body.find(marker).unwrap_or_else(|| panic!("no dossier form on {}:\n{}", page.url, page.body))
        + "<form method=\"post\" action=\"".len();
    let action = page.body[start..].split('"').next().expect("action").to_owned();
    assert!(action.contains("?authenticity_token="), "a multipart form's action carries its token: {action}");
    action
}

/// The value of the text input `name` on a form page.
fn valeur(page: &Page, name: &str) -> String {
    let at = page.body.find(&format!(r#" name="{name}" "#)).unwrap_or_else(|| panic!("no input {name}: {}", page.body));
    let tag = &page.body[at..at + page.body[at..].find('>').expect("end of the tag")];
    let start = tag.find("value=\"").unwrap_or_else(|| panic!("no value in {tag}")) + "value=\"".len();
    tag[start..].split('"').next().expect("value").to_owned()
}

/// Posts the dossier form of `page` as the browser does (multipart), with
/// these fields and files.
async fn envoyer(
    usager: &Client,
    page: &Page,
    champs: &[(String, String)],
    fichiers: &[(String, &str, &[u8])],
) -> Page {
    let mut form = Form::new().percent_encode_noop();
    for (name, value) in champs {
        form = form.text(name.clone(), value.clone());
    }
    for (name, nom, data) in fichiers {
        form = form.part(name.clone(), Part::bytes(data.to_vec()).file_name((*nom).to_owned()));
    }
    usager.post_multipart(&action(page), form).await
}

/// `base` with `extra` fields: later entries do not replace earlier ones
/// (a multiple choice repeats its key), so callers leave out what they
/// override.
fn avec(base: &[(String, String)], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = base.to_vec();
    out.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    out
}

/// The rows of the block as posted: their ids, in order.
fn rangs(rows: &[String]) -> Vec<(String, String)> {
    let bloc = format!("{}[]", n("Dépenses"));
    rows.iter().map(|r| (bloc.clone(), r.clone())).collect()
}

/// The usager's part; the dossier's number.
async fn remplir(app: &TestApp, path: &str) -> i64 {
    let usager = app.signed_in("lea@exemple.fr", Roles::default()).await;
    let page = usager.post(&format!("/commencer/{path}"), &[]).await;
    page.assert_status(200);
    let dossier = page.id_after("/dossiers/");
    let brouillon = format!("/dossiers/{dossier}/brouillon");
    let immatriculation = id("Immatriculation");
    page.assert_contains("enctype=\"multipart/form-data\"")
        // No answer yet: the conditional champ is on the page, hidden.
        .assert_contains(&format!(r#"data-champ="{immatriculation}" hidden>"#))
        .assert_contains(&format!(r#"data-calcul="{}""#, id("Total des dépenses")))
        // A mandatory block starts with one row to fill.
        .assert_contains("Dépenses — élément 1")
        .assert_contains(">Belgique</option>")
        .assert_contains("Munissez-vous de votre avis d'imposition.");
    let mut rows = lignes(&page);
    assert_eq!(rows.len(), 1, "{rows:?}");

    // The pièce justificative with JavaScript: to the champ's upload URL.
    let url = adresse_televersement(&page.body, &n("Justificatif de domicile"));
    let (status, answer) = televerser(&usager.http, &app.url(&url), NOM_PDF, PDF).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["fichier"]["nom"], NOM_PDF, "{answer}");

    let lyon = territoire::epci_du_departement("69").into_iter().next().expect("an EPCI in the Rhône");
    // Her only dossier in scope is this one: it links to itself.
    let lie = dossier.to_string();
    let reponses: Vec<(String, String)> = [
        (n("Civilité"), "Mme"),
        (n("Nom"), "Léa Martin"),
        (n("Présentation du projet"), "Un potager pour le quartier"),
        (n("Code adhérent"), "AB123"),
        (n("Courriel"), "Lea@Exemple.FR"),
        (n("Téléphone"), "06.12.34.56.78"),
        (n("IBAN"), "fr76 3000 6000 0112 3456 7890 189"),
        (n("Surface du jardin"), "2,5"),
        (n("Date de naissance"), "2001-02-03"),
        (n("Rendez-vous souhaité"), "2026-03-01T14:30"),
        (n("Lettre d'information"), "on"),
        (n("Ville"), "Nice"),
        (format!("{}[]", n("Langues")), "Breton"),
        (format!("{}[]", n("Langues")), "Français"),
        (n("Matériel"), "Vélo"),
        (format!("{}_secondaire", n("Matériel")), "VTT"),
        (n("Pays de naissance"), "BE"),
        (n("Région du projet"), "84"),
        (n("Département du projet"), "69"),
        (n("Commune du projet"), "75011"),
        (n("Intercommunalité du projet"), lyon.siren),
        (n("Dossier précédent"), lie.as_str()),
        (n("Je certifie l'exactitude de ces informations"), "on"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    let age = n("Âge");
    let vehicule = n("Avez-vous un véhicule ?");
    let plaque = n("Immatriculation");

    // The titre d'identité without JavaScript: with the form, no vehicle.
    let champs =
        [avec(&reponses, &[("intention", "enregistrer"), (&age, "22"), (&vehicule, "false")]), rangs(&rows)].concat();
    let page = envoyer(&usager, &page, &champs, &[(n("Pièce d'identité"), NOM_PNG, PNG)]).await;
    page.assert_status(200)
        .assert_contains(NOM_PNG)
        .assert_contains(NOM_PDF)
        .assert_contains(&format!(r#"data-champ="{immatriculation}" hidden>"#));

    // A vehicle: the plate's champ shows (after a save, without
    // JavaScript), and « Ajouter un élément » adds a row, twice.
    let ajouter = format!("ajouter:{}", id("Dépenses"));
    let avec_vehicule =
        avec(&reponses, &[(&age, "22"), (&vehicule, "true"), (&plaque, "AB-123-CD"), ("ligne", &ajouter)]);
    let page = envoyer(&usager, &page, &[avec_vehicule.clone(), rangs(&rows)].concat(), &[]).await;
    page.assert_status(200)
        .assert_contains(&format!(r#"data-champ="{immatriculation}">"#))
        .assert_contains(r#"value="AB-123-CD""#)
        .assert_contains("Dépenses — élément 2");
    rows = lignes(&page);
    let page = envoyer(&usager, &page, &[avec_vehicule, rangs(&rows)].concat(), &[]).await;
    page.assert_status(200).assert_contains("Dépenses — élément 3").assert_lacks("Dépenses — élément 4");
    let nouvelles = lignes(&page);
    assert_eq!(nouvelles.len(), 3, "{nouvelles:?}");
    assert_eq!(nouvelles[..2], rows[..], "the rows kept, in order, the new one last");
    rows = nouvelles;

    let montants = [("Graines", "120,50"), ("Outils", "30"), ("Cabane", "1000,25")];
    let mut lignes_remplies = rangs(&rows);
    for (row, (nature, montant)) in rows.iter().zip(montants) {
        lignes_remplies.push((dans(row, "Nature de la dépense"), nature.to_owned()));
        lignes_remplies.push((dans(row, "Montant"), montant.to_owned()));
    }
    let remplies = [reponses.clone(), lignes_remplies].concat();
    let enregistrees =
        avec(&remplies, &[("intention", "enregistrer"), (&age, "22"), (&vehicule, "true"), (&plaque, "AB-123-CD")]);
    let page = envoyer(&usager, &page, &enregistrees, &[]).await;
    // 120,5 + 30 + 1000,25, computed at the save.
    page.assert_status(200)
        .assert_contains(r#"aria-live="polite">1150,75</output>"#)
        .assert_contains(r#"value="Cabane""#)
        .assert_contains(r#"value="AB-123-CD""#);

    // What the page's script reads as the usager types: the same total,
    // the plate hidden without a vehicle, the inéligibilité over 25.
    let regles = format!("/dossiers/{dossier}/regles");
    let json = |p: &Page| -> serde_json::Value {
        p.assert_status(200);
        serde_json::from_str(&p.raw).expect("JSON")
    };
    fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
    let typees = avec(&remplies, &[(&age, "22"), (&vehicule, "true")]);
    let v = json(&usager.post(&regles, &pairs(&typees)).await);
    assert_eq!(v["calculs"][id("Total des dépenses").to_string()], "1150,75", "{v}");
    assert_eq!(v["masques"], serde_json::json!([]), "{v}");
    assert_eq!(v["ineligible"], serde_json::Value::Null, "{v}");
    let typees = avec(&remplies, &[(&age, "30"), (&vehicule, "false")]);
    let v = json(&usager.post(&regles, &pairs(&typees)).await);
    assert_eq!(v["masques"], serde_json::json!([immatriculation]), "{v}");
    assert_eq!(v["ineligible"], INELIGIBLE, "{v}");

    // Ineligible: the dépôt is refused with the message, and nothing else
    // is wrong with the answers (one error).
    let page = usager.get(&brouillon).await;
    let refus = envoyer(
        &usager,
        &page,
        &avec(&remplies, &[("intention", "deposer"), (&age, "30"), (&vehicule, "true"), (&plaque, "AB-123-CD")]),
        &[],
    )
    .await;
    refus
        .assert_status(422)
        .assert_contains("Le formulaire contient une erreur<")
        .assert_contains(&format!(r##"<a href="#ineligibilite">{INELIGIBLE}</a>"##))
        .assert_contains(r#"<div id="ineligibilite" class="fr-alert fr-alert--warning fr-mb-4w" tabindex="-1">"#)
        .assert_contains(&format!(r#"<p class="guichet-ineligibilite-message">{INELIGIBLE}</p>"#))
        .assert_lacks("Votre dossier a bien été déposé");
    // Still a brouillon, its answers saved as typed, its files kept; the
    // instructeur cannot see it.
    let garde = usager.get(&brouillon).await;
    garde
        .assert_status(200)
        .assert_contains(&format!("Dossier n° {dossier} — brouillon"))
        .assert_contains(NOM_PDF)
        .assert_contains(NOM_PNG);
    assert_eq!(valeur(&garde, &age), "30");
    assert_eq!(valeur(&garde, &dans(&rows[2], "Nature de la dépense")), "Cabane");
    let instructeur = app.client();
    instructeur.login("agent@jardins.example", guichet_tests::app::PASSWORD).await;
    instructeur.get(&format!("/instructeur/dossiers/{dossier}")).await.assert_status(404);

    // Eligible, no vehicle: filed. The plate, still in the post but
    // hidden by its condition, is neither checked nor kept.
    let page = usager.get(&brouillon).await;
    let depose = envoyer(
        &usager,
        &page,
        &avec(&remplies, &[("intention", "deposer"), (&age, "22"), (&vehicule, "false"), (&plaque, "AB-123-CD")]),
        &[],
    )
    .await;
    depose
        .assert_status(200)
        .assert_contains("Votre dossier a bien été déposé")
        .assert_contains("<dd>1150,75</dd>")
        .assert_lacks("AB-123-CD");
    assert_eq!(depose.path(), format!("/dossiers/{dossier}"));

    let mut tx = app.server.state.store.read().await.expect("read");
    let stockes =
        guichet::store::dossiers::champs(tx.conn(), DossierId(dossier), guichet::store::dossiers::Stream::Main)
            .await
            .expect("champs");
    tx.commit().await.expect("commit");
    assert_eq!(stockes.get(&StableId(immatriculation)), None, "the hidden plate is cleared: {stockes:?}");
    assert_eq!(stockes.get(&StableId(id("Âge"))).map(String::as_str), Some("22"));
    dossier
}

async fn pieces(app: &TestApp, dossier: i64) -> Vec<PieceRow> {
    let mut tx = app.server.state.store.read().await.expect("read");
    let rows = pieces_jointes::of_dossier(tx.conn(), DossierId(dossier), guichet::store::dossiers::Stream::Main)
        .await
        .expect("pieces");
    tx.commit().await.expect("commit");
    rows
}

/// A stored object read behind the platform's back: from the local folder
/// or from the S3 bucket through SeaweedFS's filer.
async fn objet(app: &TestApp, s3: Option<&S3Server>, key: &str) -> Vec<u8> {
    match (&app.server.state.config.storage, s3) {
        (StorageConfig::Local(dir), None) => {
            std::fs::read(dir.join(key)).unwrap_or_else(|e| panic!("{key} is not in {}: {e}", dir.display()))
        }
        (StorageConfig::S3 { bucket, prefix, .. }, Some(s3)) => {
            let url = format!("{}/buckets/{bucket}/{prefix}/{key}", s3.filer_url());
            let response = reqwest::get(&url).await.expect("filer GET");
            assert_eq!(response.status().as_u16(), 200, "{url} is not in the bucket");
            response.bytes().await.expect("object").to_vec()
        }
        (other, _) => panic!("unexpected storage for this run: {other:?}"),
    }
}

/// The instructeur's part.
async fn lire(app: &TestApp, s3: Option<&S3Server>, demarche: i64, dossier: i64) {
    let instructeur = app.client();
    instructeur.login("agent@jardins.example", guichet_tests::app::PASSWORD).await;
    instructeur
        .get(&format!("/instructeur/demarches/{demarche}"))
        .await
        .assert_status(200)
        .assert_contains(&format!("/instructeur/dossiers/{dossier}"));
    let fiche = format!("/instructeur/dossiers/{dossier}");
    let page = instructeur.get(&fiche).await;
    page.assert_status(200).assert_contains("lea@exemple.fr");
    let lyon = territoire::epci_du_departement("69").into_iter().next().expect("an EPCI in the Rhône");
    let epci = format!("<dt>Intercommunalité du projet</dt><dd>{}</dd>", lyon.nom);
    // A linked dossier the instructeur may open is a link to it.
    let lien = format!(
        r#"<dt>Dossier précédent</dt><dd><a href="/instructeur/dossiers/{dossier}">Dossier n° {dossier}</a></dd>"#
    );
    for (libelle, shown) in [
        ("Civilité", "Madame"),
        ("Nom", "Léa Martin"),
        ("Présentation du projet", "Un potager pour le quartier"),
        ("Code adhérent", "AB123"),
        ("Courriel", "Lea@exemple.fr"),
        ("Téléphone", "06 12 34 56 78"),
        ("IBAN", "FR76 3000 6000 0112 3456 7890 189"),
        ("Âge", "22"),
        ("Surface du jardin", "2,5"),
        ("Date de naissance", "03/02/2001"),
        ("Rendez-vous souhaité", "01/03/2026 à 14 h 30"),
        ("Lettre d'information", "Oui"),
        ("Avez-vous un véhicule ?", "Non"),
        ("Ville", "Nice"),
        ("Langues", "Français, Breton"),
        ("Matériel", "Vélo / VTT"),
        ("Pays de naissance", "Belgique"),
        ("Région du projet", "Auvergne-Rhône-Alpes"),
        ("Département du projet", "69 – Rhône"),
        ("Commune du projet", "Paris (75011)"),
        ("Total des dépenses", "1150,75"),
        ("Je certifie l'exactitude de ces informations", "Oui"),
    ] {
        page.assert_contains(&format!("<dt>{libelle}</dt><dd>{shown}</dd>"));
    }
    page.assert_contains(&epci).assert_contains(&lien);
    for titre in ["Le demandeur", "Territoire", "Budget", "Pièces et engagement"] {
        page.assert_contains(&format!(r#"<h3 class="fr-h5 fr-mt-3w">{titre}</h3>"#));
    }
    // The explication is no answer; the plate, hidden at dépôt, no
    // question of this dossier.
    page.assert_lacks("<dt>Avant de commencer</dt>")
        .assert_lacks("<dt>Immatriculation</dt>")
        .assert_lacks("AB-123-CD")
        .assert_lacks("Non renseigné");

    // The three rows, in the order added.
    let debut = page.body.find("<dt>Dépenses</dt>").expect("the block");
    let bloc = &page.body[debut..page.body[debut..].find("<dt>Total des dépenses</dt>").expect("the total") + debut];
    let mut reste = bloc;
    for (rang, (nature, montant)) in [("Graines", "120,5"), ("Outils", "30"), ("Cabane", "1000,25")].iter().enumerate()
    {
        let ligne = format!(
            r#"Élément {}</p><dl class="guichet-reponses guichet-ligne-lecture"><dt>Nature de la dépense</dt><dd>{nature}</dd><dt>Montant</dt><dd>{montant}</dd></dl>"#,
            rang + 1
        );
        let at = reste.find(&ligne).unwrap_or_else(|| panic!("row {} not next in the block: {bloc}", rang + 1));
        reste = &reste[at + ligne.len()..];
    }
    assert!(!reste.contains("Élément 4"), "three rows only: {bloc}");

    // The files: named, linked, downloaded as attachments byte for byte,
    // and stored where this run puts files.
    let rows = pieces(app, dossier).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    for (libelle, nom, data, mime) in
        [("Justificatif de domicile", NOM_PDF, PDF, "application/pdf"), ("Pièce d'identité", NOM_PNG, PNG, "image/png")]
    {
        let piece = rows.iter().find(|r| r.stable_id == id(libelle)).unwrap_or_else(|| panic!("no file in {libelle}"));
        assert_eq!((piece.nom.as_str(), piece.mime.as_str()), (nom, mime));
        let key = piece.storage_key.as_deref().expect("a stored object");
        assert_eq!(objet(app, s3, key).await, data, "the object of {nom}");
        let lien = format!("{fiche}/pieces/{}", piece.id);
        page.assert_contains(&format!(
            r#"<dt>{libelle}</dt><dd><ul class="guichet-fichiers"><li><a class="fr-link" href="{lien}" download>{nom}</a>"#
        ));
        let (status, headers, body) = instructeur.bytes(&lien).await;
        assert_eq!(status, 200, "{lien}");
        assert_eq!(body, data, "{nom} downloaded");
        let disposition = headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        let encode: String = nom.replace(' ', "%20").replace('\'', "%27");
        assert!(disposition.contains(&encode), "{nom} in {disposition}");
    }
}
