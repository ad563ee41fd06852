//! The SIRET rules, free of any WebAssembly concern so they are tested
//! natively.
//!
//! A SIRET is 14 digits: the 9-digit SIREN of the company, then the 5-digit
//! NIC of the establishment, whose last digit is a Luhn check digit over the
//! whole number.

/// La Poste registered all its post offices under one SIREN when it became a
/// société anonyme; there were too many of them for Luhn check digits, so
/// INSEE gave them another rule: the 14 digits add up to a multiple of 5. The
/// head office (35600000000048) still satisfies Luhn.
const SIREN_LA_POSTE: &[u8] = b"356000000";

pub const SIRET_LEN: usize = 14;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiretError {
    /// Not 14 digits once spaces are removed.
    Format,
    /// 14 digits, but the check digit does not match.
    CleDeControle,
}

impl SiretError {
    pub fn code(self) -> &'static str {
        match self {
            SiretError::Format => "format",
            SiretError::CleDeControle => "cle-de-controle",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SiretError::Format => "Le numéro SIRET doit comporter 14 chiffres",
            SiretError::CleDeControle => "Le numéro SIRET n'est pas valide (clé de contrôle incorrecte)",
        }
    }
}

/// Checks `input` and returns the normalized SIRET (the 14 digits).
///
/// Usagers copy SIRETs from letters and Kbis extracts, grouped as
/// "732 829 320 00074", sometimes with non-breaking spaces: every kind of
/// whitespace is removed before checking.
pub fn check(input: &str) -> Result<String, SiretError> {
    let siret: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if siret.len() != SIRET_LEN || !siret.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SiretError::Format);
    }
    let digits = siret.as_bytes();
    let valid = luhn_ok(digits) || (is_la_poste(digits) && digit_sum(digits).is_multiple_of(5));
    if valid { Ok(siret) } else { Err(SiretError::CleDeControle) }
}

fn is_la_poste(digits: &[u8]) -> bool {
    digits.starts_with(SIREN_LA_POSTE)
}

fn digit_sum(digits: &[u8]) -> u32 {
    digits.iter().map(|d| u32::from(d - b'0')).sum()
}

/// Luhn: from the right, every second digit is doubled (minus 9 when it
/// exceeds 9); the total must be a multiple of 10.
fn luhn_ok(digits: &[u8]) -> bool {
    let total: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    total.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_valid_siret_and_removes_spaces() {
        assert_eq!(check("73282932000074").as_deref(), Ok("73282932000074"));
        assert_eq!(check("732 829 320 00074").as_deref(), Ok("73282932000074"));
        assert_eq!(check("\u{a0}732\u{202f}829\t320 00074 ").as_deref(), Ok("73282932000074"));
    }

    #[test]
    fn requires_14_digits() {
        for input in [
            "",
            "   ",
            "7328293200007",
            "732829320000740",
            "7328293200007A",
            "73282932000-74",
            "７３２８２９３２０００７４", // full-width digits are not ASCII
        ] {
            assert_eq!(check(input), Err(SiretError::Format), "{input:?}");
        }
    }

    #[test]
    fn rejects_a_wrong_check_digit() {
        assert_eq!(check("73282932000075"), Err(SiretError::CleDeControle));
        assert_eq!(check("12345678901234"), Err(SiretError::CleDeControle));
    }

    #[test]
    fn la_poste_head_office_follows_luhn() {
        assert!(luhn_ok(b"35600000000048"));
        assert_eq!(check("356 000 000 00048").as_deref(), Ok("35600000000048"));
        assert_eq!(check("35600000000049"), Err(SiretError::CleDeControle));
    }

    #[test]
    fn la_poste_offices_use_the_sum_of_digits() {
        // 3+5+6+1+0 = 15, a multiple of 5, although Luhn fails.
        assert!(!luhn_ok(b"35600000000010"));
        assert_eq!(check("35600000000010").as_deref(), Ok("35600000000010"));
        assert_eq!(check("35600000000011"), Err(SiretError::CleDeControle));
    }

    #[test]
    fn the_sum_rule_is_only_for_la_poste() {
        // Digit sum 20, Luhn fails: invalid outside SIREN 356000000.
        let siret = "12300000000590";
        assert_eq!(digit_sum(siret.as_bytes()) % 5, 0);
        assert!(!luhn_ok(siret.as_bytes()));
        assert_eq!(check(siret), Err(SiretError::CleDeControle));
    }
}
