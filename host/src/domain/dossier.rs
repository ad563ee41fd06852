//! The dossier state machine: brouillon → en_construction → en_instruction →
//! accepte | refuse | sans_suite, and the ways back.
//!
//! Every transition is a pure function from (state, action) to a new state;
//! the workflow layer records it as a Traitement.

use serde::Serialize;

pub mod corbeille;
pub mod modifications;
pub mod preremplissage;
pub mod transfert;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EtatDossier {
    Brouillon,
    EnConstruction,
    EnInstruction,
    Accepte,
    Refuse,
    SansSuite,
}

impl EtatDossier {
    pub const ALL: [EtatDossier; 6] =
        [Self::Brouillon, Self::EnConstruction, Self::EnInstruction, Self::Accepte, Self::Refuse, Self::SansSuite];

    /// The stored and API name (same as the original platform).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brouillon => "brouillon",
            Self::EnConstruction => "en_construction",
            Self::EnInstruction => "en_instruction",
            Self::Accepte => "accepte",
            Self::Refuse => "refuse",
            Self::SansSuite => "sans_suite",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The label shown to people.
    pub fn libelle(self) -> &'static str {
        match self {
            Self::Brouillon => "Brouillon",
            Self::EnConstruction => "En construction",
            Self::EnInstruction => "En instruction",
            Self::Accepte => "Accepté",
            Self::Refuse => "Refusé",
            Self::SansSuite => "Classé sans suite",
        }
    }

    /// Accepté, refusé or classé sans suite: a decision was taken.
    pub fn is_termine(self) -> bool {
        matches!(self, Self::Accepte | Self::Refuse | Self::SansSuite)
    }

    /// The usager may still change the answers.
    pub fn is_modifiable_par_usager(self) -> bool {
        matches!(self, Self::Brouillon | Self::EnConstruction)
    }
}

impl fmt::Display for EtatDossier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.libelle())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionDossier {
    Deposer,
    PasserEnInstruction,
    RepasserEnConstruction,
    Accepter,
    Refuser,
    ClasserSansSuite,
    RepasserEnInstruction,
}

impl ActionDossier {
    pub const ALL: [ActionDossier; 7] = [
        Self::Deposer,
        Self::PasserEnInstruction,
        Self::RepasserEnConstruction,
        Self::Accepter,
        Self::Refuser,
        Self::ClasserSansSuite,
        Self::RepasserEnInstruction,
    ];

    /// What the action does, as a French infinitive phrase for messages.
    pub fn libelle(self) -> &'static str {
        match self {
            Self::Deposer => "déposer",
            Self::PasserEnInstruction => "passer en instruction",
            Self::RepasserEnConstruction => "repasser en construction",
            Self::Accepter => "accepter",
            Self::Refuser => "refuser",
            Self::ClasserSansSuite => "classer sans suite",
            Self::RepasserEnInstruction => "repasser en instruction",
        }
    }

    /// "de déposer", "d'accepter": the infinitive with its elided preposition.
    pub fn avec_de(self) -> String {
        let verbe = self.libelle();
        if verbe.starts_with(['a', 'e', 'i', 'o', 'u']) { format!("d'{verbe}") } else { format!("de {verbe}") }
    }

    /// Refusing or closing without follow-up must be explained to the usager.
    pub fn exige_motivation(self) -> bool {
        matches!(self, Self::Refuser | Self::ClasserSansSuite)
    }

    pub fn accepte_motivation(self) -> bool {
        matches!(self, Self::Accepter | Self::Refuser | Self::ClasserSansSuite)
    }
}

/// A motivation is a letter to the usager, not a document: this bounds what
/// one request can make us store and e-mail.
pub const MOTIVATION_MAX_CHARS: usize = 5_000;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Impossible {} un dossier « {} ».", .action.avec_de(), .from.libelle().to_lowercase())]
    NotAllowed { from: EtatDossier, action: ActionDossier },
    #[error("Une motivation est obligatoire pour {} le dossier.", .action.libelle())]
    MotivationRequired { action: ActionDossier },
    #[error("La motivation ne doit pas dépasser {MOTIVATION_MAX_CHARS} caractères.")]
    MotivationTooLong,
    #[error(
        "La motivation contient un caractère invisible non autorisé (caractère de contrôle). Retapez le texte plutôt que de le coller."
    )]
    MotivationCaractereInterdit,
}

/// The outcome of an allowed transition: the new state and the cleaned-up
/// motivation to record (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub to: EtatDossier,
    pub motivation: Option<String>,
}

pub fn transition(
    from: EtatDossier,
    action: ActionDossier,
    motivation: Option<&str>,
) -> Result<Transition, TransitionError> {
    use ActionDossier as A;
    use EtatDossier as E;
    let to = match (from, action) {
        (E::Brouillon, A::Deposer) => E::EnConstruction,
        (E::EnConstruction, A::PasserEnInstruction) => E::EnInstruction,
        (E::EnInstruction, A::RepasserEnConstruction) => E::EnConstruction,
        (E::EnInstruction, A::Accepter) => E::Accepte,
        (E::EnInstruction, A::Refuser) => E::Refuse,
        (E::EnInstruction, A::ClasserSansSuite) => E::SansSuite,
        (E::Accepte | E::Refuse | E::SansSuite, A::RepasserEnInstruction) => E::EnInstruction,
        _ => return Err(TransitionError::NotAllowed { from, action }),
    };
    let motivation =
        motivation.map(str::trim).filter(|m| !m.is_empty() && action.accepte_motivation()).map(str::to_string);
    if action.exige_motivation() && motivation.is_none() {
        return Err(TransitionError::MotivationRequired { action });
    }
    if motivation.as_ref().is_some_and(|m| m.chars().count() > MOTIVATION_MAX_CHARS) {
        return Err(TransitionError::MotivationTooLong);
    }
    if motivation.as_deref().is_some_and(crate::domain::champ::contient_caractere_interdit) {
        return Err(TransitionError::MotivationCaractereInterdit);
    }
    Ok(Transition { to, motivation })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionDossier as A;
    use EtatDossier as E;

    /// The complete table of allowed transitions; everything else is refused.
    const ALLOWED: [(E, A, E); 9] = [
        (E::Brouillon, A::Deposer, E::EnConstruction),
        (E::EnConstruction, A::PasserEnInstruction, E::EnInstruction),
        (E::EnInstruction, A::RepasserEnConstruction, E::EnConstruction),
        (E::EnInstruction, A::Accepter, E::Accepte),
        (E::EnInstruction, A::Refuser, E::Refuse),
        (E::EnInstruction, A::ClasserSansSuite, E::SansSuite),
        (E::Accepte, A::RepasserEnInstruction, E::EnInstruction),
        (E::Refuse, A::RepasserEnInstruction, E::EnInstruction),
        (E::SansSuite, A::RepasserEnInstruction, E::EnInstruction),
    ];

    #[test]
    fn every_pair_of_state_and_action_is_allowed_exactly_when_listed() {
        for from in E::ALL {
            for action in A::ALL {
                let expected = ALLOWED.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                let got = transition(from, action, Some("motif"));
                match expected {
                    Some(to) => assert_eq!(got.map(|t| t.to), Ok(to), "{from:?} {action:?}"),
                    None => assert_eq!(
                        got,
                        Err(TransitionError::NotAllowed { from, action }),
                        "{from:?} {action:?} must be refused"
                    ),
                }
            }
        }
    }

    #[test]
    fn refusal_and_sans_suite_require_a_motivation_acceptance_does_not() {
        for action in [A::Refuser, A::ClasserSansSuite] {
            assert_eq!(transition(E::EnInstruction, action, None), Err(TransitionError::MotivationRequired { action }));
            assert_eq!(
                transition(E::EnInstruction, action, Some("   ")),
                Err(TransitionError::MotivationRequired { action })
            );
        }
        let t = transition(E::EnInstruction, A::Accepter, None).unwrap();
        assert_eq!(t, Transition { to: E::Accepte, motivation: None });
        let t = transition(E::EnInstruction, A::Accepter, Some("  Bravo  ")).unwrap();
        assert_eq!(t.motivation.as_deref(), Some("Bravo"));
    }

    #[test]
    fn motivation_with_control_characters_is_refused() {
        let t = transition(E::EnInstruction, A::Refuser, Some("Pièce\u{0} manquante"));
        assert_eq!(t, Err(TransitionError::MotivationCaractereInterdit));
        let t = transition(E::EnInstruction, A::Refuser, Some("Pièce manquante.\nCordialement"));
        assert_eq!(t.map(|t| t.motivation), Ok(Some("Pièce manquante.\nCordialement".into())));
    }

    #[test]
    fn motivation_is_dropped_where_it_means_nothing_and_bounded_where_it_does() {
        let t = transition(E::EnConstruction, A::PasserEnInstruction, Some("x")).unwrap();
        assert_eq!(t.motivation, None);
        let long = "a".repeat(MOTIVATION_MAX_CHARS + 1);
        assert_eq!(transition(E::EnInstruction, A::Refuser, Some(&long)), Err(TransitionError::MotivationTooLong));
    }

    #[test]
    fn messages_are_french_and_name_the_state() {
        let err = transition(E::Brouillon, A::Accepter, None).unwrap_err();
        assert_eq!(err.to_string(), "Impossible d'accepter un dossier « brouillon ».");
        let err = transition(E::EnInstruction, A::Deposer, None).unwrap_err();
        assert_eq!(err.to_string(), "Impossible de déposer un dossier « en instruction ».");
    }

    #[test]
    fn states_round_trip_through_their_stored_names() {
        for e in E::ALL {
            assert_eq!(E::parse(e.as_str()), Some(e));
        }
        assert_eq!(E::parse("publie"), None);
        assert!(E::Accepte.is_termine() && !E::EnInstruction.is_termine());
        assert!(E::EnConstruction.is_modifiable_par_usager());
        assert!(!E::EnInstruction.is_modifiable_par_usager());
    }
}
