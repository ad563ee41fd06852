//! Groupes instructeurs: the teams a démarche's dossiers are shared between.
//! Every démarche has a default groupe; routing rules send dossiers to the
//! others, and an instructeur only sees the dossiers of their groupes.

use crate::domain::validation::{Erreurs, texte_requis};

/// Longer names would wrap the instructeur's lists and the routing table's
/// lines; the original platform has no tighter rule.
pub const GROUPE_LIBELLE_MAX: usize = 200;

/// Trims and checks a groupe's name. Routing tables refer to a groupe by
/// its name or by `#id`, so a name cannot start with `#`.
pub fn valider_libelle(libelle: &str) -> Result<String, Erreurs> {
    let mut e = Erreurs::new();
    let libelle = texte_requis(&mut e, "libelle", "Nom du groupe", libelle, GROUPE_LIBELLE_MAX);
    if e.is_empty() && libelle.starts_with('#') {
        e.add("libelle", "Le nom d'un groupe ne peut pas commencer par « # » : ce signe désigne un numéro de groupe dans les tables de routage.");
    }
    if e.is_empty() && libelle.chars().any(char::is_control) {
        e.add("libelle", "Le nom du groupe ne peut pas contenir de retour à la ligne ni de caractère de contrôle.");
    }
    e.into_result().map(|()| libelle)
}

/// Why a groupe cannot be deleted, if it cannot.
pub fn suppression_impossible(defaut: bool, dossiers: i64) -> Option<&'static str> {
    if defaut {
        Some(
            "Le groupe par défaut ne peut pas être supprimé : il reçoit les dossiers que le routage n'attribue à aucun groupe.",
        )
    } else if dossiers > 0 {
        Some("Ce groupe a des dossiers : il ne peut pas être supprimé.")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_required_bounded_and_never_look_like_an_id() {
        assert_eq!(valider_libelle("  Lyon ").as_deref(), Ok("Lyon"));
        let message = |s: &str| valider_libelle(s).unwrap_err().get("libelle").map(str::to_owned).unwrap_or_default();
        assert!(message("   ").contains("doit être rempli"));
        assert!(message(&"x".repeat(GROUPE_LIBELLE_MAX + 1)).contains("200 caractères"));
        assert!(message("#12").contains("« # »"));
        assert!(message("Lyon\nNord").contains("retour à la ligne"));
        assert!(valider_libelle(&"é".repeat(GROUPE_LIBELLE_MAX)).is_ok());
    }

    #[test]
    fn only_an_empty_non_default_groupe_can_be_deleted() {
        assert!(suppression_impossible(true, 0).is_some());
        assert!(suppression_impossible(false, 1).is_some());
        assert_eq!(suppression_impossible(false, 0), None);
    }
}
