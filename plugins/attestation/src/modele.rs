//! The attestation as a document description for the host's renderer:
//! the template's texts with their tags replaced, laid out as title,
//! header lines, paragraphs, an optional table of the champs, and the
//! verification QR code.
//!
//! Options (the démarche's settings):
//!
//! - `tableau-des-champs` (boolean, default false): adds a two-column table
//!   « Récapitulatif du dossier » with every champ that has a value.
//!
//! Images (logo, signature) are not touched here: the adapter passes the
//! template's ones to the renderer as they are.

use serde_json::Value;

use crate::balises::{self, Remplace, TropLong, Valeurs};
use crate::date;

/// Rows of the champs table: a form with more champs gets its first ones
/// (bounds the document a huge form could produce; the host also caps pages).
const LIGNES_MAX: usize = 200;

/// Title when the template leaves it empty.
const TITRE_PAR_DEFAUT: &str = "Attestation";

/// The template's texts.
#[derive(Clone, Copy, Debug)]
pub struct Modele<'a> {
    pub titre: &'a str,
    pub corps: &'a str,
    pub pied_de_page: &'a str,
    pub entete: &'a [String],
}

/// One block of the body, as WIT `document.block` (images aside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bloc {
    Titre(String),
    Paragraphe(String),
    Tableau(Vec<(String, String)>),
    CodeQr { donnees: String, legende: String },
    Espace(u32),
}

/// What the renderer receives, apart from the logo and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub titre: String,
    pub langue: &'static str,
    pub entete: Vec<String>,
    pub corps: Vec<Bloc>,
    pub pied_de_page: String,
    /// `attestation-dossier-<numéro>.pdf`.
    pub nom_de_fichier: String,
    /// Tags that matched nothing (to log), each once.
    pub balises_inconnues: Vec<String>,
}

/// Why the document cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Erreur {
    /// The options are not usable (English, for logs).
    Options(String),
    /// A text exceeds [`balises::TEXTE_MAX`] once its tags are replaced.
    TropLong,
}

impl From<TropLong> for Erreur {
    fn from(_: TropLong) -> Self {
        Erreur::TropLong
    }
}

/// Builds the attestation of the dossier described by `valeurs`.
pub fn construire(
    valeurs: &Valeurs<'_>,
    modele: &Modele<'_>,
    url_verification: &str,
    options: &str,
) -> Result<Document, Erreur> {
    let avec_tableau = lire_options(options)?;
    let mut inconnues = Vec::new();
    let mut remplacer = |texte: &str| -> Result<String, Erreur> {
        let Remplace { texte, inconnues: nouvelles } = balises::remplacer(texte, valeurs)?;
        for nom in nouvelles {
            if !inconnues.contains(&nom) {
                inconnues.push(nom);
            }
        }
        Ok(texte)
    };

    let titre = remplacer(modele.titre)?.trim().to_owned();
    let mut entete = Vec::with_capacity(modele.entete.len() + 1);
    for ligne in modele.entete {
        entete.push(remplacer(ligne)?);
    }
    if let Some(decision) = valeurs.decide_le.and_then(date::date_a_paris) {
        entete.push(format!("Fait le {}", decision.en_francais()));
    }

    let mut corps: Vec<Bloc> = paragraphes(&remplacer(modele.corps)?).into_iter().map(Bloc::Paragraphe).collect();
    if avec_tableau {
        let lignes: Vec<(String, String)> = valeurs
            .champs
            .iter()
            .filter_map(|champ| {
                let valeur = champ.valeur.map(str::trim).filter(|v| !v.is_empty())?;
                let valeur = match champ.type_champ {
                    "date" => date::date_simple(valeur).map(|d| d.en_francais()).unwrap_or_else(|| valeur.to_owned()),
                    _ => valeur.to_owned(),
                };
                Some((champ.libelle.to_owned(), valeur))
            })
            .take(LIGNES_MAX)
            .collect();
        if !lignes.is_empty() {
            corps.push(Bloc::Titre("Récapitulatif du dossier".to_owned()));
            corps.push(Bloc::Tableau(lignes));
        }
    }
    corps.push(Bloc::Espace(8));
    corps.push(Bloc::CodeQr {
        donnees: url_verification.to_owned(),
        legende: format!("Vérifiez l'authenticité de cette attestation : {url_verification}"),
    });

    let pied_de_page = remplacer(modele.pied_de_page)?;
    Ok(Document {
        titre: if titre.is_empty() { TITRE_PAR_DEFAUT.to_owned() } else { titre },
        langue: "fr-FR",
        entete,
        corps,
        pied_de_page,
        nom_de_fichier: format!("attestation-dossier-{}.pdf", valeurs.numero),
        balises_inconnues: inconnues,
    })
}

/// Paragraphs separated by blank lines; single line breaks stay inside a
/// paragraph (the renderer starts a new line at `\n`).
fn paragraphes(texte: &str) -> Vec<String> {
    let mut sortie = Vec::new();
    let mut courant: Vec<&str> = Vec::new();
    for ligne in texte.lines() {
        if ligne.trim().is_empty() {
            if !courant.is_empty() {
                sortie.push(courant.join("\n"));
                courant.clear();
            }
        } else {
            courant.push(ligne.trim_end());
        }
    }
    if !courant.is_empty() {
        sortie.push(courant.join("\n"));
    }
    sortie
}

fn lire_options(options: &str) -> Result<bool, Erreur> {
    let options: Value =
        serde_json::from_str(options).map_err(|_| Erreur::Options("options are not valid JSON".into()))?;
    let Some(options) = options.as_object() else {
        return Err(Erreur::Options("options are not a JSON object".into()));
    };
    match options.get("tableau-des-champs") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(oui)) => Ok(*oui),
        // The settings form may send booleans as text.
        Some(Value::String(s)) if s == "true" => Ok(true),
        Some(Value::String(s)) if s == "false" || s.is_empty() => Ok(false),
        Some(_) => Err(Erreur::Options("option `tableau-des-champs` must be a boolean".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balises::ChampValeur;

    fn valeurs() -> Valeurs<'static> {
        Valeurs {
            numero: 4021,
            demarche_libelle: "Aide au permis de conduire",
            usager_email: "paul.martin@example.fr",
            depose_le: Some("2026-02-03T08:00:00Z"),
            decide_le: Some("2026-03-12T16:00:00+01:00"),
            en_instruction_le: None,
            motivation: Some("Conditions remplies."),
            champs: vec![
                ChampValeur { libelle: "Nom", type_champ: "texte", valeur: Some("Martin") },
                ChampValeur { libelle: "Date de naissance", type_champ: "date", valeur: Some("2007-09-01") },
                ChampValeur { libelle: "Commentaire", type_champ: "textarea", valeur: Some("  ") },
            ],
        }
    }

    fn entete() -> Vec<String> {
        vec!["Mairie de Saint-Péray".to_owned(), "Dossier n° --numéro du dossier--".to_owned()]
    }

    const URL: &str = "https://guichet.example.fr/attestations/verifier/4021-0c1f";

    #[test]
    fn the_document_follows_the_template() {
        let entete = entete();
        let modele = Modele {
            titre: "Attestation d'acceptation --numéro du dossier--",
            corps: "Madame, Monsieur --Nom--,\nnée le --Date de naissance--,\n\n  \nVotre dossier « --libellé démarche-- » \
                    déposé le --date de dépôt-- est accepté.\n\n--motivation--\n",
            pied_de_page: "Mairie de Saint-Péray — --email--",
            entete: &entete,
        };
        let document = construire(&valeurs(), &modele, URL, "{}").expect("a document");
        assert_eq!(document.titre, "Attestation d'acceptation 4021");
        assert_eq!(document.langue, "fr-FR");
        assert_eq!(document.entete, vec!["Mairie de Saint-Péray", "Dossier n° 4021", "Fait le 12 mars 2026"]);
        assert_eq!(
            document.corps,
            vec![
                Bloc::Paragraphe("Madame, Monsieur Martin,\nnée le 1er septembre 2007,".into()),
                Bloc::Paragraphe(
                    "Votre dossier « Aide au permis de conduire » déposé le 3 février 2026 est accepté.".into()
                ),
                Bloc::Paragraphe("Conditions remplies.".into()),
                Bloc::Espace(8),
                Bloc::CodeQr {
                    donnees: URL.into(),
                    legende: format!("Vérifiez l'authenticité de cette attestation : {URL}"),
                },
            ]
        );
        assert_eq!(document.pied_de_page, "Mairie de Saint-Péray — paul.martin@example.fr");
        assert_eq!(document.nom_de_fichier, "attestation-dossier-4021.pdf");
        assert!(document.balises_inconnues.is_empty());
    }

    #[test]
    fn the_champs_table_is_optional() {
        let modele = Modele { titre: "", corps: "Accepté.", pied_de_page: "", entete: &[] };
        let sans = construire(&valeurs(), &modele, URL, r#"{"autre": 1}"#).expect("a document");
        assert!(!sans.corps.iter().any(|b| matches!(b, Bloc::Tableau(_))));
        assert_eq!(sans.titre, "Attestation");

        for options in [r#"{"tableau-des-champs": true}"#, r#"{"tableau-des-champs": "true"}"#] {
            let avec = construire(&valeurs(), &modele, URL, options).expect("a document");
            assert_eq!(avec.corps[1], Bloc::Titre("Récapitulatif du dossier".into()));
            assert_eq!(
                avec.corps[2],
                Bloc::Tableau(vec![
                    ("Nom".into(), "Martin".into()),
                    ("Date de naissance".into(), "1er septembre 2007".into()),
                ]),
                "empty champs are left out"
            );
        }
    }

    #[test]
    fn unknown_tags_are_collected_across_texts() {
        let entete = vec!["--service--".to_owned()];
        let modele =
            Modele { titre: "--service--", corps: "--signataire--", pied_de_page: "--service--", entete: &entete };
        let mut v = valeurs();
        v.decide_le = None;
        let document = construire(&v, &modele, URL, "{}").expect("a document");
        assert_eq!(document.balises_inconnues, vec!["service".to_owned(), "signataire".to_owned()]);
        assert_eq!(document.entete, vec![String::new()], "no decision, no « Fait le » line");
        assert_eq!(document.corps.len(), 2, "an empty body gives no paragraph: {:?}", document.corps);
    }

    #[test]
    fn bad_options_and_oversized_texts_are_errors() {
        let modele = Modele { titre: "", corps: "", pied_de_page: "", entete: &[] };
        assert!(matches!(construire(&valeurs(), &modele, URL, "[]"), Err(Erreur::Options(_))));
        assert!(matches!(construire(&valeurs(), &modele, URL, "nope"), Err(Erreur::Options(_))));
        assert!(matches!(
            construire(&valeurs(), &modele, URL, r#"{"tableau-des-champs": 1}"#),
            Err(Erreur::Options(_))
        ));
        let long = "a".repeat(balises::TEXTE_MAX + 1);
        let modele = Modele { titre: "", corps: &long, pied_de_page: "", entete: &[] };
        assert_eq!(construire(&valeurs(), &modele, URL, "{}"), Err(Erreur::TropLong));
    }
}
