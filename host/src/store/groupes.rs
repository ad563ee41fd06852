//! Groupes instructeurs and their members. Every lookup of a groupe goes
//! through its démarche, so an id from another démarche is `NotFound`.

use super::{Conn, StoreError, StoreResult};
use crate::domain::regle::Regle;
use crate::domain::{DemarcheId, GroupeInstructeurId, InstructeurId};
use chrono::{DateTime, Utc};

/// A groupe with what its administrateur needs to see about it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct GroupeRow {
    pub id: i64,
    pub libelle: String,
    pub defaut: bool,
    pub instructeurs: i64,
    pub dossiers: i64,
    /// The routing rule (JSON of a `Regle`), if the groupe has one.
    #[serde(skip)]
    pub regle_routage: Option<String>,
}

impl GroupeRow {
    pub fn id(&self) -> GroupeInstructeurId {
        GroupeInstructeurId(self.id)
    }

    pub fn regle_routage(&self) -> Option<Regle> {
        self.regle_routage.as_deref().and_then(|json| serde_json::from_str(json).ok())
    }
}

macro_rules! select_row {
    ($where:literal) => {
        concat!("SELECT g.id, g.libelle, g.defaut, g.regle_routage, \
    (SELECT COUNT(*) FROM groupes_instructeurs_instructeurs gii WHERE gii.groupe_instructeur_id = g.id) AS instructeurs, \
    (SELECT COUNT(*) FROM dossiers d WHERE d.groupe_instructeur_id = g.id) AS dossiers \
    FROM groupes_instructeurs g ", $where)
    };
}

pub async fn insert(
    c: Conn<'_>,
    id: DemarcheId,
    libelle: &str,
    defaut: bool,
    now: DateTime<Utc>,
) -> StoreResult<GroupeInstructeurId> {
    const SQL: &str = "INSERT INTO groupes_instructeurs (demarche_id, libelle, defaut, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
    let gid: i64 =
        on!(c, c => sqlx::query_scalar(SQL).bind(id.0).bind(libelle).bind(defaut).bind(now).fetch_one(&mut *c).await)
            .map_err(|e| StoreError::on_unique(e, "groupe"))?;
    Ok(GroupeInstructeurId(gid))
}

pub async fn defaut(c: Conn<'_>, id: DemarcheId) -> StoreResult<GroupeInstructeurId> {
    const SQL: &str =
        "SELECT id FROM groupes_instructeurs WHERE demarche_id = $1 AND defaut = TRUE ORDER BY id LIMIT 1";
    let gid: Option<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_optional(&mut *c).await)?;
    gid.map(GroupeInstructeurId).ok_or(StoreError::NotFound)
}

/// The groupes of a démarche, default first, then by name.
pub async fn list(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<GroupeRow>> {
    const SQL: &str = select_row!("WHERE g.demarche_id = $1 ORDER BY g.defaut DESC, g.libelle");
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

/// The groupes of a démarche, id and name only, default first: what the
/// dépôt path needs, without the counts `list` makes for the pages (they
/// grow with the dossiers).
pub async fn libelles(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<(GroupeInstructeurId, String)>> {
    const SQL: &str =
        "SELECT id, libelle FROM groupes_instructeurs WHERE demarche_id = $1 ORDER BY defaut DESC, libelle";
    let rows: Vec<(i64, String)> = on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(|(gid, libelle)| (GroupeInstructeurId(gid), libelle)).collect())
}

/// One groupe of the démarche; another démarche's groupe is `NotFound`.
pub async fn find(c: Conn<'_>, id: DemarcheId, groupe: GroupeInstructeurId) -> StoreResult<GroupeRow> {
    const SQL: &str = select_row!("WHERE g.demarche_id = $1 AND g.id = $2");
    let row: Option<GroupeRow> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(groupe.0).fetch_optional(&mut *c).await)?;
    row.ok_or(StoreError::NotFound)
}

pub async fn renommer(c: Conn<'_>, id: DemarcheId, groupe: GroupeInstructeurId, libelle: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE groupes_instructeurs SET libelle = $3 WHERE demarche_id = $1 AND id = $2";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(groupe.0).bind(libelle).execute(&mut *c).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "groupe"))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// Sets (`Some`) or removes (`None`) the routing rule of a groupe that is
/// not the default one (the default receives what no rule takes).
pub async fn set_regle_routage(
    c: Conn<'_>,
    id: DemarcheId,
    groupe: GroupeInstructeurId,
    regle: Option<&Regle>,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE groupes_instructeurs SET regle_routage = $3 WHERE demarche_id = $1 AND id = $2 AND defaut = FALSE";
    let json = regle.map(|r| serde_json::to_string(r).unwrap_or_default());
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(groupe.0).bind(json).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// The groupes' routing rules in the order a dépôt tries them: by name,
/// the first true one wins.
pub async fn regles_routage(c: Conn<'_>, id: DemarcheId) -> StoreResult<Vec<(GroupeInstructeurId, String, Regle)>> {
    const SQL: &str = "SELECT id, libelle, regle_routage FROM groupes_instructeurs \
        WHERE demarche_id = $1 AND defaut = FALSE AND regle_routage IS NOT NULL ORDER BY libelle, id";
    let rows: Vec<(i64, String, String)> = on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(gid, libelle, json)| {
            let regle = serde_json::from_str(&json).ok()?;
            Some((GroupeInstructeurId(gid), libelle, regle))
        })
        .collect())
}

/// Deletes a groupe without dossiers; its members lose their membership.
pub async fn delete(c: Conn<'_>, id: DemarcheId, groupe: GroupeInstructeurId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM groupes_instructeurs WHERE demarche_id = $1 AND id = $2 AND defaut = FALSE \
        AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.groupe_instructeur_id = $2)";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(groupe.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::Conflict("groupe")) }
}

/// Adds an instructeur to a groupe; `false` when they already were in it.
pub async fn assign_instructeur(
    c: Conn<'_>,
    groupe: GroupeInstructeurId,
    instructeur: InstructeurId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO groupes_instructeurs_instructeurs (groupe_instructeur_id, instructeur_id, created_at) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let n = on!(c, c => sqlx::query(SQL).bind(groupe.0).bind(instructeur.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn unassign_instructeur(
    c: Conn<'_>,
    groupe: GroupeInstructeurId,
    instructeur: InstructeurId,
) -> StoreResult<()> {
    const SQL: &str =
        "DELETE FROM groupes_instructeurs_instructeurs WHERE groupe_instructeur_id = $1 AND instructeur_id = $2";
    on!(c, c => sqlx::query(SQL).bind(groupe.0).bind(instructeur.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The members of a groupe, by e-mail.
pub async fn instructeurs(
    c: Conn<'_>,
    groupe: GroupeInstructeurId,
) -> StoreResult<Vec<super::demarches::InstructeurAffecte>> {
    const SQL: &str = "SELECT i.id AS instructeur_id, c.email, (c.confirmed_at IS NOT NULL) AS confirmed \
        FROM groupes_instructeurs_instructeurs gii \
        JOIN instructeurs i ON i.id = gii.instructeur_id JOIN comptes c ON c.id = i.compte_id \
        WHERE gii.groupe_instructeur_id = $1 ORDER BY c.email";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(groupe.0).fetch_all(&mut *c).await)?)
}
