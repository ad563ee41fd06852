//! How a stored answer reads inside a rule: typed by its champ's type, so
//! that `champ_3 > 1000` compares numbers and `champ_4` is a boolean. A
//! blank is `()`, which compares false with anything (as on the original
//! platform, where a blank or hidden champ reads nil).

use crate::champ::TypeChamp;
use rhai::{Array, Dynamic};

/// The rule value of `stored` for a champ of type `t`.
pub fn valeur(t: &TypeChamp, stored: Option<&str>) -> Dynamic {
    let Some(v) = stored.map(str::trim).filter(|v| !v.is_empty()) else {
        // An unticked box is stored as nothing, but means « no ».
        return if *t == TypeChamp::Checkbox { Dynamic::FALSE } else { Dynamic::UNIT };
    };
    match t {
        TypeChamp::IntegerNumber => v.parse::<i64>().map_or(Dynamic::UNIT, Dynamic::from_int),
        TypeChamp::DecimalNumber => v.replace(',', ".").parse::<f64>().map_or(Dynamic::UNIT, Dynamic::from_float),
        TypeChamp::Calcul => nombre_ou_texte(v),
        TypeChamp::YesNo | TypeChamp::Checkbox | TypeChamp::Engagement => Dynamic::from_bool(v == "true"),
        TypeChamp::MultipleDropDownList => liste(v),
        TypeChamp::Communes | TypeChamp::Departements | TypeChamp::Regions | TypeChamp::Epci | TypeChamp::Pays => {
            Dynamic::from(code_territoire(v))
        }
        _ => Dynamic::from(v.to_string()),
    }
}

/// The value of a champ that rules cannot see: hidden, or not answered.
pub fn vide() -> Dynamic {
    Dynamic::UNIT
}

/// A computed value stored as text reads back as the number it was.
fn nombre_ou_texte(v: &str) -> Dynamic {
    if let Ok(i) = v.parse::<i64>() {
        return Dynamic::from_int(i);
    }
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => Dynamic::from_float(f),
        _ => Dynamic::from(v.to_string()),
    }
}

/// A multiple choice: stored as a JSON list, or one choice per line.
fn liste(v: &str) -> Dynamic {
    let items: Vec<String> = if v.starts_with('[') {
        serde_json::from_str(v).unwrap_or_default()
    } else {
        v.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    };
    let a: Array = items.into_iter().map(Dynamic::from).collect();
    Dynamic::from_array(a)
}

/// A territory answer's code: stored as the code itself, or as a JSON
/// object holding it (a commune keeps its postal code and names too).
pub fn code_territoire(v: &str) -> String {
    if v.starts_with('{')
        && let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(v)
    {
        for cle in ["code_insee", "code", "insee"] {
            if let Some(serde_json::Value::String(s)) = o.get(cle) {
                return s.clone();
            }
        }
    }
    v.to_string()
}

/// A computed value as stored: numbers written plainly (`12.5`, `1200`),
/// booleans as `true`/`false`, blanks as nothing.
pub fn en_texte(v: &Dynamic) -> Option<String> {
    if v.is_unit() {
        return None;
    }
    if let Ok(f) = v.as_float() {
        if !f.is_finite() {
            return None;
        }
        // Twelve decimals hide binary noise (0.1 + 0.2) without losing cents.
        let s = format!("{:.12}", f);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        return Some(if s == "-0" { "0".to_string() } else { s.to_string() });
    }
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_by_their_champ() {
        assert_eq!(valeur(&TypeChamp::IntegerNumber, Some("12")).as_int(), Ok(12));
        assert!(valeur(&TypeChamp::IntegerNumber, Some("douze")).is_unit());
        assert_eq!(valeur(&TypeChamp::DecimalNumber, Some("12.5")).as_float(), Ok(12.5));
        assert_eq!(valeur(&TypeChamp::YesNo, Some("true")).as_bool(), Ok(true));
        assert!(valeur(&TypeChamp::YesNo, None).is_unit());
        assert_eq!(valeur(&TypeChamp::Checkbox, None).as_bool(), Ok(false));
        let l = valeur(&TypeChamp::MultipleDropDownList, Some(r#"["a","b"]"#));
        assert_eq!(l.into_array().map(|a| a.len()), Ok(2));
        assert_eq!(valeur(&TypeChamp::MultipleDropDownList, Some("a\nb\n")).into_array().map(|a| a.len()), Ok(2));
        assert_eq!(code_territoire(r#"{"code_insee":"75056","nom":"Paris"}"#), "75056");
        assert_eq!(code_territoire("75056"), "75056");
    }

    #[test]
    fn computed_values_are_written_plainly() {
        assert_eq!(en_texte(&Dynamic::from_float(0.1 + 0.2)).as_deref(), Some("0.3"));
        assert_eq!(en_texte(&Dynamic::from_float(12.0)).as_deref(), Some("12"));
        assert_eq!(en_texte(&Dynamic::from_int(-4)).as_deref(), Some("-4"));
        assert_eq!(en_texte(&Dynamic::from_float(f64::NAN)), None);
        assert_eq!(en_texte(&Dynamic::UNIT), None);
    }
}
