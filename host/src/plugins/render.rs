//! The `document` host interface: WIT documents rendered to PDF by
//! `guichet-document`, on the blocking pool (a page takes milliseconds of
//! CPU: never on a runtime worker). The WIT → document conversion lives with
//! the 0.2 bindings.

use super::bindings::v0_2::attestation::guichet::plugin::document as wit;
use super::bindings::v0_2::champ::guichet::plugin::types::PluginError;

pub async fn render_pdf(doc: wit::Document) -> Result<Vec<u8>, PluginError> {
    let doc = guichet_document::Document::from(doc);
    let rendered = tokio::task::spawn_blocking(move || guichet_document::render_pdf(&doc))
        .await
        .map_err(|error| PluginError::Internal(format!("renderer task failed: {error}")))?;
    rendered.map_err(|error| match error {
        guichet_document::DocumentError::Render(reason) => PluginError::Internal(reason),
        other => PluginError::InvalidInput(other.to_string()),
    })
}
