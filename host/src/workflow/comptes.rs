//! Sign-up, e-mail confirmation, login with lockout, logout, password reset.
//! Answers never reveal whether an e-mail has a compte.

use crate::domain::CompteId;
use crate::domain::Erreurs;
use crate::domain::compte::{LOCKOUT_MINUTES, normaliser_email, verifier_mot_de_passe};
use crate::domain::limite::{
    CONNEXION_ECHECS_EMAIL, CONNEXION_ECHECS_IP, CONNEXION_VERROU, COURRIEL_INSCRIPTION, COURRIEL_REINITIALISATION,
    COURRIEL_VERROU, sujet_ip,
};
use crate::error::AppError;
use crate::jobs::enqueue_mail;
use crate::mail::Courriel;
use crate::security::{hash_password, random_token, sha256_hex, trusted_browser_ok, verify_password};
use crate::state::AppState;
use crate::store::comptes::{self, TokenPurpose};
use crate::store::{Conn, StoreError, rate_limits, sessions};
use crate::workflow::{courriel, limites};
use chrono::{Duration, Utc};
use serde_json::json;
use std::net::IpAddr;

/// How long e-mailed links stay valid.
const CONFIRMATION_VALIDITY: Duration = Duration::hours(48);
const RESET_VALIDITY: Duration = Duration::hours(2);
pub const INVITATION_VALIDITY: Duration = Duration::days(7);
/// A session lasts a working day; long enough to fill a long form.
pub const SESSION_VALIDITY: Duration = Duration::hours(12);
/// A new browser's confirmation link: used right after the password, so
/// short, like the window for someone reading a stolen one.
const APPAREIL_VALIDITY: Duration = Duration::minutes(30);
/// How long a confirmed browser stays trusted (a month, as the original
/// platform does for its instructeurs).
pub const APPAREIL_CONFIANCE: Duration = Duration::days(30);

/// Creates a compte and e-mails a confirmation link. If the e-mail already
/// has a compte, its owner gets an e-mail instead, and the caller sees the
/// same answer either way. `retour` (a path already checked by the caller)
/// rides along in the confirmation link, so the person lands where they
/// were going.
pub async fn inscrire(state: &AppState, email: &str, password: &str, retour: &str) -> Result<(), Erreurs> {
    let mut erreurs = Erreurs::new();
    let email = match normaliser_email(email) {
        Ok(e) => e,
        Err(m) => {
            erreurs.add("email", m);
            email.trim().to_string()
        }
    };
    if let Err(m) = verifier_mot_de_passe(password, &email) {
        erreurs.add("password", m);
    }
    erreurs.clone().into_result()?;
    let result: anyhow::Result<()> = async {
        let hash = hash_password(password.to_string()).await.map_err(anyhow::Error::msg)?;
        let now = Utc::now();
        let mut tx = state.store.write().await?;
        // 1. Count the e-mail to this address; beyond the limit nothing is
        //    sent, and the answer stays the same.
        if limites::compter_dans(&mut tx, &COURRIEL_INSCRIPTION, &[&email], now).await?.is_some() {
            tx.commit().await?;
            return Ok(());
        }
        // 2. Look the e-mail up.
        match comptes::find_by_email(tx.conn(), &email).await? {
            // 3a. Existing compte: warn its owner, offer a reset link.
            Some(existing) => {
                let token =
                    new_token(tx.conn(), CompteId(existing.id), TokenPurpose::Reinitialisation, RESET_VALIDITY).await?;
                let mail = courriel(
                    state,
                    &email,
                    "mails/compte_existant",
                    &json!({
                        "lien_connexion": state.config.url("/connexion"),
                        "lien_reinitialisation": state.config.url(&format!("/mot-de-passe/nouveau?jeton={token}")),
                    }),
                )?;
                enqueue_mail(tx.conn(), &mail, now).await?;
            }
            // 3b. New compte, unconfirmed, with a confirmation link.
            None => {
                let id = comptes::insert(tx.conn(), &email, Some(&hash), now).await?;
                let token = new_token(tx.conn(), id, TokenPurpose::Confirmation, CONFIRMATION_VALIDITY).await?;
                let mail = courriel(
                    state,
                    &email,
                    "mails/confirmation",
                    &json!({ "lien": lien_confirmation(state, &token, retour) }),
                )?;
                enqueue_mail(tx.conn(), &mail, now).await?;
            }
        }
        // 4. Commit, then wake the mail worker.
        tx.commit().await?;
        state.jobs_notify.notify_one();
        Ok(())
    }
    .await;
    result.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "sign-up failed");
        let mut erreurs = Erreurs::new();
        erreurs.add("email", "Une erreur technique a empêché la création du compte. Réessayez dans quelques instants.");
        erreurs
    })
}

/// The e-mailed confirmation link, with where to go after signing in.
fn lien_confirmation(state: &AppState, token: &str, retour: &str) -> String {
    let mut path = format!("/confirmation?jeton={token}");
    if retour != "/" {
        path.push_str("&retour=");
        path.push_str(&crate::error::url_encode(retour));
    }
    state.config.url(&path)
}

/// Generates a token, stores its hash, returns the token for the link.
pub(crate) async fn new_token(
    c: Conn<'_>,
    compte: CompteId,
    purpose: TokenPurpose,
    validity: Duration,
) -> Result<String, StoreError> {
    let token = random_token();
    let now = Utc::now();
    comptes::insert_token(c, &sha256_hex(&token), compte, purpose, now, now + validity).await?;
    Ok(token)
}

/// Someone given a role by e-mail (an instructeur, an administrateur):
/// their compte, and whether they chose a password yet.
pub(crate) struct Destinataire {
    pub compte: CompteId,
    pub email: String,
    pub a_un_mot_de_passe: bool,
}

/// The compte of `email` (already normalised), created without a password
/// when there is none: its owner chooses one through the invitation.
pub(crate) async fn destinataire(c: Conn<'_>, email: &str) -> Result<Destinataire, StoreError> {
    let mut c = c;
    let (compte, a_un_mot_de_passe) = match comptes::find_by_email(c.reborrow(), email).await? {
        Some(row) => (CompteId(row.id), row.password_hash.is_some()),
        None => (comptes::insert(c, email, None, Utc::now()).await?, false),
    };
    Ok(Destinataire { compte, email: email.to_owned(), a_un_mot_de_passe })
}

/// The e-mail that tells someone they were given a role: to a compte
/// without a password, `invitation` with a link to choose one (`lien`,
/// valid `jours` days, added to `data`); to one with a password, `avis`
/// with `arrivee` (a path) as its `lien`.
pub(crate) async fn courriel_de_role(
    state: &AppState,
    c: Conn<'_>,
    qui: &Destinataire,
    (invitation, avis): (&str, &str),
    arrivee: &str,
    mut data: serde_json::Value,
) -> anyhow::Result<Courriel> {
    if qui.a_un_mot_de_passe {
        data["lien"] = json!(state.config.url(arrivee));
        return courriel(state, &qui.email, avis, &data);
    }
    let token = new_token(c, qui.compte, TokenPurpose::Invitation, INVITATION_VALIDITY).await?;
    data["lien"] = json!(state.config.url(&format!("/mot-de-passe/nouveau?jeton={token}")));
    data["jours"] = json!(INVITATION_VALIDITY.num_days());
    courriel(state, &qui.email, invitation, &data)
}

/// Confirms the compte behind a confirmation link. False if the link is
/// unknown, used or expired.
pub async fn confirmer(state: &AppState, token: &str) -> Result<bool, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let Some(compte) = comptes::consume_token(tx.conn(), &sha256_hex(token), TokenPurpose::Confirmation, now).await?
    else {
        return Ok(false);
    };
    comptes::confirm(tx.conn(), compte, now).await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, PartialEq, Eq)]
pub enum RefusConnexion {
    /// Unknown e-mail, wrong password or locked from this address: one
    /// answer for all.
    Identifiants,
    /// The password was right but the e-mail was never confirmed; a new link
    /// was sent. Only someone who knows the password learns this.
    NonConfirme,
    /// Too many failures from this IP, or for this e-mail address.
    Limite { retry_after_secs: u64 },
    /// The password was right, but an agent signs in from a browser not
    /// trusted yet (`Config::confirm_new_browsers`): a link to confirm was
    /// e-mailed; no session is open.
    NouvelAppareil,
}

/// A sign-in attempt: who, and from where.
pub struct Tentative<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address: per-IP limit and lockout.
    pub ip: IpAddr,
    /// Where to go after confirming, if a confirmation link is sent.
    pub retour: &'a str,
    /// This browser's current session, ended by the new one.
    pub session_precedente: Option<&'a str>,
    /// This browser's trusted-browser cookie, if it sent one.
    pub appareil: Option<&'a str>,
}

/// Checks credentials and opens a session; returns the session token.
///
/// Failures count per IP (spraying), per e-mail (distributed guessing) and
/// per e-mail from this IP: the lockout, which keeps that IP out of the
/// compte but never the owner elsewhere (`domain::limite`).
pub async fn connecter(state: &AppState, t: &Tentative<'_>) -> Result<String, RefusConnexion> {
    let outcome: anyhow::Result<Result<String, RefusConnexion>> = async {
        let email = normaliser_email(t.email).unwrap_or_default();
        let ip = sujet_ip(t.ip);
        let now = Utc::now();
        // 1. Read the compte (or nothing) and the counters; verify the
        //    password outside any write lock.
        let (compte, limite, verrouille) = {
            let mut tx = state.store.read().await?;
            let c = if email.is_empty() { None } else { comptes::find_by_email(tx.conn(), &email).await? };
            let par_ip = limites::atteinte(&mut tx, &CONNEXION_ECHECS_IP, &[&ip], now).await?;
            let par_email = limites::atteinte(&mut tx, &CONNEXION_ECHECS_EMAIL, &[&email], now).await?;
            let verrou = limites::atteinte(&mut tx, &CONNEXION_VERROU, &[&email, &ip], now).await?;
            tx.commit().await?;
            (c, par_ip.max(par_email), verrou.is_some())
        };
        if let Some(retry_after_secs) = limite {
            return Ok(Err(RefusConnexion::Limite { retry_after_secs }));
        }
        // Locked from this address: refused like a wrong password, without
        // spending a hash on it.
        if verrouille {
            return Ok(Err(RefusConnexion::Identifiants));
        }
        let password_ok =
            verify_password(t.password.to_string(), compte.as_ref().and_then(|c| c.password_hash.clone())).await;
        let mut tx = state.store.write().await?;
        let compte = match compte {
            Some(c) if password_ok => c,
            compte => {
                // 2. Count the failure (unknown e-mails too: same answer);
                //    at the lockout, tell the owner, at most a few times.
                limites::compter_dans(&mut tx, &CONNEXION_ECHECS_IP, &[&ip], now).await?;
                limites::compter_dans(&mut tx, &CONNEXION_ECHECS_EMAIL, &[&email], now).await?;
                limites::compter_dans(&mut tx, &CONNEXION_VERROU, &[&email, &ip], now).await?;
                let verrouille = limites::atteinte(&mut tx, &CONNEXION_VERROU, &[&email, &ip], now).await?.is_some();
                if let Some(compte) = compte.filter(|_| verrouille)
                    && limites::compter_dans(&mut tx, &COURRIEL_VERROU, &[&email], now).await?.is_none()
                {
                    let token =
                        new_token(tx.conn(), CompteId(compte.id), TokenPurpose::Reinitialisation, RESET_VALIDITY)
                            .await?;
                    let mail = courriel(
                        state,
                        &compte.email,
                        "mails/verrouillage",
                        &json!({
                            "minutes": LOCKOUT_MINUTES,
                            "lien_reinitialisation": state.config.url(&format!("/mot-de-passe/nouveau?jeton={token}")),
                        }),
                    )?;
                    enqueue_mail(tx.conn(), &mail, now).await?;
                }
                tx.commit().await?;
                state.jobs_notify.notify_one();
                return Ok(Err(RefusConnexion::Identifiants));
            }
        };
        let id = CompteId(compte.id);
        if compte.confirmed_at.is_none() {
            // 3. Right password, unconfirmed: send a fresh confirmation link.
            let token = new_token(tx.conn(), id, TokenPurpose::Confirmation, CONFIRMATION_VALIDITY).await?;
            let mail = courriel(
                state,
                &compte.email,
                "mails/confirmation",
                &json!({ "lien": lien_confirmation(state, &token, t.retour) }),
            )?;
            enqueue_mail(tx.conn(), &mail, now).await?;
            tx.commit().await?;
            state.jobs_notify.notify_one();
            return Ok(Err(RefusConnexion::NonConfirme));
        }
        // 4. The right password: clear this address's failures on the
        //    compte.
        rate_limits::clear_prefix(tx.conn(), &limites::bucket(&CONNEXION_VERROU, &[&email, &ip])).await?;
        // 5. An agent on a browser not trusted yet: a link to confirm, by
        //    e-mail, and no session until it is used.
        let confiance =
            t.appareil.is_some_and(|v| trusted_browser_ok(&state.config.secret_key, v, compte.id, now.timestamp()));
        if state.config.confirm_new_browsers && compte.agent && !confiance {
            let token = new_token(tx.conn(), id, TokenPurpose::Appareil, APPAREIL_VALIDITY).await?;
            let lien = format!("/connexion/appareil?jeton={token}&retour={}", crate::error::url_encode(t.retour));
            let mail = courriel(
                state,
                &compte.email,
                "mails/nouvel_appareil",
                &json!({ "lien": state.config.url(&lien), "minutes": APPAREIL_VALIDITY.num_minutes() }),
            )?;
            enqueue_mail(tx.conn(), &mail, now).await?;
            tx.commit().await?;
            state.jobs_notify.notify_one();
            return Ok(Err(RefusConnexion::NouvelAppareil));
        }
        // 6. Success: end the browser's previous session, open a session.
        if let Some(previous) = t.session_precedente {
            sessions::delete(tx.conn(), &sha256_hex(previous)).await?;
        }
        let token = random_token();
        sessions::insert(tx.conn(), &sha256_hex(&token), id, now, now + SESSION_VALIDITY).await?;
        tx.commit().await?;
        Ok(Ok(token))
    }
    .await;
    outcome.unwrap_or_else(|e| {
        tracing::error!(error = %format!("{e:#}"), "login failed");
        Err(RefusConnexion::Identifiants)
    })
}

/// An agent confirms a sign-in with the e-mailed link: the browser that
/// uses it gets a session (ending its previous one) and becomes trusted.
/// `None` when the link is unknown, used or expired.
pub async fn confirmer_appareil(
    state: &AppState,
    token: &str,
    session_precedente: Option<&str>,
) -> Result<Option<(String, CompteId)>, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let Some(compte) = comptes::consume_token(tx.conn(), &sha256_hex(token), TokenPurpose::Appareil, now).await? else {
        return Ok(None);
    };
    if let Some(previous) = session_precedente {
        sessions::delete(tx.conn(), &sha256_hex(previous)).await?;
    }
    let session = random_token();
    sessions::insert(tx.conn(), &sha256_hex(&session), compte, now, now + SESSION_VALIDITY).await?;
    tx.commit().await?;
    Ok(Some((session, compte)))
}

/// Whether a confirmation link can still be used (to show its page).
pub async fn lien_appareil_valide(state: &AppState, token: &str) -> Result<bool, AppError> {
    let mut tx = state.store.read().await?;
    let ok = comptes::token_is_valid(tx.conn(), &sha256_hex(token), TokenPurpose::Appareil, Utc::now()).await?;
    tx.commit().await?;
    Ok(ok)
}

pub async fn deconnecter(state: &AppState, session_token: &str) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    sessions::delete(tx.conn(), &sha256_hex(session_token)).await?;
    tx.commit().await?;
    Ok(())
}

/// E-mails a reset link if the compte exists; the caller always sees the
/// same confirmation message.
pub async fn demander_reinitialisation(state: &AppState, email: &str) -> Result<(), AppError> {
    let Ok(email) = normaliser_email(email) else {
        return Ok(());
    };
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // Beyond a few e-mails an hour to one address, nothing is sent (the
    // answer stays the same): the form cannot flood a mailbox.
    let trop = limites::compter_dans(&mut tx, &COURRIEL_REINITIALISATION, &[&email], now).await?.is_some();
    let compte = if trop { None } else { comptes::find_by_email(tx.conn(), &email).await? };
    if let Some(compte) = compte {
        let token = new_token(tx.conn(), CompteId(compte.id), TokenPurpose::Reinitialisation, RESET_VALIDITY).await?;
        let mail = courriel(
            state,
            &email,
            "mails/reinitialisation",
            &json!({
                "lien": state.config.url(&format!("/mot-de-passe/nouveau?jeton={token}")),
                "heures": RESET_VALIDITY.num_hours(),
            }),
        )?;
        enqueue_mail(tx.conn(), &mail, now).await?;
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    Ok(())
}

/// Whether a reset or invitation link can still be used.
pub async fn lien_mot_de_passe_valide(state: &AppState, token: &str) -> Result<bool, AppError> {
    let now = Utc::now();
    let hash = sha256_hex(token);
    let mut tx = state.store.read().await?;
    let ok = comptes::token_is_valid(tx.conn(), &hash, TokenPurpose::Reinitialisation, now).await?
        || comptes::token_is_valid(tx.conn(), &hash, TokenPurpose::Invitation, now).await?;
    tx.commit().await?;
    Ok(ok)
}

/// Sets a new password through a reset or invitation link. The link proves
/// the mailbox, so the compte is confirmed and unlocked, every other
/// session is closed and every other password link voided.
pub async fn reinitialiser(state: &AppState, token: &str, password: &str) -> Result<(), Erreurs> {
    let hash = sha256_hex(token);
    let fail = |m: &str| {
        let mut e = Erreurs::new();
        e.add("password", m);
        e
    };
    let technique = "Une erreur technique a empêché l'enregistrement. Réessayez dans quelques instants.";
    let expired = "Ce lien n'est plus valide. Demandez un nouveau lien de réinitialisation.";
    // 1. Find whose link it is (without using it yet) to check the password against the e-mail.
    let now = Utc::now();
    let email = async {
        let mut tx = state.store.read().await?;
        let email = find_token_email(&mut tx, &hash, now).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(email)
    }
    .await
    .map_err(|_| fail(technique))?
    .ok_or_else(|| fail(expired))?;
    verifier_mot_de_passe(password, &email).map_err(|m| fail(&m))?;
    let password_hash = hash_password(password.to_string()).await.map_err(|_| fail(technique))?;
    // 2. Use the link, void the others, set the password, confirm, close
    // sessions: one transaction.
    let result = async {
        let now = Utc::now();
        let mut tx = state.store.write().await?;
        let mut compte = comptes::consume_token(tx.conn(), &hash, TokenPurpose::Reinitialisation, now).await?;
        if compte.is_none() {
            compte = comptes::consume_token(tx.conn(), &hash, TokenPurpose::Invitation, now).await?;
        }
        let Some(compte) = compte else { return Ok(false) };
        comptes::void_password_tokens(tx.conn(), compte, now).await?;
        comptes::set_password(tx.conn(), compte, &password_hash).await?;
        comptes::confirm(tx.conn(), compte, now).await?;
        sessions::delete_for_compte(tx.conn(), compte).await?;
        // The mailbox is proven: lift the lockouts and the per-e-mail limit.
        limites::effacer(&mut tx, &CONNEXION_VERROU, &email).await?;
        limites::effacer(&mut tx, &CONNEXION_ECHECS_EMAIL, &email).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(true)
    }
    .await;
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(fail(expired)),
        Err(_) => Err(fail(technique)),
    }
}

async fn find_token_email(
    tx: &mut crate::store::Tx,
    hash: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    for purpose in [TokenPurpose::Reinitialisation, TokenPurpose::Invitation] {
        if let Some(id) = comptes::token_owner(tx.conn(), hash, purpose, now).await? {
            return Ok(Some(comptes::find(tx.conn(), id).await?.email));
        }
    }
    Ok(None)
}

/// Roles an operator can grant when creating a compte (administrateurs are
/// not self-service: they are appointed).
#[derive(Clone, Copy, Debug, Default)]
pub struct Roles {
    pub administrateur: bool,
    pub instructeur: bool,
    pub expert: bool,
}

/// Creates (or completes) a confirmed compte with a password and roles: the
/// operator's path, used by demo seeding and tests. Idempotent.
pub async fn creer_compte_operateur(
    state: &AppState,
    email: &str,
    password: &str,
    roles: Roles,
) -> anyhow::Result<CompteId> {
    let email = normaliser_email(email).map_err(anyhow::Error::msg)?;
    verifier_mot_de_passe(password, &email).map_err(anyhow::Error::msg)?;
    let hash = hash_password(password.to_string()).await.map_err(anyhow::Error::msg)?;
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let id = match comptes::find_by_email(tx.conn(), &email).await? {
        Some(c) => CompteId(c.id),
        None => comptes::insert(tx.conn(), &email, Some(&hash), now).await?,
    };
    comptes::set_password(tx.conn(), id, &hash).await?;
    comptes::confirm(tx.conn(), id, now).await?;
    if roles.administrateur {
        comptes::ensure_administrateur(tx.conn(), id, now).await?;
        // As on the original platform, an administrateur can also instruct.
        comptes::ensure_instructeur(tx.conn(), id, now).await?;
    }
    if roles.instructeur {
        comptes::ensure_instructeur(tx.conn(), id, now).await?;
    }
    if roles.expert {
        comptes::ensure_expert(tx.conn(), id, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}
