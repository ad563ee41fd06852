//! The adapters between the traits and the generated bindings, natively.

use crate::__private::{routage as routage_glue, type_de_champ as glue, wit};
use crate::*;

struct Majuscules;

impl TypeDeChamp for Majuscules {
    fn describe() -> Description {
        description!("majuscules", "Majuscules", "Met la valeur en majuscules.")
            .options_schema(r#"{"type":"object","properties":{"mode":{"type":"string"}}}"#)
            .capabilities([Capability::Suggest, Capability::Export])
    }

    fn validate(value: &str, options: &Options) -> Result<Validation, PluginError> {
        match options.get_str("mode")? {
            Some("panne") => Err(PluginError::upstream_unavailable("annuaire down")),
            Some(other) if other != "strict" => Err(PluginError::misconfigured("unknown mode")),
            _ if value.is_empty() => Ok(Validation::Invalid(vec![
                FieldError::new("vide", "La valeur est vide"),
                FieldError::new("requis", "La valeur est requise"),
            ])),
            _ => Ok(Validation::valid(value.to_uppercase())),
        }
    }

    fn suggest(query: &str, _options: &Options, _limit: usize) -> Result<Vec<Suggestion>, PluginError> {
        // Ignores the limit on purpose: the adapter must enforce it.
        Ok((0..10).map(|i| Suggestion::new(format!("{query}{i}"), format!("{query} n° {i}"))).collect())
    }

    fn export_columns(_options: &Options) -> Result<Vec<ExportColumn>, PluginError> {
        Ok(vec![ExportColumn::new("valeur", "Valeur"), ExportColumn::new("longueur", "Longueur")])
    }

    fn export_values(value: &str, donnees: Option<&Donnees>, _options: &Options) -> Result<Vec<String>, PluginError> {
        // A bug on purpose when donnees are given: one cell too few.
        match donnees {
            Some(_) => Ok(vec![value.to_owned()]),
            None => Ok(vec![value.to_owned(), value.len().to_string()]),
        }
    }
}

#[test]
fn describe_carries_schemas_and_capabilities() {
    let description = glue::describe::<Majuscules>();
    assert_eq!(description.id, "majuscules");
    assert_eq!(description.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(description.donnees_schema, "{}");
    assert!(description.options_schema.contains("mode"));
    assert!(matches!(
        description.capabilities.as_slice(),
        [wit::type_de_champ::Capability::Suggest, wit::type_de_champ::Capability::Export]
    ));
}

#[test]
fn validate_maps_every_answer() {
    let validate = |value: &str, options: &str| glue::validate::<Majuscules>(value.into(), options.into());
    assert!(matches!(validate("abc", "{}"), Ok(wit::type_de_champ::Validation::Valid(v)) if v == "ABC"));
    match validate("", "{}") {
        Ok(wit::type_de_champ::Validation::Invalid(errors)) => {
            let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
            assert_eq!(codes, ["vide", "requis"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        matches!(validate("a", r#"{"mode":"panne"}"#), Err(wit::PluginError::UpstreamUnavailable(r)) if r == "annuaire down")
    );
    assert!(matches!(validate("a", r#"{"mode":"x"}"#), Err(wit::PluginError::Misconfigured(_))));
    assert!(matches!(validate("a", "[]"), Err(wit::PluginError::InvalidInput(_))));
}

#[test]
fn defaults_are_what_the_host_does_without_the_capability() {
    let options = || "{}".to_owned();
    assert_eq!(glue::display::<Majuscules>("abc".into(), None, options()).ok(), Some("abc".to_owned()));
    assert_eq!(glue::search_text::<Majuscules>("abc".into(), Some("{}".into()), options()).ok(), Some("abc".into()));
    match glue::enrich::<Majuscules>("abc".into(), options()) {
        Ok(Ok(enrichment)) => assert_eq!((enrichment.donnees.as_str(), enrichment.resume.len()), ("{}", 0)),
        other => panic!("unexpected {other:?}"),
    }
    struct Nu;
    impl TypeDeChamp for Nu {
        fn describe() -> Description {
            description!("nu", "Nu", "Rien.")
        }
        fn validate(value: &str, _: &Options) -> Result<Validation, PluginError> {
            Ok(Validation::valid(value))
        }
    }
    let columns = glue::export_columns::<Nu>(options()).unwrap();
    assert_eq!(columns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["valeur"]);
    assert_eq!(glue::export_values::<Nu>("v".into(), None, options()).unwrap(), ["v"]);
    assert!(glue::suggest::<Nu>("abc".into(), options(), 5).unwrap().is_empty());
}

#[test]
fn suggest_is_cut_at_the_limit() {
    let suggestions = glue::suggest::<Majuscules>("ab".into(), "{}".into(), 3).unwrap();
    let values: Vec<_> = suggestions.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(values, ["ab0", "ab1", "ab2"]);
    assert_eq!(suggestions[0].donnees, "{}");
}

#[test]
fn export_values_must_match_the_columns() {
    assert_eq!(glue::export_values::<Majuscules>("abc".into(), None, "{}".into()).unwrap(), ["abc", "3"]);
    assert!(matches!(
        glue::export_values::<Majuscules>("abc".into(), Some("{}".into()), "{}".into()),
        Err(wit::PluginError::Internal(_))
    ));
}

struct ParDepartement;

impl Routage for ParDepartement {
    fn describe() -> Description {
        description!("par-departement", "Par département", "Route selon le département.")
    }

    fn route(dossier: &Dossier, groupes: &[Groupe], _options: &Options) -> Result<Decision, PluginError> {
        match dossier.valeur(7) {
            Some("69") => Ok(Decision::groupe(groupes[0].id, "Département 69 (Rhône) → Groupe Lyon")),
            Some("99") => Ok(Decision::groupe(999, "bug")),
            _ => Ok(Decision::defaut("Département absent")),
        }
    }
}

fn wit_dossier(departement: &str) -> wit::Dossier {
    use crate::bindings::type_de_champ::guichet::plugin::types::Champ as WitChamp;
    wit::Dossier {
        numero: 1,
        etat: "en-construction".into(),
        demarche_numero: 2,
        demarche_libelle: "D".into(),
        usager_email: "u@example.fr".into(),
        depose_le: None,
        decide_le: None,
        motivation: None,
        champs: vec![WitChamp {
            stable_id: 7,
            libelle: "Département".into(),
            type_champ: "departements".into(),
            valeur: Some(departement.into()),
            donnees: Some("{}".into()),
        }],
    }
}

#[test]
fn routage_adapter_checks_the_groupe() {
    let groupes = || vec![wit::routage::Groupe { id: 10, libelle: "Lyon".into() }];
    let decision = routage_glue::route::<ParDepartement>(wit_dossier("69"), groupes(), "{}".into()).unwrap();
    assert_eq!((decision.groupe, decision.explication.as_str()), (Some(10), "Département 69 (Rhône) → Groupe Lyon"));
    let decision = routage_glue::route::<ParDepartement>(wit_dossier("01"), groupes(), "{}".into()).unwrap();
    assert_eq!(decision.groupe, None);
    assert!(matches!(
        routage_glue::route::<ParDepartement>(wit_dossier("99"), groupes(), "{}".into()),
        Err(wit::PluginError::Internal(_))
    ));
    assert_eq!(routage_glue::describe::<ParDepartement>().options_schema, DEFAULT_OPTIONS_SCHEMA);
}
