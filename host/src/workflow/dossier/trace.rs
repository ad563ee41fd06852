//! The carte widget without a map: positions typed one per line become the
//! GeoJSON the map would have written, before anything reads the answers.
//! Any plugin asking for the map widget gets this, none is named.

use super::Saisie;
use crate::domain::champ::repetition::Slot;
use crate::domain::geometrie::coordonnees::{self, Forme};
use crate::domain::{Erreurs, TypeDeChamp};
use crate::plugins::Widget;
use crate::state::AppState;
use std::borrow::Cow;

pub fn nom_coordonnees(name: &str) -> String {
    format!("{name}_coordonnees")
}

pub fn nom_initiales(name: &str) -> String {
    format!("{name}_coordonnees_initiales")
}

pub fn nom_forme(name: &str) -> String {
    format!("{name}_forme")
}

/// Whether the champ's plugin asks for the map widget.
pub fn est_carte(state: &AppState, tdc: &TypeDeChamp) -> bool {
    tdc.type_champ
        .plugin_id()
        .and_then(|id| state.plugins.type_de_champ(id))
        .is_some_and(|p| p.input.widget == Widget::Map)
}

/// The answers with each map champ's typed positions, when the usager
/// changed them (or their kind of shape) from what the page showed, in
/// place of the posted GeoJSON: the page shows the stored drawing as
/// positions too, so unchanged positions leave the GeoJSON as posted (it
/// may have been pasted). Positions that cannot be read keep the GeoJSON
/// as posted, and their error is returned under the positions' input.
pub fn avec_traces<'a>(state: &AppState, types: &[TypeDeChamp], saisie: &'a Saisie) -> (Cow<'a, Saisie>, Erreurs) {
    let mut erreurs = Erreurs::new();
    let mut saisie = Cow::Borrowed(saisie);
    let lignes = super::lignes_saisies(types, saisie.as_ref());
    // Each map's input: a top-level champ's, and a champ of a block's in
    // each of its rows.
    let noms = types.iter().filter(|t| est_carte(state, t)).flat_map(|tdc| {
        let rows: Vec<Option<&String>> = match tdc.parent {
            None => vec![None],
            Some(bloc) => lignes.get(&bloc).into_iter().flatten().map(Some).collect(),
        };
        rows.into_iter().map(|row| Slot::dans(tdc.stable_id, row.map(String::as_str)).nom(&tdc.input_name()))
    });
    for name in noms.collect::<Vec<_>>() {
        let Some(tape) = saisie.get(&nom_coordonnees(&name)) else { continue };
        let forme = saisie.get(&nom_forme(&name)).map_or("", String::as_str);
        let montre = saisie.get(&nom_initiales(&name)).map_or("", String::as_str);
        let (forme_montree, positions_montrees) = montre.split_once('\n').unwrap_or(("", montre));
        let (tape_net, montre_net) = (normaliser(tape), normaliser(positions_montrees));
        // Nothing typed and nothing shown: a drawing positions cannot say
        // (or none) stays as posted, whatever kind of shape is picked.
        let inchange = tape_net == montre_net && (tape_net.is_empty() || forme == forme_montree);
        if inchange {
            continue;
        }
        let Some(forme) = Forme::parse(forme) else {
            erreurs.add(nom_coordonnees(&name), "Choisissez la forme tracée : points, lignes ou surfaces.");
            continue;
        };
        match coordonnees::vers_geojson(forme, tape) {
            Ok(geojson) => {
                saisie.to_mut().insert(name, geojson.unwrap_or_default());
            }
            Err(message) => erreurs.add(nom_coordonnees(&name), message),
        }
    }
    (saisie, erreurs)
}

/// What the page showed in the hidden `_initiales` input: the kind of
/// shape, a line break, the positions.
pub fn initiales(forme: Option<Forme>, positions: &str) -> String {
    format!("{}\n{positions}", forme.map_or("", Forme::as_str))
}

/// Typed positions compared as they draw: browsers post a textarea's
/// lines with CRLF, blanks around a line and runs of empty lines change
/// nothing (one empty line separates two shapes).
fn normaliser(texte: &str) -> String {
    let mut net = String::with_capacity(texte.len());
    let mut vide = false;
    for ligne in texte.lines().map(str::trim) {
        if ligne.is_empty() {
            vide = !net.is_empty();
            continue;
        }
        if !net.is_empty() {
            net.push_str(if vide { "\n\n" } else { "\n" });
        }
        net.push_str(ligne);
        vide = false;
    }
    net
}

#[cfg(test)]
mod tests {
    use super::normaliser;

    #[test]
    fn positions_compare_as_they_draw() {
        assert_eq!(normaliser("\r\n 48, 2 \r\n48.1, 2\r\n\r\n\r\n47, 1\r\n\r\n"), "48, 2\n48.1, 2\n\n47, 1");
        assert_ne!(normaliser("48, 2\n48.1, 2"), normaliser("48, 2\n\n48.1, 2"), "an empty line splits a shape");
        assert_eq!(normaliser(" \n "), "");
    }
}
