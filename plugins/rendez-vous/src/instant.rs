//! Instants as RDV Service Public writes them, turned into RFC 3339.
//!
//! Its JSON (Rails) writes times as ISO 8601 with milliseconds
//! (`2025-02-11T10:30:00.000+01:00`, ActiveSupport's encoder), `.iso8601`
//! without them (`2025-02-11T10:30:00+01:00`, the rdv plan's summary), and
//! older answers quoted in démarches-simplifiées' code show Ruby's `to_s`
//! (`2025-02-11 10:30:00 +0100`). All three are read; the answer keeps the
//! service's offset, drops the fraction (appointments are on the minute).

/// An instant: its RFC 3339 text and its Unix time, to sort by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instant {
    pub rfc3339: String,
    pub unix: i64,
}

/// Reads one of the forms above; none otherwise.
pub fn lire(texte: &str) -> Option<Instant> {
    let texte = texte.trim();
    let b = texte.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let annee = nombre(texte.get(..4)?)?;
    let mois = nombre(texte.get(5..7)?)?;
    let jour = nombre(texte.get(8..10)?)?;
    let heure = nombre(texte.get(11..13)?)?;
    let minute = nombre(texte.get(14..16)?)?;
    let seconde = nombre(texte.get(17..19)?)?;
    if !(1..=12).contains(&mois)
        || jour < 1
        || jour > jours_du_mois(annee, mois)
        || heure > 23
        || minute > 59
        || seconde > 60
    {
        return None;
    }
    let mut zone = texte.get(19..)?;
    if let Some(fraction) = zone.strip_prefix('.') {
        let chiffres = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if chiffres == 0 {
            return None;
        }
        zone = &fraction[chiffres..];
    }
    let zone = zone.strip_prefix(' ').unwrap_or(zone);
    let (decalage, ecrit) = match zone {
        "Z" | "z" | "UTC" => (0, "Z".to_owned()),
        _ => {
            let signe = match zone.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let chiffres = zone.get(1..)?;
            let (h, m) = match chiffres.len() {
                4 => (chiffres.get(..2)?, chiffres.get(2..)?),
                5 if chiffres.get(2..3)? == ":" => (chiffres.get(..2)?, chiffres.get(3..)?),
                _ => return None,
            };
            let (h, m) = (nombre(h)?, nombre(m)?);
            if h > 23 || m > 59 {
                return None;
            }
            (signe * (h * 3600 + m * 60), format!("{}{h:02}:{m:02}", if signe > 0 { '+' } else { '-' }))
        }
    };
    let unix = jours_depuis_civil(annee, mois, jour) * 86_400 + heure * 3600 + minute * 60 + seconde - decalage;
    let rfc3339 = format!("{annee:04}-{mois:02}-{jour:02}T{heure:02}:{minute:02}:{seconde:02}{ecrit}");
    Some(Instant { rfc3339, unix })
}

fn nombre(texte: &str) -> Option<i64> {
    if texte.is_empty() || !texte.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    texte.parse().ok()
}

fn jours_du_mois(annee: i64, mois: i64) -> i64 {
    match mois {
        2 if (annee % 4 == 0 && annee % 100 != 0) || annee % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn jours_depuis_civil(annee: i64, mois: i64, jour: i64) -> i64 {
    let annee = if mois <= 2 { annee - 1 } else { annee };
    let ere = annee.div_euclid(400);
    let annee_de_l_ere = annee - ere * 400;
    let jour_de_l_annee = (153 * (if mois > 2 { mois - 3 } else { mois + 9 }) + 2) / 5 + jour - 1;
    let jour_de_l_ere = annee_de_l_ere * 365 + annee_de_l_ere / 4 - annee_de_l_ere / 100 + jour_de_l_annee;
    ere * 146_097 + jour_de_l_ere - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_rdv_service_public_writes() {
        let attendu = Some(Instant { rfc3339: "2025-02-11T10:30:00+01:00".into(), unix: 1_739_266_200 });
        assert_eq!(lire("2025-02-11T10:30:00.000+01:00"), attendu);
        assert_eq!(lire("2025-02-11T10:30:00+01:00"), attendu);
        assert_eq!(lire("2025-02-11 10:30:00 +0100"), attendu);
        assert_eq!(lire("2025-02-11T09:30:00Z").map(|i| i.unix), Some(1_739_266_200));
        assert_eq!(lire("2025-02-11 09:30:00 UTC").map(|i| i.rfc3339).as_deref(), Some("2025-02-11T09:30:00Z"));
        assert_eq!(lire("2024-06-07T15:30:00-04:30").map(|i| i.rfc3339).as_deref(), Some("2024-06-07T15:30:00-04:30"));
    }

    #[test]
    fn anything_else_is_refused() {
        for texte in [
            "",
            "2025-02-11",
            "2025-02-11T10:30:00",
            "2025-02-30T10:30:00Z",
            "2025-02-11T10:30:00+1",
            "2025-02-11T10:30:00+01:0",
            "2025-02-11T10:30:00.+01:00",
            "2025-02-11X10:30:00Z",
            "2025-02-11T10:30:00 Europe/Paris",
            "2025-02-11T10:3é:00Z",
        ] {
            assert_eq!(lire(texte), None, "{texte}");
        }
    }
}
