//! The integration tests, compiled as one binary: each module below was a
//! test binary of its own, and every one of them linked wasmtime and sqlx,
//! which dominated the suite's build time on two cores. The shared support
//! (real servers, SMTP, PostgreSQL, S3, Chromium) is the `guichet_tests`
//! library in `tests/support/`.

mod administrateurs;
mod annotations;
mod apercu;
mod appareils;
mod attestation_template;
mod autocompletion;
mod carte_polygone;
mod carte_tuiles;
mod catalogue;
mod coconstruction;
mod conditions;
mod config_demarche;
mod confirmation_siret;
mod conformance;
mod contrat_rdv_service_public;
mod contrats_selftest;
mod cycle_de_vie;
mod dossier_pdf;
mod duplication;
mod enregistrement;
mod exemple_javascript;
mod exemple_python;
mod group_commit;
mod groupes_instructeurs;
mod http_securite;
mod interface;
mod mes_dossiers;
mod migrations;
mod modifications;
mod navigateur;
mod navigateur_enregistrement;
mod parcours_complet;
mod pieces_jointes;
mod plugins_champs;
mod plugins_extensions;
mod plugins_par_champ;
mod plugins_repetition;
mod preremplissage;
mod reglages_plugins;
mod repetitions;
mod reprises;
mod revisions;
mod routage_depot;
mod routage_regles;
mod sandbox;
mod sandbox_fixtures;
mod sandbox_http;
mod sonde_securite;
mod storage_s3;
mod story;
mod support_selftest;
mod territoire;
mod transfert;
mod verification_differee;
mod wit_frozen;
