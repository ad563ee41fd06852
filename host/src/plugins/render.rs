//! The `document` host interface: WIT documents rendered to PDF by
//! `guichet-document`, on the blocking pool (a page takes milliseconds of
//! CPU: never on a runtime worker).

use super::bindings::v0_2::attestation::guichet::plugin::document as wit;
use super::bindings::v0_2::champ::guichet::plugin::types::PluginError;

pub async fn render_pdf(doc: wit::Document) -> Result<Vec<u8>, PluginError> {
    let doc = document(doc);
    let rendered = tokio::task::spawn_blocking(move || guichet_document::render_pdf(&doc))
        .await
        .map_err(|error| PluginError::Internal(format!("renderer task failed: {error}")))?;
    rendered.map_err(|error| match error {
        guichet_document::DocumentError::Render(reason) => PluginError::Internal(reason),
        other => PluginError::InvalidInput(other.to_string()),
    })
}

fn document(doc: wit::Document) -> guichet_document::Document {
    guichet_document::Document {
        title: doc.title,
        lang: doc.lang,
        logo: doc.logo.map(image),
        header_lines: doc.header_lines,
        body: doc.body.into_iter().map(block).collect(),
        signature: doc.signature.map(image),
        footer: doc.footer,
    }
}

fn block(block: wit::Block) -> guichet_document::Block {
    match block {
        wit::Block::Heading(text) => guichet_document::Block::Heading(text),
        wit::Block::Paragraph(text) => guichet_document::Block::Paragraph(text),
        wit::Block::KeyValues(rows) => guichet_document::Block::KeyValues(rows),
        wit::Block::Image(i) => guichet_document::Block::Image(image(i)),
        wit::Block::QrCode(qr) => {
            guichet_document::Block::QrCode(guichet_document::QrCode { data: qr.data, legend: qr.legend })
        }
        wit::Block::Spacer(mm) => guichet_document::Block::Spacer(mm),
    }
}

fn image(i: wit::Image) -> guichet_document::Image {
    guichet_document::Image { media_type: i.media_type, data: i.data, alt: i.alt, width_mm: i.width_mm }
}
