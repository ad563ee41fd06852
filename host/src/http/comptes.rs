//! Sign-up, confirmation, sign-in, sign-out, password reset.

use crate::domain::Erreurs;
use crate::domain::limite::{INSCRIPTION_IP, REINITIALISATION_IP, sujet_ip};
use crate::error::AppError;
use crate::http::Ctx;
use crate::http::ctx::{ClientIp, SESSION_COOKIE, cookie, cookie_name, set_cookie};
use crate::http::form::Formulaire;
use crate::state::AppState;
use crate::workflow::comptes::{self, APPAREIL_CONFIANCE, RefusConnexion, SESSION_VALIDITY, Tentative};
use crate::workflow::limites;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inscription", get(inscription).post(inscrire))
        .route("/confirmation", get(confirmer))
        .route("/connexion", get(connexion).post(connecter))
        .route("/connexion/appareil", get(appareil).post(confirmer_appareil))
        .route("/deconnexion", post(deconnecter))
        .route("/mot-de-passe/oublie", get(oubli).post(demander_reinitialisation))
        .route("/mot-de-passe/nouveau", get(nouveau_mot_de_passe).post(changer_mot_de_passe))
}

#[derive(Deserialize, Default)]
struct Retour {
    #[serde(default)]
    retour: Option<String>,
}

/// Longer return paths are not ours: our own URLs are short.
const RETURN_MAX_LEN: usize = 2048;

/// Where to go after signing in: only a path on this site, or `/`. An open
/// redirect would let a phishing link borrow our domain. Browsers drop tabs
/// and newlines inside URLs and read `\` as `/`, so `/\t/evil.example`
/// would leave the site: control characters, whitespace, backslashes and
/// `//` anywhere are refused, then the path is resolved against a
/// placeholder origin and must stay on it.
pub(crate) fn safe_return(retour: Option<&str>) -> String {
    let Some(r) = retour else { return "/".to_string() };
    let suspicious = r.len() > RETURN_MAX_LEN
        || !r.starts_with('/')
        || r.contains("//")
        || r.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if suspicious {
        return "/".to_string();
    }
    let Ok(base) = url::Url::parse("http://guichet.invalid/") else { return "/".to_string() };
    match base.join(r) {
        Ok(u) if u.origin() == base.origin() => {
            let mut path = u.path().to_string();
            if let Some(q) = u.query() {
                path.push('?');
                path.push_str(q);
            }
            path
        }
        _ => "/".to_string(),
    }
}

#[derive(Deserialize)]
struct Identifiants {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    retour: Option<String>,
}

async fn inscription(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Retour>) -> Result<Response, AppError> {
    ctx.page(
        &state,
        "comptes/inscription",
        json!({
            "titre": "Créer un compte",
            "email": "",
            "retour": safe_return(q.retour.as_deref()),
            "erreurs": Erreurs::new(),
        }),
    )
}

async fn inscrire(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Formulaire(f): Formulaire<Identifiants>,
) -> Result<Response, AppError> {
    limites::compter(&state, &[(&INSCRIPTION_IP, &sujet_ip(ip))]).await?;
    let retour = safe_return(f.retour.as_deref());
    match comptes::inscrire(&state, &f.email, &f.password, &retour).await {
        Ok(()) => ctx.page(
            &state,
            "comptes/inscription_envoyee",
            json!({
                "titre": "Confirmez votre adresse électronique",
                "email": f.email.trim(),
            }),
        ),
        Err(erreurs) => ctx.invalid_page(
            &state,
            "comptes/inscription",
            json!({
                "titre": "Créer un compte",
                "email": f.email,
                "retour": retour,
                "erreurs": erreurs,
            }),
        ),
    }
}

#[derive(Deserialize)]
struct Jeton {
    #[serde(default)]
    jeton: String,
}

#[derive(Deserialize)]
struct Confirmation {
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    retour: Option<String>,
}

/// The e-mailed link: confirms, then the sign-in page, which keeps where
/// the person was going.
async fn confirmer(State(state): State<AppState>, Query(q): Query<Confirmation>) -> Result<Response, AppError> {
    let notice = if comptes::confirmer(&state, &q.jeton).await? { "confirme" } else { "lien-invalide" };
    let retour = safe_return(q.retour.as_deref());
    let suite = if retour == "/" { String::new() } else { format!("&retour={}", crate::error::url_encode(&retour)) };
    Ok(Redirect::to(&format!("/connexion?notice={notice}{suite}")).into_response())
}

async fn connexion(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Retour>) -> Result<Response, AppError> {
    ctx.page(
        &state,
        "comptes/connexion",
        json!({
            "titre": "Connexion",
            "email": "",
            "retour": safe_return(q.retour.as_deref()),
            "erreurs": Erreurs::new(),
        }),
    )
}

/// The cookie that marks a browser an agent confirmed
/// (`Config::confirm_new_browsers`).
const APPAREIL_COOKIE: &str = "guichet_appareil";

/// The answer to a successful sign-in: to `retour`, with the session
/// cookie and a new CSRF seed (nothing learnt before signing in, a token in
/// a page or a planted seed, carries over).
fn session_ouverte(state: &AppState, retour: &str, token: &str) -> Response {
    let mut response = Redirect::to(retour).into_response();
    let cookie = set_cookie(state, SESSION_COOKIE, token, SESSION_VALIDITY.num_seconds());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    crate::http::csrf::renew_seed(state, &mut response);
    response
}

async fn connecter(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Formulaire(f): Formulaire<Identifiants>,
) -> Result<Response, AppError> {
    let retour = safe_return(f.retour.as_deref());
    let appareil = cookie(&headers, &cookie_name(&state, APPAREIL_COOKIE));
    let tentative = Tentative {
        email: &f.email,
        password: &f.password,
        ip,
        retour: &retour,
        session_precedente: ctx.session_token.as_deref(),
        appareil: appareil.as_deref(),
    };
    match comptes::connecter(&state, &tentative).await {
        Ok(token) => Ok(session_ouverte(&state, &retour, &token)),
        Err(RefusConnexion::NouvelAppareil) => ctx.page(
            &state,
            "comptes/appareil",
            json!({ "titre": "Confirmez votre connexion", "envoye": true, "email": f.email }),
        ),
        Err(RefusConnexion::Limite { retry_after_secs }) => Err(AppError::TooManyRequests { retry_after_secs }),
        Err(refus) => {
            let mut erreurs = Erreurs::new();
            match refus {
                RefusConnexion::Limite { .. } | RefusConnexion::NouvelAppareil => {}
                RefusConnexion::Identifiants => erreurs.add("email", "Adresse électronique ou mot de passe incorrect. Après 6 essais infructueux, les connexions à ce compte depuis votre adresse internet sont suspendues pendant une heure ; choisir un nouveau mot de passe lève cette suspension."),
                RefusConnexion::NonConfirme => erreurs.add("email", "Votre adresse électronique n'est pas encore confirmée. Nous venons de vous renvoyer un lien de confirmation par courriel."),
            }
            ctx.invalid_page(
                &state,
                "comptes/connexion",
                json!({
                    "titre": "Connexion",
                    "email": f.email,
                    "retour": retour,
                    "erreurs": erreurs,
                }),
            )
        }
    }
}

#[derive(Deserialize, Default)]
struct LienAppareil {
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    retour: Option<String>,
}

/// The e-mailed link shows a button, and only its POST signs in: mail
/// filters that open links to scan them must not use it up.
async fn appareil(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LienAppareil>,
) -> Result<Response, AppError> {
    let valide = comptes::lien_appareil_valide(&state, &q.jeton).await?;
    let data = json!({
        "titre": "Confirmez votre connexion",
        "envoye": false,
        "valide": valide,
        "jeton": q.jeton,
        "retour": safe_return(q.retour.as_deref()),
    });
    if valide { ctx.page(&state, "comptes/appareil", data) } else { ctx.invalid_page(&state, "comptes/appareil", data) }
}

async fn confirmer_appareil(
    State(state): State<AppState>,
    ctx: Ctx,
    Formulaire(f): Formulaire<LienAppareil>,
) -> Result<Response, AppError> {
    let retour = safe_return(f.retour.as_deref());
    let Some((session, compte)) = comptes::confirmer_appareil(&state, &f.jeton, ctx.session_token.as_deref()).await?
    else {
        return ctx.invalid_page(
            &state,
            "comptes/appareil",
            json!({ "titre": "Confirmez votre connexion", "envoye": false, "valide": false, "jeton": "", "retour": retour }),
        );
    };
    let mut response = session_ouverte(&state, &retour, &session);
    let until = (chrono::Utc::now() + APPAREIL_CONFIANCE).timestamp();
    let valeur = crate::security::trusted_browser_value(&state.config.secret_key, compte.0, until);
    let cookie = set_cookie(&state, APPAREIL_COOKIE, &valeur, APPAREIL_CONFIANCE.num_seconds());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

async fn deconnecter(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(token) = &ctx.session_token {
        comptes::deconnecter(&state, token).await?;
    }
    let mut response = Redirect::to("/?notice=deconnecte").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&state, SESSION_COOKIE, "", 0)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

async fn oubli(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.page(&state, "comptes/oubli", json!({ "titre": "Mot de passe oublié", "envoye": false, "email": "" }))
}

#[derive(Deserialize)]
struct Email {
    #[serde(default)]
    email: String,
}

async fn demander_reinitialisation(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Formulaire(f): Formulaire<Email>,
) -> Result<Response, AppError> {
    limites::compter(&state, &[(&REINITIALISATION_IP, &sujet_ip(ip))]).await?;
    comptes::demander_reinitialisation(&state, &f.email).await?;
    ctx.page(
        &state,
        "comptes/oubli",
        json!({ "titre": "Mot de passe oublié", "envoye": true, "email": f.email.trim() }),
    )
}

async fn nouveau_mot_de_passe(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Jeton>,
) -> Result<Response, AppError> {
    if !comptes::lien_mot_de_passe_valide(&state, &q.jeton).await? {
        return Ok(Redirect::to("/connexion?notice=lien-invalide").into_response());
    }
    ctx.page(
        &state,
        "comptes/nouveau_mot_de_passe",
        json!({
            "titre": "Choisir un mot de passe",
            "jeton": q.jeton,
            "erreurs": Erreurs::new(),
        }),
    )
}

#[derive(Deserialize)]
struct NouveauMotDePasse {
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    password: String,
}

async fn changer_mot_de_passe(
    State(state): State<AppState>,
    ctx: Ctx,
    Formulaire(f): Formulaire<NouveauMotDePasse>,
) -> Result<Response, AppError> {
    match comptes::reinitialiser(&state, &f.jeton, &f.password).await {
        Ok(()) => Ok(Redirect::to("/connexion?notice=mot-de-passe-change").into_response()),
        Err(erreurs) => ctx.invalid_page(
            &state,
            "comptes/nouveau_mot_de_passe",
            json!({
                "titre": "Choisir un mot de passe",
                "jeton": f.jeton,
                "erreurs": erreurs,
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return(Some("/dossiers/3")), "/dossiers/3");
        assert_eq!(safe_return(Some("//evil.example")), "/");
        assert_eq!(safe_return(Some("https://evil.example")), "/");
        assert_eq!(safe_return(Some("/\\evil.example")), "/");
        assert_eq!(safe_return(None), "/");
        assert_eq!(safe_return(Some("/commencer/demo?x=1")), "/commencer/demo?x=1");
        for bad in ["/\t/evil.example", "/\n", "/\r", "/\0", "/ /evil.example", "/a//b", "/\u{85}x", "http:/x"] {
            assert_eq!(safe_return(Some(bad)), "/", "{bad:?}");
        }
    }
}
