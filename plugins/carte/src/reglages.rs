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

/// The choices of the `geometries` setting (a list rather than three
/// checkboxes: an unchecked box is `false`, and a form saved untouched
/// would then refuse every kind of geometry).
pub const CHOIX_GEOMETRIES: [&str; 7] = [
    "Points, lignes et polygones",
    "Polygones",
    "Lignes",
    "Points",
    "Lignes et polygones",
    "Points et polygones",
    "Points et lignes",
];

/// Points, lignes, polygones allowed by one of [`CHOIX_GEOMETRIES`].
fn genres(choix: &str) -> Option<(bool, bool, bool)> {
    Some(match choix {
        "Points, lignes et polygones" => (true, true, true),
        "Polygones" => (false, false, true),
        "Lignes" => (false, true, false),
        "Points" => (true, false, false),
        "Lignes et polygones" => (false, true, true),
        "Points et polygones" => (true, false, true),
        "Points et lignes" => (true, true, false),
        _ => return None,
    })
}

/// The JSON Schema of the options, for `describe` (keep it in step with
/// `[[settings]]` in plugin.toml).
pub const OPTIONS_SCHEMA: &str = concat!(
    r#"{"type":"object","properties":{"#,
    r#""cadastres":{"type":"boolean","description":"Relever les parcelles cadastrales que touchent les polygones"},"#,
    r#""geometries":{"type":"string","enum":["Points, lignes et polygones","Polygones","Lignes","Points","#,
    r#""Lignes et polygones","Points et polygones","Points et lignes"],"description":"Géométries acceptées"},"#,
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
                "geometries" => {
                    (reglages.points, reglages.lignes, reglages.polygones) = value
                        .as_str()
                        .and_then(genres)
                        .ok_or_else(|| "option `geometries` must be one of the choices of plugin.toml".to_owned())?;
                }
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
        let reglages = Reglages::lire(
            r#"{"cadastres":true,"geometries":"Lignes et polygones","max-geometries":3,"futur":"x","points":null}"#,
        )
        .unwrap();
        assert_eq!(
            reglages,
            Reglages { cadastres: true, points: false, lignes: true, polygones: true, max_geometries: 3 }
        );
        assert!(!reglages.accepte(Genre::Point) && reglages.accepte(Genre::Polygone));
        assert_eq!(reglages.genres_acceptes(), "lignes et polygones");
        assert_eq!(Reglages::default().genres_acceptes(), "points, lignes et polygones");
        for choix in CHOIX_GEOMETRIES {
            let reglages = Reglages::lire(&format!(r#"{{"geometries":"{choix}"}}"#)).unwrap();
            let mut attendu = reglages.genres_acceptes();
            attendu[..1].make_ascii_uppercase();
            assert_eq!(attendu, choix);
        }
        // An untouched settings form: the checkbox is false, the list empty.
        assert_eq!(Reglages::lire(r#"{"cadastres":false}"#), Ok(Reglages::default()));
    }

    #[test]
    fn refuses_unusable_settings() {
        for options in [
            r#"{"cadastres":"oui"}"#,
            r#"{"max-geometries":0}"#,
            r#"{"max-geometries":51}"#,
            r#"{"max-geometries":2.5}"#,
            r#"{"geometries":"Cercles"}"#,
            r#"{"geometries":true}"#,
            "[]",
            "{",
        ] {
            assert!(Reglages::lire(options).is_err(), "{options}");
        }
        assert!(json::parse(OPTIONS_SCHEMA).is_ok());
    }
}
