//! Sirene dates: API Entreprise v3 sends them as Unix timestamps of midnight
//! in Paris (so 22:00 or 23:00 UTC the day before); some payloads use
//! `YYYY-MM-DD` text.

/// Seconds added before taking the UTC date: midnight in Paris is at most
/// two hours before midnight UTC, so noon UTC of the same day is always
/// past it and never reaches the next day.
const HALF_DAY: i64 = 12 * 3600;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub annee: i64,
    pub mois: u32,
    pub jour: u32,
}

impl Date {
    /// The day of a Sirene timestamp.
    pub fn from_timestamp(seconds: i64) -> Date {
        let days = seconds.saturating_add(HALF_DAY).div_euclid(86_400);
        civil_from_days(days)
    }

    /// `YYYY-MM-DD` (a longer text such as an RFC 3339 instant is cut at the
    /// date), `None` if it is not a plausible date.
    pub fn parse(text: &str) -> Option<Date> {
        let date = text.get(..10)?;
        let mut parts = date.split('-');
        let (annee, mois, jour) = (parts.next()?, parts.next()?, parts.next()?);
        if annee.len() != 4 || mois.len() != 2 || jour.len() != 2 {
            return None;
        }
        let date = Date { annee: annee.parse().ok()?, mois: mois.parse().ok()?, jour: jour.parse().ok()? };
        ((1..=12).contains(&date.mois) && (1..=31).contains(&date.jour)).then_some(date)
    }

    /// `2011-11-21`, what `donnees` hold.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.annee, self.mois, self.jour)
    }

    /// `21/11/2011`, what the usager reads.
    pub fn francaise(self) -> String {
        format!("{:02}/{:02}/{:04}", self.jour, self.mois, self.annee)
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic
/// Gregorian date, exact for any `i64` day count the timestamps produce.
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let jour = doy - (153 * mp + 2) / 5 + 1;
    let mois = if mp < 10 { mp + 3 } else { mp - 9 };
    let annee = yoe + era * 400 + i64::from(mois <= 2);
    // Both are within 1..=31 and 1..=12 by construction.
    Date { annee, mois: u32::try_from(mois).unwrap_or(1), jour: u32::try_from(jour).unwrap_or(1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_paris_midnight_give_the_right_day() {
        // DINUM's date_creation in the contract: 2011-11-20T23:00:00Z.
        assert_eq!(Date::from_timestamp(1_321_830_000).iso(), "2011-11-21");
        // Summer time: 2024-06-02T22:00:00Z is midnight of 2024-06-03 in Paris.
        assert_eq!(Date::from_timestamp(1_717_365_600).iso(), "2024-06-03");
        // SNCF's, before 1970.
        assert_eq!(Date::from_timestamp(-473_389_200).iso(), "1955-01-01");
        assert_eq!(Date::from_timestamp(0).iso(), "1970-01-01");
        assert_eq!(Date::from_timestamp(951_778_800).iso(), "2000-02-29");
        assert_eq!(Date::from_timestamp(1_321_830_000).francaise(), "21/11/2011");
        let _ = Date::from_timestamp(i64::MAX);
        let _ = Date::from_timestamp(i64::MIN);
    }

    #[test]
    fn parses_iso_dates() {
        assert_eq!(Date::parse("2011-11-21"), Some(Date { annee: 2011, mois: 11, jour: 21 }));
        assert_eq!(Date::parse("2011-11-21T00:00:00+01:00").map(Date::iso), Some("2011-11-21".to_owned()));
        for bad in ["", "2011-13-01", "2011-1-01", "21/11/2011", "abcd-ef-gh", "2011-11-2é"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }
}
