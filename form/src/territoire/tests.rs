use super::*;
use proptest::prelude::*;

#[test]
fn bundled_lists_parse() {
    assert_eq!(erreur_de_chargement(), None);
    assert_eq!(regions().len(), 26);
    assert_eq!(departements().len(), 109);
    assert_eq!(liste_pays().len(), 250);
    assert!(donnees().is_some_and(|d| d.communes.len() > 34_000 && d.epci.len() > 1_200));
}

#[test]
fn lookups_by_code_carry_departement_and_region() {
    let paris = commune("75056").unwrap();
    assert_eq!((paris.nom, paris.departement, paris.region), ("Paris", "75", "11"));
    assert!(paris.codes_postaux.contains(&"75011"));
    assert_eq!(departement("971").unwrap().nom, "Guadeloupe");
    assert_eq!(departement("2A").unwrap().region, "94");
    assert_eq!(region("84").unwrap().nom, "Auvergne-Rhône-Alpes");
    assert_eq!(pays("FR").unwrap().nom, "France");
    assert_eq!(commune("2A004").unwrap().nom, "Ajaccio");
    for missing in ["", "7505", "75056 ", "99999", "'; --", "75056|75011"] {
        assert_eq!(commune(missing), None, "{missing}");
    }
    assert_eq!(departement("20"), None);
    assert_eq!(pays("fr"), None);
}

#[test]
fn epci_by_siren_and_by_departement() {
    let lyon = epci_du_departement("69");
    assert!(lyon.iter().any(|e| e.nom.contains("Métropole de Lyon") || e.nom.contains("Lyon")), "{lyon:?}");
    let first = lyon.first().unwrap();
    assert_eq!(epci(first.siren), Some(*first));
    assert!(epci_du_departement("99").is_empty());
    assert_eq!(epci("123"), None);
}

#[test]
fn search_by_name_ignores_accents_case_hyphens_and_saint() {
    let noms = |q: &str| rechercher_communes(q, COMMUNES_MAX).iter().map(|t| t.commune.nom).collect::<Vec<_>>();
    assert_eq!(noms("saint etienne").first(), Some(&"Saint-Étienne"));
    assert_eq!(noms("ST-ETIENNE").first(), Some(&"Saint-Étienne"));
    assert_eq!(noms("Saint-Étienne").first(), Some(&"Saint-Étienne"));
    // Most populated first among names starting with the query.
    assert_eq!(noms("bord").first(), Some(&"Bordeaux"));
    // A later word of the name.
    assert!(noms("michel mont").is_empty() || noms("mont saint michel").contains(&"Le Mont-Saint-Michel"));
    assert!(noms("mont saint mich").contains(&"Le Mont-Saint-Michel"));
    // « Strasbourg » is not hidden by reading « st » as « saint ».
    assert!(noms("st").contains(&"Strasbourg"));
    assert!(noms("").is_empty());
    assert!(noms(&"a".repeat(RECHERCHE_MAX_CHARS + 1)).is_empty());
    assert!(rechercher_communes("a", 1000).len() <= COMMUNES_MAX);
}

#[test]
fn search_by_postal_code_or_both() {
    let t = rechercher_communes("75011", COMMUNES_MAX);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].libelle(), "Paris (75011)");
    assert_eq!(t[0].valeur(), "75056|75011");
    assert_eq!(t[0].libelle_departement(), "75 – Paris");
    let ain = rechercher_communes("01400", COMMUNES_MAX);
    assert!(ain.len() > 1 && ain.iter().all(|t| t.code_postal == "01400"));
    assert!(rechercher_communes("97", COMMUNES_MAX).iter().all(|t| t.code_postal.starts_with("97")));
    let both = rechercher_communes("Paris (75011)", COMMUNES_MAX);
    assert_eq!(both.iter().map(|t| t.valeur()).collect::<Vec<_>>(), ["75056|75011"]);
    assert!(rechercher_communes("Lyon 75011", COMMUNES_MAX).is_empty());
}

#[test]
fn typed_text_resolves_to_one_several_or_no_commune() {
    let une = |s: &str| match resoudre_commune(s) {
        Resolution::Une(t) => t.valeur(),
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(une("75056|75011"), "75056|75011");
    assert_eq!(une("Paris (75011)"), "75056|75011");
    assert_eq!(une("75011"), "75056|75011");
    assert_eq!(une("paris 75011"), "75056|75011");
    assert_eq!(une("Ajaccio 20090"), "2A004|20090");
    assert_eq!(une("chamonix mont blanc"), "74056|74400");
    assert!(matches!(resoudre_commune("Ajaccio"), Resolution::Plusieurs(p) if p.len() == 3));
    // A commune without postal code.
    assert_eq!(une("98411|"), "98411|");
    let Resolution::Plusieurs(homonymes) = resoudre_commune("Saint-Denis") else { panic!("homonyms") };
    assert!(homonymes.len() > 1);
    assert!(homonymes.iter().any(|t| t.commune.departement == "93"));
    assert!(homonymes.iter().any(|t| t.commune.departement == "974"));
    for aucune in ["Xyzzy", "00000", "75056|69001", "75056|", "|75011", "99999|75011", "75056|75011|x"] {
        assert_eq!(resoudre_commune(aucune), Resolution::Aucune, "{aucune}");
    }
}

fn type_list() -> [TypeChamp; 5] {
    [TypeChamp::Pays, TypeChamp::Regions, TypeChamp::Departements, TypeChamp::Communes, TypeChamp::Epci]
}

#[test]
fn values_validate_display_and_export() {
    let ok = |t: TypeChamp, v: &str| valider(&t, "Lieu", v).unwrap();
    assert_eq!(ok(TypeChamp::Pays, "BE"), "BE");
    assert_eq!(valeur_affichee(&TypeChamp::Pays, "BE"), "Belgique");
    assert_eq!(ok(TypeChamp::Regions, "11"), "11");
    assert_eq!(valeur_affichee(&TypeChamp::Regions, "11"), "Île-de-France");
    assert_eq!(ok(TypeChamp::Departements, "971"), "971");
    assert_eq!(valeur_affichee(&TypeChamp::Departements, "971"), "971 – Guadeloupe");
    assert_eq!(ok(TypeChamp::Communes, "Paris (75011)"), "75056|75011");
    assert_eq!(valeur_affichee(&TypeChamp::Communes, "75056|75011"), "Paris (75011)");
    let siren = epci_du_departement("69")[0].siren;
    assert_eq!(ok(TypeChamp::Epci, siren), siren);
    assert_eq!(
        valeur_pour_export(&TypeChamp::Communes, "75056|75011"),
        [
            ("", "Paris".to_string()),
            ("code INSEE", "75056".to_string()),
            ("code postal", "75011".to_string()),
            ("département", "75".to_string()),
            ("région", "11".to_string()),
        ]
    );
    assert_eq!(valeur_pour_export(&TypeChamp::Departements, "2B"), [("", "Haute-Corse".into()), ("code", "2B".into())]);
    for t in type_list() {
        assert!(valeur_pour_export(&t, "inconnu").is_empty());
        assert_eq!(valeur_affichee(&t, "inconnu"), "inconnu");
    }
}

#[test]
fn bad_values_are_refused_in_french() {
    let bad = [
        (TypeChamp::Pays, "XX"),
        (TypeChamp::Pays, "France"),
        (TypeChamp::Regions, "99"),
        (TypeChamp::Departements, "20"),
        (TypeChamp::Departements, "971 – Guadeloupe"),
        (TypeChamp::Epci, "000000000"),
        (TypeChamp::Communes, "Xyzzy"),
        (TypeChamp::Communes, "75056|99999"),
    ];
    for (t, v) in bad {
        let message = valider(&t, "Lieu", v).unwrap_err();
        assert!(message.contains("« Lieu »") && message.contains("liste") || message.contains("aucune commune"), "{v}");
    }
    let several = valider(&TypeChamp::Communes, "Lieu", "Saint-Denis").unwrap_err();
    assert!(several.contains("plusieurs communes"), "{several}");
    assert!(valider(&TypeChamp::Communes, "Lieu", &"x".repeat(200)).is_err());
    assert!(valider(&TypeChamp::Text, "Lieu", "FR").is_err());
}

proptest! {
    #[test]
    fn no_input_panics(s in "\\PC{0,120}", t in 0usize..5) {
        let t = &type_list()[t];
        let _ = valider(t, "Lieu", &s);
        let _ = valeur_affichee(t, &s);
        let _ = valeur_pour_export(t, &s);
        prop_assert!(rechercher_communes(&s, COMMUNES_MAX).len() <= COMMUNES_MAX);
        let _ = resoudre_commune(&s);
    }

    #[test]
    fn every_found_commune_resolves_back_from_its_value(q in "[a-z0-9 '-]{1,12}") {
        for t in rechercher_communes(&q, 5) {
            prop_assert_eq!(commune_de_valeur(&t.valeur()), Some(t));
        }
    }
}
