//! One guest call: which world the plugin speaks, what is asked of it, and
//! the WIT ↔ host conversions. Nothing here applies limits: `plugins.rs`
//! wraps every call in them.

use wasmtime::Store;

use super::bindings::v0_1;
use super::bindings::v0_2::{attestation, champ, rendez_vous, routage};
use super::model::{
    AttestationTemplate, Capability, ChampSnapshot, DossierSnapshot, EtatRendezVous, GroupeSnapshot, ImageAsset,
    ModaliteRendezVous, UsagerContact,
};
use super::sandbox::GuestState;

use champ::exports::guichet::plugin::type_de_champ as tdc2;
use champ::guichet::plugin::types as types2;

/// A compiled plugin ready to instantiate, by world.
pub enum Pre {
    TypeDeChampV1(v0_1::TypeDeChampPluginPre<GuestState>),
    TypeDeChamp(champ::TypeDeChampPluginPre<GuestState>),
    Routage(routage::RoutagePluginPre<GuestState>),
    Attestation(attestation::AttestationPluginPre<GuestState>),
    RendezVous(rendez_vous::RendezVousPluginPre<GuestState>),
}

/// What a call asks of the guest.
#[derive(Clone, Copy)]
pub enum Call<'a> {
    Describe,
    Validate {
        value: &'a str,
        options: &'a str,
    },
    Suggest {
        query: &'a str,
        options: &'a str,
        limit: u32,
    },
    Enrich {
        value: &'a str,
        options: &'a str,
    },
    Display {
        value: &'a str,
        donnees: Option<&'a str>,
        options: &'a str,
    },
    SearchText {
        value: &'a str,
        donnees: Option<&'a str>,
        options: &'a str,
    },
    ExportColumns {
        options: &'a str,
    },
    ExportValues {
        value: &'a str,
        donnees: Option<&'a str>,
        options: &'a str,
    },
    Route {
        dossier: &'a DossierSnapshot,
        groupes: &'a [GroupeSnapshot],
        options: &'a str,
    },
    Render {
        dossier: &'a DossierSnapshot,
        template: &'a AttestationTemplate,
        verification_url: &'a str,
        options: &'a str,
    },
    Propose {
        dossier: &'a DossierSnapshot,
        instructeur_email: &'a str,
        usager: &'a UsagerContact,
        url_dossier: &'a str,
        url_retour: &'a str,
        options: &'a str,
    },
    ListRendezVous {
        reference: &'a str,
        options: &'a str,
    },
}

impl Call<'_> {
    pub fn name(self) -> &'static str {
        match self {
            Call::Describe => "describe",
            Call::Validate { .. } => "validate",
            Call::Suggest { .. } => "suggest",
            Call::Enrich { .. } => "enrich",
            Call::Display { .. } => "display",
            Call::SearchText { .. } => "search-text",
            Call::ExportColumns { .. } => "export-columns",
            Call::ExportValues { .. } => "export-values",
            Call::Route { .. } => "route",
            Call::Render { .. } => "render",
            Call::Propose { .. } => "propose",
            Call::ListRendezVous { .. } => "list-rendez-vous",
        }
    }
}

/// A guest's description, whatever its world.
pub struct Described {
    pub id: String,
    pub version: String,
    pub libelle: String,
    pub description: String,
    pub options_schema: String,
    pub donnees_schema: String,
    pub capabilities: Vec<Capability>,
}

/// The guest's answer, still in WIT types where the host checks them.
pub enum Answer {
    Describe(Described),
    Validate(Result<tdc2::Validation, types2::PluginError>),
    ValidateV1(
        Result<v0_1::exports::guichet::plugin::type_de_champ::Validation, v0_1::guichet::plugin::types::PluginError>,
    ),
    Suggest(Result<Vec<tdc2::Suggestion>, types2::PluginError>),
    Enrich(Result<Result<tdc2::Enrichment, Vec<types2::FieldError>>, types2::PluginError>),
    Text(Result<String, types2::PluginError>),
    ExportColumns(Result<Vec<tdc2::ExportColumn>, types2::PluginError>),
    Texts(Result<Vec<String>, types2::PluginError>),
    Route(Result<routage::exports::guichet::plugin::routage::Decision, types2::PluginError>),
    Render(Result<attestation::exports::guichet::plugin::attestation::AttestationDocument, types2::PluginError>),
    Propose(Result<rendez_vous::exports::guichet::plugin::rendez_vous::Proposition, types2::PluginError>),
    ListRendezVous(Result<Vec<rendez_vous::exports::guichet::plugin::rendez_vous::RendezVous>, types2::PluginError>),
    /// The plugin's world has no such function (a host bug: calls are
    /// routed by extension point before this).
    Unsupported,
}

pub async fn invoke(store: &mut Store<GuestState>, pre: &Pre, call: Call<'_>) -> wasmtime::Result<Answer> {
    Ok(match pre {
        Pre::TypeDeChampV1(pre) => {
            let instance = pre.instantiate_async(&mut *store).await?;
            let guest = instance.guichet_plugin_type_de_champ();
            match call {
                Call::Describe => {
                    let d = guest.call_describe(&mut *store).await?;
                    Answer::Describe(Described {
                        id: d.id,
                        version: d.version,
                        libelle: d.libelle,
                        description: d.description,
                        options_schema: "{}".to_owned(),
                        donnees_schema: "{}".to_owned(),
                        capabilities: Vec::new(),
                    })
                }
                Call::Validate { value, options } => {
                    Answer::ValidateV1(guest.call_validate(&mut *store, value, options).await?)
                }
                _ => Answer::Unsupported,
            }
        }
        Pre::TypeDeChamp(pre) => {
            let instance = pre.instantiate_async(&mut *store).await?;
            let guest = instance.guichet_plugin_type_de_champ();
            match call {
                Call::Describe => {
                    let d = guest.call_describe(&mut *store).await?;
                    Answer::Describe(Described {
                        id: d.id,
                        version: d.version,
                        libelle: d.libelle,
                        description: d.description,
                        options_schema: d.options_schema,
                        donnees_schema: d.donnees_schema,
                        capabilities: d.capabilities.into_iter().map(capability).collect(),
                    })
                }
                Call::Validate { value, options } => {
                    Answer::Validate(guest.call_validate(&mut *store, value, &json(options)).await?)
                }
                Call::Suggest { query, options, limit } => {
                    Answer::Suggest(guest.call_suggest(&mut *store, query, &json(options), limit).await?)
                }
                Call::Enrich { value, options } => {
                    Answer::Enrich(guest.call_enrich(&mut *store, value, &json(options)).await?)
                }
                Call::Display { value, donnees, options } => {
                    let donnees = donnees.map(json);
                    Answer::Text(guest.call_display(&mut *store, value, donnees.as_ref(), &json(options)).await?)
                }
                Call::SearchText { value, donnees, options } => {
                    let donnees = donnees.map(json);
                    Answer::Text(guest.call_search_text(&mut *store, value, donnees.as_ref(), &json(options)).await?)
                }
                Call::ExportColumns { options } => {
                    Answer::ExportColumns(guest.call_export_columns(&mut *store, &json(options)).await?)
                }
                Call::ExportValues { value, donnees, options } => {
                    let donnees = donnees.map(json);
                    Answer::Texts(guest.call_export_values(&mut *store, value, donnees.as_ref(), &json(options)).await?)
                }
                _ => Answer::Unsupported,
            }
        }
        Pre::Routage(pre) => {
            let instance = pre.instantiate_async(&mut *store).await?;
            let guest = instance.guichet_plugin_routage();
            match call {
                Call::Describe => {
                    let d = guest.call_describe(&mut *store).await?;
                    Answer::Describe(plain_description(d.id, d.version, d.libelle, d.description, d.options_schema))
                }
                Call::Route { dossier: d, groupes, options } => {
                    store.data_mut().en_instruction_le = d.en_instruction_le.clone();
                    let groupes: Vec<_> = groupes
                        .iter()
                        .map(|g| routage::exports::guichet::plugin::routage::Groupe {
                            id: g.id,
                            libelle: g.libelle.clone(),
                        })
                        .collect();
                    Answer::Route(guest.call_route(&mut *store, &dossier(d), &groupes, &json(options)).await?)
                }
                _ => Answer::Unsupported,
            }
        }
        Pre::Attestation(pre) => {
            let instance = pre.instantiate_async(&mut *store).await?;
            let guest = instance.guichet_plugin_attestation();
            match call {
                Call::Describe => {
                    let d = guest.call_describe(&mut *store).await?;
                    Answer::Describe(plain_description(d.id, d.version, d.libelle, d.description, d.options_schema))
                }
                Call::Render { dossier: d, template, verification_url, options } => {
                    store.data_mut().en_instruction_le = d.en_instruction_le.clone();
                    let template = attestation::exports::guichet::plugin::attestation::Template {
                        titre: template.titre.clone(),
                        corps: template.corps.clone(),
                        pied_de_page: template.pied_de_page.clone(),
                        entete: template.entete.clone(),
                        logo: template.logo.as_ref().map(image),
                        signature: template.signature.as_ref().map(image),
                    };
                    Answer::Render(
                        guest
                            .call_render(&mut *store, &dossier(d), &template, verification_url, &json(options))
                            .await?,
                    )
                }
                _ => Answer::Unsupported,
            }
        }
        Pre::RendezVous(pre) => {
            let instance = pre.instantiate_async(&mut *store).await?;
            let guest = instance.guichet_plugin_rendez_vous();
            use rendez_vous::exports::guichet::plugin::rendez_vous as rdv;
            match call {
                Call::Describe => {
                    let d = guest.call_describe(&mut *store).await?;
                    Answer::Describe(plain_description(d.id, d.version, d.libelle, d.description, d.options_schema))
                }
                Call::Propose { dossier: d, instructeur_email, usager, url_dossier, url_retour, options } => {
                    store.data_mut().en_instruction_le = d.en_instruction_le.clone();
                    let instructeur = rdv::Instructeur { email: instructeur_email.to_owned() };
                    let usager = rdv::Usager {
                        email: usager.email.clone(),
                        nom: usager.nom.clone(),
                        prenom: usager.prenom.clone(),
                    };
                    Answer::Propose(
                        guest
                            .call_propose(
                                &mut *store,
                                &dossier(d),
                                &instructeur,
                                &usager,
                                url_dossier,
                                url_retour,
                                &json(options),
                            )
                            .await?,
                    )
                }
                Call::ListRendezVous { reference, options } => {
                    Answer::ListRendezVous(guest.call_list_rendez_vous(&mut *store, reference, &json(options)).await?)
                }
                _ => Answer::Unsupported,
            }
        }
    })
}

/// WIT `json` is a `string` alias, bound as `&String`.
fn json(text: &str) -> String {
    text.to_owned()
}

fn plain_description(
    id: String,
    version: String,
    libelle: String,
    description: String,
    options_schema: String,
) -> Described {
    Described {
        id,
        version,
        libelle,
        description,
        options_schema,
        donnees_schema: "{}".to_owned(),
        capabilities: Vec::new(),
    }
}

fn capability(capability: tdc2::Capability) -> Capability {
    match capability {
        tdc2::Capability::Suggest => Capability::Suggest,
        tdc2::Capability::Enrich => Capability::Enrich,
        tdc2::Capability::Display => Capability::Display,
        tdc2::Capability::SearchText => Capability::SearchText,
        tdc2::Capability::Export => Capability::Export,
    }
}

fn dossier(d: &DossierSnapshot) -> types2::Dossier {
    types2::Dossier {
        numero: d.numero,
        etat: d.etat.clone(),
        demarche_numero: d.demarche_numero,
        demarche_libelle: d.demarche_libelle.clone(),
        usager_email: d.usager_email.clone(),
        depose_le: d.depose_le.clone(),
        decide_le: d.decide_le.clone(),
        motivation: d.motivation.clone(),
        champs: d.champs.iter().map(champ_snapshot).collect(),
    }
}

fn champ_snapshot(c: &ChampSnapshot) -> types2::Champ {
    types2::Champ {
        stable_id: c.stable_id,
        libelle: c.libelle.clone(),
        type_champ: c.type_champ.clone(),
        valeur: c.valeur.clone(),
        donnees: c.donnees.clone(),
    }
}

fn image(i: &ImageAsset) -> attestation::guichet::plugin::document::Image {
    attestation::guichet::plugin::document::Image {
        media_type: i.media_type.clone(),
        data: i.data.clone(),
        alt: i.alt.clone(),
        width_mm: i.width_mm,
    }
}

pub fn etat_rendez_vous(etat: rendez_vous::exports::guichet::plugin::rendez_vous::EtatRendezVous) -> EtatRendezVous {
    use rendez_vous::exports::guichet::plugin::rendez_vous::EtatRendezVous as E;
    match etat {
        E::AVenir => EtatRendezVous::AVenir,
        E::Honore => EtatRendezVous::Honore,
        E::Annule => EtatRendezVous::Annule,
        E::Revoque => EtatRendezVous::Revoque,
        E::Absence => EtatRendezVous::Absence,
    }
}

pub fn modalite(m: rendez_vous::exports::guichet::plugin::rendez_vous::Modalite) -> ModaliteRendezVous {
    use rendez_vous::exports::guichet::plugin::rendez_vous::Modalite as M;
    match m {
        M::SurPlace => ModaliteRendezVous::SurPlace,
        M::Telephone => ModaliteRendezVous::Telephone,
        M::Visioconference => ModaliteRendezVous::Visioconference,
        M::Domicile => ModaliteRendezVous::Domicile,
    }
}

impl Answer {
    /// The guest answered with a `plugin-error` (for the call's log line).
    pub fn is_guest_error(&self) -> bool {
        matches!(
            self,
            Answer::Validate(Err(_))
                | Answer::ValidateV1(Err(_))
                | Answer::Suggest(Err(_))
                | Answer::Enrich(Err(_))
                | Answer::Text(Err(_))
                | Answer::ExportColumns(Err(_))
                | Answer::Texts(Err(_))
                | Answer::Route(Err(_))
                | Answer::Render(Err(_))
                | Answer::Propose(Err(_))
                | Answer::ListRendezVous(Err(_))
        )
    }
}
