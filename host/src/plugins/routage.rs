//! The `routage` extension point: a routing rule picks the groupe
//! instructeur that receives a dossier at dépôt.

use wasmtime::Store;

use super::PluginHost;
use super::bindings::Pre;
use super::bindings::v0_2::champ::guichet::plugin::types;
use super::bindings::v0_2::json;
use super::bindings::v0_2::routage::exports::guichet::plugin::routage as wit;
use super::call::Call;
use super::error::{GuestError, PluginError, bad};
use super::limits::{MAX_GROUPES, MAX_REASON_BYTES, check_input_size, check_snapshot};
use super::manifest::ExtensionPoint;
use super::model::{DossierSnapshot, GroupeSnapshot, PluginInfo, RoutageDecision};
use super::sandbox::GuestState;

impl PluginHost {
    /// Asks the routing rule `plugin_id` which of `groupes` receives
    /// `dossier`. The caller falls back to the default groupe on `Err`.
    pub async fn route(
        &self,
        plugin_id: &str,
        dossier: &DossierSnapshot,
        groupes: &[GroupeSnapshot],
        options_json: &str,
    ) -> Result<RoutageDecision, PluginError> {
        let plugin = self.plugin_providing(plugin_id, ExtensionPoint::Routage)?;
        check_snapshot(&plugin.info.id, dossier)?;
        check_input_size(&plugin.info.id, "groupes", groupes.len(), MAX_GROUPES)?;
        self.guarded(&plugin, options_json, Route { dossier, groupes, options: options_json }).await
    }
}

/// `route`.
struct Route<'a> {
    dossier: &'a DossierSnapshot,
    groupes: &'a [GroupeSnapshot],
    options: &'a str,
}

impl Call for Route<'_> {
    const NAME: &'static str = "route";
    type Answer = RoutageDecision;
    type Output = RoutageDecision;

    async fn invoke(
        &self,
        store: &mut Store<GuestState>,
        pre: &Pre,
    ) -> wasmtime::Result<Result<RoutageDecision, GuestError>> {
        let Pre::Routage(pre) = pre else {
            return Err(pre.lacks(Self::NAME));
        };
        store.data_mut().en_instruction_le = self.dossier.en_instruction_le.clone();
        let instance = pre.instantiate_async(&mut *store).await?;
        let guest = instance.guichet_plugin_routage();
        let groupes: Vec<wit::Groupe> = self.groupes.iter().map(wit::Groupe::from).collect();
        let dossier = types::Dossier::from(self.dossier);
        let answer = guest.call_route(&mut *store, &dossier, &groupes, &json(self.options)).await?;
        Ok(answer.map(RoutageDecision::from).map_err(GuestError::from))
    }

    fn check(&self, plugin: &PluginInfo, decision: RoutageDecision) -> Result<RoutageDecision, PluginError> {
        if decision.groupe.is_some_and(|chosen| !self.groupes.iter().any(|g| g.id == chosen)) {
            return Err(bad(&plugin.id, "chose a groupe that was not offered".to_owned()));
        }
        if decision.explication.len() > MAX_REASON_BYTES {
            return Err(bad(&plugin.id, format!("explication is {} bytes", decision.explication.len())));
        }
        Ok(decision)
    }
}
