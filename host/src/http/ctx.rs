//! The request context every page handler takes: the signed-in compte (if
//! any) with its roles, the CSRF token, and the page's address. Role
//! accessors turn "not signed in" into a login redirect and "no such role"
//! into a 403.

use crate::domain::compte::{Administrateur, Instructeur, Usager};
use crate::domain::{AdministrateurId, CompteId, InstructeurId};
use crate::error::AppError;
use crate::http::csrf::CsrfToken;
use crate::security::sha256_hex;
use crate::state::AppState;
use crate::store::sessions::{self, SessionRow};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub const SESSION_COOKIE: &str = "guichet_session";

pub struct Ctx {
    pub compte: Option<SessionRow>,
    pub csrf: String,
    /// Path and query of this request, to come back after signing in.
    pub here: String,
    notice: Option<&'static str>,
    pub session_token: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session_token = cookie(&parts.headers, &cookie_name(state, SESSION_COOKIE));
        let compte = match &session_token {
            Some(token) => {
                let mut tx = state.store.read_single().await?;
                let row = sessions::find(tx.conn(), &sha256_hex(token), chrono::Utc::now()).await?;
                tx.commit().await?;
                row
            }
            None => None,
        };
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let notice = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "notice").and_then(|(_, v)| notice_message(&v))
        });
        Ok(Ctx { compte, csrf, here, notice, session_token })
    }
}

/// Confirmation messages shown after a redirect (`?notice=…`). Only these
/// fixed texts can appear: a query string never injects text into a page.
fn notice_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "brouillon-enregistre" => "Votre brouillon a bien été enregistré.",
        "depose" => "Votre dossier a bien été déposé. Un accusé de réception vous a été envoyé par courriel.",
        "modifie" => "Vos modifications ont bien été déposées : l'administration voit désormais votre dossier modifié.",
        "modifications-enregistrees" => {
            "Vos modifications sont enregistrées. Elles ne seront transmises à l'administration \
             qu'une fois déposées avec « Déposer les modifications »."
        }
        "modifications-dossier-annulees" => {
            "Vos modifications ont été annulées : le dossier reste tel que vous l'aviez déposé."
        }
        "dossier-supprime" => {
            "Le dossier a été mis à la corbeille. Vous pouvez le restaurer pendant 30 jours depuis l'onglet Corbeille."
        }
        "dossier-masque" => {
            "Le dossier a été mis à la corbeille. L'administration le conserve ; vous pouvez le restaurer à tout moment."
        }
        "dossier-restaure" => "Le dossier a été restauré.",
        "invitation-envoyee" => "L'invitation a été envoyée par courriel.",
        "invitation-retiree" => "L'invitation a été retirée : la personne n'a plus accès au dossier.",
        "transfert-demande" => {
            "La demande de transfert a été envoyée par courriel. Le dossier reste le vôtre tant qu'elle n'est pas acceptée."
        }
        "transfert-annule" => "La demande de transfert a été annulée.",
        "transfert-accepte" => "Le dossier vous a été transféré : il est désormais le vôtre.",
        "transfert-refuse" => "Le transfert a été refusé : le dossier reste à la personne qui vous l'a proposé.",
        "fichier-supprime" => "Le fichier a été supprimé.",
        "fichier-enregistre" => "Le fichier a été enregistré.",
        "confirme" => "Votre adresse électronique est confirmée. Vous pouvez vous connecter.",
        "lien-invalide" => "Ce lien n'est plus valide. Il a peut-être déjà été utilisé ou a expiré.",
        "mot-de-passe-change" => "Votre mot de passe a été enregistré. Vous pouvez vous connecter.",
        "deconnecte" => "Vous êtes déconnecté.",
        "suivi" => "Vous suivez ce dossier.",
        "plus-suivi" => "Vous ne suivez plus ce dossier.",
        "en-instruction" => "Le dossier est passé en instruction. L'usager en a été informé.",
        "en-construction" => "Le dossier est repassé en construction.",
        "accepte" => "Le dossier a été accepté. L'usager en a été informé.",
        "refuse" => "Le dossier a été refusé. L'usager en a été informé.",
        "sans-suite" => "Le dossier a été classé sans suite. L'usager en a été informé.",
        "repasse-en-instruction" => "Le dossier est repassé en instruction. L'usager en a été informé.",
        "demarche-creee" => "La démarche a été créée. Ajoutez maintenant les champs du formulaire.",
        "demarche-modifiee" => "Les informations de la démarche ont été enregistrées.",
        "champ-ajoute" => "Le champ a été ajouté au formulaire.",
        "champ-modifie" => "Le champ a été modifié.",
        "champ-supprime" => "Le champ a été supprimé.",
        "champ-duplique" => "Le champ a été dupliqué : sa copie est placée juste en dessous.",
        "condition-enregistree" => "La condition d'affichage a été enregistrée.",
        "condition-supprimee" => "La condition d'affichage a été retirée : le champ est toujours affiché.",
        "ineligibilite-enregistree" => "La règle d'inéligibilité a été enregistrée.",
        "ineligibilite-supprimee" => "La règle d'inéligibilité a été retirée.",
        "routage-enregistre" => "La règle de routage a été enregistrée : elle s'applique aux prochains dépôts.",
        "routage-supprime" => "La règle de routage a été retirée.",
        "annotation-ajoutee" => "L'annotation privée a été ajoutée.",
        "annotation-modifiee" => "L'annotation privée a été modifiée.",
        "annotation-supprimee" => "L'annotation privée a été supprimée.",
        "annotation-dupliquee" => "L'annotation privée a été dupliquée : sa copie est placée juste en dessous.",
        "instructeur-affecte" => "L'instructeur a été affecté. Il a été prévenu par courriel.",
        "instructeur-retire" => "L'instructeur a été retiré de la démarche.",
        "administrateur-invite" => "L'administrateur a été ajouté à la démarche. Il a été prévenu par courriel.",
        "administrateur-retire" => "L'administrateur a été retiré de la démarche.",
        "instructeur-retire-du-groupe" => "L'instructeur a été retiré du groupe.",
        "groupe-cree" => "Le groupe a été créé. Affectez-lui maintenant des instructeurs.",
        "groupe-renomme" => "Le groupe a été renommé. Pensez à mettre à jour les tables de routage qui le nomment.",
        "groupe-supprime" => "Le groupe a été supprimé.",
        "attestation-enregistree" => {
            "Le modèle d'attestation a été enregistré. Il s'applique aux prochaines attestations."
        }
        "publiee" => "La démarche est publiée. Les usagers peuvent déposer leurs dossiers.",
        "adresse-changee" => "L'adresse de la démarche a été changée. L'ancienne redirige vers la nouvelle.",
        "demarche-close" => {
            "La démarche est close. Les usagers ayant un brouillon ont été prévenus ; les dossiers déposés restent à instruire."
        }
        "demarche-depubliee" => "La démarche est dépubliée : son adresse indique qu'elle n'est plus en ligne.",
        "modifications-publiees" => {
            "Les modifications sont publiées : les nouveaux dossiers et les brouillons utilisent le nouveau formulaire, les dossiers en construction y passent en arrière-plan."
        }
        "modifications-annulees" => {
            "Les modifications ont été annulées : le formulaire est celui que les usagers remplissent."
        }
        "demarche-clonee" => "La démarche a été clonée : la copie est en test, adaptez-la puis publiez-la.",
        "demarche-transferee" => {
            "Une copie de la démarche a été transférée. L'administrateur en a été prévenu par courriel."
        }
        "demarche-supprimee" => "La démarche a été supprimée.",
        "demarche-masquee" => {
            "La démarche a été supprimée. Ses dossiers déposés sont conservés jusqu'à la fin de leur durée de conservation."
        }
        "plugin-active" => "Le plugin est activé pour cette démarche.",
        "plugin-active-champ" => "Le plugin est activé : ses types de champ sont proposés dans le formulaire.",
        "plugin-desactive" => "Le plugin est désactivé pour cette démarche.",
        "plugin-regle" => "Les réglages du plugin ont été enregistrés.",
        _ => return None,
    })
}

impl Ctx {
    fn session(&self) -> Result<&SessionRow, AppError> {
        self.compte.as_ref().ok_or_else(|| AppError::LoginRequired { return_to: self.here.clone() })
    }

    pub fn usager(&self) -> Result<Usager, AppError> {
        let s = self.session()?;
        Ok(Usager { compte_id: CompteId(s.compte_id), email: s.email.clone() })
    }

    pub fn instructeur(&self) -> Result<Instructeur, AppError> {
        let s = self.session()?;
        let id = s.instructeur_id.ok_or(AppError::Forbidden)?;
        Ok(Instructeur { compte_id: CompteId(s.compte_id), instructeur_id: InstructeurId(id), email: s.email.clone() })
    }

    pub fn administrateur(&self) -> Result<Administrateur, AppError> {
        let s = self.session()?;
        let id = s.administrateur_id.ok_or(AppError::Forbidden)?;
        Ok(Administrateur {
            compte_id: CompteId(s.compte_id),
            administrateur_id: AdministrateurId(id),
            email: s.email.clone(),
        })
    }

    /// The keys every page template can rely on (strict mode).
    pub fn base(&self, state: &AppState) -> Value {
        base_context(self.compte.as_ref(), &self.csrf, state.config.demo, self.notice)
    }

    /// Renders a page: the template's own data merged over the base keys.
    pub fn page(&self, state: &AppState, template: &str, data: Value) -> Result<Response, AppError> {
        let html = render(state, template, self.base(state), data)?;
        Ok(Html(html).into_response())
    }

    /// Renders a form again with its errors, with the "unprocessable" status.
    pub fn invalid_page(&self, state: &AppState, template: &str, data: Value) -> Result<Response, AppError> {
        let html = render(state, template, self.base(state), data)?;
        Ok((crate::error::form_status(), Html(html)).into_response())
    }

    /// A form page: shown plainly, or again with its errors (and the
    /// "unprocessable" status) when `erreurs` has some.
    pub fn form_page(
        &self,
        state: &AppState,
        template: &str,
        data: Value,
        erreurs: &crate::domain::Erreurs,
    ) -> Result<Response, AppError> {
        if erreurs.is_empty() { self.page(state, template, data) } else { self.invalid_page(state, template, data) }
    }
}

/// The signed-in compte of a session cookie, for pages rendered outside a
/// handler (error pages); `None` when absent, expired or unreadable.
pub async fn compte_of(state: &AppState, headers: &HeaderMap) -> Option<SessionRow> {
    let token = cookie(headers, &cookie_name(state, SESSION_COOKIE))?;
    let mut tx = state.store.read_single().await.ok()?;
    let row = sessions::find(tx.conn(), &sha256_hex(&token), chrono::Utc::now()).await.ok()?;
    tx.commit().await.ok()?;
    row
}

pub fn base_context(compte: Option<&SessionRow>, csrf: &str, demo: bool, notice: Option<&str>) -> Value {
    json!({
        "compte": compte.map(|c| json!({
            "email": c.email,
            "instructeur": c.instructeur_id.is_some(),
            "administrateur": c.administrateur_id.is_some(),
        })),
        "csrf": csrf,
        "csrf_field": crate::http::CSRF_FIELD,
        "demo": demo,
        "notice": notice,
    })
}

pub fn render(state: &AppState, template: &str, mut base: Value, data: Value) -> Result<String, AppError> {
    if let (Some(base), Value::Object(data)) = (base.as_object_mut(), data) {
        base.extend(data);
    }
    Ok(state.templates.render_page(template, base)?)
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A cookie's name as sent: over https with the `__Host-` prefix, so that
/// browsers only take it Secure, for the whole site, from this very host (a
/// sibling subdomain cannot plant or overwrite it).
pub fn cookie_name(state: &AppState, name: &str) -> String {
    if state.config.secure_cookies() { format!("__Host-{name}") } else { name.to_string() }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure (and the
/// `__Host-` prefix) over https.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
    let name = cookie_name(state, name);
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// The client's address, for per-IP limits: the connection's peer, or,
/// when the operator runs behind a reverse proxy and names its header
/// (`Config::client_ip_header`), the last address that header lists (the
/// one the proxy saw). Without a connection (the router called directly)
/// it is the unspecified address.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let from_proxy = state.config.client_ip_header.as_deref().and_then(|name| {
            parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
        });
        Ok(ClientIp(from_proxy.unwrap_or(peer)))
    }
}
