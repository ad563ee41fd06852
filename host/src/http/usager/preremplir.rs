//! « Préremplir un dossier » (`/preremplir/{path}`): the page a partner's
//! developer reads to build links and API calls that prefill a démarche's
//! form: each champ that takes a value, its key and the format expected,
//! with a link and a `curl` call as examples. Public, as the original's.

use crate::domain::demarche::EtatDemarche;
use crate::domain::{TypeChamp, TypeDeChamp};
use crate::error::AppError;
use crate::http::Ctx;
use crate::state::AppState;
use crate::store::demarches;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new().route("/preremplir/{path}", get(page))
}

async fn page(State(state): State<AppState>, ctx: Ctx, Path(path): Path<String>) -> Result<Response, AppError> {
    let mut tx = state.store.read().await?;
    let d = demarches::find_by_path(tx.conn(), &path).await?;
    if d.etat() != EtatDemarche::Publiee {
        return Err(AppError::NotFound);
    }
    let revision = d.current_revision().ok_or(AppError::NotFound)?;
    let definition = state.formulaires.de_revision(tx.conn(), revision).await?;
    tx.commit().await?;
    let champs: Vec<Value> = definition
        .types
        .iter()
        .filter(|t| t.parent.is_none() && !t.prive && t.type_champ.saisi_par_usager() && !t.type_champ.est_fichier())
        .map(|t| {
            json!({
                "libelle": t.libelle,
                "cle": t.input_name(),
                "type": t.type_champ.libelle(),
                "format": format_attendu(t),
                "exemple": exemple(t),
            })
        })
        .collect();
    let lien = state.config.url(&format!("/commencer/{}", d.path));
    let exemple_lien = champs
        .iter()
        .take(2)
        .filter_map(|c| Some(format!("{}={}", c["cle"].as_str()?, url_encode(c["exemple"].as_str()?))))
        .collect::<Vec<_>>()
        .join("&");
    let corps: serde_json::Map<String, Value> =
        champs.iter().take(2).filter_map(|c| Some((c["cle"].as_str()?.to_owned(), c["exemple"].clone()))).collect();
    let api = state.config.url(&format!("/api/public/v1/demarches/{}/dossiers", d.id));
    let curl = format!(
        "curl -X POST {api} \\\n  -H 'Content-Type: application/json' \\\n  -d '{}'",
        Value::Object(corps).to_string().replace('\'', "'\\''")
    );
    ctx.page(
        &state,
        "usager/preremplir",
        json!({
            "titre": format!("Préremplir un dossier de « {} »", d.libelle),
            "libelle": d.libelle,
            "champs": champs,
            "lien_exemple": if exemple_lien.is_empty() { lien.clone() } else { format!("{lien}?{exemple_lien}") },
            "api": api,
            "curl": curl,
            "jours": crate::domain::dossier::preremplissage::DELAI_RECLAMATION.num_days(),
        }),
    )
}

/// What a value must look like, in the words of the form's own checks.
fn format_attendu(t: &TypeDeChamp) -> String {
    let choix = || t.options.choix.iter().map(|c| format!("« {c} »")).collect::<Vec<_>>().join(", ");
    match &t.type_champ {
        TypeChamp::Text | TypeChamp::Textarea | TypeChamp::Formatted => "Texte.".into(),
        TypeChamp::Email => "Adresse électronique.".into(),
        TypeChamp::Phone => "Numéro de téléphone français (0X XX XX XX XX ou +33…).".into(),
        TypeChamp::Iban => "IBAN.".into(),
        TypeChamp::IntegerNumber => "Nombre entier, par exemple 12.".into(),
        TypeChamp::DecimalNumber => "Nombre, la virgule ou le point comme séparateur décimal.".into(),
        TypeChamp::Date => "Date au format AAAA-MM-JJ.".into(),
        TypeChamp::Datetime => "Date et heure au format AAAA-MM-JJTHH:MM.".into(),
        TypeChamp::Checkbox | TypeChamp::Engagement => "« on » pour cocher la case (true en JSON).".into(),
        TypeChamp::YesNo => "« oui » ou « non ».".into(),
        TypeChamp::Civilite => "« M. » ou « Mme ».".into(),
        TypeChamp::DropDownList => format!("Un de : {}.", choix()),
        TypeChamp::MultipleDropDownList => {
            format!("Une liste parmi : {} (clé répétée avec [] dans un lien, tableau en JSON).", choix())
        }
        TypeChamp::LinkedDropDownList => "Non préremplissable (deux listes liées).".into(),
        TypeChamp::Pays => "Code ISO du pays, par exemple FR.".into(),
        TypeChamp::Regions => "Code INSEE de la région, par exemple 84.".into(),
        TypeChamp::Departements => "Code du département, par exemple 69.".into(),
        TypeChamp::Communes => "Code INSEE de la commune, par exemple 69123.".into(),
        TypeChamp::Epci => "Numéro SIREN de l'EPCI.".into(),
        TypeChamp::DossierLink => "Numéro d'un dossier de l'usager.".into(),
        TypeChamp::Plugin(id) => format!("Texte, vérifié par le module « {id} » comme une saisie de l'usager."),
        _ => "Non préremplissable.".into(),
    }
}

fn exemple(t: &TypeDeChamp) -> String {
    match &t.type_champ {
        TypeChamp::Email => "nom@exemple.fr".into(),
        TypeChamp::Phone => "01 23 45 67 89".into(),
        TypeChamp::IntegerNumber => "12".into(),
        TypeChamp::DecimalNumber => "12,5".into(),
        TypeChamp::Date => "2026-12-31".into(),
        TypeChamp::Datetime => "2026-12-31T09:30".into(),
        TypeChamp::Checkbox | TypeChamp::Engagement => "on".into(),
        TypeChamp::YesNo => "oui".into(),
        TypeChamp::Civilite => "Mme".into(),
        TypeChamp::DropDownList | TypeChamp::MultipleDropDownList => {
            t.options.choix.first().cloned().unwrap_or_default()
        }
        TypeChamp::Pays => "FR".into(),
        TypeChamp::Departements => "69".into(),
        TypeChamp::Communes => "69123".into(),
        _ => "Exemple".into(),
    }
}

fn url_encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}
