//! Routage « par département ».

pub mod departement;
pub mod regle;
