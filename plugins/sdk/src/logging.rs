//! Logging through the host's `log` import.
//!
//! Records land in the server's structured logs, tagged with the plugin's id
//! and version. The host keeps at most 50 records (16 KiB, 1,000 bytes each)
//! per call and drops the rest, so log what matters once, not in a loop.
//!
//! **Never log the values usagers type**, nor anything derived from them:
//! they are personal data.

use std::fmt;

/// Severity of a log record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Records `message` in the server's logs. Never fails and never blocks.
///
/// Outside WebAssembly (native unit tests) the record goes to standard error,
/// which the test harness captures.
///
/// **Never log the values usagers type**: they are personal data.
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use crate::bindings::type_de_champ::guichet::plugin::log as host;
        let level = match level {
            Level::Trace => host::Level::Trace,
            Level::Debug => host::Level::Debug,
            Level::Info => host::Level::Info,
            Level::Warn => host::Level::Warn,
            Level::Error => host::Level::Error,
        };
        host::log(level, message);
    }
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[{level}] {message}");
}

/// What the logging macros call: formats only when the message has arguments.
#[doc(hidden)]
pub fn log_fmt(level: Level, args: fmt::Arguments<'_>) {
    match args.as_str() {
        Some(message) => log(level, message),
        None => log(level, &args.to_string()),
    }
}

/// Logs at [`Level::Trace`], `format!` style: `trace!("{n} rules loaded")`.
///
/// **Never log the values usagers type**: they are personal data.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::__private::log_fmt($crate::Level::Trace, ::core::format_args!($($arg)+))
    };
}

/// Logs at [`Level::Debug`], `format!` style: `debug!("{n} rules loaded")`.
///
/// **Never log the values usagers type**: they are personal data.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::__private::log_fmt($crate::Level::Debug, ::core::format_args!($($arg)+))
    };
}

/// Logs at [`Level::Info`], `format!` style: `info!("option {key} ignored")`.
///
/// **Never log the values usagers type**: they are personal data.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::__private::log_fmt($crate::Level::Info, ::core::format_args!($($arg)+))
    };
}

/// Logs at [`Level::Warn`], `format!` style: `warn!("option {key} is deprecated")`.
///
/// **Never log the values usagers type**: they are personal data.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::__private::log_fmt($crate::Level::Warn, ::core::format_args!($($arg)+))
    };
}

/// Logs at [`Level::Error`], `format!` style: `error!("table has {n} rows, expected {m}")`.
///
/// **Never log the values usagers type**: they are personal data.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::__private::log_fmt($crate::Level::Error, ::core::format_args!($($arg)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_named_like_the_wit_enum() {
        assert!(Level::Trace < Level::Debug && Level::Warn < Level::Error);
        let names: Vec<_> =
            [Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error].map(Level::as_str).to_vec();
        assert_eq!(names, ["trace", "debug", "info", "warn", "error"]);
    }

    #[test]
    fn macros_accept_format_arguments_natively() {
        let rules = 3;
        crate::trace!("plain message");
        crate::debug!("{rules} rules");
        crate::info!("{} rules", rules);
        crate::warn!("{rules:>4} rules");
        crate::error!("{rules} rules, {}", "done",);
    }
}
