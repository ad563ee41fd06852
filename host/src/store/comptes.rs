//! Comptes, their roles, and single-use e-mailed tokens.

use crate::domain::{AdministrateurId, CompteId, InstructeurId};
use crate::store::{Conn, StoreError, StoreResult};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CompteRow {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// An instructeur, administrateur or expert: reads others' dossiers.
    pub agent: bool,
}

macro_rules! select_compte {
    ($where:literal) => {
        concat!(
            "SELECT id, email, password_hash, confirmed_at, ",
            "(EXISTS (SELECT 1 FROM instructeurs i WHERE i.compte_id = comptes.id) ",
            "OR EXISTS (SELECT 1 FROM administrateurs a WHERE a.compte_id = comptes.id) ",
            "OR EXISTS (SELECT 1 FROM experts e WHERE e.compte_id = comptes.id)) AS agent ",
            "FROM comptes ",
            $where
        )
    };
}

pub async fn find_by_email(c: Conn<'_>, email: &str) -> StoreResult<Option<CompteRow>> {
    const SQL: &str = select_compte!("WHERE email = $1");
    Ok(on!(c, c => sqlx::query_as(SQL).bind(email).fetch_optional(&mut *c).await)?)
}

pub async fn find(c: Conn<'_>, id: CompteId) -> StoreResult<CompteRow> {
    const SQL: &str = select_compte!("WHERE id = $1");
    on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut *c).await)?.ok_or(StoreError::NotFound)
}

pub async fn insert(
    c: Conn<'_>,
    email: &str,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<CompteId> {
    const SQL: &str = "INSERT INTO comptes (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id";
    let id: i64 =
        on!(c, c => sqlx::query_scalar(SQL).bind(email).bind(password_hash).bind(now).fetch_one(&mut *c).await)
            .map_err(|e| StoreError::on_unique(e, "email"))?;
    Ok(CompteId(id))
}

pub async fn set_password(c: Conn<'_>, id: CompteId, hash: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE comptes SET password_hash = $2 WHERE id = $1";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(hash).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn confirm(c: Conn<'_>, id: CompteId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "UPDATE comptes SET confirmed_at = COALESCE(confirmed_at, $2) WHERE id = $1";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Roles held by one compte (any compte is an usager).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct RolesRow {
    pub administrateur_id: Option<i64>,
    pub instructeur_id: Option<i64>,
    pub expert_id: Option<i64>,
}

pub async fn ensure_instructeur(c: Conn<'_>, compte: CompteId, now: DateTime<Utc>) -> StoreResult<InstructeurId> {
    const INSERT: &str =
        "INSERT INTO instructeurs (compte_id, created_at) VALUES ($1, $2) ON CONFLICT (compte_id) DO NOTHING";
    const SELECT: &str = "SELECT id FROM instructeurs WHERE compte_id = $1";
    let id: i64 = on!(c, c => {
        sqlx::query(INSERT).bind(compte.0).bind(now).execute(&mut *c).await?;
        sqlx::query_scalar(SELECT).bind(compte.0).fetch_one(&mut *c).await
    })?;
    Ok(InstructeurId(id))
}

pub async fn ensure_administrateur(c: Conn<'_>, compte: CompteId, now: DateTime<Utc>) -> StoreResult<AdministrateurId> {
    const INSERT: &str =
        "INSERT INTO administrateurs (compte_id, created_at) VALUES ($1, $2) ON CONFLICT (compte_id) DO NOTHING";
    const SELECT: &str = "SELECT id FROM administrateurs WHERE compte_id = $1";
    let id: i64 = on!(c, c => {
        sqlx::query(INSERT).bind(compte.0).bind(now).execute(&mut *c).await?;
        sqlx::query_scalar(SELECT).bind(compte.0).fetch_one(&mut *c).await
    })?;
    Ok(AdministrateurId(id))
}

pub async fn ensure_expert(c: Conn<'_>, compte: CompteId, now: DateTime<Utc>) -> StoreResult<()> {
    const INSERT: &str =
        "INSERT INTO experts (compte_id, created_at) VALUES ($1, $2) ON CONFLICT (compte_id) DO NOTHING";
    on!(c, c => sqlx::query(INSERT).bind(compte.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// What an e-mailed token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    Confirmation,
    Reinitialisation,
    Invitation,
    /// Confirms an agent's sign-in from a new browser.
    Appareil,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Reinitialisation => "reinitialisation",
            Self::Invitation => "invitation",
            Self::Appareil => "appareil",
        }
    }
}

pub async fn insert_token(
    c: Conn<'_>,
    token_hash: &str,
    compte: CompteId,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str =
        "INSERT INTO tokens (token_hash, compte_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
    on!(c, c => sqlx::query(SQL).bind(token_hash).bind(compte.0).bind(purpose.as_str()).bind(now).bind(expires_at).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks a valid, unused, unexpired token as used and returns its compte, in
/// one statement so a token can never be used twice concurrently.
pub async fn consume_token(
    c: Conn<'_>,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> StoreResult<Option<CompteId>> {
    const SQL: &str = "UPDATE tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING compte_id";
    let id: Option<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(token_hash).bind(purpose.as_str()).bind(now).fetch_optional(&mut *c).await)?;
    Ok(id.map(CompteId))
}

/// The compte of a valid token, without using it.
pub async fn token_owner(
    c: Conn<'_>,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> StoreResult<Option<CompteId>> {
    const SQL: &str =
        "SELECT compte_id FROM tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3";
    let id: Option<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(token_hash).bind(purpose.as_str()).bind(now).fetch_optional(&mut *c).await)?;
    Ok(id.map(CompteId))
}

/// Checks a token without using it (to show the "new password" form).
pub async fn token_is_valid(
    c: Conn<'_>,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str =
        "SELECT COUNT(*) FROM tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3";
    let n: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(token_hash).bind(purpose.as_str()).bind(now).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// Marks every unused password link of a compte (reset, lockout and
/// invitation e-mails) as used: once one has set the password, an older
/// link lying in a mailbox must not set it again.
pub async fn void_password_tokens(c: Conn<'_>, compte: CompteId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "UPDATE tokens SET used_at = $2 WHERE compte_id = $1 AND used_at IS NULL \
        AND purpose IN ('reinitialisation', 'invitation')";
    on!(c, c => sqlx::query(SQL).bind(compte.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
