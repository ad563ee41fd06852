//! Rust bindings for each supported version of the `guichet:plugin` WIT
//! package, generated at compile time from `wit/`, each with its conversions
//! to host types. Older versions stay bound side by side so that plugins
//! built against them keep loading.
//!
//! Imports and exports are async: the guest runs on a fiber that yields to
//! tokio at every epoch tick, so a busy plugin never blocks a runtime worker.

pub mod v0_1;
pub mod v0_2;

use wasmtime::Engine;
use wasmtime::component::{HasSelf, InstancePre, Linker};

use super::error::NotInWorld;
use super::manifest::{ExtensionPoint, WitVersion};
use super::sandbox::GuestState;

/// A compiled plugin ready to instantiate, by world: the extension point
/// it provides and the WIT version it speaks.
pub enum Pre {
    TypeDeChampV1(v0_1::TypeDeChampPluginPre<GuestState>),
    TypeDeChamp(v0_2::champ::TypeDeChampPluginPre<GuestState>),
    Routage(v0_2::routage::RoutagePluginPre<GuestState>),
    Attestation(v0_2::attestation::AttestationPluginPre<GuestState>),
    RendezVous(v0_2::rendez_vous::RendezVousPluginPre<GuestState>),
}

impl Pre {
    /// The world of `point` in `wit`; `Ok(None)` when this host has no such
    /// world (routage in 0.1.0), `Err` when the component does not export it.
    pub fn new(
        wit: WitVersion,
        point: ExtensionPoint,
        instance: InstancePre<GuestState>,
    ) -> wasmtime::Result<Option<Pre>> {
        Ok(Some(match (wit.minor, point) {
            (1, ExtensionPoint::TypeDeChamp) => Pre::TypeDeChampV1(v0_1::TypeDeChampPluginPre::new(instance)?),
            (2, ExtensionPoint::TypeDeChamp) => Pre::TypeDeChamp(v0_2::champ::TypeDeChampPluginPre::new(instance)?),
            (2, ExtensionPoint::Routage) => Pre::Routage(v0_2::routage::RoutagePluginPre::new(instance)?),
            (2, ExtensionPoint::Attestation) => {
                Pre::Attestation(v0_2::attestation::AttestationPluginPre::new(instance)?)
            }
            (2, ExtensionPoint::RendezVous) => Pre::RendezVous(v0_2::rendez_vous::RendezVousPluginPre::new(instance)?),
            _ => return Ok(None),
        }))
    }

    /// The error for a call this world does not export (see [`NotInWorld`]).
    pub fn lacks(&self, function: &'static str) -> wasmtime::Error {
        let world = match self {
            Pre::TypeDeChampV1(_) => "type-de-champ-plugin@0.1.0",
            Pre::TypeDeChamp(_) => "type-de-champ-plugin@0.2",
            Pre::Routage(_) => "routage-plugin@0.2",
            Pre::Attestation(_) => "attestation-plugin@0.2",
            Pre::RendezVous(_) => "rendez-vous-plugin@0.2",
        };
        wasmtime::Error::new(NotInWorld { function, world })
    }
}

/// The linker every plugin is instantiated with: WASI (nothing behind
/// it), `wasi:http` (behind `OutboundHooks`), and the host interfaces of
/// every supported WIT version.
pub fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<GuestState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    v0_1::TypeDeChampPlugin::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    use v0_2::champ::guichet::plugin::{cache, config, log, secrets, types};
    types::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    log::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    config::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    secrets::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    cache::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    v0_2::attestation::guichet::plugin::document::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| state)?;
    v0_2::routage::guichet::plugin::dossier_details::add_to_linker::<_, HasSelf<GuestState>>(&mut linker, |state| {
        state
    })?;
    Ok(linker)
}
