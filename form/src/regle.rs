//! Rules written by administrateurs: display conditions, inéligibilité,
//! computed values and routing rules all compile to one language, rhai.

use serde::{Deserialize, Serialize};

/// A rule as stored with its revision: the rhai expression that runs, and,
/// when it was built with the no-code builder, the clauses it came from (so
/// the builder can show it again).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Regle {
    pub expression: String,
}
