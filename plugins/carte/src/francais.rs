//! Measures written the French way: « 12 500 m² », « 1,25 ha », « 350 m »,
//! « 43,60845° N, 3,8796° E ». Thousands are grouped with a no-break space
//! (U+00A0, present in every font a PDF may use) and units follow one.

use crate::json::push_uint;
use crate::plan::Position;

const ESPACE: char = '\u{a0}';

/// `valeur` rounded to `decimales` decimals, French style, trailing zeros
/// dropped (« 1,2 », « 12 500 »).
pub fn nombre(valeur: f64, decimales: u32) -> String {
    let unite = 10u64.pow(decimales);
    // Measures are far below 2⁶³ hundredths; saturating is harmless anyway.
    let arrondi = (valeur.abs() * unite as f64).round() as u64;
    let mut out = String::new();
    if valeur < 0.0 && arrondi != 0 {
        out.push('-');
    }
    let mut entier = String::new();
    push_uint(&mut entier, arrondi / unite);
    let premier = entier.len() % 3;
    for (i, c) in entier.chars().enumerate() {
        if i > 0 && (i + 3 - premier).is_multiple_of(3) && entier.len() > 4 {
            out.push(ESPACE);
        }
        out.push(c);
    }
    let mut fraction = arrondi % unite;
    if fraction > 0 {
        let mut largeur = decimales as usize;
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            largeur -= 1;
        }
        let mut chiffres = String::new();
        push_uint(&mut chiffres, fraction);
        out.push(',');
        for _ in chiffres.len()..largeur {
            out.push('0');
        }
        out.push_str(&chiffres);
    }
    out
}

fn avec_unite(valeur: f64, decimales: u32, unite: &str) -> String {
    let mut out = nombre(valeur, decimales);
    out.push(ESPACE);
    out.push_str(unite);
    out
}

/// A surface: m² below one hectare, hectares above.
pub fn surface(m2: f64) -> String {
    if m2 >= 10_000.0 {
        avec_unite(m2 / 10_000.0, 2, "ha")
    } else if m2 >= 10.0 {
        avec_unite(m2, 0, "m²")
    } else {
        avec_unite(m2, 1, "m²")
    }
}

/// A length: metres below one kilometre, kilometres above.
pub fn longueur(m: f64) -> String {
    if m >= 1_000.0 {
        avec_unite(m / 1_000.0, 2, "km")
    } else if m >= 10.0 {
        avec_unite(m, 0, "m")
    } else {
        avec_unite(m, 1, "m")
    }
}

/// « 43,60845° N, 3,8796° E »: latitude first, as people read them.
pub fn coordonnees(p: &Position) -> String {
    let mut out = nombre(p.lat().abs(), 7);
    out.push_str(if p.y < 0 { "°\u{a0}S, " } else { "°\u{a0}N, " });
    out.push_str(&nombre(p.lon().abs(), 7));
    out.push_str(if p.x < 0 { "°\u{a0}O" } else { "°\u{a0}E" });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_numbers_the_french_way() {
        assert_eq!(nombre(1234567.891, 2), "1\u{a0}234\u{a0}567,89");
        assert_eq!(nombre(12500.0, 0), "12\u{a0}500");
        // Four digits are not grouped (« 1250 », as the Imprimerie nationale writes).
        assert_eq!(nombre(1250.0, 0), "1250");
        assert_eq!(nombre(999.999, 2), "1000");
        assert_eq!(nombre(1.2, 2), "1,2");
        assert_eq!(nombre(0.05, 2), "0,05");
        assert_eq!(nombre(-3.5, 1), "-3,5");
        assert_eq!(nombre(-0.001, 1), "0");
        assert_eq!(nombre(100_000.0, 0), "100\u{a0}000");
    }

    #[test]
    fn picks_units() {
        assert_eq!(surface(12_500.0), "1,25\u{a0}ha");
        assert_eq!(surface(8_500.4), "8500\u{a0}m²");
        assert_eq!(surface(448.48), "448\u{a0}m²");
        assert_eq!(surface(0.42), "0,4\u{a0}m²");
        assert_eq!(surface(1_234_567.0), "123,46\u{a0}ha");
        assert_eq!(longueur(350.4), "350\u{a0}m");
        assert_eq!(longueur(1_350.0), "1,35\u{a0}km");
        assert_eq!(longueur(2.25), "2,3\u{a0}m");
        assert_eq!(longueur(12_345_678.0), "12\u{a0}345,68\u{a0}km");
    }

    #[test]
    fn writes_coordinates_with_hemispheres() {
        assert_eq!(coordonnees(&Position::new(38_796_000, 436_084_500)), "43,60845°\u{a0}N, 3,8796°\u{a0}E");
        assert_eq!(coordonnees(&Position::new(-617_259_000, 159_972_000)), "15,9972°\u{a0}N, 61,7259°\u{a0}O");
        assert_eq!(coordonnees(&Position::new(1_668_000_000, -222_758_000)), "22,2758°\u{a0}S, 166,8°\u{a0}E");
    }
}
