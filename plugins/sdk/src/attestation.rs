//! The attestation extension point (world `attestation-plugin`): the
//! document an usager receives when the dossier is decided.

use crate::document::Image;
use crate::{Description, Dossier, Options, PluginError};

/// An attestation generator. Describe the document with
/// [`Document`](crate::document::Document) and have the host render it with
/// [`document::render_pdf`](crate::document::render_pdf).
pub trait Attestation {
    /// `id`, `version`, labels and the options schema (the other fields of
    /// [`Description`] are ignored).
    fn describe() -> Description;

    /// Renders the attestation of `dossier` with the démarche's `template`.
    /// `verification_url` is the public page where anyone holding the
    /// document checks it is genuine: put it in the document as a QR code.
    fn render(
        dossier: &Dossier,
        template: &Template,
        verification_url: &str,
        options: &Options,
    ) -> Result<Fichier, PluginError>;
}

/// The attestation template the administrateur wrote for the démarche.
///
/// Texts may hold tags between double dashes (`--numéro du dossier--`,
/// `--libellé d'un champ--`…) that the plugin replaces.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Template {
    pub titre: String,
    pub corps: String,
    pub pied_de_page: String,
    /// Lines printed at the top right (service name, address).
    pub entete: Vec<String>,
    pub logo: Option<Image>,
    pub signature: Option<Image>,
}

/// The file given to the usager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fichier {
    /// `application/pdf`.
    pub media_type: String,
    /// File name offered to the usager, without a directory.
    pub filename: String,
    pub data: Vec<u8>,
}

impl Fichier {
    /// A PDF file.
    pub fn pdf(filename: impl Into<String>, data: Vec<u8>) -> Self {
        Fichier { media_type: "application/pdf".to_owned(), filename: filename.into(), data }
    }
}
