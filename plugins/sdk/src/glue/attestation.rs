//! Adapters of the `attestation` export and the `document` import.

use super::{dossier, plugin_error};
use crate::bindings::attestation::exports::guichet::plugin::attestation as wit;
use crate::bindings::attestation::guichet::plugin::document as wit_document;
use crate::bindings::type_de_champ::guichet::plugin::types::{Dossier, PluginError};
use crate::document::Image;
use crate::{Attestation, Description, Fichier, Options, Template};

pub use wit::Guest;

pub fn describe<T: Attestation + ?Sized>() -> wit::Description {
    let Description { id, libelle, description, version, options_schema, .. } = T::describe();
    wit::Description { id, version, libelle, description, options_schema }
}

pub fn render<T: Attestation + ?Sized>(
    wit_dossier: Dossier,
    template: wit::Template,
    verification_url: String,
    options: String,
) -> Result<wit::AttestationDocument, PluginError> {
    let wit::Template { titre, corps, pied_de_page, entete, logo, signature } = template;
    let template =
        Template { titre, corps, pied_de_page, entete, logo: logo.map(image), signature: signature.map(image) };
    let Fichier { media_type, filename, data } =
        T::render(&dossier(wit_dossier), &template, &verification_url, &Options::new(options)).map_err(plugin_error)?;
    Ok(wit::AttestationDocument { media_type, filename, data })
}

fn image(image: wit_document::Image) -> Image {
    let wit_document::Image { media_type, data, alt, width_mm } = image;
    Image { media_type, data, alt, width_mm }
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn render_pdf(document: &crate::document::Document) -> Result<Vec<u8>, crate::PluginError> {
    use crate::document::Block;

    let to_wit = |image: &Image| wit_document::Image {
        media_type: image.media_type.clone(),
        data: image.data.clone(),
        alt: image.alt.clone(),
        width_mm: image.width_mm,
    };
    let body = document
        .body
        .iter()
        .map(|block| match block {
            Block::Heading(text) => wit_document::Block::Heading(text.clone()),
            Block::Paragraph(text) => wit_document::Block::Paragraph(text.clone()),
            Block::KeyValues(rows) => wit_document::Block::KeyValues(rows.clone()),
            Block::Image(image) => wit_document::Block::Image(to_wit(image)),
            Block::QrCode(code) => wit_document::Block::QrCode(wit_document::QrCode {
                data: code.data.clone(),
                legend: code.legend.clone(),
            }),
            Block::Spacer(millimetres) => wit_document::Block::Spacer(*millimetres),
        })
        .collect();
    let document = wit_document::Document {
        title: document.title.clone(),
        lang: document.lang.clone(),
        logo: document.logo.as_ref().map(to_wit),
        header_lines: document.header_lines.clone(),
        body,
        signature: document.signature.as_ref().map(to_wit),
        footer: document.footer.clone(),
    };
    wit_document::render_pdf(&document).map_err(super::from_wit_plugin_error)
}
