//! The attestation template an administrateur writes for a démarche: the
//! texts, with `--balises--` the attestation plugin replaces by the
//! dossier's values, and the rules its images follow.

use crate::domain::validation::{Erreurs, texte_optionnel, texte_requis};
use serde::Serialize;

pub const TITRE_MAX: usize = 200;
/// A page or two of text; the renderer's own bound is far above, so a
/// template that passes here never fails at rendering for its length.
pub const CORPS_MAX: usize = 10_000;
pub const PIED_DE_PAGE_MAX: usize = 500;
/// Per image. The original platform's bound for signatures; a logo or a
/// signature scan fits easily, and every attestation embeds both.
pub const IMAGE_MAX_BYTES: usize = 1024 * 1024;

/// The tags the first-party attestation plugin replaces, for the page's
/// help text (`--libellé du champ--` also works for every champ).
pub const BALISES: [&str; 7] = [
    "numéro du dossier",
    "date de dépôt",
    "date de passage en instruction",
    "date de décision",
    "motivation",
    "libellé démarche",
    "email",
];

/// The texts of a template as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AttestationTemplateInput {
    pub titre: String,
    pub corps: String,
    pub pied_de_page: String,
}

impl AttestationTemplateInput {
    /// The default template, the one the démarche uses until its
    /// administrateur writes one.
    pub fn par_defaut(demarche_libelle: &str, pied_de_page: String) -> Self {
        AttestationTemplateInput {
            titre: format!("Attestation — {demarche_libelle}"),
            corps: "Nous attestons que le dossier n° --numéro du dossier--, déposé le --date de dépôt-- par \
                --email--, a été accepté le --date de décision--.\n\n--motivation--"
                .to_owned(),
            pied_de_page,
        }
    }

    /// Trims and checks every field; the refusal hands back what was typed.
    #[allow(clippy::result_large_err, reason = "the error path re-renders a form; its size costs nothing")]
    pub fn valider(self) -> Result<Self, (Self, Erreurs)> {
        let mut e = Erreurs::new();
        let cleaned = AttestationTemplateInput {
            titre: texte_requis(&mut e, "titre", "Titre", &self.titre, TITRE_MAX),
            corps: texte_requis(&mut e, "corps", "Texte de l'attestation", &self.corps, CORPS_MAX),
            pied_de_page: texte_optionnel(&mut e, "pied_de_page", "Pied de page", &self.pied_de_page, PIED_DE_PAGE_MAX),
        };
        match e.into_result() {
            Ok(()) => Ok(cleaned),
            Err(e) => Err((self, e)),
        }
    }
}

/// The media type of an uploaded image, read from its first bytes (never
/// from the name or the browser's claim), or why it is refused, in French.
pub fn type_image(data: &[u8]) -> Result<&'static str, &'static str> {
    if data.len() > IMAGE_MAX_BYTES {
        Err("L'image ne doit pas dépasser 1 Mo.")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else {
        Err("Le fichier doit être une image PNG ou JPEG.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_needs_a_title_and_a_text_within_bounds() {
        let ok =
            AttestationTemplateInput { titre: " Attestation ".into(), corps: "Texte".into(), pied_de_page: "".into() }
                .valider()
                .unwrap();
        assert_eq!(ok.titre, "Attestation");
        let (kept, e) = AttestationTemplateInput {
            titre: "".into(),
            corps: "x".repeat(CORPS_MAX + 1),
            pied_de_page: "p".repeat(PIED_DE_PAGE_MAX + 1),
        }
        .valider()
        .unwrap_err();
        assert_eq!(kept.corps.len(), CORPS_MAX + 1, "what was typed is handed back");
        let fields: Vec<_> = e.0.iter().map(|e| e.champ.as_str()).collect();
        assert_eq!(fields, ["titre", "corps", "pied_de_page"]);
        let defaut = AttestationTemplateInput::par_defaut("Aide", "Mairie".into());
        assert!(defaut.clone().valider().is_ok());
        assert!(BALISES.iter().all(|b| !defaut.corps.contains(b) || defaut.corps.contains(&format!("--{b}--"))));
    }

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(type_image(b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert_eq!(type_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert!(type_image(b"GIF89a").unwrap_err().contains("PNG ou JPEG"));
        assert!(type_image(b"<svg>").is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(IMAGE_MAX_BYTES + 1, 0);
        assert!(type_image(&big).unwrap_err().contains("1 Mo"));
    }
}
