//! The `rendez-vous` extension point: a plugin proposes appointments on an
//! appointment service (RDV Service Public) and lists those booked.

use wasmtime::Store;

use super::PluginHost;
use super::bindings::Pre;
use super::bindings::v0_2::champ::guichet::plugin::types;
use super::bindings::v0_2::json;
use super::bindings::v0_2::rendez_vous::exports::guichet::plugin::rendez_vous as wit;
use super::call::Call;
use super::error::{GuestError, PluginError, bad};
use super::limits::{
    MAX_CONTACT_BYTES, MAX_REFERENCE_BYTES, MAX_RENDEZ_VOUS, MAX_URL_BYTES, check_input_size, check_snapshot,
};
use super::manifest::ExtensionPoint;
use super::model::{DossierSnapshot, PluginInfo, PropositionRendezVous, RendezVous, UsagerContact};
use super::sandbox::GuestState;

impl PluginHost {
    /// Creates an appointment proposal for `dossier` on the service behind
    /// the rendez-vous plugin `plugin_id`.
    #[allow(clippy::too_many_arguments, reason = "mirrors the WIT function")]
    pub async fn propose_rendez_vous(
        &self,
        plugin_id: &str,
        dossier: &DossierSnapshot,
        instructeur_email: &str,
        usager: &UsagerContact,
        url_dossier: &str,
        url_retour: &str,
        options_json: &str,
    ) -> Result<PropositionRendezVous, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::RendezVous)?;
        check_snapshot(&plugin.info.id, dossier)?;
        let contact = instructeur_email.len()
            + usager.email.len()
            + usager.nom.as_ref().map_or(0, String::len)
            + usager.prenom.as_ref().map_or(0, String::len);
        check_input_size(&plugin.info.id, "contacts", contact, MAX_CONTACT_BYTES)?;
        check_input_size(&plugin.info.id, "URLs", url_dossier.len() + url_retour.len(), 2 * MAX_URL_BYTES)?;
        let call = Propose { dossier, instructeur_email, usager, url_dossier, url_retour, options: options_json };
        self.guarded(&plugin, options_json, call).await
    }

    /// The appointments booked under a proposal, soonest first.
    pub async fn list_rendez_vous(
        &self,
        plugin_id: &str,
        reference: &str,
        options_json: &str,
    ) -> Result<Vec<RendezVous>, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::RendezVous)?;
        check_input_size(&plugin.info.id, "reference", reference.len(), MAX_REFERENCE_BYTES)?;
        self.guarded(&plugin, options_json, ListRendezVous { reference, options: options_json }).await
    }
}

/// A rendez-vous guest, instantiated.
async fn rendez_vous_guest(
    store: &mut Store<GuestState>,
    pre: &Pre,
    function: &'static str,
) -> wasmtime::Result<super::bindings::v0_2::rendez_vous::RendezVousPlugin> {
    match pre {
        Pre::RendezVous(pre) => pre.instantiate_async(store).await,
        other => Err(other.lacks(function)),
    }
}

/// `propose`.
struct Propose<'a> {
    dossier: &'a DossierSnapshot,
    instructeur_email: &'a str,
    usager: &'a UsagerContact,
    url_dossier: &'a str,
    url_retour: &'a str,
    options: &'a str,
}

impl Call for Propose<'_> {
    const NAME: &'static str = "propose";
    type Answer = PropositionRendezVous;
    type Output = PropositionRendezVous;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<PropositionRendezVous, GuestError>> {
        let instance = rendez_vous_guest(store, pre, Self::NAME).await?;
        store.data_mut().en_instruction_le = self.dossier.en_instruction_le.clone();
        let guest = instance.guichet_plugin_rendez_vous();
        let dossier = types::Dossier::from(self.dossier);
        let instructeur = wit::Instructeur { email: self.instructeur_email.to_owned() };
        let usager = wit::Usager::from(self.usager);
        let answer = guest
            .call_propose(
                &mut *store,
                &dossier,
                &instructeur,
                &usager,
                self.url_dossier,
                self.url_retour,
                &json(self.options),
            )
            .await?;
        Ok(answer.map(PropositionRendezVous::from).map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, p: PropositionRendezVous) -> Result<PropositionRendezVous, PluginError> {
        if p.reference.is_empty() || p.reference.len() > MAX_REFERENCE_BYTES {
            return Err(bad(&plugin.id, "reference empty or too long".to_owned()));
        }
        if !is_https_or_http_url(&p.url_reservation) {
            return Err(bad(&plugin.id, "url-reservation is not an http(s) URL".to_owned()));
        }
        Ok(p)
    }
}

/// `list-rendez-vous`.
struct ListRendezVous<'a> {
    reference: &'a str,
    options: &'a str,
}

impl Call for ListRendezVous<'_> {
    const NAME: &'static str = "list-rendez-vous";
    type Answer = Vec<RendezVous>;
    type Output = Vec<RendezVous>;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<Vec<RendezVous>, GuestError>> {
        let instance = rendez_vous_guest(store, pre, Self::NAME).await?;
        let guest = instance.guichet_plugin_rendez_vous();
        let answer = guest.call_list_rendez_vous(&mut *store, self.reference, &json(self.options)).await?;
        Ok(answer.map(|list| list.into_iter().map(RendezVous::from).collect()).map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, list: Vec<RendezVous>) -> Result<Vec<RendezVous>, PluginError> {
        if list.len() > MAX_RENDEZ_VOUS {
            return Err(bad(&plugin.id, format!("{} rendez-vous", list.len())));
        }
        // Links a page will offer: http(s) only, others dropped.
        let mut rendez_vous: Vec<RendezVous> = list
            .into_iter()
            .map(|r| RendezVous {
                url_visio: r.url_visio.filter(|url| is_https_or_http_url(url)),
                url_gestion: r.url_gestion.filter(|url| is_https_or_http_url(url)),
                ..r
            })
            .collect();
        if rendez_vous.iter().any(|r| chrono::DateTime::parse_from_rfc3339(&r.commence_le).is_err()) {
            return Err(bad(&plugin.id, "commence-le is not an RFC 3339 instant".to_owned()));
        }
        rendez_vous.sort_by_key(|r| chrono::DateTime::parse_from_rfc3339(&r.commence_le).ok());
        Ok(rendez_vous)
    }
}

fn is_https_or_http_url(url: &str) -> bool {
    url.len() <= MAX_URL_BYTES && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
}
