//! Where a dossier goes at dépôt. The groupes' own rules first (built with
//! the no-code builder, in rhai like every rule of guichet): the first
//! groupe by name whose rule is true for the answers as filed. Then the
//! routing plugin, if one is enabled (`extensions::router`). Else the
//! default groupe.

use crate::domain::regle::{Regle, Valeurs, decrire};
use crate::domain::{GroupeInstructeurId, StableId};
use crate::state::AppState;
use crate::workflow::dossier::{Formulaire, Verifiees};
use crate::workflow::extensions::Routage;
use std::collections::HashMap;

/// The groupes' routing rules in the order they are tried (by name).
pub type ReglesDeGroupes = Vec<(GroupeInstructeurId, String, Regle)>;

/// The groupe the first true rule names, with why in French; `None` when
/// no rule holds (or the démarche has none). A rule that cannot be
/// evaluated is skipped and logged: the dossier still gets a groupe.
pub fn par_regles(
    state: &AppState,
    formulaire: &Formulaire,
    verifiees: &Verifiees,
    regles: &ReglesDeGroupes,
) -> Option<Routage> {
    if regles.is_empty() {
        return None;
    }
    let types = formulaire.types();
    let compilees =
        state.regles.du_formulaire_entier(formulaire.revision, types, formulaire.definition.ineligibilite.as_ref());
    let asts: Vec<_> = regles
        .iter()
        .filter_map(|(groupe, libelle, regle)| match compilees.compiler_sur_tout(&regle.expression) {
            Ok(ast) => Some((groupe, libelle, regle, ast)),
            Err(error) => {
                tracing::warn!(%error, groupe = groupe.0, "routing rule does not compile, skipped");
                None
            }
        })
        .collect();
    let refs: Vec<_> = asts.iter().map(|(_, _, _, ast)| ast).collect();
    let (_, resultats) = compilees.evaluer_avec(&valeurs(verifiees), &refs);
    for ((groupe, libelle, regle, _), resultat) in asts.iter().zip(resultats) {
        match resultat {
            Ok(true) => {
                return Some(Routage {
                    groupe: Some(**groupe),
                    explication: Some(format!("Règle du groupe « {libelle} » : {}.", decrire(regle, types))),
                });
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, groupe = groupe.0, "routing rule cannot be evaluated, skipped"),
        }
    }
    None
}

/// The answers as filed, as rules read them: hidden champs are already
/// cleared in `verifiees` at dépôt.
fn valeurs(verifiees: &Verifiees) -> Valeurs {
    let champs = verifiees.values.iter().filter_map(|(id, v)| v.clone().map(|v| (*id, v))).collect();
    let mut par_ligne: HashMap<&str, Vec<(StableId, String)>> = HashMap::new();
    for (champ, row, valeur) in &verifiees.valeurs_lignes {
        if let Some(v) = valeur {
            par_ligne.entry(row.as_str()).or_default().push((*champ, v.clone()));
        }
    }
    let lignes = verifiees
        .blocs
        .iter()
        .map(|(bloc, rows)| {
            let rows = rows
                .iter()
                .map(|row| par_ligne.get(row.as_str()).cloned().unwrap_or_default().into_iter().collect())
                .collect();
            (*bloc, rows)
        })
        .collect();
    Valeurs { champs, lignes }
}
