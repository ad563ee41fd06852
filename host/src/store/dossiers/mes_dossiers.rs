//! « Mes dossiers »: one usager's dossiers by tab, searched and a page at
//! a time, and their corbeille.

use super::DossierRow;
use crate::domain::compte::Usager;
use crate::domain::{CompteId, DossierId};
use crate::store::{Conn, StoreResult};
use chrono::{DateTime, Utc};

/// The usager's tabs, as in the original platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OngletUsager {
    /// Brouillons, en construction and en instruction.
    EnCours,
    /// Decided.
    Traites,
    /// Other usagers' dossiers they were invited to complete.
    Invites,
    /// Put in the corbeille by the usager.
    Corbeille,
}

impl OngletUsager {
    pub const ALL: [OngletUsager; 4] = [Self::EnCours, Self::Traites, Self::Invites, Self::Corbeille];

    pub fn slug(self) -> &'static str {
        match self {
            Self::EnCours => "en-cours",
            Self::Traites => "traites",
            Self::Invites => "invites",
            Self::Corbeille => "corbeille",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.slug() == s)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Self::EnCours => "En cours",
            Self::Traites => "Traités",
            Self::Invites => "Invités",
            Self::Corbeille => "Corbeille",
        }
    }
}

/// What the usager searches: a dossier number, or words in the démarche's
/// title or in their answers (annotations privées excluded: they are the
/// administration's).
#[derive(Clone, Debug, Default)]
pub struct Recherche {
    /// Empty: no search.
    texte: String,
    numero: Option<i64>,
}

impl Recherche {
    pub fn new(saisie: &str) -> Self {
        let texte = saisie.trim();
        let numero = texte.trim_start_matches(['n', 'N', '°', 'º', ' ']).parse::<i64>().ok().filter(|n| *n > 0);
        Recherche { texte: texte.to_lowercase(), numero }
    }

    pub fn est_vide(&self) -> bool {
        self.texte.is_empty()
    }

    /// The LIKE pattern, its wildcards escaped: a `%` typed is a `%`.
    fn motif(&self) -> String {
        let mut motif = String::with_capacity(self.texte.len() + 2);
        motif.push('%');
        for ch in self.texte.chars() {
            if matches!(ch, '%' | '_' | '\\') {
                motif.push('\\');
            }
            motif.push(ch);
        }
        motif.push('%');
        motif
    }
}

/// The search, as a condition on `d` and `m`: $2 the text ('' for none),
/// $3 the number (0 for none), $4 the pattern.
macro_rules! recherche {
    () => {
        "($2 = '' OR d.id = $3 OR LOWER(m.libelle) LIKE $4 ESCAPE '\\' OR EXISTS (\
           SELECT 1 FROM champs ch JOIN types_de_champ t ON t.revision_id = d.revision_id \
           AND t.stable_id = ch.stable_id AND t.prive = FALSE \
           WHERE ch.dossier_id = d.id AND ch.stream = 'main' AND LOWER(ch.value) LIKE $4 ESCAPE '\\'))"
    };
}

macro_rules! en_cours {
    () => {
        "d.corbeille_usager_at IS NULL AND d.etat IN ('brouillon', 'en_construction', 'en_instruction')"
    };
}

macro_rules! traites {
    () => {
        "d.corbeille_usager_at IS NULL AND d.etat IN ('accepte', 'refuse', 'sans_suite')"
    };
}

/// A tab's page, with the search (`$2`…`$4`) or without: without, the
/// condition is left out of the statement, not short-circuited in it (a
/// planner still runs the subquery for every row).
macro_rules! page {
    ($ou:expr, $ordre:literal) => {
        [
            select_dossier!(concat!($ou, " AND ", recherche!(), " ORDER BY ", $ordre, " LIMIT $5 OFFSET $6")),
            select_dossier!(concat!($ou, " ORDER BY ", $ordre, " LIMIT $5 OFFSET $6")),
        ]
    };
}

/// One page of a tab: `limit` dossiers after the first `offset`, most
/// recently updated first (the corbeille: most recently deleted first).
/// Invitations are matched on the compte's address.
pub async fn list_for_usager(
    c: Conn<'_>,
    usager: &Usager,
    onglet: OngletUsager,
    recherche: &Recherche,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<DossierRow>> {
    const EN_COURS: [&str; 2] =
        page!(concat!("WHERE d.compte_id = $1 AND ", en_cours!()), "d.updated_at DESC, d.id DESC");
    const TRAITES: [&str; 2] =
        page!(concat!("WHERE d.compte_id = $1 AND ", traites!()), "d.updated_at DESC, d.id DESC");
    const INVITES: [&str; 2] = page!(
        "JOIN invitations i ON i.dossier_id = d.id AND i.email = $7 \
         WHERE d.compte_id <> $1 AND d.corbeille_usager_at IS NULL",
        "d.updated_at DESC, d.id DESC"
    );
    const CORBEILLE: [&str; 2] =
        page!("WHERE d.compte_id = $1 AND d.corbeille_usager_at IS NOT NULL", "d.corbeille_usager_at DESC, d.id DESC");
    let variantes = match onglet {
        OngletUsager::EnCours => EN_COURS,
        OngletUsager::Traites => TRAITES,
        OngletUsager::Invites => INVITES,
        OngletUsager::Corbeille => CORBEILLE,
    };
    let sql = variantes[usize::from(recherche.est_vide())];
    let motif = recherche.motif();
    Ok(on!(c, c => sqlx::query_as(sql).bind(usager.compte_id.0).bind(&recherche.texte)
        .bind(recherche.numero.unwrap_or(0)).bind(&motif).bind(limit).bind(offset).bind(&usager.email)
        .fetch_all(&mut *c).await)?)
}

/// How many dossiers each tab holds, the search applied.
#[derive(Clone, Copy, Debug, Default, sqlx::FromRow)]
pub struct CompteursUsager {
    pub en_cours: i64,
    pub traites: i64,
    /// Counted apart (through the invitations' index).
    #[sqlx(default)]
    pub invites: i64,
    pub corbeille: i64,
}

impl CompteursUsager {
    pub fn de(&self, onglet: OngletUsager) -> i64 {
        match onglet {
            OngletUsager::EnCours => self.en_cours,
            OngletUsager::Traites => self.traites,
            OngletUsager::Invites => self.invites,
            OngletUsager::Corbeille => self.corbeille,
        }
    }
}

pub async fn compteurs_usager(c: Conn<'_>, usager: &Usager, recherche: &Recherche) -> StoreResult<CompteursUsager> {
    let mut c = c;
    macro_rules! compteurs {
        ($depuis:expr) => {
            concat!(
                "SELECT COALESCE(SUM(CASE WHEN ",
                en_cours!(),
                " THEN 1 ELSE 0 END), 0) AS en_cours, COALESCE(SUM(CASE WHEN ",
                traites!(),
                " THEN 1 ELSE 0 END), 0) AS traites, \
                 COALESCE(SUM(CASE WHEN d.corbeille_usager_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS corbeille ",
                $depuis
            )
        };
    }
    // Without a search, the counts read only the index on (compte, état,
    // corbeille): no row, no démarche.
    const SQL: [&str; 2] = [
        compteurs!(concat!(
            "FROM dossiers d JOIN demarches m ON m.id = d.demarche_id WHERE d.compte_id = $1 AND ",
            recherche!()
        )),
        compteurs!("FROM dossiers d WHERE d.compte_id = $1"),
    ];
    const INVITES: [&str; 2] = [
        concat!(
            "SELECT COUNT(*) FROM invitations i JOIN dossiers d ON d.id = i.dossier_id \
             JOIN demarches m ON m.id = d.demarche_id \
             WHERE i.email = $1 AND d.compte_id <> $5 AND d.corbeille_usager_at IS NULL AND ",
            recherche!()
        ),
        "SELECT COUNT(*) FROM invitations i JOIN dossiers d ON d.id = i.dossier_id \
         WHERE i.email = $1 AND d.compte_id <> $5 AND d.corbeille_usager_at IS NULL",
    ];
    let variante = usize::from(recherche.est_vide());
    let motif = recherche.motif();
    let mut compteurs: CompteursUsager = on!(c.reborrow(), c => sqlx::query_as(SQL[variante]).bind(usager.compte_id.0)
        .bind(&recherche.texte).bind(recherche.numero.unwrap_or(0)).bind(&motif).fetch_one(&mut *c).await)?;
    compteurs.invites = on!(c, c => sqlx::query_scalar(INVITES[variante]).bind(&usager.email).bind(&recherche.texte)
        .bind(recherche.numero.unwrap_or(0)).bind(&motif).bind(usager.compte_id.0).fetch_one(&mut *c).await)?;
    Ok(compteurs)
}

/// Puts the usager's dossier in their corbeille, unless it is en
/// instruction (checked again here: an instructeur may have moved it since
/// it was read). `false` when the guard failed.
pub async fn mettre_en_corbeille(
    c: Conn<'_>,
    id: DossierId,
    usager: CompteId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE dossiers SET corbeille_usager_at = $3 WHERE id = $1 AND compte_id = $2 \
        AND corbeille_usager_at IS NULL AND etat <> 'en_instruction'";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(usager.0).bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Takes the dossier out of the corbeille if it is still there and was put
/// there after `depuis` (a dossier terminé: at any time).
pub async fn restaurer(c: Conn<'_>, id: DossierId, usager: CompteId, depuis: DateTime<Utc>) -> StoreResult<bool> {
    const SQL: &str = "UPDATE dossiers SET corbeille_usager_at = NULL WHERE id = $1 AND compte_id = $2 \
        AND corbeille_usager_at IS NOT NULL \
        AND (etat IN ('accepte', 'refuse', 'sans_suite') OR corbeille_usager_at > $3)";
    let n = on!(c, c => sqlx::query(SQL).bind(id.0).bind(usager.0).bind(depuis).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Deletes at most `limit` brouillons and dossiers en construction put in
/// the corbeille at or before `avant`, and returns them (for the caller to
/// delete their files after commit). Dossiers terminé stay: the
/// administration keeps them.
pub async fn supprimer_corbeille_echue(c: Conn<'_>, avant: DateTime<Utc>, limit: i64) -> StoreResult<Vec<DossierId>> {
    const SQL: &str = "DELETE FROM dossiers WHERE id IN (SELECT id FROM dossiers \
        WHERE corbeille_usager_at IS NOT NULL AND corbeille_usager_at <= $1 \
        AND etat IN ('brouillon', 'en_construction') ORDER BY corbeille_usager_at LIMIT $2) RETURNING id";
    let ids: Vec<i64> = on!(c, c => sqlx::query_scalar(SQL).bind(avant).bind(limit).fetch_all(&mut *c).await)?;
    Ok(ids.into_iter().map(DossierId).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_searched_as_a_number_and_as_text() {
        let r = Recherche::new("  n° 1234 ");
        assert_eq!(r.numero, Some(1234));
        assert_eq!(r.texte, "n° 1234");
        assert_eq!(Recherche::new("Permis").numero, None);
        assert_eq!(Recherche::new("").texte, "");
    }

    #[test]
    fn wildcards_typed_are_matched_literally() {
        assert_eq!(Recherche::new("50%_a\\b").motif(), "%50\\%\\_a\\\\b%");
        assert_eq!(Recherche::new("ÉCOLE").motif(), "%école%");
    }
}
