//! Why a plugin operation failed, and what each failure says about the
//! plugin (for its circuit breaker) and about the value (retry later or not).

use super::health::Verdict;
use super::limits::MAX_REASON_BYTES;
use super::manifest::{ExtensionPoint, SUPPORTED_WIT, WitVersion};
use super::sandbox::truncate;

/// A failure the plugin itself reported (the WIT `plugin-error`). Messages are
/// technical English from the plugin, for logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuestError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("upstream unavailable: {0}")]
    UpstreamUnavailable(String),
    #[error("misconfigured: {0}")]
    Misconfigured(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a plugin operation failed. Display texts are technical English; the
/// caller chooses what the usager sees.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("no plugin provides champ type {0:?}")]
    UnknownType(String),
    #[error("plugin host setup failed: {0}")]
    Setup(String),
    #[error("cannot load plugin {plugin}: {reason}")]
    Load { plugin: String, reason: String },
    #[error("plugin {plugin} targets {wit:?}, which this host does not support (supported: {supported})", supported = supported_wit_list())]
    UnsupportedWit { plugin: String, wit: String },
    #[error("plugin {plugin} exceeded its CPU deadline")]
    DeadlineExceeded { plugin: String },
    #[error("plugin {plugin} did not answer within its wall-clock timeout")]
    TimedOut { plugin: String },
    #[error("plugin {plugin} exceeded its memory limit")]
    MemoryExceeded { plugin: String },
    #[error("plugin {plugin} trapped: {reason}")]
    Trap { plugin: String, reason: String },
    #[error("plugin {plugin} failed: {error}")]
    Guest { plugin: String, error: GuestError },
    #[error("plugin {plugin} broke its contract: {reason}")]
    BadAnswer { plugin: String, reason: String },
    #[error("{what} for plugin {plugin} is {bytes} bytes, more than the {max} allowed")]
    InputTooLarge { plugin: String, what: &'static str, bytes: usize, max: usize },
    #[error("options for plugin {plugin} are invalid: {reason}")]
    InvalidOptions { plugin: String, reason: String },
    #[error("too many concurrent plugin calls, {plugin} not called")]
    Busy { plugin: String },
    /// The plugin does not provide what was asked (for example routing with
    /// a champ-type plugin).
    #[error("plugin {plugin} provides {provides}, not {wanted}")]
    WrongExtensionPoint { plugin: String, provides: ExtensionPoint, wanted: ExtensionPoint },
    /// The circuit breaker is open: the plugin failed repeatedly and is not
    /// called until its pause is over.
    #[error("plugin {plugin} is degraded after repeated failures, not called")]
    Degraded { plugin: String },
}

fn supported_wit_list() -> String {
    SUPPORTED_WIT.iter().map(WitVersion::to_string).collect::<Vec<_>>().join(", ")
}

impl PluginError {
    /// Short label for logs and metrics.
    pub(super) fn outcome(&self) -> &'static str {
        match self {
            PluginError::UnknownType(_) => "unknown_type",
            PluginError::Setup(_) => "setup",
            PluginError::Load { .. } => "load",
            PluginError::UnsupportedWit { .. } => "unsupported_wit",
            PluginError::DeadlineExceeded { .. } => "deadline_exceeded",
            PluginError::TimedOut { .. } => "timed_out",
            PluginError::MemoryExceeded { .. } => "memory_exceeded",
            PluginError::Trap { .. } => "trap",
            PluginError::Guest { .. } => "guest_error",
            PluginError::BadAnswer { .. } => "bad_answer",
            PluginError::InputTooLarge { .. } => "input_too_large",
            PluginError::InvalidOptions { .. } => "invalid_options",
            PluginError::Busy { .. } => "busy",
            PluginError::Degraded { .. } => "degraded",
            PluginError::WrongExtensionPoint { .. } => "wrong_extension_point",
        }
    }

    /// Whether asking again later may succeed: the value is then kept and
    /// checked by a job instead of blocking the usager. An unknown type, a
    /// value too large or bad options will fail the same way every time.
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            PluginError::UnknownType(_)
                | PluginError::InputTooLarge { .. }
                | PluginError::InvalidOptions { .. }
                | PluginError::WrongExtensionPoint { .. }
                | PluginError::Guest { error: GuestError::InvalidInput(_), .. }
        )
    }

    /// What this error says about the plugin, for its circuit breaker. A
    /// deadline, a trap, a broken answer or an internal error is the
    /// plugin's fault; what the host refused before running it is not.
    pub(super) fn verdict(&self) -> Verdict {
        match self {
            PluginError::DeadlineExceeded { .. }
            | PluginError::TimedOut { .. }
            | PluginError::MemoryExceeded { .. }
            | PluginError::Trap { .. }
            | PluginError::BadAnswer { .. } => Verdict::Faulty(self.to_string()),
            PluginError::Guest { error: GuestError::InvalidInput(_), .. } => Verdict::Healthy,
            // The administrateur's or operator's settings, not the plugin.
            PluginError::Guest { error: GuestError::Misconfigured(_), .. } => Verdict::Neutral,
            PluginError::Guest { .. } => Verdict::Faulty(self.to_string()),
            PluginError::UnknownType(_)
            | PluginError::Setup(_)
            | PluginError::Load { .. }
            | PluginError::UnsupportedWit { .. }
            | PluginError::InputTooLarge { .. }
            | PluginError::InvalidOptions { .. }
            | PluginError::Busy { .. }
            | PluginError::WrongExtensionPoint { .. }
            | PluginError::Degraded { .. } => Verdict::Neutral,
        }
    }
}

impl GuestError {
    /// The guest's own message, cut to [`MAX_REASON_BYTES`]: it goes to logs
    /// and API errors, and a plugin must not flood them.
    pub(super) fn cut(reason: String) -> String {
        truncate(&reason, MAX_REASON_BYTES).to_owned()
    }
}

/// A broken answer: the plugin's fault, counted by its circuit breaker.
pub(super) fn bad(plugin: &str, reason: String) -> PluginError {
    PluginError::BadAnswer { plugin: plugin.to_owned(), reason }
}

/// A function the plugin's world does not export. Calls are routed by
/// extension point and capability before they reach a guest, so this is a
/// host bug; it is reported as a broken answer, never as a trap.
#[derive(Debug, thiserror::Error)]
#[error("its world ({world}) has no {function}")]
pub(super) struct NotInWorld {
    pub function: &'static str,
    pub world: &'static str,
}

/// The cause first (wasmtime puts it after a backtrace that can be longer
/// than the cap), then as much of the backtrace as fits.
pub(super) fn trap_reason(error: &wasmtime::Error) -> String {
    let cause = match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => error.root_cause().to_string(),
    };
    let full = format!("{error:#}");
    let reason = if full.starts_with(&cause) { full } else { format!("{cause} — {full}") };
    truncate(&reason, MAX_REASON_BYTES).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_wit_error_lists_supported_versions() {
        let error = PluginError::UnsupportedWit { plugin: "siret".to_owned(), wit: "guichet:plugin@9.0.0".to_owned() };
        assert_eq!(
            error.to_string(),
            "plugin siret targets \"guichet:plugin@9.0.0\", which this host does not support (supported: guichet:plugin@0.1.0, guichet:plugin@0.2.1)"
        );
    }
}
