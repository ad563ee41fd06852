//! The `attestation` extension point: an attestation plugin renders the
//! certificate of a decided dossier, as a PDF.

use wasmtime::Store;

use super::PluginHost;
use super::bindings::Pre;
use super::bindings::v0_2::attestation::exports::guichet::plugin::attestation as wit;
use super::bindings::v0_2::champ::guichet::plugin::types;
use super::bindings::v0_2::json;
use super::call::Call;
use super::error::{GuestError, PluginError, bad};
use super::limits::{
    MAX_DOCUMENT_BYTES, MAX_OPTIONS_BYTES, MAX_TEMPLATE_IMAGE_BYTES, MAX_URL_BYTES, check_input_size, check_snapshot,
};
use super::manifest::ExtensionPoint;
use super::model::{AttestationDocument, AttestationTemplate, DossierSnapshot, PluginInfo};
use super::sandbox::GuestState;

impl PluginHost {
    /// Renders the attestation of `dossier` with the attestation plugin
    /// `plugin_id`.
    pub async fn render_attestation(
        &self,
        plugin_id: &str,
        dossier: &DossierSnapshot,
        template: &AttestationTemplate,
        verification_url: &str,
        options_json: &str,
    ) -> Result<AttestationDocument, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::Attestation)?;
        check_snapshot(&plugin.info.id, dossier)?;
        let template_bytes = template.titre.len()
            + template.corps.len()
            + template.pied_de_page.len()
            + template.entete.iter().map(String::len).sum::<usize>();
        check_input_size(&plugin.info.id, "template", template_bytes, MAX_OPTIONS_BYTES)?;
        for image in template.logo.iter().chain(&template.signature) {
            check_input_size(&plugin.info.id, "template image", image.data.len(), MAX_TEMPLATE_IMAGE_BYTES)?;
        }
        check_input_size(&plugin.info.id, "verification URL", verification_url.len(), MAX_URL_BYTES)?;
        let call = Render { dossier, template, verification_url, options: options_json };
        self.guarded(&plugin, options_json, call).await
    }
}

/// `render`.
struct Render<'a> {
    dossier: &'a DossierSnapshot,
    template: &'a AttestationTemplate,
    verification_url: &'a str,
    options: &'a str,
}

impl Call for Render<'_> {
    const NAME: &'static str = "render";
    type Answer = AttestationDocument;
    type Output = AttestationDocument;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<AttestationDocument, GuestError>> {
        let Pre::Attestation(pre) = pre else {
            return Err(pre.lacks(Self::NAME));
        };
        store.data_mut().en_instruction_le = self.dossier.en_instruction_le.clone();
        let instance = pre.instantiate_async(&mut *store).await?;
        let guest = instance.guichet_plugin_attestation();
        let dossier = types::Dossier::from(self.dossier);
        let template = wit::Template::from(self.template);
        let answer =
            guest.call_render(&mut *store, &dossier, &template, self.verification_url, &json(self.options)).await?;
        Ok(answer.map(AttestationDocument::from).map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, document: AttestationDocument) -> Result<AttestationDocument, PluginError> {
        if document.data.len() > MAX_DOCUMENT_BYTES {
            return Err(bad(&plugin.id, format!("document is {} bytes", document.data.len())));
        }
        if document.media_type != "application/pdf" || !document.data.starts_with(b"%PDF-") {
            return Err(bad(&plugin.id, format!("document is not a PDF ({:?})", document.media_type)));
        }
        if !is_plain_filename(&document.filename) {
            return Err(bad(&plugin.id, format!("file name {:?} is not a plain .pdf name", document.filename)));
        }
        Ok(document)
    }
}

/// `attestation-dossier-42.pdf`: no directory, no control character, short.
fn is_plain_filename(name: &str) -> bool {
    (5..=128).contains(&name.len())
        && name.ends_with(".pdf")
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestation_file_names_are_plain() {
        assert!(is_plain_filename("attestation-dossier-42.pdf"));
        for name in ["../x.pdf", "a/b.pdf", ".pdf", "x.exe", "x\ny.pdf", "x y.pdf"] {
            assert!(!is_plain_filename(name), "{name}");
        }
    }
}
