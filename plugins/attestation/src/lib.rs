//! The attestation of a dossier, as a PDF rendered by the host.
//!
//! The template's texts get their tags replaced ([`balises`], with dates in
//! French and in Paris time from [`date`]), [`modele`] lays them out as a
//! document description, and the host's `document::render-pdf` turns it
//! into a tagged PDF. This file only adapts that to the
//! `guichet:plugin/attestation` interface through the plugin SDK.

pub mod balises;
pub mod date;
pub mod modele;

use guichet_plugin_sdk::document::{self, Block, Document};
use guichet_plugin_sdk::{Attestation, Description, Dossier, Fichier, Options, PluginError, Template, description};

use crate::balises::{ChampValeur, Valeurs};
use crate::modele::{Bloc, Modele};

const OPTIONS_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "tableau-des-champs": {
      "description": "Ajoute un tableau « Récapitulatif du dossier » avec chaque champ rempli.",
      "type": ["boolean", "string"]
    }
  }
}"#;

struct AttestationPdf;

impl Attestation for AttestationPdf {
    fn describe() -> Description {
        description!(
            "attestation",
            "Attestation PDF",
            "Produit l'attestation du dossier à partir de votre modèle : balises remplacées (numéro, dates, \
             motivation, champs), logo, signature et QR code de vérification."
        )
        .options_schema(OPTIONS_SCHEMA)
    }

    fn render(
        dossier: &Dossier,
        template: &Template,
        verification_url: &str,
        options: &Options,
    ) -> Result<Fichier, PluginError> {
        if verification_url.trim().is_empty() {
            return Err(PluginError::InvalidInput("the verification URL is empty".into()));
        }
        let valeurs = Valeurs {
            numero: dossier.numero,
            demarche_libelle: &dossier.demarche_libelle,
            usager_email: &dossier.usager_email,
            depose_le: dossier.depose_le.as_deref(),
            decide_le: dossier.decide_le.as_deref(),
            en_instruction_le: dossier.en_instruction_le.as_deref(),
            motivation: dossier.motivation.as_deref(),
            champs: dossier
                .champs
                .iter()
                .map(|c| ChampValeur { libelle: &c.libelle, type_champ: &c.type_champ, valeur: c.valeur.as_deref() })
                .collect(),
        };
        let modele = Modele {
            titre: &template.titre,
            corps: &template.corps,
            pied_de_page: &template.pied_de_page,
            entete: &template.entete,
        };
        let construit =
            modele::construire(&valeurs, &modele, verification_url.trim(), options.as_str()).map_err(|e| match e {
                modele::Erreur::Options(reason) => PluginError::Misconfigured(reason),
                modele::Erreur::TropLong => PluginError::InvalidInput(format!(
                    "a template text exceeds {} bytes once its tags are replaced",
                    balises::TEXTE_MAX
                )),
            })?;
        for nom in &construit.balises_inconnues {
            // Tag names come from the administrateur's template, not from the usager.
            guichet_plugin_sdk::warn!("unknown tag --{nom}-- replaced by an empty string");
        }

        let mut document = Document::new(construit.titre)
            .lang(construit.langue)
            .logo(template.logo.clone())
            .signature(template.signature.clone())
            .footer(construit.pied_de_page);
        for ligne in construit.entete {
            document = document.header_line(ligne);
        }
        for bloc in construit.corps {
            document = document.block(match bloc {
                Bloc::Titre(texte) => Block::Heading(texte),
                Bloc::Paragraphe(texte) => Block::Paragraph(texte),
                Bloc::Tableau(lignes) => Block::KeyValues(lignes),
                Bloc::CodeQr { donnees, legende } => Block::QrCode(document::QrCode { data: donnees, legend: legende }),
                Bloc::Espace(mm) => Block::Spacer(mm),
            });
        }
        let pdf = document::render_pdf(&document)?;
        Ok(Fichier::pdf(construit.nom_de_fichier, pdf))
    }
}

guichet_plugin_sdk::export_attestation!(AttestationPdf);

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_plugin_sdk::document::Image;
    use guichet_plugin_sdk::{Champ, testing};
    use std::cell::RefCell;
    use std::rc::Rc;

    fn dossier() -> Dossier {
        Dossier {
            numero: 4021,
            etat: "accepte".into(),
            demarche_libelle: "Aide au permis".into(),
            usager_email: "paul.martin@example.fr".into(),
            depose_le: Some("2026-02-03T08:00:00Z".into()),
            decide_le: Some("2026-03-12T23:30:00Z".into()),
            en_instruction_le: Some("2026-02-20T10:00:00Z".into()),
            champs: vec![Champ {
                stable_id: 1,
                libelle: "Nom".into(),
                type_champ: "texte".into(),
                valeur: Some("Martin".into()),
                donnees: None,
            }],
            ..Dossier::default()
        }
    }

    fn template() -> Template {
        Template {
            titre: "Attestation n° --numéro du dossier--".into(),
            corps: "M. --Nom--, votre demande du --date de dépôt-- est acceptée.\n\nInstruite le --date de passage en instruction--.".into(),
            pied_de_page: "Préfecture du Rhône".into(),
            entete: vec!["Préfecture du Rhône".into()],
            logo: Some(Image::png(vec![0x89, b'P', b'N', b'G'], "Logo de la préfecture", 30)),
            signature: None,
        }
    }

    #[test]
    fn the_host_renders_the_described_document() {
        let vu: Rc<RefCell<Option<Document>>> = Rc::default();
        let copie = Rc::clone(&vu);
        testing::on_render_pdf(move |document| {
            *copie.borrow_mut() = Some(document.clone());
            Ok(b"%PDF-1.7 fake".to_vec())
        });
        let url = "https://guichet.example.fr/attestations/abc";
        let fichier = AttestationPdf::render(&dossier(), &template(), url, &Options::new("{}")).expect("a file");
        assert_eq!(fichier.media_type, "application/pdf");
        assert_eq!(fichier.filename, "attestation-dossier-4021.pdf");
        assert_eq!(fichier.data, b"%PDF-1.7 fake");

        let document = vu.borrow_mut().take().expect("the renderer was called");
        assert_eq!(document.title, "Attestation n° 4021");
        assert_eq!(document.lang, "fr-FR");
        // 23:30 UTC on 12 March is 00:30 on the 13th in Paris.
        assert_eq!(document.header_lines, vec!["Préfecture du Rhône", "Fait le 13 mars 2026"]);
        assert_eq!(
            document.body[0],
            Block::Paragraph("M. Martin, votre demande du 3 février 2026 est acceptée.".into())
        );
        assert_eq!(document.body[1], Block::Paragraph("Instruite le 20 février 2026.".into()));
        assert_eq!(document.body[2], Block::Spacer(8));
        assert!(matches!(&document.body[3], Block::QrCode(code) if code.data == url && code.legend.ends_with(url)));
        assert_eq!(document.logo.map(|l| l.alt), Some("Logo de la préfecture".into()));
        assert_eq!(document.footer, "Préfecture du Rhône");
        testing::reset();
    }

    #[test]
    fn renderer_and_input_failures_are_reported() {
        testing::on_render_pdf(|_| Err(PluginError::InvalidInput("image cannot be decoded".into())));
        let url = "https://guichet.example.fr/a";
        let erreur = AttestationPdf::render(&dossier(), &template(), url, &Options::new("{}"));
        assert_eq!(erreur, Err(PluginError::InvalidInput("image cannot be decoded".into())));
        let erreur =
            AttestationPdf::render(&dossier(), &template(), url, &Options::new(r#"{"tableau-des-champs": 3}"#));
        assert!(matches!(erreur, Err(PluginError::Misconfigured(_))));
        assert!(matches!(
            AttestationPdf::render(&dossier(), &template(), " ", &Options::new("{}")),
            Err(PluginError::InvalidInput(_))
        ));
        testing::reset();
    }
}
