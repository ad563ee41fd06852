//! What the host knows about each plugin's behaviour: a circuit breaker that
//! stops calling a plugin that keeps failing (so a broken plugin costs a
//! map lookup, not 50 ms of CPU per usager), counters for the metrics page,
//! and the last errors for the administrateur.
//!
//! Time is passed in, so the rules are tested without sleeping.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

/// Consecutive failures that open the breaker. One trap can be bad luck;
/// five in a row is a broken plugin or a dead upstream.
pub const FAILURES_TO_OPEN: u32 = 5;
/// First pause after opening; doubled at each failed trial, up to the max,
/// so a plugin that stays broken costs one trial call every few minutes.
pub const FIRST_COOLDOWN: Duration = Duration::from_secs(30);
pub const MAX_COOLDOWN: Duration = Duration::from_secs(300);
/// Errors kept for the administrateur's page: enough to see a pattern,
/// bounded so a flapping plugin cannot grow the host's memory.
pub const RECENT_ERRORS: usize = 10;
/// Log records kept per plugin for the same page (each at most 1,000 bytes).
pub const RECENT_LOGS: usize = 20;

/// Where the breaker stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until `until`; then one trial call is let through.
    Open { until: Instant },
    /// The trial call is running; other calls are refused meanwhile.
    Trial,
}

/// What a finished call says about the plugin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It answered (a usager's invalid value is a good answer).
    Healthy,
    /// It failed; the message is for the administrateur.
    Faulty(String),
    /// The host did not let it run (busy): no verdict.
    Neutral,
}

/// One failure, as the administrateur sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecentError {
    pub at: chrono::DateTime<chrono::Utc>,
    pub function: &'static str,
    pub outcome: &'static str,
    pub message: String,
}

/// One log record of the plugin (info and above), for the administrateur.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecentLog {
    pub at: chrono::DateTime<chrono::Utc>,
    pub level: &'static str,
    pub message: String,
}

/// Calls by outcome and time spent, for the metrics page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// `(function, outcome) -> count`, few distinct keys.
    pub calls: Vec<((&'static str, &'static str), u64)>,
    pub duration_us_total: u64,
    pub refused_while_degraded: u64,
}

#[derive(Debug)]
pub struct Health {
    state: BreakerState,
    consecutive_failures: u32,
    cooldown: Duration,
    recent: VecDeque<RecentError>,
    logs: VecDeque<RecentLog>,
    pub counters: Counters,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            state: BreakerState::Closed,
            consecutive_failures: 0,
            cooldown: FIRST_COOLDOWN,
            recent: VecDeque::new(),
            logs: VecDeque::new(),
            counters: Counters::default(),
        }
    }
}

impl Health {
    pub fn state(&self) -> BreakerState {
        self.state
    }

    pub fn recent_errors(&self) -> impl Iterator<Item = &RecentError> {
        self.recent.iter().rev()
    }

    pub fn recent_logs(&self) -> impl Iterator<Item = &RecentLog> {
        self.logs.iter().rev()
    }

    /// Keeps the newest [`RECENT_LOGS`] records.
    pub fn record_logs(&mut self, records: Vec<(&'static str, String)>) {
        let at = chrono::DateTime::<chrono::Utc>::from(SystemTime::now());
        for (level, message) in records {
            if self.logs.len() == RECENT_LOGS {
                self.logs.pop_front();
            }
            self.logs.push_back(RecentLog { at, level, message });
        }
    }

    /// Whether a call may run now. A degraded plugin whose pause is over gets
    /// exactly one trial call.
    pub fn admit(&mut self, now: Instant) -> bool {
        match self.state {
            BreakerState::Closed => true,
            BreakerState::Open { until } if now >= until => {
                self.state = BreakerState::Trial;
                true
            }
            BreakerState::Open { .. } | BreakerState::Trial => {
                self.counters.refused_while_degraded += 1;
                false
            }
        }
    }

    /// Records a finished call and what it says about the plugin. Returns
    /// true when this call put a working plugin in degraded mode (not when a
    /// trial call fails again): the moment to tell the administrateurs.
    pub fn record(
        &mut self,
        now: Instant,
        function: &'static str,
        outcome: &'static str,
        duration: Duration,
        verdict: Verdict,
    ) -> bool {
        self.count(function, outcome, duration);
        let message = match verdict {
            Verdict::Healthy => {
                self.state = BreakerState::Closed;
                self.consecutive_failures = 0;
                self.cooldown = FIRST_COOLDOWN;
                return false;
            }
            // Says nothing about the plugin; a trial that could not run is
            // simply offered again to the next call.
            Verdict::Neutral => {
                if self.state == BreakerState::Trial {
                    self.state = BreakerState::Open { until: now };
                }
                return false;
            }
            Verdict::Faulty(message) => message,
        };
        if self.recent.len() == RECENT_ERRORS {
            self.recent.pop_front();
        }
        self.recent.push_back(RecentError {
            at: chrono::DateTime::<chrono::Utc>::from(SystemTime::now()),
            function,
            outcome,
            message,
        });
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        match self.state {
            BreakerState::Trial => {
                self.cooldown = (self.cooldown * 2).min(MAX_COOLDOWN);
                self.state = BreakerState::Open { until: now + self.cooldown };
                false
            }
            BreakerState::Closed if self.consecutive_failures >= FAILURES_TO_OPEN => {
                self.state = BreakerState::Open { until: now + self.cooldown };
                true
            }
            BreakerState::Closed | BreakerState::Open { .. } => false,
        }
    }

    fn count(&mut self, function: &'static str, outcome: &'static str, duration: Duration) {
        let us = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.counters.duration_us_total = self.counters.duration_us_total.saturating_add(us);
        match self.counters.calls.iter_mut().find(|(key, _)| *key == (function, outcome)) {
            Some((_, n)) => *n += 1,
            None => self.counters.calls.push(((function, outcome), 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(s: &mut Health, now: Instant) -> bool {
        s.record(now, "validate", "trap", Duration::from_millis(1), Verdict::Faulty("trap".into()))
    }

    #[test]
    fn five_failures_in_a_row_open_the_breaker_and_a_success_resets_the_count() {
        let t0 = Instant::now();
        let mut s = Health::default();
        for _ in 0..FAILURES_TO_OPEN - 1 {
            assert!(s.admit(t0));
            fail(&mut s, t0);
        }
        s.record(t0, "validate", "ok", Duration::from_micros(40), Verdict::Healthy);
        assert_eq!(s.state(), BreakerState::Closed);
        for i in 1..=FAILURES_TO_OPEN {
            assert_eq!(fail(&mut s, t0), i == FAILURES_TO_OPEN, "only the opening failure alerts");
        }
        assert_eq!(s.state(), BreakerState::Open { until: t0 + FIRST_COOLDOWN });
        assert!(!s.admit(t0 + Duration::from_secs(1)));
        assert_eq!(s.counters.refused_while_degraded, 1);
    }

    #[test]
    fn after_the_pause_one_trial_decides() {
        let t0 = Instant::now();
        let mut s = Health::default();
        for _ in 0..FAILURES_TO_OPEN {
            fail(&mut s, t0);
        }
        let t1 = t0 + FIRST_COOLDOWN;
        assert!(s.admit(t1), "the trial call");
        assert!(!s.admit(t1), "only one trial at a time");
        fail(&mut s, t1);
        assert_eq!(s.state(), BreakerState::Open { until: t1 + FIRST_COOLDOWN * 2 }, "the pause doubles");
        let t2 = t1 + FIRST_COOLDOWN * 2;
        assert!(s.admit(t2));
        s.record(t2, "validate", "ok", Duration::from_micros(40), Verdict::Healthy);
        assert_eq!(s.state(), BreakerState::Closed);
        assert!(s.admit(t2));
    }

    #[test]
    fn a_trial_the_host_could_not_run_is_offered_again() {
        let t0 = Instant::now();
        let mut s = Health::default();
        for _ in 0..FAILURES_TO_OPEN {
            fail(&mut s, t0);
        }
        let t1 = t0 + FIRST_COOLDOWN;
        assert!(s.admit(t1));
        s.record(t1, "validate", "busy", Duration::ZERO, Verdict::Neutral);
        assert!(s.admit(t1), "the next call gets the trial");
    }

    #[test]
    fn the_pause_is_capped_and_recent_errors_are_bounded() {
        let t0 = Instant::now();
        let mut s = Health::default();
        let mut now = t0;
        for _ in 0..FAILURES_TO_OPEN {
            fail(&mut s, now);
        }
        for _ in 0..20 {
            if let BreakerState::Open { until } = s.state() {
                now = until;
            }
            assert!(s.admit(now));
            fail(&mut s, now);
        }
        assert_eq!(s.state(), BreakerState::Open { until: now + MAX_COOLDOWN });
        assert_eq!(s.recent_errors().count(), RECENT_ERRORS);
        s.record_logs((0..30).map(|i| ("warn", format!("record {i}"))).collect());
        assert_eq!(s.recent_logs().count(), RECENT_LOGS);
        assert_eq!(s.recent_logs().next().map(|l| l.message.as_str()), Some("record 29"), "newest first");
        let total: u64 = s.counters.calls.iter().map(|(_, n)| n).sum();
        assert_eq!(total, u64::from(FAILURES_TO_OPEN) + 20);
    }
}
