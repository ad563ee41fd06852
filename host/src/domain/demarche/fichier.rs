//! A démarche's own files and what each accepts: the logo shown above its
//! title, the notice usagers download before filing, the text of its
//! cadre juridique.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageFichier {
    Logo,
    Notice,
    CadreJuridique,
}

/// A logo is drawn on every page of the démarche: a larger one only slows
/// usagers on a phone connection.
pub const LOGO_MAX_BYTES: u64 = 1024 * 1024;
/// A notice or a legal text is a document of a few pages; the bound keeps
/// one administrateur from filling the storage.
pub const DOCUMENT_MAX_BYTES: u64 = 20 * 1024 * 1024;

impl UsageFichier {
    pub const TOUS: [UsageFichier; 3] = [Self::Logo, Self::Notice, Self::CadreJuridique];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logo => "logo",
            Self::Notice => "notice",
            Self::CadreJuridique => "cadre_juridique",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::TOUS.into_iter().find(|u| u.as_str() == s)
    }

    pub fn libelle(self) -> &'static str {
        match self {
            Self::Logo => "Logo de la démarche",
            Self::Notice => "Notice explicative",
            Self::CadreJuridique => "Texte du cadre juridique",
        }
    }

    pub fn taille_max(self) -> u64 {
        match self {
            Self::Logo => LOGO_MAX_BYTES,
            Self::Notice | Self::CadreJuridique => DOCUMENT_MAX_BYTES,
        }
    }

    /// The format families (`champ::fichier::FAMILLES`) accepted.
    pub fn familles(self) -> &'static [&'static str] {
        match self {
            Self::Logo => &["image_scan"],
            Self::Notice => &["document_texte", "presentation"],
            Self::CadreJuridique => &["document_texte"],
        }
    }

    /// Whether a file of this media type (read from its bytes) may serve:
    /// a logo must be an image every browser draws (no TIFF, no HEIC).
    pub fn accepte(self, mime: &str) -> bool {
        match self {
            Self::Logo => matches!(mime, "image/png" | "image/jpeg" | "image/webp"),
            Self::Notice | Self::CadreJuridique => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::champ::fichier::famille_connue;

    #[test]
    fn usages_round_trip_and_name_known_families() {
        for u in UsageFichier::TOUS {
            assert_eq!(UsageFichier::parse(u.as_str()), Some(u));
            assert!(u.familles().iter().all(|f| famille_connue(f)), "{u:?}");
        }
        assert!(UsageFichier::Logo.accepte("image/png"));
        assert!(!UsageFichier::Logo.accepte("image/tiff"));
    }
}
