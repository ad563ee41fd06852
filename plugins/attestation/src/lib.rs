//! Attestation.
pub mod date;
