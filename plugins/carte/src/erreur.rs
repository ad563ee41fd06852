//! A problem the usager can fix, with its stable code and French message.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erreur {
    /// Stable kebab-case code the host and the API may react to.
    pub code: &'static str,
    /// French sentence shown next to the champ.
    pub message: String,
}

impl Erreur {
    pub fn new(code: &'static str, message: impl Into<String>) -> Erreur {
        Erreur { code, message: message.into() }
    }
}
