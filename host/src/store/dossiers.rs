//! Dossiers, their champs, traitements and suivis.
//!
//! Lookups are scoped: an usager finds only their dossiers, an instructeur
//! only the dossiers of their groupes. Out of scope is `NotFound`, exactly
//! like a dossier that does not exist.

use crate::domain::champ::repetition::Slot;
use crate::domain::compte::Usager;
use crate::domain::demarche::EtatDemarche;
use crate::domain::{
    CompteId, DemarcheId, DossierId, EtatDossier, GroupeInstructeurId, InstructeurId, RevisionId, StableId,
};
use crate::store::{Conn, StoreError, StoreResult, expect_one};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DossierRow {
    pub id: i64,
    pub demarche_id: i64,
    pub revision_id: i64,
    pub groupe_instructeur_id: Option<i64>,
    pub compte_id: i64,
    pub etat: String,
    pub for_test: bool,
    pub motivation: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub depose_at: Option<DateTime<Utc>>,
    pub en_instruction_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
    /// When the usager put it in their corbeille (`mes_dossiers`).
    pub corbeille_usager_at: Option<DateTime<Utc>>,
    /// Since when the usager's changes to it, en construction, wait in the
    /// buffer for « Déposer les modifications » (`modifications`).
    pub modifications_depuis: Option<DateTime<Utc>>,
    /// E-mail of the usager who owns it.
    pub usager_email: String,
    pub demarche_libelle: String,
    /// Whether the démarche takes dossiers: a dépôt reads it with the
    /// dossier, one statement fewer on the busiest write.
    pub demarche_etat: String,
    /// Which settings of the démarche this snapshot saw: the key of the
    /// démarche's settings kept in memory (`demarche_config.rs`).
    pub demarche_config_version: i64,
}

impl DossierRow {
    pub fn id(&self) -> DossierId {
        DossierId(self.id)
    }

    pub fn demarche_id(&self) -> DemarcheId {
        DemarcheId(self.demarche_id)
    }

    pub fn revision_id(&self) -> RevisionId {
        RevisionId(self.revision_id)
    }

    pub fn etat(&self) -> EtatDossier {
        // The column only ever receives `EtatDossier::as_str` values.
        EtatDossier::parse(&self.etat).unwrap_or(EtatDossier::Brouillon)
    }

    /// The usager who owns it (its titulaire).
    pub fn titulaire(&self) -> CompteId {
        CompteId(self.compte_id)
    }

    /// Whether `compte` owns it (rather than being invited on it).
    pub fn est_a(&self, compte: CompteId) -> bool {
        self.titulaire() == compte
    }

    pub fn demarche_etat(&self) -> EtatDemarche {
        EtatDemarche::parse(&self.demarche_etat).unwrap_or(EtatDemarche::Close)
    }

    /// The answers its usagers read and change: the buffer while changes
    /// wait there, else the filed ones (or the brouillon's).
    pub fn stream_usager(&self) -> Stream {
        if self.modifications_depuis.is_some() { Stream::Buffer } else { Stream::Main }
    }
}

/// Which copy of a dossier's answers (and files) a statement reads or
/// writes: the one instructeurs read, or the usager's changes waiting to
/// be filed (migration 0021).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Main,
    Buffer,
}

impl Stream {
    /// The stream a stored name stands for (the column only ever holds
    /// these two).
    pub fn parse(s: &str) -> Stream {
        if s == "buffer" { Stream::Buffer } else { Stream::Main }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Main => "main",
            Stream::Buffer => "buffer",
        }
    }
}

macro_rules! select_dossier {
    ($($tail:expr),+ $(,)?) => {
        concat!(
            "SELECT d.id, d.demarche_id, d.revision_id, d.groupe_instructeur_id, d.compte_id, d.etat, d.for_test, ",
            "d.motivation, d.created_at, d.updated_at, d.depose_at, d.en_instruction_at, d.processed_at, ",
            "d.corbeille_usager_at, d.modifications_depuis, c.email AS usager_email, m.libelle AS demarche_libelle, m.etat AS demarche_etat, ",
            "m.config_version AS demarche_config_version ",
            "FROM dossiers d JOIN comptes c ON c.id = d.compte_id JOIN demarches m ON m.id = d.demarche_id ",
            $($tail),+
        )
    };
}

/// The condition « the administration sees this dossier `d` »: submitted,
/// and not withdrawn by its usager (a dossier en construction put in their
/// corbeille). A decided dossier the usager hid stays the administration's.
macro_rules! visible_administration {
    () => {
        "d.etat <> 'brouillon' AND (d.corbeille_usager_at IS NULL OR d.etat <> 'en_construction')"
    };
}

pub mod mes_dossiers;

pub async fn insert(
    c: Conn<'_>,
    demarche: DemarcheId,
    revision: RevisionId,
    usager: CompteId,
    for_test: bool,
    now: DateTime<Utc>,
) -> StoreResult<DossierId> {
    const SQL: &str = "INSERT INTO dossiers (demarche_id, revision_id, compte_id, etat, for_test, created_at, updated_at) \
        VALUES ($1, $2, $3, 'brouillon', $4, $5, $5) RETURNING id";
    let id: i64 = on!(c, c => sqlx::query_scalar(SQL).bind(demarche.0).bind(revision.0).bind(usager.0).bind(for_test).bind(now).fetch_one(&mut *c).await)?;
    Ok(DossierId(id))
}

pub async fn find_for_usager(c: Conn<'_>, id: DossierId, usager: CompteId) -> StoreResult<DossierRow> {
    const SQL: &str = select_dossier!("WHERE d.id = $1 AND d.compte_id = $2");
    on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(usager.0).fetch_optional(&mut *c).await)?
        .ok_or(StoreError::NotFound)
}

/// The dossier for its owner or for a usager invited on it (matched on
/// the compte's address, proven at sign-up): what they may both do, read
/// and complete it. Filing, the corbeille and invitations stay the
/// owner's (`find_for_usager`); `DossierRow::est_a` tells which one the
/// caller is.
pub async fn find_for_participant(c: Conn<'_>, id: DossierId, usager: &Usager) -> StoreResult<DossierRow> {
    const SQL: &str = select_dossier!(
        "WHERE d.id = $1 AND (d.compte_id = $2 \
         OR EXISTS (SELECT 1 FROM invitations i WHERE i.dossier_id = d.id AND i.email = $3))"
    );
    on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(usager.compte_id.0).bind(&usager.email).fetch_optional(&mut *c).await)?
        .ok_or(StoreError::NotFound)
}

/// Unscoped, for background jobs only (they act for the platform, not for
/// a caller): request handlers use the scoped lookups above and below.
pub async fn find_for_job(c: Conn<'_>, id: DossierId) -> StoreResult<DossierRow> {
    const SQL: &str = select_dossier!("WHERE d.id = $1");
    on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_optional(&mut *c).await)?.ok_or(StoreError::NotFound)
}

/// Instructeurs never see brouillons (the usager's private drafts) nor
/// what the usager withdrew.
pub async fn find_for_instructeur(c: Conn<'_>, id: DossierId, instructeur: InstructeurId) -> StoreResult<DossierRow> {
    const SQL: &str = select_dossier!(
        "JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = d.groupe_instructeur_id \
         AND gii.instructeur_id = $2 WHERE d.id = $1 AND ",
        visible_administration!()
    );
    on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(instructeur.0).fetch_optional(&mut *c).await)?
        .ok_or(StoreError::NotFound)
}

pub async fn find_brouillon(c: Conn<'_>, demarche: DemarcheId, usager: CompteId) -> StoreResult<Option<DossierId>> {
    const SQL: &str = "SELECT id FROM dossiers WHERE demarche_id = $1 AND compte_id = $2 AND etat = 'brouillon' ORDER BY id DESC LIMIT 1";
    let id: Option<i64> =
        on!(c, c => sqlx::query_scalar(SQL).bind(demarche.0).bind(usager.0).fetch_optional(&mut *c).await)?;
    Ok(id.map(DossierId))
}

/// The instructeur's tabs on a démarche, as in the original platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Onglet {
    /// En construction or en instruction, followed by nobody.
    ASuivre,
    /// Followed by me and not yet decided.
    Suivis,
    /// Decided.
    Traites,
    /// Everything that was submitted.
    Tous,
}

impl Onglet {
    pub const ALL: [Onglet; 4] = [Self::ASuivre, Self::Suivis, Self::Traites, Self::Tous];

    pub fn slug(self) -> &'static str {
        match self {
            Self::ASuivre => "a-suivre",
            Self::Suivis => "suivis",
            Self::Traites => "traites",
            Self::Tous => "tous",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.slug() == s)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Self::ASuivre => "à suivre",
            Self::Suivis => "suivis",
            Self::Traites => "traités",
            Self::Tous => "au total",
        }
    }
}

/// Dossiers of one démarche visible to one instructeur (through their
/// groupes), in one tab, newest activity first, at most `limit`.
pub async fn list_for_instructeur(
    c: Conn<'_>,
    demarche: DemarcheId,
    instructeur: InstructeurId,
    onglet: Onglet,
    limit: i64,
) -> StoreResult<Vec<DossierRow>> {
    const A_SUIVRE: &str = select_dossier!(
        "JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = d.groupe_instructeur_id AND gii.instructeur_id = $2 \
         WHERE d.demarche_id = $1 AND d.etat IN ('en_construction', 'en_instruction') AND ",
        visible_administration!(),
        " AND NOT EXISTS (SELECT 1 FROM suivis s WHERE s.dossier_id = d.id) ORDER BY d.updated_at DESC, d.id DESC LIMIT $3"
    );
    const SUIVIS: &str = select_dossier!(
        "JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = d.groupe_instructeur_id AND gii.instructeur_id = $2 \
         JOIN suivis s ON s.dossier_id = d.id AND s.instructeur_id = $2 \
         WHERE d.demarche_id = $1 AND d.etat IN ('en_construction', 'en_instruction') AND ",
        visible_administration!(),
        " ORDER BY d.updated_at DESC, d.id DESC LIMIT $3"
    );
    const TRAITES: &str = select_dossier!(
        "JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = d.groupe_instructeur_id AND gii.instructeur_id = $2 \
         WHERE d.demarche_id = $1 AND d.etat IN ('accepte', 'refuse', 'sans_suite') ORDER BY d.updated_at DESC, d.id DESC LIMIT $3"
    );
    const TOUS: &str = select_dossier!(
        "JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = d.groupe_instructeur_id AND gii.instructeur_id = $2 \
         WHERE d.demarche_id = $1 AND ",
        visible_administration!(),
        " ORDER BY d.updated_at DESC, d.id DESC LIMIT $3"
    );
    let sql = match onglet {
        Onglet::ASuivre => A_SUIVRE,
        Onglet::Suivis => SUIVIS,
        Onglet::Traites => TRAITES,
        Onglet::Tous => TOUS,
    };
    Ok(on!(c, c => sqlx::query_as(sql).bind(demarche.0).bind(instructeur.0).bind(limit).fetch_all(&mut *c).await)?)
}

/// How many dossiers each tab holds, for the tab labels.
#[derive(Clone, Copy, Debug, Default, sqlx::FromRow)]
pub struct Compteurs {
    pub a_suivre: i64,
    pub suivis: i64,
    pub traites: i64,
    pub tous: i64,
}

pub async fn compteurs_instructeur(
    c: Conn<'_>,
    demarche: DemarcheId,
    instructeur: InstructeurId,
) -> StoreResult<Compteurs> {
    const SQL: &str = concat!(
        "SELECT \
        COALESCE(SUM(CASE WHEN d.etat IN ('en_construction', 'en_instruction') AND NOT EXISTS (SELECT 1 FROM suivis s WHERE s.dossier_id = d.id) THEN 1 ELSE 0 END), 0) AS a_suivre, \
        COALESCE(SUM(CASE WHEN d.etat IN ('en_construction', 'en_instruction') AND EXISTS (SELECT 1 FROM suivis s WHERE s.dossier_id = d.id AND s.instructeur_id = $2) THEN 1 ELSE 0 END), 0) AS suivis, \
        COALESCE(SUM(CASE WHEN d.etat IN ('accepte', 'refuse', 'sans_suite') THEN 1 ELSE 0 END), 0) AS traites, \
        COUNT(*) AS tous \
        FROM dossiers d JOIN groupes_instructeurs_instructeurs gii ON gii.groupe_instructeur_id = d.groupe_instructeur_id AND gii.instructeur_id = $2 \
        WHERE d.demarche_id = $1 AND ",
        visible_administration!()
    );
    Ok(on!(c, c => sqlx::query_as(SQL).bind(demarche.0).bind(instructeur.0).fetch_one(&mut *c).await)?)
}

/// Moves a dossier from `from` to `to`, refusing (Conflict) if another request
/// changed its state in between: no lost update between two instructeurs,
/// nor an instructeur acting on a dossier its usager just withdrew. A
/// decision the usager hid, taken back, is theirs to see again.
pub async fn update_etat(
    c: Conn<'_>,
    id: DossierId,
    from: EtatDossier,
    to: EtatDossier,
    motivation: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE dossiers SET etat = $3, motivation = $4, updated_at = $5, \
        depose_at = CASE WHEN $3 = 'en_construction' THEN COALESCE(depose_at, $5) ELSE depose_at END, \
        en_instruction_at = CASE WHEN $3 = 'en_instruction' THEN $5 WHEN $3 = 'en_construction' THEN NULL ELSE en_instruction_at END, \
        processed_at = CASE WHEN $3 IN ('accepte', 'refuse', 'sans_suite') THEN $5 ELSE NULL END, \
        corbeille_usager_at = CASE WHEN $3 IN ('accepte', 'refuse', 'sans_suite') THEN corbeille_usager_at ELSE NULL END \
        WHERE id = $1 AND etat = $2 AND (corbeille_usager_at IS NULL OR etat IN ('accepte', 'refuse', 'sans_suite'))";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(from.as_str()).bind(to.as_str()).bind(motivation).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    expect_one(n, "etat du dossier modifie entre-temps")
}

/// A brouillon déposé, in one statement: the new state and its dates,
/// the groupe (`groupe` when it still belongs to the démarche, else the
/// démarche's default groupe) and the routing explanation. Guarded: the
/// dossier must still be the usager's brouillon in state `from` (out of the
/// corbeille), and its
/// démarche still in state `demarche` (the one checked before) and before
/// its deadline. `false` when the guard failed: a concurrent dépôt, or the
/// démarche closed.
#[allow(clippy::too_many_arguments)]
pub async fn deposer(
    c: Conn<'_>,
    id: DossierId,
    usager: CompteId,
    from: EtatDossier,
    to: EtatDossier,
    demarche: EtatDemarche,
    groupe: Option<GroupeInstructeurId>,
    explication: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE dossiers SET etat = $4, updated_at = $7, depose_at = COALESCE(depose_at, $7), \
        routage_explication = $6, groupe_instructeur_id = COALESCE(\
          (SELECT g.id FROM groupes_instructeurs g WHERE g.id = $5 AND g.demarche_id = dossiers.demarche_id), \
          (SELECT g.id FROM groupes_instructeurs g WHERE g.demarche_id = dossiers.demarche_id AND g.defaut = TRUE \
           ORDER BY g.id LIMIT 1)) \
        WHERE id = $1 AND compte_id = $2 AND etat = $3 AND corbeille_usager_at IS NULL \
        AND EXISTS (SELECT 1 FROM demarches m WHERE m.id = dossiers.demarche_id AND m.etat = $8 \
          AND (m.date_limite_depot IS NULL OR m.date_limite_depot > $7))";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(usager.0).bind(from.as_str()).bind(to.as_str())
        .bind(groupe.map(|g| g.0)).bind(explication).bind(now).bind(demarche.as_str())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn set_groupe(c: Conn<'_>, id: DossierId, groupe: GroupeInstructeurId) -> StoreResult<()> {
    const SQL: &str = "UPDATE dossiers SET groupe_instructeur_id = $2 WHERE id = $1";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(groupe.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn touch(c: Conn<'_>, id: DossierId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str = "UPDATE dossiers SET updated_at = $2 WHERE id = $1";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The SQL condition « this stable id is an annotation privée in this
/// dossier's revision », for `EXISTS (…)`: annotations and the usager's
/// answers are rows of the same table, told apart by their type de champ.
macro_rules! annotation {
    ($dossier:literal, $stable_id:literal) => {
        concat!(
            "SELECT 1 FROM dossiers dp JOIN types_de_champ tp ON tp.revision_id = dp.revision_id \
             AND tp.prive = TRUE AND tp.stable_id = ",
            $stable_id,
            " WHERE dp.id = ",
            $dossier
        )
    };
}

// After `annotation!`, which its statements use.
pub mod modifications;

/// The answers instructeurs read; annotations privées live only there.
const MAIN_STREAM: &str = "main";

/// What plugins said about a form's answers, at the top level and in
/// rows, written with the answers.
#[derive(Debug, Default)]
pub struct Verdicts {
    /// What plugins found about valid values (JSON objects).
    pub donnees: HashMap<Slot, String>,
    /// Checks deferred to a job.
    pub a_verifier: Vec<Slot>,
    /// Values whose données the usager confirmed.
    pub confirmes: Vec<Slot>,
}

/// What a form submission writes for its top-level champs.
#[derive(Clone, Copy)]
pub struct ChampsEcrits<'a> {
    pub values: &'a [(StableId, Option<String>)],
    pub verdicts: &'a Verdicts,
}

/// Writes champ values (None clears). One row per (dossier, stream, stable
/// id, row): a later revision finds the same answers under the same keys.
/// Answers listed in `a_verifier` are flagged for a later plugin check;
/// every write clears an earlier check's refusal (the value is new) and
/// replaces the plugin's données with those given (none: cleared, they
/// described the old value).
pub async fn upsert_champs(
    c: Conn<'_>,
    id: DossierId,
    stream: Stream,
    champs: ChampsEcrits<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let rows: Vec<(StableId, &str, Option<&str>)> =
        champs.values.iter().map(|(stable_id, value)| (*stable_id, "", value.as_deref())).collect();
    upsert_reponses(c, id, stream, &rows, champs.verdicts, now).await
}

/// Writes answers `(champ, row id, value)` with what plugins said about
/// them, leaving the dossier's other answers as they are (an autosave of
/// the champs the usager just changed writes only those). An annotation
/// privée of the dossier's revision is never written here, whatever the
/// caller passes: the usager's answers and the instructeurs' annotations
/// share the table, not the writers (`upsert_annotation`).
pub async fn upsert_reponses(
    c: Conn<'_>,
    id: DossierId,
    stream: Stream,
    rows: &[(StableId, &str, Option<&str>)],
    verdicts: &Verdicts,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    on!(c, c => {
        // One statement for many answers: on SQLite every statement is a
        // round trip to the connection's thread, and the write transaction
        // holds the one writer connection meanwhile.
        for chunk in rows.chunks(UPSERT_ROWS_PER_STATEMENT) {
            // Built from constant fragments and placeholder numbers only:
            // every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(upsert_sql(chunk.len())));
            for (stable_id, row, value) in chunk {
                let slot = Slot::stocke(*stable_id, row);
                q = q.bind(id.0).bind(stream.as_str()).bind(stable_id.0).bind(*row).bind(*value).bind(now)
                    .bind(verdicts.a_verifier.contains(&slot))
                    .bind(verdicts.donnees.get(&slot).map(String::as_str))
                    .bind(verdicts.confirmes.contains(&slot));
            }
            q.execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

/// Answers written per statement: 9 parameters each, far below SQLite's
/// limit of 32,766 and PostgreSQL's of 65,535 parameters.
const UPSERT_ROWS_PER_STATEMENT: usize = 200;

/// Parameters per answer in [`upsert_sql`].
const UPSERT_COLUMNS: usize = 9;

/// `INSERT … SELECT … FROM (VALUES (…), (…)) … ON CONFLICT …` for `n`
/// answers, leaving out any that is an annotation privée. Both SQLite and
/// PostgreSQL name the columns of a `VALUES` list `column1`, `column2`…
fn upsert_sql(n: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at, a_verifier, \
         erreur_verification, donnees, confirme) \
         SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, NULL, v.column8, \
         v.column9 FROM (VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        let placeholders: Vec<String> = (1..=UPSERT_COLUMNS).map(|k| format!("${}", i * UPSERT_COLUMNS + k)).collect();
        sql.push('(');
        sql.push_str(&placeholders.join(", "));
        sql.push(')');
    }
    sql.push_str(concat!(
        ") AS v WHERE NOT EXISTS (",
        annotation!("v.column1", "v.column3"),
        ") ON CONFLICT (dossier_id, stream, stable_id, row_id) DO UPDATE SET value = excluded.value, \
         updated_at = excluded.updated_at, a_verifier = excluded.a_verifier, erreur_verification = NULL, \
         donnees = excluded.donnees, confirme = excluded.confirme"
    ));
    sql
}

/// The rows of a dossier's blocks as the usager left them: each block's
/// list of row ids, and the values of their champs with what plugins said
/// about them. Rows no longer listed by any block lose their values.
pub struct LignesEcrites<'a> {
    pub blocs: &'a [(StableId, Vec<String>)],
    pub valeurs: &'a [(StableId, String, Option<String>)],
    pub verdicts: &'a Verdicts,
}

/// The value of one champ in one row of a block (never of an annotation
/// privée, as in `upsert_champs`).
const VALEUR_LIGNE: &str = concat!(
    "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at, a_verifier, erreur_verification, donnees, confirme) \
    SELECT $1, $2, $3, $4, $5, $6, FALSE, NULL, NULL, FALSE WHERE NOT EXISTS (",
    annotation!("$1", "$3"),
    ") ON CONFLICT (dossier_id, stream, stable_id, row_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
);

/// Writes the value of champ `stable_id` in row `row` (a file champ's
/// value follows its files). A row the block does not list yet (added on
/// a page not saved) is harmless: reads go through the block's list, and
/// the next save of the rows deletes it if the row was dropped.
pub async fn ecrire_valeur_ligne(
    c: Conn<'_>,
    id: DossierId,
    stream: Stream,
    stable_id: StableId,
    row: &str,
    valeur: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on!(c, c => sqlx::query(VALEUR_LIGNE).bind(id.0).bind(stream.as_str()).bind(stable_id.0).bind(row).bind(valeur)
        .bind(now).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn ecrire_lignes(
    mut c: Conn<'_>,
    id: DossierId,
    stream: Stream,
    lignes: LignesEcrites<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if lignes.blocs.is_empty() {
        return Ok(());
    }
    // The block's list is written like any answer (never over an
    // annotation privée, as in `upsert_champs`).
    const BLOC: &str = concat!(
        "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at, a_verifier, erreur_verification, donnees, confirme) \
        SELECT $1, $2, $3, '', $4, $5, FALSE, NULL, NULL, FALSE WHERE NOT EXISTS (",
        annotation!("$1", "$3"),
        ") ON CONFLICT (dossier_id, stream, stable_id, row_id) DO UPDATE SET value = excluded.value, \
        updated_at = excluded.updated_at"
    );
    // The rows of annotations privées are the instructeurs': never listed
    // nor deleted here.
    const EXISTANTES: &str = concat!(
        "SELECT DISTINCT row_id FROM champs WHERE dossier_id = $1 AND stream = $2 AND row_id <> '' AND NOT EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    const RETIRER: &str = concat!(
        "DELETE FROM champs WHERE dossier_id = $1 AND stream = $2 AND row_id = $3 AND NOT EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let gardees: std::collections::HashSet<&str> =
        lignes.blocs.iter().flat_map(|(_, rows)| rows.iter().map(String::as_str)).collect();
    on!(c.reborrow(), c => {
        for (bloc, rows) in lignes.blocs {
            let liste = serde_json::to_string(rows).unwrap_or_else(|_| "[]".to_string());
            sqlx::query(BLOC).bind(id.0).bind(stream.as_str()).bind(bloc.0).bind(liste).bind(now)
                .execute(&mut *c).await?;
        }
        let existantes: Vec<String> =
            sqlx::query_scalar(EXISTANTES).bind(id.0).bind(stream.as_str()).fetch_all(&mut *c).await?;
        for row in existantes.iter().filter(|r| !gardees.contains(r.as_str())) {
            sqlx::query(RETIRER).bind(id.0).bind(stream.as_str()).bind(row).execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    let valeurs: Vec<(StableId, &str, Option<&str>)> = lignes
        .valeurs
        .iter()
        .filter(|(_, row, _)| gardees.contains(row.as_str()))
        .map(|(champ, row, valeur)| (*champ, row.as_str(), valeur.as_deref()))
        .collect();
    upsert_reponses(c, id, stream, &valeurs, lignes.verdicts, now).await
}

/// Where a plugin check of a champ stands, when it is not simply done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The plugin could not answer yet; a job will ask again.
    EnAttente,
    /// The plugin answered later that the value is not valid (its message).
    Refusee(String),
}

/// A champ waiting for its plugin check (`champ_a_verifier`).
#[derive(Debug, sqlx::FromRow)]
pub struct ChampAVerifier {
    pub value: String,
    pub type_champ: String,
    pub libelle: String,
    /// The type de champ's options (JSON): the plugin's settings of this
    /// champ are among them.
    pub options: String,
    pub demarche_id: i64,
}

/// An answer waiting for its plugin check: its value and its type de
/// champ (in the dossier's revision). `None` when there is nothing to
/// check any more (checked since, changed by the usager, its row removed,
/// dossier deleted).
pub async fn champ_a_verifier(c: Conn<'_>, id: DossierId, slot: &Slot) -> StoreResult<Option<ChampAVerifier>> {
    const SQL: &str = "SELECT ch.value, t.type_champ, t.libelle, t.options, d.demarche_id FROM champs ch \
        JOIN dossiers d ON d.id = ch.dossier_id \
        JOIN types_de_champ t ON t.revision_id = d.revision_id AND t.stable_id = ch.stable_id \
        WHERE ch.dossier_id = $1 AND ch.stream = $2 AND ch.stable_id = $3 AND ch.row_id = $4 \
        AND ch.a_verifier = TRUE AND ch.value IS NOT NULL";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(MAIN_STREAM).bind(slot.champ.0).bind(slot.row_id())
        .fetch_optional(&mut *c).await)?)
}

/// Records a late plugin answer, only if the value is still the one that was
/// checked (the usager may have changed it meanwhile; that write carries its
/// own check). `Ok((normalized, donnees))` stores the plugin's normalized
/// value and what it found about it.
pub async fn resoudre_verification(
    c: Conn<'_>,
    id: DossierId,
    slot: &Slot,
    checked: &str,
    result: Result<(&str, Option<&str>), &str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE champs SET value = $1, erreur_verification = $2, a_verifier = FALSE, updated_at = $3, \
        donnees = $8 WHERE dossier_id = $4 AND stream = $5 AND stable_id = $6 AND row_id = $9 AND a_verifier = TRUE \
        AND value = $7";
    let (value, error, donnees) = match result {
        Ok((normalized, donnees)) => (normalized, None, donnees),
        Err(message) => (checked, Some(message), None),
    };
    let n = on!(c, c => sqlx::query(SQL).bind(value).bind(error).bind(now).bind(id.0).bind(MAIN_STREAM)
        .bind(slot.champ.0).bind(checked).bind(donnees).bind(slot.row_id()).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What plugins attached to the usager's champs of a dossier (JSON objects).
pub async fn donnees(c: Conn<'_>, id: DossierId) -> StoreResult<HashMap<StableId, String>> {
    const SQL: &str = concat!(
        "SELECT stable_id, donnees FROM champs WHERE dossier_id = $1 AND stream = $2 AND row_id = '' \
        AND donnees IS NOT NULL AND NOT EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let rows: Vec<(i64, String)> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(MAIN_STREAM).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(|(s, v)| (StableId(s), v)).collect())
}

/// A dossier's answers as its reading pages show them, read in one
/// statement: values, the rows of blocks, and for each answer (top-level
/// or in a row) what plugins found, where deferred checks stand and the
/// confirmed données (annotations privées left out).
#[derive(Debug, Default)]
pub struct Reponses {
    pub champs: HashMap<StableId, String>,
    /// `(champ, row id, value)`.
    pub valeurs_lignes: Vec<(StableId, String, String)>,
    pub donnees: HashMap<Slot, String>,
    pub verifications: HashMap<Slot, Verification>,
    pub confirmes: Vec<Slot>,
}

type ReponseRow = (i64, String, Option<String>, Option<String>, bool, Option<String>, bool);

pub async fn reponses(c: Conn<'_>, id: DossierId, stream: Stream) -> StoreResult<Reponses> {
    const SQL: &str = concat!(
        "SELECT stable_id, row_id, value, donnees, a_verifier, erreur_verification, confirme FROM champs \
        WHERE dossier_id = $1 AND stream = $2 AND NOT EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let rows: Vec<ReponseRow> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(stream.as_str()).fetch_all(&mut *c).await)?;
    let mut r = Reponses::default();
    for (stable_id, row_id, value, donnees, a_verifier, erreur, confirme) in rows {
        let champ = StableId(stable_id);
        let slot = Slot::stocke(champ, &row_id);
        if let Some(value) = value {
            if row_id.is_empty() {
                r.champs.insert(champ, value);
            } else {
                r.valeurs_lignes.push((champ, row_id, value));
            }
        }
        if let Some(donnees) = donnees {
            r.donnees.insert(slot.clone(), donnees);
        }
        match erreur {
            Some(message) if !a_verifier => {
                r.verifications.insert(slot.clone(), Verification::Refusee(message));
            }
            _ if a_verifier => {
                r.verifications.insert(slot.clone(), Verification::EnAttente);
            }
            _ => {}
        }
        if confirme {
            r.confirmes.push(slot);
        }
    }
    Ok(r)
}

/// The usager's answers: every value but the annotations privées.
pub async fn champs(c: Conn<'_>, id: DossierId, stream: Stream) -> StoreResult<HashMap<StableId, String>> {
    const SQL: &str = concat!(
        "SELECT stable_id, value FROM champs WHERE dossier_id = $1 AND stream = $2 AND row_id = '' \
        AND value IS NOT NULL AND NOT EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let rows: Vec<(i64, String)> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(stream.as_str()).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(|(s, v)| (StableId(s), v)).collect())
}

/// The values of the annotations privées of a dossier, for instructeurs.
pub async fn annotations(c: Conn<'_>, id: DossierId) -> StoreResult<HashMap<StableId, String>> {
    const SQL: &str = concat!(
        "SELECT stable_id, value FROM champs WHERE dossier_id = $1 AND stream = $2 AND row_id = '' \
        AND value IS NOT NULL AND EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let rows: Vec<(i64, String)> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(MAIN_STREAM).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(|(s, v)| (StableId(s), v)).collect())
}

/// The values of the rows of a dossier's annotation blocks: `(champ, row
/// id, value)`, for instructeurs.
pub async fn annotations_lignes(c: Conn<'_>, id: DossierId) -> StoreResult<Vec<(StableId, String, String)>> {
    const SQL: &str = concat!(
        "SELECT stable_id, row_id, value FROM champs WHERE dossier_id = $1 AND stream = $2 \
        AND row_id <> '' AND value IS NOT NULL AND EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let rows: Vec<(i64, String, String)> =
        on!(c, c => sqlx::query_as(SQL).bind(id.0).bind(MAIN_STREAM).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(|(s, r, v)| (StableId(s), r, v)).collect())
}

/// Writes an annotation block's rows as an instructeur left them: its
/// list of row ids, the values of its champs in those rows, and deletes
/// the values of its rows no longer listed. `NotFound` when `bloc` or one
/// of `valeurs`' champs is no annotation of the dossier's revision.
pub async fn ecrire_lignes_annotation(
    c: Conn<'_>,
    id: DossierId,
    bloc: StableId,
    rows: &[String],
    valeurs: &[(StableId, String, Option<String>)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const VALEUR: &str = concat!(
        "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at, a_verifier, erreur_verification, donnees, confirme) \
        SELECT $1, $2, $3, $4, $5, $6, FALSE, NULL, NULL, FALSE WHERE EXISTS (",
        annotation!("$1", "$3"),
        ") ON CONFLICT (dossier_id, stream, stable_id, row_id) DO UPDATE SET value = excluded.value, \
        updated_at = excluded.updated_at"
    );
    const ANCIENNES: &str =
        "SELECT value FROM champs WHERE dossier_id = $1 AND stream = $2 AND stable_id = $3 AND row_id = ''";
    const RETIRER: &str = concat!(
        "DELETE FROM champs WHERE dossier_id = $1 AND stream = $2 AND row_id = $3 AND EXISTS (",
        annotation!("champs.dossier_id", "champs.stable_id"),
        ")"
    );
    let liste = serde_json::to_string(rows).unwrap_or_else(|_| "[]".to_string());
    // `false` as soon as one write is refused (not an annotation): the
    // caller's transaction, dropped on the error, undoes the others.
    let ecrites = on!(c, c => 'ecrire: {
        let anciennes: Option<Option<String>> =
            sqlx::query_scalar(ANCIENNES).bind(id.0).bind(MAIN_STREAM).bind(bloc.0).fetch_optional(&mut *c).await?;
        let n = sqlx::query(VALEUR).bind(id.0).bind(MAIN_STREAM).bind(bloc.0).bind("").bind(&liste).bind(now)
            .execute(&mut *c).await?.rows_affected();
        if n == 0 {
            break 'ecrire false;
        }
        let anciennes = crate::domain::champ::repetition::ids_stockes(anciennes.flatten().as_deref());
        for row in anciennes.iter().filter(|r| !rows.contains(r)) {
            sqlx::query(RETIRER).bind(id.0).bind(MAIN_STREAM).bind(row).execute(&mut *c).await?;
        }
        for (champ, row, valeur) in valeurs.iter().filter(|(_, r, _)| rows.contains(r)) {
            let n = sqlx::query(VALEUR).bind(id.0).bind(MAIN_STREAM).bind(champ.0).bind(row).bind(valeur.as_deref())
                .bind(now).execute(&mut *c).await?.rows_affected();
            if n == 0 {
                break 'ecrire false;
            }
        }
        true
    });
    if ecrites { Ok(()) } else { Err(StoreError::NotFound) }
}

/// Writes the value of one annotation privée (None clears); `NotFound` when
/// `stable_id` is no annotation of the dossier's revision (an usager's
/// answer is never written this way).
pub async fn upsert_annotation(
    c: Conn<'_>,
    id: DossierId,
    stable_id: StableId,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str = concat!(
        "INSERT INTO champs (dossier_id, stream, stable_id, row_id, value, updated_at, a_verifier, erreur_verification, donnees, confirme) \
        SELECT $1, $2, $3, '', $4, $5, FALSE, NULL, NULL, FALSE WHERE EXISTS (",
        annotation!("$1", "$3"),
        ") ON CONFLICT (dossier_id, stream, stable_id, row_id) DO UPDATE SET value = excluded.value, \
        updated_at = excluded.updated_at"
    );
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(MAIN_STREAM).bind(stable_id.0).bind(value).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TraitementRow {
    pub etat: String,
    pub auteur_email: String,
    pub motivation: Option<String>,
    pub processed_at: DateTime<Utc>,
}

pub async fn insert_traitement(
    c: Conn<'_>,
    id: DossierId,
    etat: EtatDossier,
    auteur_email: &str,
    motivation: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO traitements (dossier_id, etat, auteur_email, motivation, processed_at) VALUES ($1, $2, $3, $4, $5)";
    on!(c, c => sqlx::query(SQL).bind(id.0).bind(etat.as_str()).bind(auteur_email).bind(motivation).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn traitements(c: Conn<'_>, id: DossierId) -> StoreResult<Vec<TraitementRow>> {
    const SQL: &str =
        "SELECT etat, auteur_email, motivation, processed_at FROM traitements WHERE dossier_id = $1 ORDER BY id";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

pub async fn suivre(c: Conn<'_>, id: DossierId, instructeur: InstructeurId, now: DateTime<Utc>) -> StoreResult<()> {
    const SQL: &str =
        "INSERT INTO suivis (instructeur_id, dossier_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    on!(c, c => sqlx::query(SQL).bind(instructeur.0).bind(id.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn ne_plus_suivre(c: Conn<'_>, id: DossierId, instructeur: InstructeurId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM suivis WHERE instructeur_id = $1 AND dossier_id = $2";
    on!(c, c => sqlx::query(SQL).bind(instructeur.0).bind(id.0).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// E-mails of the instructeurs following a dossier.
pub async fn suiveurs(c: Conn<'_>, id: DossierId) -> StoreResult<Vec<(i64, String)>> {
    const SQL: &str = "SELECT i.id, c.email FROM suivis s JOIN instructeurs i ON i.id = s.instructeur_id \
        JOIN comptes c ON c.id = i.compte_id WHERE s.dossier_id = $1 ORDER BY c.email";
    Ok(on!(c, c => sqlx::query_as(SQL).bind(id.0).fetch_all(&mut *c).await)?)
}

/// Records why the dossier went to its groupe.
pub async fn routage_explication(c: Conn<'_>, id: DossierId) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT routage_explication FROM dossiers WHERE id = $1";
    let value: Option<Option<String>> = on!(c, c => sqlx::query_scalar(SQL).bind(id.0).fetch_optional(&mut *c).await)?;
    Ok(value.flatten())
}
