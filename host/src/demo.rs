//! Demo data for `guichet serve --demo`: one compte per role and a published
//! démarche at `/commencer/demo`, built through the same workflow functions
//! as the UI. Seeding twice changes nothing.

use crate::domain::champ::SaisieOptions;
use crate::domain::compte::Administrateur;
use crate::domain::demarche::reglages::ReglagesSaisis;
use crate::domain::demarche::{DemarcheInput, Service};
use crate::domain::{AdministrateurId, DemarcheId, TypeChamp};
use crate::state::AppState;
use crate::store::{comptes, demarches};
use crate::workflow::comptes::{Roles, creer_compte_operateur};
use crate::workflow::demarche::{self as wf, ChampInput};
use anyhow::{Context, anyhow};

pub const PASSWORD: &str = "pivoine-lanterne-horizon-42";
pub const PATH: &str = "demo";

pub struct DemoInfo {
    pub path: String,
    pub comptes: Vec<(&'static str, String)>,
}

pub async fn seed(state: &AppState) -> anyhow::Result<DemoInfo> {
    let admin_email = "administrateur@demo.guichet.localhost";
    let instructeur_email = "instructeur@demo.guichet.localhost";
    let usager_email = "usager@demo.guichet.localhost";
    let expert_email = "expert@demo.guichet.localhost";
    let info = DemoInfo {
        path: PATH.to_string(),
        comptes: vec![
            ("administrateur", admin_email.to_string()),
            ("instructeur", instructeur_email.to_string()),
            ("usager", usager_email.to_string()),
            ("expert", expert_email.to_string()),
        ],
    };
    let admin_compte =
        creer_compte_operateur(state, admin_email, PASSWORD, Roles { administrateur: true, ..Roles::default() })
            .await?;
    creer_compte_operateur(state, instructeur_email, PASSWORD, Roles { instructeur: true, ..Roles::default() }).await?;
    creer_compte_operateur(state, usager_email, PASSWORD, Roles::default()).await?;
    creer_compte_operateur(state, expert_email, PASSWORD, Roles { expert: true, ..Roles::default() }).await?;

    // A write transaction: the administrateur role may be created here
    // (PostgreSQL refuses an INSERT in a read-only one).
    let mut tx = state.store.write().await?;
    let exists = !demarches::paths::libre(tx.conn(), PATH, None).await?;
    let admin_id = comptes::ensure_administrateur(tx.conn(), admin_compte, chrono::Utc::now()).await?;
    tx.commit().await?;
    if exists {
        return Ok(info);
    }
    let admin = Administrateur {
        compte_id: admin_compte,
        administrateur_id: AdministrateurId(admin_id.0),
        email: admin_email.into(),
    };
    let input = DemarcheInput {
        libelle: "Demande de subvention pour une association sportive".into(),
        description: "Cette démarche permet aux associations sportives de la commune de demander une subvention de fonctionnement pour la saison à venir.\n\nPréparez le numéro SIRET de l'association, le nombre d'adhérents et le montant demandé.".into(),
        service: Service {
            nom: "Service des sports".into(),
            organisme: "Mairie de Démoville".into(),
            email: "sports@demoville.example".into(),
            telephone: "01 23 45 67 89".into(),
            horaires: "Du lundi au vendredi, de 9 h à 12 h".into(),
            adresse: "1 place de la Mairie, 99999 Démoville".into(),
        },
        reglages: ReglagesSaisis {
            cadre_juridique: "Délibération n° 2026-04 du conseil municipal de Démoville du 3 mars 2026".into(),
            message_fin_depot: "Le service des sports étudie les demandes chaque mois. Vous recevrez la décision par courriel.".into(),
            ..ReglagesSaisis::default()
        },
    };
    let id = wf::creer(state, &admin, input).await.map_err(|(_, e)| anyhow!("demo démarche refused: {e:?}"))?;
    // Plugin champ types, when their plugin is installed: SIRET, adresse
    // and carte (Rust), and the examples written in Python (IBAN) and
    // JavaScript (RNA). The demo grants them no outside API: values are
    // checked, not enriched (the operator grants API Entreprise, the BAN…
    // in `--plugins-config`).
    let plugin_type = |plugin: &'static str| state.plugins.type_de_champ(plugin).map(|_| plugin);
    let (siret, rna, iban) = (plugin_type("siret"), plugin_type("rna"), plugin_type("iban"));
    let (adresse, carte) = (plugin_type("adresse"), plugin_type("carte"));
    for plugin in [siret, rna, iban, adresse, carte].into_iter().flatten() {
        wf::activer_plugin(state, &admin, id, plugin).await?;
    }
    // Accepted dossiers get an attestation when the plugin is installed.
    if state.plugins.plugin("attestation").is_some() {
        wf::activer_plugin(state, &admin, id, "attestation").await?;
    }
    let as_type = |plugin: &str| TypeChamp::Plugin(plugin.into()).as_str();
    let siret = siret.map(as_type);
    let champs: Vec<(String, &str, &str, bool, &str)> = [
        (TypeChamp::HeaderSection.as_str(), "Votre association", "", false, ""),
        (TypeChamp::Text.as_str(), "Nom de l'association", "Tel qu'il figure dans les statuts", true, ""),
    ]
    .into_iter()
    .chain(siret.map(|t| (t, "Numéro SIRET de l'association", "14 chiffres, sur vos documents officiels", true, "")))
    .chain(
        rna.map(as_type)
            .map(|t| (t, "Numéro RNA", "W suivi de 9 caractères, sur le récépissé de la préfecture", false, "")),
    )
    .chain(adresse.map(as_type).map(|t| (t, "Adresse du siège", "Numéro, voie, code postal et commune", true, "")))
    .chain([
        (TypeChamp::Date.as_str(), "Date de création", "", false, ""),
        (
            TypeChamp::DropDownList.as_str(),
            "Discipline principale",
            "",
            true,
            "Athlétisme\nFootball\nNatation\nRugby\nTennis\nAutre",
        ),
        (TypeChamp::IntegerNumber.as_str(), "Nombre d'adhérents", "", true, ""),
        (TypeChamp::HeaderSection.as_str(), "Votre demande", "", false, ""),
        (TypeChamp::DecimalNumber.as_str(), "Montant demandé (en euros)", "", true, ""),
        (TypeChamp::YesNo.as_str(), "Avez-vous déjà reçu une subvention de la commune ?", "", true, ""),
        (TypeChamp::Textarea.as_str(), "Description du projet", "Objectifs, publics concernés, calendrier", false, ""),
    ])
    .chain(carte.map(as_type).map(|t| {
        (t, "Emprise des installations sportives", "Dessinez les terrains ou équipements concernés", false, "")
    }))
    .chain(
        iban.map(as_type)
            .map(|t| (t, "IBAN du compte de l'association", "Pour le versement de la subvention", false, "")),
    )
    .chain([(
        TypeChamp::Engagement.as_str(),
        "J'atteste sur l'honneur l'exactitude des informations fournies",
        "",
        true,
        "",
    )])
    // The territory types, last and optional so that the stable ids and
    // answers above stay as they were.
    .chain([
        (TypeChamp::HeaderSection.as_str(), "Localisation des activités", "", false, ""),
        (TypeChamp::Communes.as_str(), "Commune du siège", "", false, ""),
        (TypeChamp::Departements.as_str(), "Département des compétitions", "", false, ""),
        (TypeChamp::Regions.as_str(), "Région de la ligue sportive", "", false, ""),
        (TypeChamp::Epci.as_str(), "Intercommunalité (EPCI) du siège", "", false, ""),
        (TypeChamp::Pays.as_str(), "Pays du dernier tournoi à l'étranger", "", false, ""),
    ])
    .collect();
    let mut inputs: Vec<ChampInput> = champs
        .into_iter()
        .map(|(type_champ, libelle, description, obligatoire, options)| ChampInput {
            type_champ,
            libelle: libelle.into(),
            description: description.into(),
            obligatoire: obligatoire.then(|| "on".to_string()),
            parent: String::new(),
            options: match libelle {
                "Description du projet" => {
                    SaisieOptions { limite_caracteres: "2000".into(), ..SaisieOptions::default() }
                }
                "Nombre d'adhérents" | "Montant demandé (en euros)" => {
                    SaisieOptions { positif: "on".into(), ..SaisieOptions::default() }
                }
                "Date de création" => SaisieOptions { passe: "on".into(), ..SaisieOptions::default() },
                _ => SaisieOptions { options: options.into(), ..SaisieOptions::default() },
            },
        })
        .collect();
    // One champ of every other built-in type, optional, after the ones the
    // demo's journeys fill in (their numbers stay the same).
    inputs.extend(catalogue());
    for input in inputs {
        wf::ajouter_champ(state, &admin, id, wf::Liste::Formulaire, &input)
            .await?
            .map_err(|e| anyhow!("demo champ refused: {e:?}"))?;
    }
    regles(state, &admin, id).await?;
    crate::workflow::groupes::affecter_instructeur(state, &admin, id, None, instructeur_email)
        .await?
        .map_err(|e| anyhow!("{e:?}"))?;
    wf::publier(state, &admin, id, PATH)
        .await?
        .map_err(|e| anyhow!("demo publication refused: {e:?}"))
        .context("publishing the demo démarche")?;
    Ok(info)
}

/// The rules of the demo: a valeur calculée, a champ shown only after
/// « Oui », and an inéligibilité, placed last so that the numbers of the
/// champs above stay as they were.
async fn regles(state: &AppState, admin: &Administrateur, id: DemarcheId) -> anyhow::Result<()> {
    let mut tx = state.store.read().await?;
    let d = demarches::find(tx.conn(), id).await?;
    let types = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?;
    tx.commit().await?;
    let champ = |libelle: &str| {
        types
            .iter()
            .find(|t| t.libelle == libelle)
            .map(|t| crate::domain::regle::variable(t.stable_id))
            .ok_or_else(|| anyhow!("demo champ {libelle} missing"))
    };
    let (montant, adherents) = (champ("Montant demandé (en euros)")?, champ("Nombre d'adhérents")?);
    let deja = champ("Avez-vous déjà reçu une subvention de la commune ?")?;
    let ajouter = |t: TypeChamp, libelle: &str, description: &str, options: SaisieOptions| ChampInput {
        type_champ: t.as_str(),
        libelle: libelle.into(),
        description: description.into(),
        obligatoire: None,
        parent: String::new(),
        options,
    };
    let calcul = ajouter(
        TypeChamp::Calcul,
        "Montant demandé par adhérent (en euros)",
        "Calculé à partir du montant demandé et du nombre d'adhérents",
        SaisieOptions { calcul: format!("arrondi({montant} / {adherents}, 2)"), ..SaisieOptions::default() },
    );
    let derniere = ajouter(
        TypeChamp::DecimalNumber,
        "Montant de la dernière subvention reçue (en euros)",
        "",
        SaisieOptions { positif: "on".into(), ..SaisieOptions::default() },
    );
    for input in [calcul, derniere] {
        wf::ajouter_champ(state, admin, id, wf::Liste::Formulaire, &input)
            .await?
            .map_err(|e| anyhow!("demo champ refused: {e:?}"))?;
    }
    let mut tx = state.store.read().await?;
    let types = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?;
    tx.commit().await?;
    let derniere = types.last().map(|t| t.stable_id).ok_or_else(|| anyhow!("demo champ missing"))?;
    let builder = |expression: String| crate::domain::regle::SaisieRegle {
        mode: "expert".into(),
        expression,
        ..Default::default()
    };
    crate::workflow::regles::definir_condition(state, admin, id, derniere, Some(&builder(format!("{deja} == true"))))
        .await?
        .map_err(|e| anyhow!("demo condition refused: {e:?}"))?;
    let message = "Une association sans adhérent ne peut pas être subventionnée par la commune.";
    crate::workflow::regles::definir_ineligibilite(
        state,
        admin,
        id,
        Some((&builder(format!("{adherents} < 1")), message)),
    )
    .await?
    .map_err(|e| anyhow!("demo inéligibilité refused: {e:?}"))?;
    budget(state, admin, id).await
}

/// A bloc répétable (one row per expense) and its total below it.
async fn budget(state: &AppState, admin: &Administrateur, id: DemarcheId) -> anyhow::Result<()> {
    let champ = |t: TypeChamp, libelle: &str, description: &str, parent: String, options: SaisieOptions| ChampInput {
        type_champ: t.as_str(),
        libelle: libelle.into(),
        description: description.into(),
        // The block itself is optional (the demo's other journeys file
        // without a budget); a row added asks for both of its champs.
        obligatoire: Some("on".into()).filter(|_| !matches!(t, TypeChamp::Calcul | TypeChamp::Repetition)),
        parent,
        options,
    };
    let ajouter = |input: ChampInput| async move {
        wf::ajouter_champ(state, admin, id, wf::Liste::Formulaire, &input)
            .await?
            .map_err(|e| anyhow!("demo champ refused: {e:?}"))
    };
    let bloc = champ(
        TypeChamp::Repetition,
        "Budget prévisionnel",
        "Une ligne par poste de dépense.",
        String::new(),
        SaisieOptions::default(),
    );
    ajouter(bloc).await?;
    let mut tx = state.store.read().await?;
    let d = demarches::find(tx.conn(), id).await?;
    let bloc = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?.last().map(|t| t.stable_id);
    tx.commit().await?;
    let bloc = bloc.ok_or_else(|| anyhow!("demo block missing"))?.0.to_string();
    ajouter(champ(
        TypeChamp::Text,
        "Poste de dépense",
        "Par exemple : location de salle",
        bloc.clone(),
        SaisieOptions::default(),
    ))
    .await?;
    let montant = champ(
        TypeChamp::DecimalNumber,
        "Montant du poste (en euros)",
        "",
        bloc.clone(),
        SaisieOptions { positif: "on".into(), ..SaisieOptions::default() },
    );
    ajouter(montant).await?;
    let mut tx = state.store.read().await?;
    let montant = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?.last().map(|t| t.stable_id);
    tx.commit().await?;
    // Each expense may come with its quote: a file champ repeated per row.
    let devis = ChampInput {
        obligatoire: None,
        ..champ(
            TypeChamp::PieceJustificative,
            "Devis du poste",
            "Facultatif : le devis ou la facture, en PDF ou en image",
            bloc.clone(),
            SaisieOptions::default(),
        )
    };
    ajouter(devis).await?;
    let montant = crate::domain::regle::variable(montant.ok_or_else(|| anyhow!("demo champ missing"))?);
    let total = champ(
        TypeChamp::Calcul,
        "Total du budget prévisionnel (en euros)",
        "Somme des postes de dépense",
        String::new(),
        SaisieOptions { calcul: format!("somme({montant})"), ..SaisieOptions::default() },
    );
    ajouter(total).await?;
    Ok(())
}

/// The rest of the catalogue, to show every type in the demo.
fn catalogue() -> Vec<ChampInput> {
    let champ = |t: TypeChamp, libelle: &str, description: &str, options: SaisieOptions| ChampInput {
        type_champ: t.as_str(),
        libelle: libelle.into(),
        description: description.into(),
        obligatoire: None,
        parent: String::new(),
        options,
    };
    let o = SaisieOptions::default;
    vec![
        champ(TypeChamp::HeaderSection, "Informations complémentaires", "", SaisieOptions { niveau: "1".into(), ..o() }),
        champ(
            TypeChamp::Explication,
            "À propos de ces questions",
            "Ces informations aident le service à préparer la convention.\n\n- Elles sont facultatives.\n- Voir [service-public.fr](https://www.service-public.fr).",
            SaisieOptions { texte_repliable: "La commune conserve ces données pendant la durée de la convention.".into(), ..o() },
        ),
        champ(TypeChamp::HeaderSection, "Contact", "", SaisieOptions { niveau: "2".into(), ..o() }),
        champ(TypeChamp::Civilite, "Civilité du président", "", o()),
        champ(TypeChamp::Email, "Adresse électronique du président", "", o()),
        champ(TypeChamp::Phone, "Téléphone du président", "", o()),
        champ(
            TypeChamp::Formatted,
            "Numéro d'affiliation à la fédération",
            "",
            SaisieOptions {
                format_mode: "avance".into(),
                format_regex: "[A-Z]{2}[0-9]{6}".into(),
                format_exemple: "FF123456".into(),
                format_message: "Deux lettres majuscules puis six chiffres, par exemple FF123456.".into(),
                ..o()
            },
        ),
        champ(TypeChamp::Iban, "IBAN (sans plugin)", "Vérifié par la plateforme", o()),
        champ(TypeChamp::Datetime, "Date et heure de la dernière assemblée générale", "", SaisieOptions { passe: "on".into(), ..o() }),
        champ(
            TypeChamp::DropDownList,
            "Niveau de pratique",
            "",
            SaisieOptions { options: "Loisir\nCompétition départementale\nCompétition nationale".into(), autre: "on".into(), ..o() },
        ),
        champ(
            TypeChamp::MultipleDropDownList,
            "Publics accueillis",
            "",
            SaisieOptions { options: "Enfants\nAdolescents\nAdultes\nSeniors\nPersonnes en situation de handicap".into(), ..o() },
        ),
        champ(
            TypeChamp::LinkedDropDownList,
            "Équipement principal",
            "",
            SaisieOptions { options: "--Terrain--\nGazon naturel\nGazon synthétique\n--Salle--\nGymnase\nDojo\n--Piscine--\nBassin de 25 m\nBassin de 50 m".into(), ..o() },
        ),
        champ(TypeChamp::Checkbox, "Je souhaite recevoir la lettre d'information des associations", "", o()),
        champ(TypeChamp::DossierLink, "Dossier de l'an dernier", "Si vous avez déjà déposé une demande", o()),
        champ(TypeChamp::PieceJustificative, "Statuts de l'association", "Les statuts signés, en PDF ou en image", o()),
        champ(TypeChamp::TitreIdentite, "Pièce d'identité du président", "Carte d'identité ou passeport", o()),
    ]
}
