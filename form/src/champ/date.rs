//! Dates and date-heures, typed in Paris local time. Options: only the
//! past (today included), and a range of dates.

use super::options::OptionsChamp;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

/// « Now » as the caller knows it, in Paris local time: the form engine
/// reads no clock. `None` skips the « passé » check (a caller that cannot
/// say what time it is).
#[derive(Clone, Copy, Debug, Default)]
pub struct Maintenant(pub Option<NaiveDateTime>);

impl Maintenant {
    /// The Paris wall-clock time of an instant.
    pub fn a_paris(at: DateTime<Utc>) -> Self {
        Maintenant(Some((at + paris_offset(at)).naive_utc()))
    }
}

/// CET/CEST without a time zone database: summer time runs from the last
/// Sunday of March to the last Sunday of October, switching at 01:00 UTC.
fn paris_offset(at: DateTime<Utc>) -> Duration {
    let bascule = |month: u32| {
        (25..=31)
            .rev()
            .filter_map(|d| NaiveDate::from_ymd_opt(at.year(), month, d))
            .find(|d| d.weekday() == Weekday::Sun)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .map(|dt| dt.and_utc())
    };
    match (bascule(3), bascule(10)) {
        (Some(debut), Some(fin)) if at >= debut && at < fin => Duration::hours(2),
        _ => Duration::hours(1),
    }
}

pub const DATE_HEURE_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// Accepts the HTML date input's ISO format and the French format a browser
/// without a date picker leads people to type.
pub fn parse_date(value: &str) -> Option<NaiveDate> {
    if value.len() > 20 {
        return None;
    }
    let date =
        NaiveDate::parse_from_str(value, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y")).ok()?;
    // Years outside this range are typing mistakes, not administrative dates.
    (1800..=2200).contains(&chrono::Datelike::year(&date)).then_some(date)
}

/// `2026-03-01T14:30` (the datetime-local input) or « 01/03/2026 14:30 ».
pub fn parse_date_heure(value: &str) -> Option<NaiveDateTime> {
    if value.len() > 30 {
        return None;
    }
    let value = value.replace(" à ", " ").replace('h', ":");
    let dt = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value.trim(), f).ok())?;
    (1800..=2200).contains(&chrono::Datelike::year(&dt)).then_some(dt)
}

pub fn valider_date(
    libelle: &str,
    options: &OptionsChamp,
    maintenant: Maintenant,
    value: &str,
) -> Result<String, String> {
    let d =
        parse_date(value).ok_or_else(|| format!("« {libelle} » doit être une date valide, au format JJ/MM/AAAA."))?;
    bornes(libelle, options, maintenant, d, maintenant.0.is_some_and(|now| d > now.date()))?;
    Ok(d.format("%Y-%m-%d").to_string())
}

pub fn valider_date_heure(
    libelle: &str,
    options: &OptionsChamp,
    maintenant: Maintenant,
    value: &str,
) -> Result<String, String> {
    let dt = parse_date_heure(value)
        .ok_or_else(|| format!("« {libelle} » doit être une date et une heure valides, au format JJ/MM/AAAA HH:MM."))?;
    bornes(libelle, options, maintenant, dt.date(), maintenant.0.is_some_and(|now| dt > now))?;
    Ok(dt.format(DATE_HEURE_FORMAT).to_string())
}

fn bornes(libelle: &str, options: &OptionsChamp, _: Maintenant, d: NaiveDate, futur: bool) -> Result<(), String> {
    if options.passe && futur {
        return Err(format!("« {libelle} » doit être dans le passé."));
    }
    let fr = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    if let Some(min) = options.date_min.as_deref().and_then(parse_date).filter(|min| d < *min) {
        return Err(format!("« {libelle} » doit être le {} ou après.", fr(min)));
    }
    if let Some(max) = options.date_max.as_deref().and_then(parse_date).filter(|max| d > *max) {
        return Err(format!("« {libelle} » doit être le {} ou avant.", fr(max)));
    }
    Ok(())
}

/// « 01/03/2026 à 14 h 30 ».
pub fn date_heure_affichee(stored: &str) -> String {
    NaiveDateTime::parse_from_str(stored, DATE_HEURE_FORMAT)
        .map(|dt| format!("{} à {} h {}", dt.format("%d/%m/%Y"), dt.format("%-H"), dt.format("%M")))
        .unwrap_or_else(|_| stored.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> Maintenant {
        Maintenant(NaiveDateTime::parse_from_str("2026-12-05T13:00", DATE_HEURE_FORMAT).ok())
    }

    #[test]
    fn paris_time_follows_summer_time() {
        let hiver = chrono::DateTime::parse_from_rfc3339("2026-01-15T10:05:00Z").unwrap().to_utc();
        assert_eq!(Maintenant::a_paris(hiver).0.unwrap().format(DATE_HEURE_FORMAT).to_string(), "2026-01-15T11:05");
        let ete = chrono::DateTime::parse_from_rfc3339("2026-07-01T10:05:00Z").unwrap().to_utc();
        assert_eq!(Maintenant::a_paris(ete).0.unwrap().format(DATE_HEURE_FORMAT).to_string(), "2026-07-01T12:05");
    }

    #[test]
    fn date_heures_are_stored_iso_and_shown_in_french() {
        let o = OptionsChamp::default();
        assert_eq!(valider_date_heure("D", &o, now(), "2026-03-01T14:30"), Ok("2026-03-01T14:30".into()));
        assert_eq!(valider_date_heure("D", &o, now(), "01/03/2026 14:30"), Ok("2026-03-01T14:30".into()));
        assert_eq!(valider_date_heure("D", &o, now(), "01/03/2026 à 14h30"), Ok("2026-03-01T14:30".into()));
        assert_eq!(date_heure_affichee("2026-03-01T09:05"), "01/03/2026 à 9 h 05");
        for bad in ["", "2026-03-01", "2026-02-30T10:00", "01/03/2026 25:00", "demain", "0026-03-01T10:00"] {
            assert!(valider_date_heure("D", &o, now(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn past_only_and_ranges_are_enforced() {
        let passe = OptionsChamp { passe: true, ..OptionsChamp::default() };
        assert!(valider_date("D", &passe, now(), "2026-12-05").is_ok());
        assert!(valider_date("D", &passe, now(), "2026-12-06").unwrap_err().contains("passé"));
        assert!(valider_date_heure("D", &passe, now(), "2026-12-05T13:01").is_err());
        assert!(valider_date_heure("D", &passe, Maintenant(None), "2099-12-05T13:01").is_ok());
        let range = OptionsChamp {
            date_min: Some("2026-01-01".into()),
            date_max: Some("2026-06-30".into()),
            ..OptionsChamp::default()
        };
        assert!(valider_date("D", &range, now(), "2025-12-31").unwrap_err().contains("01/01/2026 ou après"));
        assert!(valider_date("D", &range, now(), "2026-07-01").unwrap_err().contains("30/06/2026 ou avant"));
        assert!(valider_date_heure("D", &range, now(), "2026-03-01T10:00").is_ok());
    }

    proptest! {
        #[test]
        fn date_validators_never_panic(s in "\\PC{0,40}") {
            let o = OptionsChamp { passe: true, date_min: Some("2000-01-01".into()), ..OptionsChamp::default() };
            if let Ok(v) = valider_date_heure("D", &o, now(), &s) {
                prop_assert_eq!(valider_date_heure("D", &o, now(), &v), Ok(v.clone()));
                let _ = date_heure_affichee(&v);
            }
            let _ = valider_date("D", &o, now(), &s);
            let _ = date_heure_affichee(&s);
        }
    }
}
