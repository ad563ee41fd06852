//! Instants as French dates of Paris: « 12 mars 2026 ».
//!
//! The host passes RFC 3339 instants (`2026-03-12T09:30:00Z`,
//! `2026-03-12T10:30:00.123+01:00`). A WebAssembly guest has no time-zone
//! database, and needs none here: Europe/Paris has followed the EU rule
//! since 1996 (CET, UTC+1; CEST, UTC+2 from the last Sunday of March at
//! 01:00 UTC to the last Sunday of October at 01:00 UTC). The instant is
//! moved to UTC, shifted by the offset in force in Paris at that instant,
//! and only the date part is printed. Instants before 1996 use the same
//! rule (French summer time then ended in September: an attestation dated
//! at the end of September 1995 near midnight could be a day off; no
//! dossier of this platform is that old).

const MOIS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub annee: i64,
    pub mois: u32,
    pub jour: u32,
}

impl Date {
    /// « 12 mars 2026 », « 1er mai 2026 ».
    pub fn en_francais(&self) -> String {
        let mois = MOIS.get(self.mois.saturating_sub(1) as usize).copied().unwrap_or("");
        if self.jour == 1 {
            format!("1er {mois} {}", self.annee)
        } else {
            format!("{} {mois} {}", self.jour, self.annee)
        }
    }
}

/// The date in Paris of an RFC 3339 instant, none when it is not one.
pub fn date_a_paris(instant: &str) -> Option<Date> {
    let utc = secondes_utc(instant.trim())?;
    let decalage = if en_heure_d_ete(utc) { 2 * 3600 } else { 3600 };
    let (annee, mois, jour) = civil_depuis_jours((utc + decalage).div_euclid(86_400));
    Some(Date { annee, mois, jour })
}

/// A `YYYY-MM-DD` date (what a champ « date » stores), in French.
pub fn date_simple(texte: &str) -> Option<Date> {
    let texte = texte.trim();
    let (annee, mois, jour) = lire_date(texte.get(..10)?)?;
    (texte.len() == 10).then_some(Date { annee, mois, jour })
}

/// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 date-time.
fn secondes_utc(texte: &str) -> Option<i64> {
    let (annee, mois, jour) = lire_date(texte.get(..10)?)?;
    let reste = texte.get(10..)?;
    let reste = reste.strip_prefix(['T', 't', ' '])?;
    let heure = nombre(reste.get(..2)?)?;
    let minute = nombre(reste.get(3..5)?)?;
    let seconde = nombre(reste.get(6..8)?)?;
    if reste.get(2..3)? != ":" || reste.get(5..6)? != ":" || heure > 23 || minute > 59 || seconde > 60 {
        return None;
    }
    let mut zone = reste.get(8..)?;
    if let Some(fraction) = zone.strip_prefix('.') {
        let chiffres = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if chiffres == 0 {
            return None;
        }
        zone = &fraction[chiffres..];
    }
    let decalage = match zone {
        "Z" | "z" => 0,
        _ => {
            let signe = match zone.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (h, m) = (nombre(zone.get(1..3)?)?, nombre(zone.get(4..6)?)?);
            if zone.len() != 6 || zone.get(3..4)? != ":" || h > 23 || m > 59 {
                return None;
            }
            signe * (h * 3600 + m * 60)
        }
    };
    Some(jours_depuis_civil(annee, mois, jour) * 86_400 + heure * 3600 + minute * 60 + seconde - decalage)
}

fn lire_date(texte: &str) -> Option<(i64, u32, u32)> {
    let b = texte.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let annee = nombre(texte.get(..4)?)?;
    let mois = u32::try_from(nombre(texte.get(5..7)?)?).ok()?;
    let jour = u32::try_from(nombre(texte.get(8..10)?)?).ok()?;
    ((1..=12).contains(&mois) && jour >= 1 && jour <= jours_du_mois(annee, mois)).then_some((annee, mois, jour))
}

fn nombre(texte: &str) -> Option<i64> {
    if texte.is_empty() || !texte.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    texte.parse().ok()
}

fn bissextile(annee: i64) -> bool {
    (annee % 4 == 0 && annee % 100 != 0) || annee % 400 == 0
}

fn jours_du_mois(annee: i64, mois: u32) -> u32 {
    match mois {
        2 if bissextile(annee) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn jours_depuis_civil(annee: i64, mois: u32, jour: u32) -> i64 {
    let annee = if mois <= 2 { annee - 1 } else { annee };
    let ere = annee.div_euclid(400);
    let annee_de_l_ere = annee - ere * 400;
    let mois = i64::from(mois);
    let jour_de_l_annee = (153 * (if mois > 2 { mois - 3 } else { mois + 9 }) + 2) / 5 + i64::from(jour) - 1;
    let jour_de_l_ere = annee_de_l_ere * 365 + annee_de_l_ere / 4 - annee_de_l_ere / 100 + jour_de_l_annee;
    ere * 146_097 + jour_de_l_ere - 719_468
}

/// The inverse of [`jours_depuis_civil`].
fn civil_depuis_jours(jours: i64) -> (i64, u32, u32) {
    let z = jours + 719_468;
    let ere = z.div_euclid(146_097);
    let jour_de_l_ere = z - ere * 146_097;
    let annee_de_l_ere =
        (jour_de_l_ere - jour_de_l_ere / 1460 + jour_de_l_ere / 36_524 - jour_de_l_ere / 146_096) / 365;
    let jour_de_l_annee = jour_de_l_ere - (365 * annee_de_l_ere + annee_de_l_ere / 4 - annee_de_l_ere / 100);
    let mp = (5 * jour_de_l_annee + 2) / 153;
    let jour = (jour_de_l_annee - (153 * mp + 2) / 5 + 1) as u32;
    let mois = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let annee = annee_de_l_ere + ere * 400 + i64::from(mois <= 2);
    (annee, mois, jour)
}

/// Days since 1970-01-01 of the last Sunday of `mois` (31 days long).
fn dernier_dimanche(annee: i64, mois: u32) -> i64 {
    let dernier = jours_depuis_civil(annee, mois, 31);
    // 1970-01-01 was a Thursday: weekday 0 = Thursday, 3 = Sunday.
    let jour_semaine = (dernier - 3).rem_euclid(7);
    dernier - jour_semaine
}

/// Whether Paris is on summer time (CEST) at `utc` seconds.
fn en_heure_d_ete(utc: i64) -> bool {
    let (annee, _, _) = civil_depuis_jours(utc.div_euclid(86_400));
    let debut = dernier_dimanche(annee, 3) * 86_400 + 3600;
    let fin = dernier_dimanche(annee, 10) * 86_400 + 3600;
    (debut..fin).contains(&utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(instant: &str) -> String {
        date_a_paris(instant).map(|d| d.en_francais()).unwrap_or_else(|| format!("invalid: {instant}"))
    }

    #[test]
    fn dates_are_french() {
        assert_eq!(paris("2026-03-12T09:30:00Z"), "12 mars 2026");
        assert_eq!(paris("2026-05-01T08:00:00+02:00"), "1er mai 2026");
        assert_eq!(paris("2024-02-29T12:00:00Z"), "29 février 2024");
        assert_eq!(paris("2026-08-15T10:00:00.123456Z"), "15 août 2026");
        assert_eq!(paris("2026-12-31T12:00:00-05:00"), "31 décembre 2026");
    }

    #[test]
    fn the_day_is_the_day_in_paris() {
        // 23:30 UTC in winter is 00:30 the next day in Paris (CET).
        assert_eq!(paris("2026-01-31T23:30:00Z"), "1er février 2026");
        assert_eq!(paris("2026-01-31T22:59:59Z"), "31 janvier 2026");
        // In summer Paris is two hours ahead (CEST).
        assert_eq!(paris("2026-07-14T22:30:00Z"), "15 juillet 2026");
        assert_eq!(paris("2026-07-14T21:59:59Z"), "14 juillet 2026");
        // New Year's Eve in Paris seen from New York.
        assert_eq!(paris("2026-12-31T18:30:00-05:00"), "1er janvier 2027");
    }

    #[test]
    fn summer_time_follows_the_eu_rule() {
        // 2026: last Sunday of March is the 29th, of October the 25th; the
        // switch happens at 01:00 UTC.
        assert!(!en_heure_d_ete(secondes_utc("2026-03-29T00:59:59Z").unwrap()));
        assert!(en_heure_d_ete(secondes_utc("2026-03-29T01:00:00Z").unwrap()));
        assert!(en_heure_d_ete(secondes_utc("2026-10-25T00:59:59Z").unwrap()));
        assert!(!en_heure_d_ete(secondes_utc("2026-10-25T01:00:00Z").unwrap()));
        // 2027: 28 March and 31 October (a month ending on a Sunday).
        assert_eq!(civil_depuis_jours(dernier_dimanche(2027, 3)), (2027, 3, 28));
        assert_eq!(civil_depuis_jours(dernier_dimanche(2027, 10)), (2027, 10, 31));
        assert_eq!(civil_depuis_jours(dernier_dimanche(2026, 3)), (2026, 3, 29));
        // 22:30 UTC on the night the clocks go back: still CEST until 01:00 UTC.
        assert_eq!(paris("2026-10-24T22:30:00Z"), "25 octobre 2026");
        assert_eq!(paris("2026-10-25T22:30:00Z"), "25 octobre 2026");
    }

    #[test]
    fn the_calendar_round_trips() {
        for jours in [-800_000, -1, 0, 59, 60, 10_957, 20_000, 2_932_896] {
            let (a, m, j) = civil_depuis_jours(jours);
            assert_eq!(jours_depuis_civil(a, m, j), jours);
        }
        assert_eq!(jours_depuis_civil(1970, 1, 1), 0);
        assert_eq!(jours_depuis_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn what_is_not_rfc_3339_is_refused() {
        for texte in [
            "",
            "2026-03-12",
            "2026-03-12T09:30Z",
            "2026-13-12T09:30:00Z",
            "2026-02-30T09:30:00Z",
            "2026-03-12T24:00:00Z",
            "2026-03-12T09:30:00",
            "2026-03-12T09:30:00+0100",
            "2026-03-12T09:30:00.Z",
            "2026-03-12T09:30:00+01:00:00",
            "2026-03-12T09:30:00Zjunk",
            "+026-03-12T09:30:00Z",
            "2026-03-12T09:3à:00Z",
            "dimanche",
        ] {
            assert_eq!(date_a_paris(texte), None, "{texte}");
        }
    }

    #[test]
    fn simple_dates() {
        assert_eq!(date_simple("2026-03-01").map(|d| d.en_francais()).as_deref(), Some("1er mars 2026"));
        assert_eq!(date_simple("2026-03-01T00:00:00Z"), None);
        assert_eq!(date_simple("01/03/2026"), None);
    }
}
