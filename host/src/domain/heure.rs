//! Metropolitan French time (the platform's legal time for deadlines and
//! for every date shown), without a time zone database: CET in winter,
//! CEST from the last Sunday of March to the last Sunday of October,
//! switching at 01:00 UTC (the EU rule since 1996).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// The wall-clock time in Paris at an instant.
pub fn a_paris(at: DateTime<Utc>) -> NaiveDateTime {
    (at + decalage(at)).naive_utc()
}

/// « 23/11/2026 à 15 h 04 », in metropolitan French time: how every
/// instant is shown, on pages and in PDFs.
pub fn date_heure(at: DateTime<Utc>) -> String {
    let local = a_paris(at);
    format!("{} à {} h {}", local.format("%d/%m/%Y"), local.format("%-H"), local.format("%M"))
}

/// The instant a day ends in Paris (midnight after it): « jusqu'au 14
/// septembre » means until 23:59:59 on the 14th, Paris time.
pub fn fin_du_jour_a_paris(date: NaiveDate) -> DateTime<Utc> {
    let minuit = date.succ_opt().unwrap_or(date).and_time(chrono::NaiveTime::MIN);
    // The offset at the instant itself: try winter's, then summer's.
    let hiver = Utc.from_utc_datetime(&(minuit - Duration::hours(1)));
    if decalage(hiver) == Duration::hours(1) { hiver } else { Utc.from_utc_datetime(&(minuit - Duration::hours(2))) }
}

/// The Paris day whose end is `instant` (the inverse of
/// [`fin_du_jour_a_paris`]), to show a stored deadline as the date chosen.
pub fn jour_de_la_fin(instant: DateTime<Utc>) -> NaiveDate {
    a_paris(instant - Duration::seconds(1)).date()
}

fn decalage(at: DateTime<Utc>) -> Duration {
    let year = at.year();
    let debut = dernier_dimanche_01h(year, 3);
    let fin = dernier_dimanche_01h(year, 10);
    if at >= debut && at < fin { Duration::hours(2) } else { Duration::hours(1) }
}

fn dernier_dimanche_01h(year: i32, month: u32) -> DateTime<Utc> {
    (25..=31)
        .rev()
        .filter_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .find(|d| d.weekday() == Weekday::Sun)
        .and_then(|d| d.and_hms_opt(1, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |dt| Utc.from_utc_datetime(&dt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, mi, 0).single().expect("valid date")
    }

    #[test]
    fn paris_time_follows_summer_time() {
        assert_eq!(a_paris(utc(2026, 1, 15, 10, 5)).to_string(), "2026-01-15 11:05:00");
        assert_eq!(a_paris(utc(2026, 7, 1, 10, 5)).to_string(), "2026-07-01 12:05:00");
        // 2026-03-29 is the last Sunday of March.
        assert_eq!(a_paris(utc(2026, 3, 29, 0, 59)).to_string(), "2026-03-29 01:59:00");
        assert_eq!(a_paris(utc(2026, 3, 29, 1, 0)).to_string(), "2026-03-29 03:00:00");
    }

    #[test]
    fn a_deadline_day_ends_at_midnight_in_paris() {
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).expect("valid date");
        // Summer: midnight in Paris is 22:00 UTC the day before.
        assert_eq!(fin_du_jour_a_paris(d(2026, 9, 14)), utc(2026, 9, 14, 22, 0));
        // Winter: 23:00 UTC.
        assert_eq!(fin_du_jour_a_paris(d(2026, 12, 24)), utc(2026, 12, 24, 23, 0));
        // The night summer time ends (25 October 2026): midnight is still CEST.
        assert_eq!(fin_du_jour_a_paris(d(2026, 10, 24)), utc(2026, 10, 24, 22, 0));
        assert_eq!(fin_du_jour_a_paris(d(2026, 10, 25)), utc(2026, 10, 25, 23, 0));
        for day in [d(2026, 3, 28), d(2026, 3, 29), d(2026, 10, 25), d(2027, 2, 28), d(2028, 2, 29)] {
            assert_eq!(jour_de_la_fin(fin_du_jour_a_paris(day)), day);
        }
    }
}
