//! Transferring a dossier to another person: its owner names an e-mail
//! address, the compte with that address accepts (then owns the dossier,
//! in whatever state it is, and the former owner no longer sees it) or
//! declines. A transfer nobody answers lapses.

use chrono::{DateTime, Duration, Utc};

/// How long a transfer waits for its recipient: long enough for holidays
/// and a spam folder, short enough that a forgotten one does not hand the
/// dossier over months later.
pub const DELAI_TRANSFERT: Duration = Duration::days(14);

/// When a transfer asked at `at` lapses.
pub fn expire_le(at: DateTime<Utc>) -> DateTime<Utc> {
    at + DELAI_TRANSFERT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_lapses_after_two_weeks() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").map(|d| d.with_timezone(&Utc));
        let at = at.unwrap_or_default();
        assert_eq!(expire_le(at).to_rfc3339(), "2026-12-21T10:00:00+00:00");
    }
}
