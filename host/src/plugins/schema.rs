//! The JSON Schema subset plugins declare for the JSON they own
//! (`options-schema`, `donnees-schema`): `type` (one or a list), `properties`,
//! `required`, `additionalProperties: false`, `enum`, `items`, `minimum`,
//! `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems`. Other
//! keywords are accepted and not checked, so a schema written for a richer
//! validator never refuses valid data here; what is checked is checked
//! exactly.

use serde_json::Value;

/// Deepest nesting checked: plugin data is a few levels deep; the bound
/// stops a crafted schema or document from recursing the host's stack away.
const MAX_DEPTH: usize = 32;

/// Why `value` does not match `schema`, with the JSON pointer of the
/// culprit (technical English, for logs).
pub fn check(schema: &Value, value: &Value) -> Result<(), String> {
    check_at(schema, value, "", 0)
}

/// Whether `json` is a JSON object, the least a plugin-owned JSON shape
/// must be; `Err` completes « options-schema … » (technical English).
pub fn check_object(json: &str) -> Result<(), String> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(_)) => Ok(()),
        Ok(_) => Err("is not a JSON object".to_owned()),
        Err(error) => Err(format!("is not JSON: {error}")),
    }
}

fn check_at(schema: &Value, value: &Value, at: &str, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("{at}: nested deeper than {MAX_DEPTH} levels"));
    }
    let Some(schema) = schema.as_object() else {
        // `true`, `{}`-like or malformed: nothing checkable.
        return Ok(());
    };
    if let Some(kind) = schema.get("type") {
        let allowed: Vec<&str> = match kind {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.is_empty() && !allowed.iter().any(|kind| is_of_type(value, kind)) {
            return Err(format!("{at}: expected {}, found {}", allowed.join(" or "), type_name(value)));
        }
    }
    if let Some(Value::Array(choices)) = schema.get("enum")
        && !choices.contains(value)
    {
        return Err(format!("{at}: not one of the allowed values"));
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(required)) = schema.get("required") {
                for key in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(key) {
                        return Err(format!("{at}: missing required property {key:?}"));
                    }
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, item) in map {
                let path = format!("{at}/{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(sub) => check_at(sub, item, &path, depth + 1)?,
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Err(format!("{path}: property not allowed"));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            bound(schema, "minItems", "maxItems", items.len() as f64, at, "items")?;
            if let Some(sub) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    check_at(sub, item, &format!("{at}/{index}"), depth + 1)?;
                }
            }
        }
        Value::String(text) => bound(schema, "minLength", "maxLength", text.chars().count() as f64, at, "characters")?,
        Value::Number(number) => {
            if let Some(n) = number.as_f64() {
                bound(schema, "minimum", "maximum", n, at, "")?;
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
    Ok(())
}

fn bound(
    schema: &serde_json::Map<String, Value>,
    min: &str,
    max: &str,
    actual: f64,
    at: &str,
    unit: &str,
) -> Result<(), String> {
    if let Some(low) = schema.get(min).and_then(Value::as_f64)
        && actual < low
    {
        return Err(format!("{at}: {actual} {unit} is under {min} {low}"));
    }
    if let Some(high) = schema.get(max).and_then(Value::as_f64)
        && actual > high
    {
        return Err(format!("{at}: {actual} {unit} is over {max} {high}"));
    }
    Ok(())
}

fn is_of_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        // An unknown type name constrains nothing we know how to check.
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_the_declared_subset() {
        let schema = json!({
            "type": "object",
            "required": ["siret"],
            "properties": {
                "siret": { "type": "string", "minLength": 14, "maxLength": 14 },
                "effectif": { "type": ["integer", "null"], "minimum": 0 },
                "etat": { "enum": ["actif", "ferme"] },
                "adresses": { "type": "array", "maxItems": 2, "items": { "type": "string" } }
            }
        });
        assert_eq!(check(&schema, &json!({ "siret": "13002526500013", "effectif": null })), Ok(()));
        assert!(check(&schema, &json!({})).unwrap_err().contains("siret"));
        assert!(check(&schema, &json!({ "siret": "123" })).unwrap_err().contains("/siret"));
        assert!(check(&schema, &json!({ "siret": "13002526500013", "effectif": 1.5 })).is_err());
        assert!(check(&schema, &json!({ "siret": "13002526500013", "etat": "autre" })).is_err());
        assert!(
            check(&schema, &json!({ "siret": "13002526500013", "adresses": ["a", 2] }))
                .unwrap_err()
                .contains("/adresses/1")
        );
        assert!(check(&schema, &json!({ "siret": "13002526500013", "adresses": ["a", "b", "c"] })).is_err());
        assert!(check(&schema, &json!("texte")).is_err());
    }

    #[test]
    fn unknown_keywords_and_empty_schemas_accept() {
        assert_eq!(check(&json!({}), &json!({ "any": [1, 2] })), Ok(()));
        assert_eq!(check(&json!({ "oneOf": [{ "type": "string" }] }), &json!(3)), Ok(()));
        let closed = json!({ "type": "object", "properties": {}, "additionalProperties": false });
        assert!(check(&closed, &json!({ "x": 1 })).unwrap_err().contains("/x"));
    }

    #[test]
    fn deep_documents_are_refused_not_recursed_forever() {
        let mut schema = json!({ "type": "array" });
        let mut value = json!(1);
        for _ in 0..100 {
            schema = json!({ "type": "array", "items": schema });
            value = json!([value]);
        }
        assert!(check(&schema, &value).unwrap_err().contains("deeper"));
    }
}
