//! What crosses the plugin boundary, as the rest of the server sees it:
//! plain Rust types, free of wasmtime, converted to and from the WIT records
//! of each version in `bindings/`.

use super::manifest::{ConfigSpec, ExtensionPoint, InputSpec};
use super::settings::SettingSpec;

/// A loaded plugin, as the rest of the server sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PluginInfo {
    /// Identifier from `plugin.toml`, equal to `describe().id`.
    pub id: String,
    /// French label for administrateurs.
    pub libelle: String,
    /// French description for administrateurs.
    pub description: String,
    /// The plugin's own semver version.
    pub version: String,
    /// WIT package the plugin was built against, e.g. `guichet:plugin@0.2.0`.
    pub wit: String,
    /// Its extension point.
    pub provides: ExtensionPoint,
    /// Per-démarche settings it declares (none for most plugins).
    pub settings: Vec<SettingSpec>,
    /// JSON Schema of its options, `{}` when it declares none (0.1.0).
    pub options_schema: String,
    /// JSON Schema of the data it attaches to champ values (champ types).
    pub donnees_schema: String,
    /// Optional champ-type functions it implements.
    pub capabilities: Vec<Capability>,
    /// Origins it may call (asked for and granted), for the admin page.
    pub http_origins: Vec<String>,
    /// Operator configuration keys it reads.
    pub config: Vec<ConfigSpec>,
    /// The label of the box the usager ticks to confirm what the plugin
    /// found about their value (`[confirmation]` in `plugin.toml`).
    pub confirmation: Option<String>,
    /// How the usager's form asks for a champ of this type (`[input]`).
    pub input: InputSpec,
}

impl PluginInfo {
    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}

/// Optional functions of a champ type (WIT `capability`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    Suggest,
    Enrich,
    Display,
    SearchText,
    Export,
}

/// A plugin's verdict on a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginValidation {
    /// Store `normalized` instead of what the usager typed.
    Valid { normalized: String },
    /// Show these errors (French) next to the champ; never empty.
    Invalid(Vec<PluginFieldError>),
}

/// One problem with a value, for the usager.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PluginFieldError {
    /// Stable kebab-case code, e.g. `cle-de-controle`.
    pub code: String,
    /// French sentence for the usager.
    pub message: String,
}

/// One autocomplete proposal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    pub value: String,
    pub label: String,
    /// JSON object, checked by the host.
    pub donnees: String,
}

/// What `enrich` found about a value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Enrichment {
    /// JSON object stored with the value.
    pub donnees: String,
    /// French labelled lines the usager confirms.
    pub resume: Vec<(String, String)>,
}

/// A champ type's column in exports.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExportColumn {
    pub id: String,
    pub libelle: String,
}

/// One champ of a dossier, for plugins reading dossiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChampSnapshot {
    pub stable_id: u64,
    pub libelle: String,
    pub type_champ: String,
    pub valeur: Option<String>,
    pub donnees: Option<String>,
}

/// A dossier, for routage, attestation and rendez-vous plugins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierSnapshot {
    pub numero: u64,
    /// `en-construction`, `accepte`… (kebab-case of `EtatDossier`).
    pub etat: String,
    pub demarche_numero: u64,
    pub demarche_libelle: String,
    pub usager_email: String,
    pub depose_le: Option<String>,
    pub decide_le: Option<String>,
    /// Not in the 0.2.0 record: 0.2.1 plugins ask `dossier-details`.
    pub en_instruction_le: Option<String>,
    pub motivation: Option<String>,
    pub champs: Vec<ChampSnapshot>,
}

/// A groupe instructeur a routing rule may pick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupeSnapshot {
    pub id: u64,
    pub libelle: String,
}

/// A routing rule's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutageDecision {
    /// One of the groupes given; `None` = the démarche's default groupe.
    pub groupe: Option<u64>,
    /// French, shown to instructeurs.
    pub explication: String,
}

/// A raster image for documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageAsset {
    pub media_type: String,
    pub data: Vec<u8>,
    pub alt: String,
    pub width_mm: u32,
}

/// The démarche's attestation template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationTemplate {
    pub titre: String,
    pub corps: String,
    pub pied_de_page: String,
    pub entete: Vec<String>,
    pub logo: Option<ImageAsset>,
    pub signature: Option<ImageAsset>,
}

/// A rendered attestation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationDocument {
    pub media_type: String,
    pub filename: String,
    pub data: Vec<u8>,
}

/// The usager an appointment is proposed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsagerContact {
    pub email: String,
    pub nom: Option<String>,
    pub prenom: Option<String>,
}

/// A proposal on the appointment service.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PropositionRendezVous {
    pub reference: String,
    pub url_reservation: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EtatRendezVous {
    AVenir,
    Honore,
    Annule,
    Revoque,
    Absence,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModaliteRendezVous {
    SurPlace,
    Telephone,
    Visioconference,
    Domicile,
}

/// A booked appointment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RendezVous {
    pub id: String,
    pub commence_le: String,
    pub duree_minutes: u32,
    pub etat: EtatRendezVous,
    pub modalite: ModaliteRendezVous,
    pub motif: String,
    pub adresse: Option<String>,
    pub url_visio: Option<String>,
    pub url_gestion: Option<String>,
}
