//! Types de champ (the questions of a démarche's form) and the validation of
//! the values an usager gives them.
//!
//! Built-in types are validated here. A `Plugin` type is validated by its
//! WebAssembly plugin; the workflow layer calls it, this module only knows
//! the type exists.

use crate::StableId;
use crate::regle::Regle;

pub mod choix;
pub mod date;
pub mod editeur;
pub mod explication;
pub mod fichier;
pub mod iban;
pub mod nombre;
pub mod options;
pub mod repetition;
pub mod section;
pub mod telephone;
pub mod texte;

use chrono::NaiveDate;
pub use date::Maintenant;
pub use editeur::SaisieOptions;
pub use options::{FichierModele, FormatTexte, OptionsChamp};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeChamp {
    // Structure: no value of their own.
    HeaderSection,
    Explication,
    /// A block of child champs (their `parent`), repeated in rows.
    Repetition,
    // Text.
    Text,
    Textarea,
    Formatted,
    Email,
    Phone,
    Iban,
    /// A box the usager must tick to file (« J'accepte… »).
    Engagement,
    // Numbers and dates.
    IntegerNumber,
    DecimalNumber,
    Date,
    Datetime,
    // Choices.
    Checkbox,
    YesNo,
    Civilite,
    DropDownList,
    MultipleDropDownList,
    LinkedDropDownList,
    // Territory, from the bundled official lists.
    Pays,
    Regions,
    Departements,
    Communes,
    Epci,
    // Files.
    PieceJustificative,
    TitreIdentite,
    // Links and computed values.
    DossierLink,
    /// Read-only: its value is a rule over other champs, computed on save.
    Calcul,
    /// Provided by a plugin; the string is the plugin's type id (`siret`).
    Plugin(String),
}

/// Prefix of stored plugin type names: `plugin:siret`.
const PLUGIN_PREFIX: &str = "plugin:";

/// The editor's families of types, in the order it lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Categorie {
    Structure,
    Texte,
    NombresEtDates,
    Choix,
    Territoire,
    Fichiers,
    Autres,
}

impl Categorie {
    pub fn libelle(self) -> &'static str {
        match self {
            Self::Structure => "Structure",
            Self::Texte => "Texte",
            Self::NombresEtDates => "Nombres et dates",
            Self::Choix => "Choix",
            Self::Territoire => "Localisation",
            Self::Fichiers => "Pièces jointes",
            Self::Autres => "Autres",
        }
    }
}

impl TypeChamp {
    /// Built-in types, in the order the form editor offers them.
    pub const BUILTIN: [TypeChamp; 29] = [
        Self::HeaderSection,
        Self::Explication,
        Self::Repetition,
        Self::Text,
        Self::Textarea,
        Self::Formatted,
        Self::Email,
        Self::Phone,
        Self::Iban,
        Self::Engagement,
        Self::IntegerNumber,
        Self::DecimalNumber,
        Self::Date,
        Self::Datetime,
        Self::Checkbox,
        Self::YesNo,
        Self::Civilite,
        Self::DropDownList,
        Self::MultipleDropDownList,
        Self::LinkedDropDownList,
        Self::Pays,
        Self::Regions,
        Self::Departements,
        Self::Communes,
        Self::Epci,
        Self::PieceJustificative,
        Self::TitreIdentite,
        Self::DossierLink,
        Self::Calcul,
    ];

    /// Stored name; built-ins keep the original platform's `type_champ`.
    pub fn as_str(&self) -> String {
        match self {
            Self::Plugin(id) => format!("{PLUGIN_PREFIX}{id}"),
            other => other.builtin_str().to_string(),
        }
    }

    fn builtin_str(&self) -> &'static str {
        match self {
            Self::HeaderSection => "header_section",
            Self::Explication => "explication",
            Self::Repetition => "repetition",
            Self::Text => "text",
            Self::Textarea => "textarea",
            Self::Formatted => "formatted",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Iban => "iban",
            Self::Engagement => "engagement",
            Self::IntegerNumber => "integer_number",
            Self::DecimalNumber => "decimal_number",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Checkbox => "checkbox",
            Self::YesNo => "yes_no",
            Self::Civilite => "civilite",
            Self::DropDownList => "drop_down_list",
            Self::MultipleDropDownList => "multiple_drop_down_list",
            Self::LinkedDropDownList => "linked_drop_down_list",
            Self::Pays => "pays",
            Self::Regions => "regions",
            Self::Departements => "departements",
            Self::Communes => "communes",
            Self::Epci => "epci",
            Self::PieceJustificative => "piece_justificative",
            Self::TitreIdentite => "titre_identite",
            Self::DossierLink => "dossier_link",
            Self::Calcul => "calcul",
            Self::Plugin(_) => "plugin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        if let Some(id) = s.strip_prefix(PLUGIN_PREFIX) {
            return is_plugin_id(id).then(|| Self::Plugin(id.to_string()));
        }
        Self::BUILTIN.into_iter().find(|t| t.builtin_str() == s)
    }

    /// Label in the form editor (plugins bring their own), the original
    /// platform's words.
    pub fn libelle(&self) -> &'static str {
        match self {
            Self::HeaderSection => "Titre de section",
            Self::Explication => "Explication",
            Self::Repetition => "Bloc répétable",
            Self::Text => "Texte court",
            Self::Textarea => "Zone de texte",
            Self::Formatted => "Texte formaté",
            Self::Email => "Adresse électronique",
            Self::Phone => "Téléphone",
            Self::Iban => "IBAN",
            Self::Engagement => "Engagement",
            Self::IntegerNumber => "Nombre entier",
            Self::DecimalNumber => "Nombre décimal",
            Self::Date => "Date",
            Self::Datetime => "Date et heure",
            Self::Checkbox => "Case à cocher seule",
            Self::YesNo => "Oui/Non",
            Self::Civilite => "Civilité",
            Self::DropDownList => "Choix simple",
            Self::MultipleDropDownList => "Choix multiples",
            Self::LinkedDropDownList => "Deux menus déroulants liés",
            Self::Pays => "Pays",
            Self::Regions => "Régions",
            Self::Departements => "Départements",
            Self::Communes => "Communes",
            Self::Epci => "EPCI",
            Self::PieceJustificative => "Pièce justificative",
            Self::TitreIdentite => "Titre d'identité",
            Self::DossierLink => "Lien vers un autre dossier",
            Self::Calcul => "Valeur calculée",
            Self::Plugin(_) => "Type fourni par un plugin",
        }
    }

    pub fn categorie(&self) -> Categorie {
        match self {
            Self::HeaderSection | Self::Explication | Self::Repetition => Categorie::Structure,
            Self::Text | Self::Textarea | Self::Formatted | Self::Email | Self::Phone | Self::Iban => Categorie::Texte,
            Self::IntegerNumber | Self::DecimalNumber | Self::Date | Self::Datetime => Categorie::NombresEtDates,
            Self::Checkbox
            | Self::YesNo
            | Self::Civilite
            | Self::Engagement
            | Self::DropDownList
            | Self::MultipleDropDownList
            | Self::LinkedDropDownList => Categorie::Choix,
            Self::Pays | Self::Regions | Self::Departements | Self::Communes | Self::Epci => Categorie::Territoire,
            Self::PieceJustificative | Self::TitreIdentite => Categorie::Fichiers,
            Self::DossierLink | Self::Calcul | Self::Plugin(_) => Categorie::Autres,
        }
    }

    /// Structure champs hold no value; a repetition's value is its rows.
    pub fn has_value(&self) -> bool {
        !matches!(self, Self::HeaderSection | Self::Explication | Self::Repetition)
    }

    /// Whether the usager types or picks this champ's value (a computed
    /// champ is filled by its rule, structure champs by nobody).
    pub fn saisi_par_usager(&self) -> bool {
        self.has_value() && !matches!(self, Self::Calcul)
    }

    /// Files are stored by the upload path, not as a text value.
    pub fn est_fichier(&self) -> bool {
        matches!(self, Self::PieceJustificative | Self::TitreIdentite)
    }

    /// Types with a file of the administrateur's for the usager to
    /// download: a pièce justificative's model, an explication's notice.
    pub fn a_un_modele(&self) -> bool {
        matches!(self, Self::PieceJustificative | Self::Explication)
    }

    /// Types whose files are set on the editor's « Fichiers » page.
    pub fn regle_ses_fichiers(&self) -> bool {
        self.est_fichier() || self.a_un_modele()
    }

    /// A repetition cannot hold a repetition (as the original: one level).
    /// Everything else repeats, plugin champs included: what their plugin
    /// attaches to a value is kept per row ([`repetition::Slot`]).
    pub fn permis_dans_repetition(&self) -> bool {
        *self != Self::Repetition
    }

    /// Whether the editor offers this type yet: the catalogue lands type
    /// by type, and a type is offered only once it validates, renders and
    /// exports.
    pub fn disponible(&self) -> bool {
        matches!(
            self,
            Self::HeaderSection
                | Self::Explication
                | Self::Repetition
                | Self::Text
                | Self::Textarea
                | Self::Formatted
                | Self::Email
                | Self::Phone
                | Self::Iban
                | Self::Engagement
                | Self::IntegerNumber
                | Self::DecimalNumber
                | Self::Date
                | Self::Datetime
                | Self::Checkbox
                | Self::YesNo
                | Self::Civilite
                | Self::DropDownList
                | Self::Pays
                | Self::Regions
                | Self::Departements
                | Self::Communes
                | Self::Epci
                | Self::PieceJustificative
                | Self::TitreIdentite
                | Self::MultipleDropDownList
                | Self::LinkedDropDownList
                | Self::DossierLink
                | Self::Calcul
                | Self::Plugin(_)
        )
    }

    pub fn plugin_id(&self) -> Option<&str> {
        match self {
            Self::Plugin(id) => Some(id),
            _ => None,
        }
    }
}

/// Lengths of a plugin id: long enough to mean something, short enough for
/// a file name, a log field and an index key.
const PLUGIN_ID_LEN: std::ops::RangeInclusive<usize> = 3..=64;

/// The one rule for plugin ids, in `plugin.toml` as in stored types de champ
/// (`plugin:siret`). Ids become file names (`<id>.wasm`), HTML names, log
/// fields and database keys, so they are a short lowercase ASCII slug
/// starting with a letter: no path separators, no dots, nothing to escape.
/// Plugins' setting, config and secret keys follow it too.
pub fn is_plugin_id(id: &str) -> bool {
    PLUGIN_ID_LEN.contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One question of a revision's form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeDeChamp {
    pub stable_id: StableId,
    #[serde(serialize_with = "serialize_type")]
    pub type_champ: TypeChamp,
    pub libelle: String,
    pub description: String,
    pub obligatoire: bool,
    /// The type's own options (choices of a list, bounds, formats…).
    pub options: OptionsChamp,
    /// The repetition block this champ belongs to, if any.
    pub parent: Option<StableId>,
    /// Shown only when this rule (over champs above it) is true.
    pub condition: Option<Regle>,
    /// An annotation privée: filled by instructeurs, never shown to usagers.
    pub prive: bool,
}

fn serialize_type<S: serde::Serializer>(t: &TypeChamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.as_str())
}

impl TypeDeChamp {
    /// The HTML name of this champ's input.
    pub fn input_name(&self) -> String {
        format!("champ_{}", self.stable_id)
    }
}

/// Bounds on what an administrateur can define, so one form cannot make every
/// dossier page enormous.
pub const LIBELLE_MAX_CHARS: usize = 500;
pub const DESCRIPTION_MAX_CHARS: usize = 5_000;
pub const OPTIONS_MAX: usize = 500;
pub const OPTION_MAX_CHARS: usize = 300;
/// A short text answer; longer answers belong in a « texte long ».
pub const TEXT_MAX_CHARS: usize = 2_000;
/// A long text answer: a few pages, not a book pasted to fill our database.
pub const TEXTAREA_MAX_CHARS: usize = 20_000;

/// Checks a value against its type. Blank values are accepted here (they are
/// "not answered"); whether a blank is allowed is `manque_obligatoire`'s job.
///
/// Returns the normalized value to store (`None` for blank), or the French
/// message to show next to the field. Plugin types are returned unchanged:
/// their plugin validates them.
pub fn valider_format(tdc: &TypeDeChamp, raw: &str) -> Result<Option<String>, String> {
    valider_format_max(tdc, raw, None)
}

/// [`valider_format`] for a plugin's champ whose plugin declared the longest
/// value it takes (`plugin_max_chars`, its `[input] max-chars`: a drawing is
/// longer than a short text); `None` keeps a short text's bound.
pub fn valider_format_max(
    tdc: &TypeDeChamp,
    raw: &str,
    plugin_max_chars: Option<usize>,
) -> Result<Option<String>, String> {
    valider_format_le(tdc, raw, plugin_max_chars, Maintenant::default())
}

/// [`valider_format_max`] knowing the time in Paris, for the « passé »
/// option of dates (the form engine reads no clock).
pub fn valider_format_le(
    tdc: &TypeDeChamp,
    raw: &str,
    plugin_max_chars: Option<usize>,
    maintenant: Maintenant,
) -> Result<Option<String>, String> {
    if raw.chars().any(interdit) {
        return Err(format!(
            "« {} » contient un caractère invisible non autorisé (caractère de contrôle). Retapez la réponse plutôt que de la coller.",
            tdc.libelle
        ));
    }
    let value = raw.trim();
    if value.is_empty() || !tdc.type_champ.has_value() {
        return Ok(None);
    }
    let libelle = &tdc.libelle;
    let normalized = match &tdc.type_champ {
        TypeChamp::Text => {
            if value.contains(['\n', '\r']) {
                value.split_whitespace().collect::<Vec<_>>().join(" ")
            } else {
                value.to_string()
            }
        }
        TypeChamp::Textarea => {
            let texte = raw.trim_end().replace("\r\n", "\n");
            if let Some(limite) = tdc.options.limite_caracteres
                && texte.chars().count() > limite as usize
            {
                return Err(format!("« {libelle} » ne doit pas dépasser {limite} caractères."));
            }
            texte
        }
        TypeChamp::Formatted => texte::valider_formate(libelle, tdc.options.format.as_ref(), value)?,
        TypeChamp::Email => texte::valider_email(libelle, value)?,
        TypeChamp::Phone => telephone::valider_telephone(libelle, value)?,
        TypeChamp::Iban => iban::valider_iban(libelle, value)?,
        TypeChamp::IntegerNumber => nombre::valider_entier(libelle, &tdc.options, value)?,
        TypeChamp::DecimalNumber => nombre::valider_decimal(libelle, &tdc.options, value)?,
        TypeChamp::Date => date::valider_date(libelle, &tdc.options, maintenant, value)?,
        TypeChamp::Datetime => date::valider_date_heure(libelle, &tdc.options, maintenant, value)?,
        TypeChamp::YesNo => match value {
            "true" | "oui" | "Oui" => "true".to_string(),
            "false" | "non" | "Non" => "false".to_string(),
            _ => return Err(format!("Répondez « Oui » ou « Non » à « {libelle} ».")),
        },
        TypeChamp::Checkbox | TypeChamp::Engagement => match value {
            "on" | "true" | "1" => "true".to_string(),
            "false" | "0" => return Ok(None),
            _ => return Err(format!("La case « {libelle} » n'a pas une valeur valide.")),
        },
        TypeChamp::Civilite => choix::valider_civilite(libelle, value)?,
        TypeChamp::DropDownList => choix::valider_liste(tdc, value)?,
        TypeChamp::MultipleDropDownList => return choix::valider_multiple(tdc, value),
        TypeChamp::LinkedDropDownList => return choix::valider_lie(tdc, value),
        TypeChamp::DossierLink => numero_dossier(value)
            .ok_or_else(|| format!("« {libelle} » doit être un numéro de dossier, par exemple 1234."))?
            .to_string(),
        // Structure holds no value; a computed value is written by its
        // rule, never taken from a form.
        TypeChamp::HeaderSection | TypeChamp::Explication | TypeChamp::Repetition | TypeChamp::Calcul => {
            return Ok(None);
        }
        TypeChamp::Pays | TypeChamp::Regions | TypeChamp::Departements | TypeChamp::Communes | TypeChamp::Epci => {
            crate::territoire::valider(&tdc.type_champ, libelle, value)?
        }
        TypeChamp::Plugin(_) => value.to_string(),
        // The names of the champ's files, written by the upload path
        // (`fichier::valeur`), never taken from a form.
        TypeChamp::PieceJustificative | TypeChamp::TitreIdentite => value.to_string(),
    };
    let max = match tdc.type_champ {
        TypeChamp::Textarea => TEXTAREA_MAX_CHARS,
        TypeChamp::PieceJustificative | TypeChamp::TitreIdentite => TEXTAREA_MAX_CHARS,
        TypeChamp::Plugin(_) => plugin_max_chars.unwrap_or(TEXT_MAX_CHARS),
        _ => TEXT_MAX_CHARS,
    };
    if normalized.chars().count() > max {
        return Err(format!("« {libelle} » ne doit pas dépasser {max} caractères."));
    }
    Ok(Some(normalized))
}

/// A dossier number as typed (« 1234 », « n° 1 234 », « #1234 »).
pub fn numero_dossier(value: &str) -> Option<i64> {
    let v = value.trim();
    let v = v.strip_prefix("n°").or_else(|| v.strip_prefix("N°")).or_else(|| v.strip_prefix('#')).unwrap_or(v);
    let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok().filter(|n| *n > 0)
}

/// Control characters have no place in an answer (NUL is even refused by
/// PostgreSQL); newlines and tabs are kept for multi-line text, and turned
/// into spaces in a one-line one.
fn interdit(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// Whether a free text holds a character no answer or administrative text
/// may hold (see `interdit`): démarche texts and motivations too.
pub fn contient_caractere_interdit(text: &str) -> bool {
    text.chars().any(interdit)
}

/// A typed answer without its forbidden characters: what a brouillon keeps
/// of a refused value, so that the draft is saved and can be stored.
pub fn sans_caracteres_interdits(raw: &str) -> String {
    raw.chars().filter(|c| !interdit(*c)).collect()
}

/// The message for a mandatory champ left blank, if it is one.
pub fn manque_obligatoire(tdc: &TypeDeChamp, value: Option<&str>) -> Option<String> {
    let blank = value.is_none_or(|v| v.trim().is_empty());
    // An engagement is the condition of filing: always required.
    let requis = tdc.obligatoire || tdc.type_champ == TypeChamp::Engagement;
    (requis && tdc.type_champ.has_value() && blank).then(|| match tdc.type_champ {
        TypeChamp::Checkbox => format!("Cochez la case « {} ».", tdc.libelle),
        TypeChamp::Engagement => format!("Cochez la case « {} » pour déposer le dossier.", tdc.libelle),
        _ => format!("Le champ « {} » doit être rempli.", tdc.libelle),
    })
}

/// How a stored value reads on a dossier page and in e-mails.
pub fn valeur_affichee(tdc: &TypeDeChamp, value: Option<&str>) -> String {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return String::new();
    };
    match tdc.type_champ {
        TypeChamp::YesNo | TypeChamp::Checkbox | TypeChamp::Engagement => {
            if value == "true" { "Oui" } else { "Non" }.to_string()
        }
        TypeChamp::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| value.to_string()),
        TypeChamp::Datetime => date::date_heure_affichee(value),
        TypeChamp::IntegerNumber | TypeChamp::DecimalNumber => nombre_francais(value),
        // A computed value is stored plainly (`12.5`, `true`): read as the
        // number or the answer it is.
        TypeChamp::Calcul => match value {
            "true" => "Oui".to_string(),
            "false" => "Non".to_string(),
            v => nombre_francais(v),
        },
        TypeChamp::Pays | TypeChamp::Regions | TypeChamp::Departements | TypeChamp::Communes | TypeChamp::Epci => {
            crate::territoire::valeur_affichee(&tdc.type_champ, value)
        }
        TypeChamp::Phone => telephone::telephone_national(value),
        TypeChamp::Iban => iban::iban_groupe(value),
        TypeChamp::Civilite => choix::civilite_affichee(value).to_string(),
        TypeChamp::MultipleDropDownList => choix::multiple_liste(value).join(", "),
        TypeChamp::LinkedDropDownList => match choix::lie_paire(value) {
            Some((p, s)) if s.is_empty() => p,
            Some((p, s)) => format!("{p} / {s}"),
            None => value.to_string(),
        },
        TypeChamp::DossierLink => format!("Dossier n° {value}"),
        _ => value.to_string(),
    }
}

/// A stored value for exports and the API: machine-readable where the
/// display is French (ISO dates, numbers with a point, E.164 numbers,
/// compact IBAN), readable where the stored form is JSON (choices).
pub fn valeur_pour_export(tdc: &TypeDeChamp, value: Option<&str>) -> String {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return String::new();
    };
    match tdc.type_champ {
        TypeChamp::YesNo | TypeChamp::Checkbox | TypeChamp::Engagement => {
            if value == "true" { "Oui" } else { "Non" }.to_string()
        }
        TypeChamp::Civilite => value.to_string(),
        // One column here; `territoire::valeur_pour_export` gives the
        // detailed columns (code INSEE, département…) for exports that
        // want them.
        TypeChamp::Pays | TypeChamp::Regions | TypeChamp::Departements | TypeChamp::Communes | TypeChamp::Epci => {
            crate::territoire::valeur_affichee(&tdc.type_champ, value)
        }
        TypeChamp::MultipleDropDownList => choix::multiple_liste(value).join(", "),
        TypeChamp::LinkedDropDownList => match choix::lie_paire(value) {
            Some((p, s)) if s.is_empty() => p,
            Some((p, s)) => format!("{p} / {s}"),
            None => value.to_string(),
        },
        _ => value.to_string(),
    }
}

/// A stored number (`12000.5`, `-1200`) written the French way: decimal
/// comma, thousands split by a no-break space from five digits on
/// (« 12 000,5 », « 1250 »), as the carte plugin writes its measures. Other
/// text is returned as is.
pub fn nombre_francais(value: &str) -> String {
    let (signe, chiffres) = value.strip_prefix('-').map_or(("", value), |rest| ("-", rest));
    let (entiers, decimales) = chiffres.split_once('.').unwrap_or((chiffres, ""));
    if entiers.is_empty()
        || !entiers.bytes().all(|b| b.is_ascii_digit())
        || !decimales.bytes().all(|b| b.is_ascii_digit())
    {
        return value.to_string();
    }
    let mut groupes = String::new();
    let n = entiers.len();
    for (i, c) in entiers.chars().enumerate() {
        if n >= 5 && i > 0 && (n - i) % 3 == 0 {
            groupes.push('\u{a0}');
        }
        groupes.push(c);
    }
    if decimales.is_empty() { format!("{signe}{groupes}") } else { format!("{signe}{groupes},{decimales}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_champ_takes_what_its_plugin_declares() {
        let carte = tdc(TypeChamp::Plugin("carte".into()));
        let long = "x".repeat(TEXT_MAX_CHARS + 1);
        assert!(valider_format(&carte, &long).unwrap_err().contains("ne doit pas dépasser"));
        assert_eq!(valider_format_max(&carte, &long, Some(65_536)), Ok(Some(long.clone())));
        assert!(valider_format_max(&carte, &long, Some(TEXT_MAX_CHARS)).is_err());
    }

    #[test]
    fn plugin_ids_are_slugs_starting_with_a_letter() {
        for id in ["siret", "siret-insee-2", "abc"] {
            assert!(is_plugin_id(id), "{id}");
            assert_eq!(TypeChamp::parse(&format!("plugin:{id}")), Some(TypeChamp::Plugin(id.to_owned())));
        }
        for id in ["", "ab", "Siret", "1siret", "-siret", "siret.v2", "../etc", "si ret", &"a".repeat(65)] {
            assert!(!is_plugin_id(id), "{id}");
            assert_eq!(TypeChamp::parse(&format!("plugin:{id}")), None, "{id}");
        }
    }

    fn tdc(type_champ: TypeChamp) -> TypeDeChamp {
        TypeDeChamp {
            stable_id: StableId(7),
            type_champ,
            libelle: "Question".into(),
            description: String::new(),
            obligatoire: true,
            options: OptionsChamp { choix: vec!["Paris".into(), "Lyon".into()], ..OptionsChamp::default() },
            parent: None,
            condition: None,
            prive: false,
        }
    }

    #[test]
    fn control_characters_are_refused_but_newlines_kept_in_multi_line_text() {
        assert!(valider_format(&tdc(TypeChamp::Text), "AB\u{0}CD").is_err());
        assert!(valider_format(&tdc(TypeChamp::Textarea), "a\u{1b}b").is_err());
        assert_eq!(valider_format(&tdc(TypeChamp::Textarea), "a\n\tb"), Ok(Some("a\n\tb".into())));
        assert_eq!(sans_caracteres_interdits("AB\u{0}C\nD"), "ABC\nD");
    }

    #[test]
    fn type_names_round_trip_and_reject_unknown_names() {
        for t in TypeChamp::BUILTIN {
            assert_eq!(TypeChamp::parse(&t.as_str()), Some(t));
        }
        let siret = TypeChamp::Plugin("siret".into());
        assert_eq!(siret.as_str(), "plugin:siret");
        assert_eq!(TypeChamp::parse("plugin:siret"), Some(siret));
        assert_eq!(TypeChamp::parse("plugin:../etc"), None);
        assert_eq!(TypeChamp::parse("number_legacy"), None);
        assert_eq!(TypeChamp::parse("plugin"), None);
        assert_eq!(TypeChamp::parse("repetitions"), None);
    }

    #[test]
    fn numbers_are_normalized_or_refused_in_french() {
        let t = tdc(TypeChamp::IntegerNumber);
        assert_eq!(valider_format(&t, " 1 200 "), Ok(Some("1200".into())));
        assert!(valider_format(&t, "12,5").unwrap_err().contains("nombre entier"));
        let d = tdc(TypeChamp::DecimalNumber);
        assert_eq!(valider_format(&d, "12,50"), Ok(Some("12.5".into())));
        assert_eq!(valider_format(&d, "-3"), Ok(Some("-3".into())));
        assert!(valider_format(&d, "1e400").is_err());
        assert!(valider_format(&d, "inf").is_err());
        assert!(valider_format(&d, "NaN").is_err());
        assert_eq!(valeur_affichee(&d, Some("12.5")), "12,5");
        // « 12 000,50 » typed is stored 12000.5 and shown the French way.
        assert_eq!(valider_format(&d, "12 000,50"), Ok(Some("12000.5".into())));
        assert_eq!(valeur_affichee(&d, Some("12000.5")), "12\u{a0}000,5");
        assert_eq!(valeur_affichee(&d, Some("-1234567.25")), "-1\u{a0}234\u{a0}567,25");
        assert_eq!(valeur_affichee(&d, Some("1250.5")), "1250,5");
        assert_eq!(valeur_affichee(&t, Some("120000")), "120\u{a0}000");
        // What the French format gives back is accepted as typed.
        assert_eq!(valider_format(&d, "12\u{a0}000,5"), Ok(Some("12000.5".into())));
    }

    #[test]
    fn dates_accept_iso_and_french_formats_and_refuse_impossible_dates() {
        let t = tdc(TypeChamp::Date);
        assert_eq!(valider_format(&t, "2026-03-01"), Ok(Some("2026-03-01".into())));
        assert_eq!(valider_format(&t, "01/03/2026"), Ok(Some("2026-03-01".into())));
        assert!(valider_format(&t, "31/02/2026").is_err());
        assert!(valider_format(&t, "01/03/0026").is_err());
        assert_eq!(valeur_affichee(&t, Some("2026-03-01")), "01/03/2026");
    }

    #[test]
    fn choices_must_come_from_the_list_and_yes_no_from_two_answers() {
        let t = tdc(TypeChamp::DropDownList);
        assert_eq!(valider_format(&t, "Lyon"), Ok(Some("Lyon".into())));
        assert!(valider_format(&t, "Marseille").unwrap_err().contains("liste"));
        let y = tdc(TypeChamp::YesNo);
        assert_eq!(valider_format(&y, "false"), Ok(Some("false".into())));
        assert!(valider_format(&y, "peut-être").is_err());
        assert_eq!(valeur_affichee(&y, Some("false")), "Non");
        let c = tdc(TypeChamp::Checkbox);
        assert_eq!(valider_format(&c, "on"), Ok(Some("true".into())));
        assert_eq!(valider_format(&c, ""), Ok(None));
    }

    #[test]
    fn text_is_bounded_and_short_text_stays_on_one_line() {
        let t = tdc(TypeChamp::Text);
        assert_eq!(valider_format(&t, "a\r\nb"), Ok(Some("a b".into())));
        assert!(valider_format(&t, &"x".repeat(TEXT_MAX_CHARS + 1)).is_err());
        let l = tdc(TypeChamp::Textarea);
        assert_eq!(valider_format(&l, "a\r\nb\n"), Ok(Some("a\nb".into())));
    }

    #[test]
    fn mandatory_blanks_are_reported_header_sections_never() {
        let t = tdc(TypeChamp::Text);
        assert!(manque_obligatoire(&t, None).unwrap().contains("doit être rempli"));
        assert!(manque_obligatoire(&t, Some("  ")).is_some());
        assert!(manque_obligatoire(&t, Some("x")).is_none());
        assert!(manque_obligatoire(&tdc(TypeChamp::Checkbox), None).unwrap().starts_with("Cochez"));
        assert!(manque_obligatoire(&tdc(TypeChamp::HeaderSection), None).is_none());
        let mut optional = tdc(TypeChamp::Text);
        optional.obligatoire = false;
        assert!(manque_obligatoire(&optional, None).is_none());
    }
}
