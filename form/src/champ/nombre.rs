//! Numbers: integer and decimal (comma accepted, at most three decimals as
//! on the original platform), with the options « positif », min and max.

use super::options::OptionsChamp;

/// Decimals a decimal number keeps: amounts and measures, not scientific
/// values (the original platform's rule).
pub const DECIMALES_MAX: usize = 3;
/// Longest number typed: an i64 has 19 digits; more is pasted garbage.
const NOMBRE_MAX_CHARS: usize = 40;

pub fn valider_entier(libelle: &str, options: &OptionsChamp, value: &str) -> Result<String, String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.chars().count() > NOMBRE_MAX_CHARS {
        return Err(format!("« {libelle} » est un nombre trop grand."));
    }
    let n = compact.parse::<i64>().map_err(|_| format!("« {libelle} » doit être un nombre entier, par exemple 42."))?;
    bornes(libelle, options, n as f64)?;
    Ok(n.to_string())
}

pub fn valider_decimal(libelle: &str, options: &OptionsChamp, value: &str) -> Result<String, String> {
    let compact: String =
        value.chars().filter(|c| !c.is_whitespace()).map(|c| if c == ',' { '.' } else { c }).collect();
    if compact.chars().count() > NOMBRE_MAX_CHARS {
        return Err(format!("« {libelle} » est un nombre trop grand."));
    }
    let n = parse_decimal(&compact).ok_or_else(|| format!("« {libelle} » doit être un nombre, par exemple 12,5."))?;
    if compact.split_once('.').is_some_and(|(_, d)| d.len() > DECIMALES_MAX) {
        return Err(format!("« {libelle} » ne peut pas avoir plus de {DECIMALES_MAX} chiffres après la virgule."));
    }
    bornes(libelle, options, n)?;
    Ok(format_decimal(n))
}

/// Digits, one optional sign and one optional point: no exponent, no
/// `inf`, no `NaN`.
pub fn parse_decimal(compact: &str) -> Option<f64> {
    let ok = compact.chars().all(|c| c.is_ascii_digit() || "+-.".contains(c))
        && compact.chars().filter(|c| *c == '.').count() <= 1
        && compact.chars().skip(1).all(|c| c != '+' && c != '-')
        && compact.chars().any(|c| c.is_ascii_digit());
    ok.then(|| compact.parse::<f64>().ok()).flatten().filter(|n| n.is_finite())
}

pub fn format_decimal(n: f64) -> String {
    let s = format!("{n}");
    if s == "-0" { "0".to_string() } else { s }
}

fn bornes(libelle: &str, options: &OptionsChamp, n: f64) -> Result<(), String> {
    let affiche = |s: &str| super::nombre_francais(s);
    if options.positif && n < 0.0 {
        return Err(format!("« {libelle} » doit être un nombre positif."));
    }
    if let Some(min) = options.min.as_deref().filter(|m| parse_decimal(m).is_some_and(|m| n < m)) {
        return Err(format!("« {libelle} » doit être supérieur ou égal à {}.", affiche(min)));
    }
    if let Some(max) = options.max.as_deref().filter(|m| parse_decimal(m).is_some_and(|m| n > m)) {
        return Err(format!("« {libelle} » doit être inférieur ou égal à {}.", affiche(max)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn o(positif: bool, min: Option<&str>, max: Option<&str>) -> OptionsChamp {
        OptionsChamp { positif, min: min.map(Into::into), max: max.map(Into::into), ..OptionsChamp::default() }
    }

    #[test]
    fn bounds_and_sign_are_enforced() {
        let opts = o(true, Some("10"), Some("1000.5"));
        assert_eq!(valider_entier("N", &opts, "12"), Ok("12".into()));
        assert!(valider_entier("N", &opts, "-3").unwrap_err().contains("positif"));
        assert!(valider_entier("N", &opts, "9").unwrap_err().contains("supérieur ou égal à 10"));
        assert!(valider_decimal("N", &opts, "1000,6").unwrap_err().contains("inférieur ou égal à 1000,5"));
        assert_eq!(valider_decimal("N", &opts, "1000,5"), Ok("1000.5".into()));
    }

    #[test]
    fn decimals_are_limited_to_three() {
        let none = OptionsChamp::default();
        assert_eq!(valider_decimal("N", &none, "12,125"), Ok("12.125".into()));
        assert!(valider_decimal("N", &none, "12,1256").unwrap_err().contains("3 chiffres"));
        for bad in ["", "1e5", "inf", "NaN", "1.2.3", "--1", "1-", ".", "12,5 €", "0x10"] {
            assert!(valider_decimal("N", &none, bad).is_err(), "{bad}");
        }
        for bad in ["1.5", "abc", "99999999999999999999", "1 2 a"] {
            assert!(valider_entier("N", &none, bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn number_validators_never_panic(s in "\\PC{0,60}", min in proptest::option::of("-?[0-9]{1,5}(\\.[0-9]{1,3})?")) {
            let opts = o(false, min.as_deref(), None);
            if let Ok(v) = valider_decimal("N", &opts, &s) {
                prop_assert_eq!(valider_decimal("N", &opts, &v), Ok(v.clone()));
            }
            if let Ok(v) = valider_entier("N", &opts, &s) {
                prop_assert_eq!(valider_entier("N", &opts, &v), Ok(v.clone()));
            }
        }
    }
}
