//! Attestation.
pub mod balises;
pub mod date;
pub mod modele;
