//! The champ's per-démarche settings (`options`), as the administrateur set
//! them: which layers are offered, which geometries are allowed, how many.

use crate::geometrie::Genre;
use crate::json::{self, Json};

/// The most geometries one champ holds, whatever the settings: it bounds the
/// work of every call (vertices are bounded per geometry) and the cadastre
/// requests `enrich` makes.
pub const MAX_GEOMETRIES: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reglages {
    /// Look up the cadastral parcels under each polygon (DS's « Parcelles
    /// cadastrales » layer).
    pub cadastres: bool,
    pub points: bool,
    pub lignes: bool,
    pub polygones: bool,
    pub max_geometries: usize,
}

impl Default for Reglages {
    fn default() -> Self {
        Reglages { cadastres: false, points: true, lignes: true, polygones: true, max_geometries: MAX_GEOMETRIES }
    }
}

/// The JSON Schema of the options, for `describe`.
pub const OPTIONS_SCHEMA: &str = concat!(
    r#"{"type":"object","properties":{"#,
    r#""cadastres":{"type":"boolean","description":"Afficher les parcelles cadastrales et relever celles que touchent les polygones"},"#,
    r#""points":{"type":"boolean","description":"Accepter les points"},"#,
    r#""lignes":{"type":"boolean","description":"Accepter les lignes"},"#,
    r#""polygones":{"type":"boolean","description":"Accepter les polygones"},"#,
    r#""max-geometries":{"type":"integer","minimum":1,"maximum":50,"description":"Nombre maximal de géométries"}"#,
    r#"}}"#
);

impl Reglages {
    /// Reads the options object. `Err` is a technical English reason: the
    /// administrateur's settings are unusable (`misconfigured`), or the host
    /// sent something that is not an object.
    pub fn lire(options: &str) -> Result<Reglages, String> {
        let value = json::parse(options).map_err(|_| "options are not valid JSON".to_owned())?;
        let Some(members) = value.as_object() else {
            return Err("options are not a JSON object".to_owned());
        };
        let mut reglages = Reglages::default();
        for (key, value) in members {
            if matches!(value, Json::Null) {
                continue;
            }
            let flag = |value: &Json| value.as_bool().ok_or_else(|| format!("option `{key}` must be a boolean"));
            match key.as_str() {
                "cadastres" => reglages.cadastres = flag(value)?,
                "points" => reglages.points = flag(value)?,
                "lignes" => reglages.lignes = flag(value)?,
                "polygones" => reglages.polygones = flag(value)?,
                "max-geometries" => {
                    reglages.max_geometries = match value.as_f64() {
                        Some(n) if n.fract() == 0.0 && (1.0..=MAX_GEOMETRIES as f64).contains(&n) => n as usize,
                        _ => return Err("option `max-geometries` must be an integer from 1 to 50".to_owned()),
                    }
                }
                // A newer version's settings must not break this one.
                _ => {}
            }
        }
        if !(reglages.points || reglages.lignes || reglages.polygones) {
            return Err("options allow no kind of geometry (points, lignes and polygones are all false)".to_owned());
        }
        Ok(reglages)
    }

    pub fn accepte(&self, genre: Genre) -> bool {
        match genre {
            Genre::Point => self.points,
            Genre::Ligne => self.lignes,
            Genre::Polygone => self.polygones,
        }
    }

    /// « points, lignes et polygones », for messages.
    pub fn genres_acceptes(&self) -> String {
        let names: Vec<&str> = [(self.points, "points"), (self.lignes, "lignes"), (self.polygones, "polygones")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        match names.as_slice() {
            [one] => (*one).to_owned(),
            [first, second] => format!("{first} et {second}"),
            [first, second, third] => format!("{first}, {second} et {third}"),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_settings_with_defaults() {
        assert_eq!(Reglages::lire("{}"), Ok(Reglages::default()));
        let reglages =
            Reglages::lire(r#"{"cadastres":true,"points":false,"max-geometries":3,"futur":"x","lignes":null}"#)
                .unwrap();
        assert_eq!(
            reglages,
            Reglages { cadastres: true, points: false, lignes: true, polygones: true, max_geometries: 3 }
        );
        assert!(!reglages.accepte(Genre::Point) && reglages.accepte(Genre::Polygone));
        assert_eq!(reglages.genres_acceptes(), "lignes et polygones");
        assert_eq!(Reglages::default().genres_acceptes(), "points, lignes et polygones");
    }

    #[test]
    fn refuses_unusable_settings() {
        for options in [
            r#"{"cadastres":"oui"}"#,
            r#"{"max-geometries":0}"#,
            r#"{"max-geometries":51}"#,
            r#"{"max-geometries":2.5}"#,
            r#"{"points":false,"lignes":false,"polygones":false}"#,
            "[]",
            "{",
        ] {
            assert!(Reglages::lire(options).is_err(), "{options}");
        }
        assert!(json::parse(OPTIONS_SCHEMA).is_ok());
    }
}
