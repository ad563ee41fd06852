//! What one plugin call may take from the host, and how much it may send
//! and receive. Every bound names the threat it stops.

use std::time::Duration;

use super::error::PluginError;
use super::manifest::RequestedLimits;
use super::model::DossierSnapshot;
use super::sandbox::EPOCH_TICK;

/// Concurrent plugin calls per host when not configured. Each call may hold
/// up to `memory_bytes` of guest memory plus a 2 MiB fiber stack, so this
/// bounds plugin memory at 64 × (32 + 2) MiB with the default limits, and
/// sizes the pooling allocator.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 64;

/// One plugin may use at most 1/4 of the host's concurrent calls (16 of the
/// default 64): a plugin whose calls all hit their deadline (a dead upstream,
/// a loop) then holds a quarter of the slots, and the others still run.
pub const PLUGIN_SHARE_DIVISOR: usize = 4;

/// Largest `.wasm` file loaded. Compilation time and memory grow with the
/// component; 32 MiB leaves room for interpreted-language components (about
/// 18 MB for Python) while refusing anything absurd before Cranelift sees it.
pub const MAX_COMPONENT_BYTES: u64 = 32 * 1024 * 1024;

/// Largest value sent to `validate`. Champ values are typed by usagers into a
/// form; the cap stops a crafted request from making every plugin copy
/// megabytes into its memory.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Largest options JSON sent to `validate` (set by administrateurs): bounds
/// what a démarche's settings make every call copy into guest memory.
pub const MAX_OPTIONS_BYTES: usize = 256 * 1024;

/// Largest answer accepted from a plugin (normalized value, or all field
/// errors together, or the description). Answers are stored with dossiers
/// and shown in pages: a plugin must not be able to bloat either.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Bytes kept of a guest error or trap message. They go to logs and API
/// errors, never to usagers; the cap stops a plugin flooding either.
pub(crate) const MAX_REASON_BYTES: usize = 1_000;

/// Largest rendered attestation accepted from a plugin: a few pages with a
/// logo weigh a few hundred kilobytes; this stops a plugin filling the
/// storage with one dossier.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// Most autocomplete proposals asked for and accepted: a list longer than
/// this is unusable on a phone and costs the upstream API for nothing.
pub const MAX_SUGGESTIONS: u32 = 20;

/// Shortest autocomplete query sent to a plugin: shorter ones match too
/// much to be useful and would hit upstream APIs at every keystroke.
pub const MIN_SUGGEST_QUERY_CHARS: usize = 3;

/// Wall-clock cap of one `suggest` call, whatever the plugin asks for: the
/// usager is typing, a late answer is a useless answer, and a slow upstream
/// must not hold call slots for the plugin's whole budget.
pub const SUGGEST_WALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Champs and groupes sent to a routing rule, attestation or rendez-vous
/// plugin: a form has at most a few hundred champs; the cap bounds what a
/// crafted démarche makes the host copy into guest memory.
pub const MAX_SNAPSHOT_CHAMPS: usize = 2_000;
pub const MAX_GROUPES: usize = 1_000;

/// Bytes of a dossier snapshot (all values and données together), for the
/// same reason.
pub const MAX_SNAPSHOT_BYTES: usize = 4 * 1024 * 1024;

/// Largest image sent with an attestation template (logo, signature): what
/// one call copies into guest memory and back into the PDF.
pub const MAX_TEMPLATE_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// Most export columns of one champ: a spreadsheet stays readable, and a
/// plugin cannot make every export row megabytes wide.
pub const MAX_EXPORT_COLUMNS: usize = 32;

/// Longest URL the host passes to a plugin (its own links: verification
/// page, dossier page); browsers and servers stop around 2–8 KB.
pub const MAX_URL_BYTES: usize = 2_048;

/// E-mail addresses and names of a rendez-vous proposal, all together: real
/// ones are a few dozen bytes, a crafted compte must not weigh more.
pub const MAX_CONTACT_BYTES: usize = 1_024;

/// Longest appointment reference kept with a dossier: it is stored and sent
/// back to the plugin, so a plugin cannot bloat rows with it.
pub const MAX_REFERENCE_BYTES: usize = 256;

/// Most appointments listed for one proposal: a page shows them all.
pub const MAX_RENDEZ_VOUS: usize = 50;

/// Per-call resource limits of one plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginLimits {
    /// CPU time a call may spend in guest code, enforced by epoch
    /// interruption with a resolution of [`EPOCH_TICK`]: the guest is stopped
    /// between `cpu_deadline - EPOCH_TICK` and `cpu_deadline` of running time.
    pub cpu_deadline: Duration,
    /// Wall-clock time for the whole call (instantiation, guest code, host
    /// calls, waiting for a worker thread). Epochs do not advance while the
    /// guest waits on the host, this does.
    pub wall_timeout: Duration,
    /// Linear memory of one call, all memories of the instance together.
    pub memory_bytes: usize,
}

impl PluginLimits {
    /// The most any plugin may ask for in its manifest, unless the host was
    /// built with larger defaults. Bounds what one call can take from the
    /// machine: 2 s of a core, 256 MiB of memory (an interpreted guest needs
    /// about 12 MiB to start, so this leaves it room to work).
    pub const CEILING: PluginLimits = PluginLimits {
        cpu_deadline: Duration::from_secs(2),
        wall_timeout: Duration::from_secs(10),
        memory_bytes: 256 * 1024 * 1024,
    };

    /// Component-wise maximum.
    pub(super) fn max(self, other: PluginLimits) -> PluginLimits {
        PluginLimits {
            cpu_deadline: self.cpu_deadline.max(other.cpu_deadline),
            wall_timeout: self.wall_timeout.max(other.wall_timeout),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    /// What a plugin asking for `requested` gets: its requests, the host's
    /// defaults for the rest. `Err` names the first request over `ceiling`.
    pub(super) fn grant(self, requested: RequestedLimits, ceiling: PluginLimits) -> Result<PluginLimits, String> {
        let granted = PluginLimits {
            cpu_deadline: requested.cpu.unwrap_or(self.cpu_deadline),
            wall_timeout: requested.wall.unwrap_or(self.wall_timeout),
            memory_bytes: requested.memory_bytes.unwrap_or(self.memory_bytes),
        };
        if granted.cpu_deadline > ceiling.cpu_deadline {
            return Err(format!(
                "asks for {:?} of CPU per call, this host allows {:?}",
                granted.cpu_deadline, ceiling.cpu_deadline
            ));
        }
        if granted.wall_timeout > ceiling.wall_timeout {
            return Err(format!(
                "asks for {:?} per call, this host allows {:?}",
                granted.wall_timeout, ceiling.wall_timeout
            ));
        }
        if granted.memory_bytes > ceiling.memory_bytes {
            return Err(format!(
                "asks for {} MiB per call, this host allows {} MiB",
                granted.memory_bytes >> 20,
                ceiling.memory_bytes >> 20
            ));
        }
        Ok(granted)
    }
}

impl Default for PluginLimits {
    /// Fit for a champ's `validate`: a SIRET check takes about 5k wasm
    /// instructions and 1 MiB of memory.
    fn default() -> Self {
        Self {
            cpu_deadline: Duration::from_millis(50),
            wall_timeout: Duration::from_secs(1),
            memory_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Epoch ticks in `cpu`, at least one.
pub(super) fn epoch_ticks(cpu: Duration) -> u64 {
    u64::try_from(cpu.as_nanos().div_ceil(EPOCH_TICK.as_nanos()).max(1)).unwrap_or(u64::MAX)
}

/// Refuses an input of `bytes` (or items) over `max` before the plugin runs.
pub(super) fn check_input_size(plugin: &str, what: &'static str, bytes: usize, max: usize) -> Result<(), PluginError> {
    if bytes > max {
        return Err(PluginError::InputTooLarge { plugin: plugin.to_owned(), what, bytes, max });
    }
    Ok(())
}

/// A dossier sent to a plugin: bounded in champs and in bytes.
pub(super) fn check_snapshot(plugin: &str, dossier: &DossierSnapshot) -> Result<(), PluginError> {
    check_input_size(plugin, "champs", dossier.champs.len(), MAX_SNAPSHOT_CHAMPS)?;
    let bytes: usize = dossier
        .champs
        .iter()
        .map(|c| c.libelle.len() + c.valeur.as_ref().map_or(0, String::len) + c.donnees.as_ref().map_or(0, String::len))
        .sum();
    check_input_size(plugin, "dossier", bytes, MAX_SNAPSHOT_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_get_what_they_ask_for_up_to_the_ceiling() {
        let defaults = PluginLimits::default();
        let ceiling = PluginLimits::CEILING;
        assert_eq!(defaults.grant(RequestedLimits::default(), ceiling), Ok(defaults));
        let python =
            RequestedLimits { cpu: Some(Duration::from_millis(500)), wall: None, memory_bytes: Some(128 << 20) };
        let granted = defaults.grant(python, ceiling).unwrap();
        assert_eq!(granted.cpu_deadline, Duration::from_millis(500));
        assert_eq!(granted.wall_timeout, defaults.wall_timeout);
        assert_eq!(granted.memory_bytes, 128 << 20);
        let greedy = RequestedLimits { memory_bytes: Some(1 << 30), ..RequestedLimits::default() };
        let refusal = defaults.grant(greedy, ceiling).unwrap_err();
        assert!(refusal.contains("1024 MiB") && refusal.contains("256 MiB"), "{refusal}");
        assert_eq!(epoch_ticks(Duration::ZERO), 1);
    }
}
