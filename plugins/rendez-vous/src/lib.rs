//! Rendez-vous.
pub mod instant;
pub mod rdv_sp;
pub mod rendez_vous;
