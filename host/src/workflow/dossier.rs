//! The dossier journey: an usager starts, saves and submits it; instructeurs
//! follow, instruct and decide. Every state change writes a Traitement and,
//! where the usager must know, enqueues an e-mail in the same transaction.

use crate::demarche_config::DemarcheConfig;
use crate::domain::champ::choix::valeur_saisie;
use crate::domain::champ::repetition::{self, Slot};
use crate::domain::champ::{Maintenant, manque_obligatoire, sans_caracteres_interdits, valider_format_le};
use crate::domain::compte::{Instructeur, Usager};
use crate::domain::demarche::EtatDemarche;
use crate::domain::dossier::transition;
use crate::domain::regle::{ReglesRevision, Valeurs};
use crate::domain::{
    ActionDossier, DossierId, Erreurs, EtatDossier, RevisionId, StableId, TransitionError, TypeChamp, TypeDeChamp,
};
use crate::error::AppError;
use crate::jobs::{enqueue_attestation, enqueue_mail, enqueue_verification};
use crate::plugins::{PluginError, PluginValidation};
use crate::state::AppState;
use crate::store::Tx;
use crate::store::demarches::{self, Definition};
use crate::store::dossiers::{self, DossierRow, Stream, Verdicts};
use crate::store::pieces_jointes::PieceRow;
use crate::workflow::courriel;
use chrono::Utc;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub mod corbeille;
pub mod declaratif;
pub mod enregistrement;
pub mod invitations;
pub mod modifications;
pub mod pdf;
pub mod preremplissage;
pub mod trace;
pub mod transfert;

/// Answers as posted by the form: input name (`champ_<stable_id>`) → text.
pub type Saisie = HashMap<String, String>;

/// Plugin id → its settings on the démarche (a JSON object).
pub type Reglages = HashMap<String, String>;

/// The options a plugin champ's plugin receives: the démarche's settings
/// of that plugin with the champ's own on top. Every call made for a champ
/// (validate, enrich, suggest, display, the deferred check) goes through
/// here, so two champs of one plugin are checked each with its own.
pub fn options_du_champ(reglages: &Reglages, tdc: &TypeDeChamp) -> String {
    let demarche = tdc.type_champ.plugin_id().and_then(|plugin| reglages.get(plugin)).map(String::as_str);
    crate::plugins::settings::effectives(demarche, tdc.options.plugin.as_ref())
}

/// Opens a new brouillon on the démarche at `path` (or resumes the usager's
/// latest brouillon there). `test` is the test link of a démarche in test.
pub async fn commencer(state: &AppState, usager: &Usager, path: &str, test: bool) -> Result<DossierId, AppError> {
    let mut tx = state.store.write().await?;
    let id = nouveau_brouillon(state, &mut tx, usager, path, test, true).await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens a brouillon on the démarche at `path` in `tx`: a new one, or the
/// usager's latest there when `reprendre`.
pub(crate) async fn nouveau_brouillon(
    state: &AppState,
    tx: &mut Tx,
    usager: &Usager,
    path: &str,
    test: bool,
    reprendre: bool,
) -> Result<DossierId, AppError> {
    let now = Utc::now();
    let d = demarches::find_by_path(tx.conn(), path).await?;
    let etat = d.etat();
    if test != (etat == EtatDemarche::Brouillon) {
        return Err(AppError::NotFound);
    }
    if !d.accepte_depots(now) {
        return Err(AppError::Refused("Cette démarche n'accepte plus de nouveaux dossiers.".into()));
    }
    if reprendre && let Some(id) = dossiers::find_brouillon(tx.conn(), d.id(), usager.compte_id).await? {
        return Ok(id);
    }
    let revision = d.current_revision().ok_or(AppError::NotFound)?;
    let id = dossiers::insert(tx.conn(), d.id(), revision, usager.compte_id, test, now).await?;
    let definition = state.formulaires.de_revision(tx.conn(), revision).await?;
    let depart: Vec<(StableId, Option<String>)> = repetition::lignes_de_depart(&definition.types, || {
        repetition::nouvelle_ligne(now.timestamp_millis(), rand::random())
    })
    .into_iter()
    .map(|(bloc, lignes)| (bloc, Some(lignes)))
    .collect();
    let ecrits = dossiers::ChampsEcrits { values: &depart, verdicts: &Verdicts::default() };
    dossiers::upsert_champs(tx.conn(), id, Stream::Main, ecrits, now).await?;
    Ok(id)
}

/// The answers of a form, checked.
#[derive(Debug, Default)]
pub struct Verifiees {
    /// What to store for each champ: the normalized value when valid, the
    /// text as typed when not, so nothing typed is lost.
    pub values: Vec<(StableId, Option<String>)>,
    /// In form order.
    pub erreurs: Erreurs,
    /// What plugins said, at the top level and in rows: what they found
    /// about valid values (the établissement behind a SIRET…), the values
    /// whose données the usager confirmed in this submission, and the
    /// answers whose plugin could not answer now (degraded, upstream
    /// down), kept as typed and checked again by a job instead of
    /// stopping a dépôt because of our outage.
    pub verdicts: Verdicts,
    /// Champs hidden by their display condition (not validated; cleared
    /// at dépôt, their files with them).
    pub masques: Vec<StableId>,
    /// Each block's rows, in order, and the values of their champs.
    pub blocs: Blocs,
    pub valeurs_lignes: ValeursLignes,
    /// Champs hidden in a row by their condition, as `(champ, row id)`.
    pub masques_lignes: Vec<(StableId, String)>,
}

/// Each block's row ids, in order.
pub type Blocs = Vec<(StableId, Vec<String>)>;
/// The values of the champs of rows: `(champ, row id, value)`.
pub type ValeursLignes = Vec<(StableId, String, Option<String>)>;

impl Verifiees {
    fn lignes(&self) -> dossiers::LignesEcrites<'_> {
        dossiers::LignesEcrites { blocs: &self.blocs, valeurs: &self.valeurs_lignes, verdicts: &self.verdicts }
    }

    fn ecrits(&self) -> dossiers::ChampsEcrits<'_> {
        dossiers::ChampsEcrits { values: &self.values, verdicts: &self.verdicts }
    }

    /// The refusal of this submission: its errors, and what plugins found
    /// about the answers that passed, for the page to show them again.
    fn refus(self) -> Refus {
        let Verdicts { donnees, confirmes, .. } = self.verdicts;
        let racine = self.values.into_iter().map(|(id, v)| (Slot::racine(id), v));
        let lignes = self.valeurs_lignes.into_iter().map(|(id, row, v)| (Slot::dans(id, Some(&row)), v));
        let valeurs = racine
            .chain(lignes)
            .filter(|(slot, _)| donnees.contains_key(slot))
            .filter_map(|(slot, v)| v.map(|v| (slot, v)))
            .collect();
        Refus { erreurs: self.erreurs, valeurs, donnees, confirmes }
    }
}

/// A form refused (or a brouillon saved with errors): the errors, and what
/// plugins found about the answers that passed (the établissement behind a
/// SIRET), which the page shows for the usager to check and confirm.
#[derive(Debug, Default)]
pub struct Refus {
    pub erreurs: Erreurs,
    /// Normalized values that have données, at the top level and in rows.
    pub valeurs: HashMap<Slot, String>,
    pub donnees: HashMap<Slot, String>,
    pub confirmes: Vec<Slot>,
}

/// The name of the box confirming what a plugin found about an answer
/// (with its row's prefix in a block).
pub fn confirmation_name(slot: &Slot) -> String {
    slot.nom(&format!("confirmation_{}", slot.champ.0))
}

/// The box's value: a digest of the value and of the données shown with
/// it, so a confirmation never carries over to another value, nor to what
/// the plugin finds later about the same one (an établissement closed since).
pub fn confirmation_jeton(valeur: &str, donnees: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{valeur}\u{0}{donnees}").as_bytes());
    hex::encode(&digest[..12])
}

/// A plugin's answer on one value, validation and enrichment together.
enum PluginAnswer {
    /// Store `normalized` (and what the plugin found about it).
    Valide { normalized: String, donnees: Option<String> },
    /// The usager's mistake, in French.
    Refuse(String),
    /// The plugin could not answer; `PluginError` says whether retrying may help.
    Indisponible(PluginError),
}

/// Validates `value` with its plugin, then, when valid and the plugin
/// enriches values, fetches what it knows about it (a SIRET that passes its
/// check but belongs to no établissement is refused here).
async fn controler(state: &AppState, plugin: &str, libelle: &str, value: &str, options: &str) -> PluginAnswer {
    let refus = |errors: Vec<crate::plugins::PluginFieldError>| {
        let message = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ");
        PluginAnswer::Refuse(format!("« {libelle} » : {message}"))
    };
    let normalized = match state.plugins.validate(plugin, value, options).await {
        Ok(PluginValidation::Valid { normalized }) => normalized,
        Ok(PluginValidation::Invalid(errors)) => return refus(errors),
        Err(err) => return PluginAnswer::Indisponible(err),
    };
    match state.plugins.enrich(plugin, &normalized, options).await {
        Ok(Ok(enrichment)) => PluginAnswer::Valide { normalized, donnees: enrichment.map(|e| e.donnees) },
        Ok(Err(errors)) => refus(errors),
        // Enrichment the operator did not set up (no API token, origin not
        // granted) is an extra the platform does without: the value passed
        // its check. An outage, though, is retried like a failed check.
        Err(err @ PluginError::Guest { error: crate::plugins::GuestError::Misconfigured(_), .. }) => {
            tracing::warn!(error = %err, plugin, "enrichment not configured, value kept without données");
            PluginAnswer::Valide { normalized, donnees: None }
        }
        Err(err) => PluginAnswer::Indisponible(err),
    }
}

/// What checking a form's answers reads: the posted answers and the
/// démarche's plugin settings, whether this is a submission, and today
/// (for date rules).
struct Controle<'a> {
    state: &'a AppState,
    reglages: &'a Reglages,
    saisie: &'a Saisie,
    depot: bool,
    maintenant: Maintenant,
}

impl Controle<'_> {
    /// Checks one answer (top-level, or in row number `rang` of its block)
    /// as typed (`composed`): its format, its plugin, whether it is
    /// missing. Records errors, named by the answer's input, and what the
    /// plugin said in `v`; returns what to store (the normalized value
    /// when valid, the text as typed when not, so nothing typed is lost).
    async fn champ(
        &self,
        tdc: &TypeDeChamp,
        slot: Slot,
        composed: &str,
        rang: Option<usize>,
        v: &mut Verifiees,
    ) -> Option<String> {
        let name = slot.nom(&tdc.input_name());
        let habiller = |message: String| match rang {
            Some(rang) => format!("Élément {} — {message}", rang + 1),
            None => message,
        };
        let typed = tel_que_saisi(composed);
        let plugin = tdc.type_champ.plugin_id();
        // A plugin's champ takes values as long as its plugin declared.
        let max_chars = plugin.and_then(|id| self.state.plugins.plugin(id)).and_then(|p| p.input.max_chars);
        let stored = match valider_format_le(tdc, composed, max_chars, self.maintenant) {
            Err(message) => {
                v.erreurs.add(&name, habiller(message));
                typed
            }
            Ok(Some(value)) if plugin.is_some() => self.plugin(tdc, slot, value, typed, &habiller, v).await,
            Ok(value) => value,
        };
        if self.depot
            && v.erreurs.get(&name).is_none()
            && let Some(message) = manque_obligatoire(tdc, stored.as_deref())
        {
            v.erreurs.add(&name, habiller(message));
        }
        stored
    }

    /// A value its format accepts, checked by its plugin: the normalized
    /// value, what the plugin found about it and whether the usager
    /// confirmed that (a submission requires it when the plugin asks), or
    /// the check deferred when the plugin cannot answer at a dépôt.
    async fn plugin(
        &self,
        tdc: &TypeDeChamp,
        slot: Slot,
        value: String,
        typed: Option<String>,
        habiller: &(dyn Fn(String) -> String + Sync),
        v: &mut Verifiees,
    ) -> Option<String> {
        let Some(plugin) = tdc.type_champ.plugin_id() else { return Some(value) };
        let name = slot.nom(&tdc.input_name());
        let options = options_du_champ(self.reglages, tdc);
        match controler(self.state, plugin, &tdc.libelle, &value, &options).await {
            PluginAnswer::Valide { normalized, donnees: found } => {
                if let Some(found) = found {
                    let asked = self.state.plugins.plugin(plugin).and_then(|p| p.confirmation);
                    let box_name = confirmation_name(&slot);
                    let jeton = confirmation_jeton(&normalized, &found);
                    if self.saisie.get(&box_name).is_some_and(|posted| *posted == jeton) {
                        v.verdicts.confirmes.push(slot.clone());
                    } else if self.depot && asked.is_some() {
                        v.erreurs.add(
                            &box_name,
                            habiller(format!(
                                "« {} » : vérifiez les informations trouvées sous le champ et cochez la case de confirmation.",
                                tdc.libelle
                            )),
                        );
                    }
                    v.verdicts.donnees.insert(slot, found);
                }
                Some(normalized)
            }
            PluginAnswer::Refuse(message) => {
                v.erreurs.add(&name, habiller(message));
                typed
            }
            PluginAnswer::Indisponible(err) if self.depot && err.is_transient() => {
                tracing::warn!(error = %err, "plugin check deferred to a job");
                v.verdicts.a_verifier.push(slot);
                typed
            }
            PluginAnswer::Indisponible(err) => {
                v.erreurs.add(&name, habiller(plugin_indisponible(&tdc.libelle, &err)));
                typed
            }
        }
    }
}

/// Checks every answer: built-in formats here, plugin types through their
/// plugin (before any write transaction opens). `depot` is a submission
/// (mandatory champs required; a plugin outage defers the check instead of
/// refusing); otherwise a brouillon, where an outage is only reported.
pub async fn verifier_saisie(state: &AppState, formulaire: &Formulaire, saisie: &Saisie, depot: bool) -> Verifiees {
    let types = formulaire.types();
    // Positions typed in a map champ without a map become its GeoJSON
    // first: the rules and the plugin read the drawing.
    let (saisie, erreurs) = trace::avec_traces(state, types, saisie);
    let saisie = saisie.as_ref();
    let mut v = Verifiees { erreurs, ..Verifiees::default() };
    let controle = Controle {
        state,
        reglages: &formulaire.config.reglages,
        saisie,
        depot,
        maintenant: Maintenant::a_paris(Utc::now()),
    };
    // The rules first: a champ they hide is neither validated nor sent to
    // its plugin, and computed champs take their value.
    let lignes = lignes_saisies(types, saisie);
    let ev = state.regles.evaluer(formulaire.revision, formulaire.regles.as_deref(), || {
        Valeurs::depuis_formulaire(types, &lignes, |tdc, row| Some(compose_dans(tdc, saisie, row)))
    });
    verifier_lignes(&controle, types, &lignes, &ev, &mut v).await;
    for tdc in types.iter().filter(|t| t.type_champ.has_value() && t.parent.is_none()) {
        // A champ may post several inputs (« Autre » and its text, two
        // linked lists, boxes): composed into the one value it validates.
        let composed = compose_dans(tdc, saisie, None);
        if !ev.visible(tdc.stable_id) {
            v.masques.push(tdc.stable_id);
            // A brouillon keeps what was typed (the usager may show the
            // champ again); a dépôt clears it.
            let garde = if depot || !tdc.type_champ.saisi_par_usager() { None } else { tel_que_saisi(&composed) };
            v.values.push((tdc.stable_id, garde));
            continue;
        }
        if tdc.type_champ == TypeChamp::Calcul {
            v.values.push((tdc.stable_id, ev.calculs.get(&tdc.stable_id).cloned().flatten()));
            continue;
        }
        let stored = controle.champ(tdc, Slot::racine(tdc.stable_id), &composed, None, &mut v).await;
        v.values.push((tdc.stable_id, stored));
    }
    if depot && let Some(message) = ev.ineligible {
        v.erreurs.add(INELIGIBILITE, message);
    }
    v
}

/// What a champ's inputs posted, composed into the one value it
/// validates; in a row, its inputs carry the row's prefix.
pub fn compose_dans(tdc: &TypeDeChamp, saisie: &Saisie, row: Option<&str>) -> String {
    match row {
        None => valeur_saisie(tdc, |k| saisie.get(k).map(String::as_str), |k| multiples(saisie, k)),
        Some(row) => {
            let prefixe = repetition::prefixe_ligne(row);
            valeur_saisie(
                tdc,
                |k| saisie.get(&format!("{prefixe}{k}")).map(String::as_str),
                |k| multiples(saisie, &format!("{prefixe}{k}")),
            )
        }
    }
}

/// A value kept as the usager typed it (refused, or hidden in a
/// brouillon): trimmed, control characters out, nothing when blank.
fn tel_que_saisi(composed: &str) -> Option<String> {
    Some(sans_caracteres_interdits(composed.trim())).filter(|v| !v.is_empty())
}

/// Each block's rows as posted (`champ_<bloc>[]`, one per row, in order),
/// checked: unknown or malformed ids dropped, at most `MAX_LIGNES`.
pub fn lignes_saisies(types: &[TypeDeChamp], saisie: &Saisie) -> HashMap<StableId, Vec<String>> {
    types
        .iter()
        .filter(|t| t.type_champ == TypeChamp::Repetition && !t.prive)
        .map(|bloc| {
            (bloc.stable_id, repetition::ids_valides(multiples(saisie, &repetition::nom_lignes(bloc.stable_id))))
        })
        .collect()
}

/// Checks the champs of every row as top-level champs are checked (their
/// errors named by the row's inputs, plugin champs by their plugin). A
/// hidden block, or a champ hidden in its row, is kept as typed in a
/// brouillon and cleared at dépôt.
async fn verifier_lignes(
    controle: &Controle<'_>,
    types: &[TypeDeChamp],
    lignes: &HashMap<StableId, Vec<String>>,
    ev: &crate::domain::regle::Evaluation,
    v: &mut Verifiees,
) {
    let depot = controle.depot;
    for bloc in types.iter().filter(|t| t.type_champ == TypeChamp::Repetition && !t.prive) {
        let rows = lignes.get(&bloc.stable_id).cloned().unwrap_or_default();
        let visible = ev.visible(bloc.stable_id);
        if depot && !visible {
            v.blocs.push((bloc.stable_id, Vec::new()));
            continue;
        }
        if depot && bloc.obligatoire && rows.is_empty() {
            v.erreurs.add(bloc.input_name(), format!("« {} » : ajoutez au moins un élément.", bloc.libelle));
        }
        for (rang, row) in rows.iter().enumerate() {
            let masques = ev.masques_lignes.get(&(bloc.stable_id, rang));
            let calculs = ev.calculs_lignes.get(&(bloc.stable_id, rang));
            for tdc in repetition::enfants(types, bloc.stable_id).filter(|t| t.type_champ.has_value()) {
                let composed = compose_dans(tdc, controle.saisie, Some(row));
                if !visible || masques.is_some_and(|m| m.contains(&tdc.stable_id)) {
                    v.masques_lignes.push((tdc.stable_id, row.clone()));
                    let garde =
                        if depot || !tdc.type_champ.saisi_par_usager() { None } else { tel_que_saisi(&composed) };
                    v.valeurs_lignes.push((tdc.stable_id, row.clone(), garde));
                    continue;
                }
                if tdc.type_champ == TypeChamp::Calcul {
                    let calcul = calculs.and_then(|c| c.get(&tdc.stable_id)).cloned().flatten();
                    v.valeurs_lignes.push((tdc.stable_id, row.clone(), calcul));
                    continue;
                }
                let slot = Slot::dans(tdc.stable_id, Some(row));
                let stored = controle.champ(tdc, slot, &composed, Some(rang), v).await;
                v.valeurs_lignes.push((tdc.stable_id, row.clone(), stored));
            }
        }
        v.blocs.push((bloc.stable_id, rows));
    }
}

/// The files a save no longer holds: those of a row the usager removed
/// (or of a block emptied because hidden) and, when the dossier is filed
/// or modified (`depot`), those of a champ its condition hides, at the
/// top level or in its row. A brouillon keeps hidden champs' files: the
/// usager may show the champ again.
fn pieces_a_retirer<'a>(
    types: &[TypeDeChamp],
    verifiees: &Verifiees,
    pieces: &'a [PieceRow],
    depot: bool,
) -> Vec<&'a PieceRow> {
    let parent = |stable_id: i64| types.iter().find(|t| t.stable_id.0 == stable_id).and_then(|t| t.parent);
    pieces
        .iter()
        .filter(|p| match p.ligne() {
            None => depot && verifiees.masques.iter().any(|m| m.0 == p.stable_id),
            Some(row) => {
                let rows = parent(p.stable_id)
                    .and_then(|bloc| verifiees.blocs.iter().find(|(b, _)| *b == bloc))
                    .map(|(_, rows)| rows.as_slice());
                // A champ no longer in a block (the form changed) keeps
                // its files: nothing here says they are not wanted.
                let Some(rows) = rows else { return false };
                !rows.iter().any(|r| r == row)
                    || (depot && verifiees.masques_lignes.iter().any(|(c, r)| c.0 == p.stable_id && r == row))
            }
        })
        .collect()
}

/// Where the inéligibilité message goes among a form's errors (the page
/// shows it above the form, where `#ineligibilite` points).
pub const INELIGIBILITE: &str = "ineligibilite";

/// The values of a repeated key (`champ_12[]`), which the form extractor
/// keeps as a JSON array.
pub fn multiples(saisie: &Saisie, key: &str) -> Vec<String> {
    saisie.get(key).and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
}

/// A « lien vers un autre dossier » must name a dossier of the dossier's
/// owner (`titulaire`, whoever is typing: the owner or an invité); one
/// that does not exist and one of someone else answer alike.
async fn verifier_liens(
    state: &AppState,
    titulaire: crate::domain::CompteId,
    types: &[TypeDeChamp],
    verifiees: &mut Verifiees,
) -> Result<(), AppError> {
    let liens: Vec<&TypeDeChamp> =
        types.iter().filter(|t| t.type_champ == crate::domain::TypeChamp::DossierLink).collect();
    if liens.is_empty() {
        return Ok(());
    }
    let mut tx = state.store.read().await?;
    for tdc in liens {
        let name = tdc.input_name();
        let numero = verifiees
            .values
            .iter()
            .find(|(id, _)| *id == tdc.stable_id)
            .and_then(|(_, v)| v.as_deref())
            .and_then(crate::domain::champ::numero_dossier);
        let Some(numero) = numero.filter(|_| verifiees.erreurs.get(&name).is_none()) else {
            continue;
        };
        match dossiers::find_for_usager(tx.conn(), DossierId(numero), titulaire).await {
            Ok(_) => {}
            Err(crate::store::StoreError::NotFound) => verifiees.erreurs.add(
                &name,
                format!(
                    "« {} » : le dossier n° {numero} n'existe pas ou ne fait pas partie de vos dossiers.",
                    tdc.libelle
                ),
            ),
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The job behind a deferred plugin check. `Err` while the plugin still
/// cannot answer (the job retries with backoff); a late refusal is recorded
/// for the instructeur next to the champ, the usager's value untouched.
pub async fn reverifier(state: &AppState, id: DossierId, slot: &Slot) -> anyhow::Result<()> {
    let mut tx = state.store.read().await?;
    let pending = dossiers::champ_a_verifier(tx.conn(), id, slot).await?;
    let reglages = match &pending {
        Some(p) => demarches::plugins_reglages(tx.conn(), crate::domain::DemarcheId(p.demarche_id)).await?,
        None => Reglages::new(),
    };
    tx.commit().await?;
    let Some(pending) = pending else {
        return Ok(());
    };
    let Some(plugin) =
        crate::domain::TypeChamp::parse(&pending.type_champ).and_then(|t| t.plugin_id().map(str::to_owned))
    else {
        return Ok(());
    };
    // The champ's own settings are those of the dossier's revision, the
    // form it was filed with.
    let champ = crate::domain::champ::OptionsChamp::depuis_json(&pending.options);
    let demarche = reglages.get(&plugin).map(String::as_str);
    let options = crate::plugins::settings::effectives(demarche, champ.plugin.as_ref());
    let (value, libelle) = (pending.value, pending.libelle);
    let result = match controler(state, &plugin, &libelle, &value, &options).await {
        PluginAnswer::Valide { normalized, donnees } => Ok((normalized, donnees)),
        PluginAnswer::Refuse(message) => Err(message),
        PluginAnswer::Indisponible(err) if err.is_transient() => {
            return Err(anyhow::anyhow!("plugin {plugin} still unavailable: {err}"));
        }
        PluginAnswer::Indisponible(err) => Err(plugin_indisponible(&libelle, &err)),
    };
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let recorded = match &result {
        Ok((normalized, donnees)) => {
            let answer = Ok((normalized.as_str(), donnees.as_deref()));
            dossiers::resoudre_verification(tx.conn(), id, slot, &value, answer, now).await?
        }
        Err(message) => dossiers::resoudre_verification(tx.conn(), id, slot, &value, Err(message), now).await?,
    };
    tx.commit().await?;
    tracing::info!(
        dossier = id.0,
        stable_id = slot.champ.0,
        row = slot.row_id(),
        valid = result.is_ok(),
        recorded,
        "deferred plugin check done"
    );
    Ok(())
}

fn plugin_indisponible(libelle: &str, err: &PluginError) -> String {
    tracing::warn!(error = %err, "plugin validation unavailable");
    match err {
        PluginError::UnknownType(_) => format!(
            "Le type du champ « {libelle} » n'est plus disponible. Contactez le service en charge de la démarche."
        ),
        // Lasts until the administrateur fixes the settings: « réessayez »
        // would send the usager round in circles.
        PluginError::InvalidOptions { .. } => format!(
            "Le champ « {libelle} » n'est pas encore configuré par le service en charge de la démarche. Votre saisie est conservée ; contactez ce service."
        ),
        _ => format!(
            "La vérification automatique de « {libelle} » est momentanément indisponible. Votre saisie est conservée ; réessayez dans quelques instants."
        ),
    }
}

/// The form of a dossier: its types de champ and inéligibilité rule
/// (`definition`), its démarche's settings (each enabled plugin's
/// `options`, the groupes' routing rules), and its compiled rules.
pub struct Formulaire {
    pub revision: RevisionId,
    pub definition: Arc<Definition>,
    pub config: Arc<DemarcheConfig>,
    /// `None`: the form has no rule.
    pub regles: Option<Arc<ReglesRevision>>,
}

impl Formulaire {
    pub fn types(&self) -> &[TypeDeChamp] {
        &self.definition.types
    }
}

/// Reads a dossier's form inside `tx`; a published one, and its démarche's
/// settings unless changed, come from memory.
async fn formulaire_dans(state: &AppState, tx: &mut Tx, dossier: &DossierRow) -> Result<Formulaire, AppError> {
    let definition = state.formulaires.de_revision(tx.conn(), dossier.revision_id()).await?;
    let config = state.demarche_config.du_dossier(tx.conn(), dossier).await?;
    let regles =
        state.regles.du_formulaire(dossier.revision_id(), &definition.types, definition.ineligibilite.as_ref());
    Ok(Formulaire { revision: dossier.revision_id(), definition, config, regles })
}

/// What a save, a modification or a dépôt reads before it writes, in one
/// read transaction: the dossier (in the usager's scope), its form, and
/// the answers with each file champ's value taken from its files.
struct Contexte {
    dossier: DossierRow,
    formulaire: Formulaire,
    saisie: Saisie,
    /// The dossier's files, as the save read them.
    pieces: Vec<PieceRow>,
}

async fn contexte(
    state: &AppState,
    tx: &mut Tx,
    usager: &Usager,
    id: DossierId,
    saisie: &Saisie,
) -> Result<Contexte, AppError> {
    let dossier = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    corbeille::hors_corbeille(&dossier)?;
    let formulaire = formulaire_dans(state, tx, &dossier).await?;
    let pieces =
        crate::workflow::pieces_jointes::du_formulaire(tx, id, dossier.stream_usager(), formulaire.types()).await?;
    let saisie = crate::workflow::pieces_jointes::avec_fichiers(formulaire.types(), saisie, &pieces);
    Ok(Contexte { dossier, formulaire, saisie, pieces })
}

/// Saves a brouillon as typed. Format errors are reported but the text is
/// kept, so the usager can come back and fix it later.
pub async fn enregistrer_brouillon(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    saisie: &Saisie,
) -> Result<Result<(), Refus>, AppError> {
    let deja_depose = || AppError::Refused("Ce dossier a déjà été déposé.".into());
    enregistrer_tel_quel(state, usager, id, saisie, EtatDossier::Brouillon, deja_depose).await
}

/// Saves the answers of a dossier in state `attendu` as typed: a
/// brouillon, or the changes to a dossier en construction (its buffer).
/// `sinon` is the refusal when the dossier has moved on.
async fn enregistrer_tel_quel(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    saisie: &Saisie,
    attendu: EtatDossier,
    sinon: impl Fn() -> AppError,
) -> Result<Result<(), Refus>, AppError> {
    let mut tx = state.store.read().await?;
    let Contexte { dossier, formulaire, saisie, pieces } = contexte(state, &mut tx, usager, id, saisie).await?;
    tx.commit().await?;
    if dossier.etat() != attendu {
        return Err(sinon());
    }
    let types = formulaire.types();
    let mut verifiees = verifier_saisie(state, &formulaire, &saisie, false).await;
    verifier_liens(state, dossier.titulaire(), types, &mut verifiees).await?;
    // Nothing saved as typed defers a check: they run again at dépôt.
    verifiees.verdicts.a_verifier.clear();
    let retirees = pieces_a_retirer(types, &verifiees, &pieces, false);
    if !sauver(state, usager, id, attendu, &verifiees, &retirees).await? {
        return Err(sinon());
    }
    if verifiees.erreurs.is_empty() { Ok(Ok(())) } else { Ok(Err(verifiees.refus())) }
}

/// Writes answers as typed, and deletes the files of rows removed
/// (`retirees`): a brouillon's, or the buffer of a dossier en construction
/// (opened by its first change). `false`, writing nothing, when the
/// dossier is no longer in state `attendu`: it may have been déposé from
/// another tab, or taken into instruction, since it was read.
async fn sauver(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    attendu: EtatDossier,
    verifiees: &Verifiees,
    retirees: &[&PieceRow],
) -> Result<bool, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let dossier = dossiers::find_for_participant(tx.conn(), id, usager).await?;
    corbeille::hors_corbeille(&dossier)?;
    if dossier.etat() != attendu {
        return Ok(false);
    }
    let stream = crate::workflow::pieces_jointes::stream_modifie(&mut tx, &dossier, now).await?;
    dossiers::upsert_champs(tx.conn(), id, stream, verifiees.ecrits(), now).await?;
    dossiers::ecrire_lignes(tx.conn(), id, stream, verifiees.lignes(), now).await?;
    let objets = crate::workflow::pieces_jointes::retirer_pieces(&mut tx, id, stream, retirees).await?;
    dossiers::touch(tx.conn(), id, now).await?;
    tx.commit().await?;
    crate::workflow::pieces_jointes::supprimer_objets(state, objets).await;
    Ok(true)
}

/// Submits a brouillon: en_construction, with a number, routed by the
/// groupes' rules or the routing plugin (`routage`; else to the default
/// groupe), and an accusé de réception e-mail. With any error the answers
/// are still saved and the errors returned.
pub async fn deposer(
    state: &AppState,
    usager: &Usager,
    id: DossierId,
    saisie: &Saisie,
) -> Result<Result<(), Refus>, AppError> {
    // 1. Read everything the dépôt needs, in one snapshot: the write
    //    transaction below holds the one writer, it only writes.
    let mut tx = state.store.read().await?;
    let Contexte { dossier, formulaire, saisie, pieces } = contexte(state, &mut tx, usager, id, saisie).await?;
    if !dossier.est_a(usager.compte_id) {
        return Err(AppError::Refused(
            "Seul le titulaire du dossier peut le déposer : vous êtes invité à le compléter.".into(),
        ));
    }
    // A dépôt repeated after it went through (double click, a retry after a
    // lost answer) has nothing left to do: the usager sees the filed dossier.
    if dossier.etat() != EtatDossier::Brouillon {
        return Ok(Ok(()));
    }
    tx.commit().await?;
    let regle = crate::workflow::extensions::regle_de_routage(state, &formulaire.config);
    let demarche_etat = dossier.demarche_etat();
    // The deadline counts to the instant, whether or not the closing job
    // has run yet. What was typed is kept in the brouillon all the same.
    if !demarche_etat.accepte_nouveaux_dossiers() || !formulaire.config.demarche.accepte_depots(Utc::now()) {
        let mut verifiees = verifier_saisie(state, &formulaire, &saisie, false).await;
        verifiees.verdicts.a_verifier.clear();
        let retirees = pieces_a_retirer(formulaire.types(), &verifiees, &pieces, false);
        sauver(state, usager, id, EtatDossier::Brouillon, &verifiees, &retirees).await?;
        return Err(AppError::Refused("Cette démarche n'accepte plus de nouveaux dossiers.".into()));
    }
    let t = transition(dossier.etat(), ActionDossier::Deposer, None)?;
    // 2. Check the answers, ask the routing rule (it reads them) and
    //    write the accusé de réception, all outside the write transaction.
    let types = formulaire.types();
    let mut verifiees = verifier_saisie(state, &formulaire, &saisie, true).await;
    verifier_liens(state, dossier.titulaire(), types, &mut verifiees).await?;
    let now = Utc::now();
    if !verifiees.erreurs.is_empty() {
        // Refused: the answers are saved as typed, the errors shown.
        verifiees.verdicts.a_verifier.clear();
        // Déposé meanwhile from another tab: nothing left to do.
        let retirees = pieces_a_retirer(types, &verifiees, &pieces, false);
        if !sauver(state, usager, id, EtatDossier::Brouillon, &verifiees, &retirees).await? {
            return Ok(Ok(()));
        }
        return Ok(Err(verifiees.refus()));
    }
    // The groupes' own rules first, then the routing plugin.
    let par_regles =
        crate::workflow::routage::par_regles(state, &formulaire, &verifiees, &formulaire.config.regles_routage);
    let routage = match par_regles {
        Some(routage) => routage,
        None => {
            crate::workflow::extensions::router(
                state,
                &dossier,
                types,
                &verifiees.values,
                &verifiees.verdicts.donnees,
                regle.as_ref(),
            )
            .await
        }
    };
    let donnees_mail = mail_data(state, &dossier, None);
    let mail = courriel(state, &usager.email, "mails/accuse_reception", &donnees_mail)?;
    // 3. The write: state, dates, groupe (the rule's choice if it still
    //    exists, else the default one) and routing explanation in one
    //    statement, guarded against a concurrent dépôt and a démarche
    //    closed or past its deadline meanwhile; then the answers, the
    //    traitement, the e-mail and the plugin checks that could not run
    //    now.
    let mut tx = state.store.write().await?;
    let depose = dossiers::deposer(
        tx.conn(),
        id,
        usager.compte_id,
        dossier.etat(),
        t.to,
        demarche_etat,
        routage.groupe,
        routage.explication.as_deref(),
        now,
    )
    .await?;
    if !depose {
        drop(tx);
        // Closed meanwhile: the answers are kept as a brouillon.
        verifiees.verdicts.a_verifier.clear();
        let retirees = pieces_a_retirer(types, &verifiees, &pieces, false);
        sauver(state, usager, id, EtatDossier::Brouillon, &verifiees, &retirees).await?;
        return depot_empeche(state, usager, id).await;
    }
    dossiers::upsert_champs(tx.conn(), id, Stream::Main, verifiees.ecrits(), now).await?;
    dossiers::ecrire_lignes(tx.conn(), id, Stream::Main, verifiees.lignes(), now).await?;
    // A champ hidden by its condition is cleared, its files with it.
    let retirees = pieces_a_retirer(types, &verifiees, &pieces, true);
    let objets = crate::workflow::pieces_jointes::retirer_pieces(&mut tx, id, Stream::Main, &retirees).await?;
    dossiers::insert_traitement(tx.conn(), id, t.to, &usager.email, None, now).await?;
    enqueue_mail(tx.conn(), &mail, now).await?;
    for slot in &verifiees.verdicts.a_verifier {
        enqueue_verification(tx.conn(), id, slot, now).await?;
    }
    // 4. A déclarative démarche decides now.
    let mut objets = objets;
    if let Some(mode) = declaratif::mode(&formulaire.config) {
        objets
            .extend(declaratif::decider(state, &mut tx, &dossier, &formulaire.config, mode, &donnees_mail, now).await?);
    }
    tx.commit().await?;
    state.jobs_notify.notify_one();
    crate::workflow::pieces_jointes::supprimer_objets(state, objets).await;
    Ok(Ok(()))
}

/// Why a dépôt's guarded write changed nothing: the dossier was déposé
/// meanwhile (from another tab: nothing left to do), or its démarche
/// stopped accepting dossiers.
async fn depot_empeche(state: &AppState, usager: &Usager, id: DossierId) -> Result<Result<(), Refus>, AppError> {
    let mut tx = state.store.read().await?;
    let dossier = dossiers::find_for_usager(tx.conn(), id, usager.compte_id).await?;
    tx.commit().await?;
    corbeille::hors_corbeille(&dossier)?;
    if dossier.etat() != EtatDossier::Brouillon {
        return Ok(Ok(()));
    }
    Err(AppError::Refused("Cette démarche n'accepte plus de nouveaux dossiers.".into()))
}

pub async fn suivre(state: &AppState, instructeur: &Instructeur, id: DossierId) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    dossiers::find_for_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    dossiers::suivre(tx.conn(), id, instructeur.instructeur_id, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn ne_plus_suivre(state: &AppState, instructeur: &Instructeur, id: DossierId) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    dossiers::find_for_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    dossiers::ne_plus_suivre(tx.conn(), id, instructeur.instructeur_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Every instructeur action that changes the state: en instruction,
/// back to construction, the three decisions, back to instruction.
pub async fn instruire(
    state: &AppState,
    instructeur: &Instructeur,
    id: DossierId,
    action: ActionDossier,
    motivation: Option<&str>,
) -> Result<Result<EtatDossier, TransitionError>, AppError> {
    if action == ActionDossier::Deposer {
        return Err(AppError::Forbidden);
    }
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. The dossier, in the instructeur's scope, and the allowed transition.
    let dossier = dossiers::find_for_instructeur(tx.conn(), id, instructeur.instructeur_id).await?;
    let t = match transition(dossier.etat(), action, motivation) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    // 2. The new state, guarded against a concurrent change, and its traitement.
    dossiers::update_etat(tx.conn(), id, dossier.etat(), t.to, t.motivation.as_deref(), now).await?;
    dossiers::insert_traitement(tx.conn(), id, t.to, &instructeur.email, t.motivation.as_deref(), now).await?;
    // 3. Whoever instructs a dossier follows it. Changes its usager had
    //    not filed are dropped: the dossier can no longer change.
    let mut objets = Vec::new();
    if action == ActionDossier::PasserEnInstruction {
        dossiers::suivre(tx.conn(), id, instructeur.instructeur_id, now).await?;
        if dossier.modifications_depuis.is_some() {
            objets = modifications::abandonner_buffer(&mut tx, id).await?;
        }
    }
    // 4. Tell the usager, for the steps the original platform notifies.
    let template = match action {
        ActionDossier::PasserEnInstruction => Some("mails/en_instruction"),
        ActionDossier::Accepter => Some("mails/accepte"),
        ActionDossier::Refuser => Some("mails/refuse"),
        ActionDossier::ClasserSansSuite => Some("mails/sans_suite"),
        ActionDossier::RepasserEnInstruction => Some("mails/repasse_en_instruction"),
        // The usager was told the dossier could no longer change: they learn
        // that it can again.
        ActionDossier::RepasserEnConstruction => Some("mails/repasse_en_construction"),
        ActionDossier::Deposer => None,
    };
    if let Some(template) = template {
        let mail =
            courriel(state, &dossier.usager_email, template, &mail_data(state, &dossier, t.motivation.as_deref()))?;
        enqueue_mail(tx.conn(), &mail, now).await?;
    }
    // 4b. A decision purges the titres d'identité (objects after commit).
    let mut purgees =
        if matches!(action, ActionDossier::Accepter | ActionDossier::Refuser | ActionDossier::ClasserSansSuite) {
            crate::workflow::pieces_jointes::purger_titres(&mut tx, &dossier).await?
        } else {
            Vec::new()
        };
    // 5. A decision taken back revokes its attestation: no longer served,
    //    and its public verification says the decision was revised.
    if action == ActionDossier::RepasserEnInstruction {
        crate::store::attestations::revoquer(tx.conn(), id, now).await?;
    }
    // 6. An accepted dossier gets its attestation, rendered by a job, when
    //    the démarche has an attestation plugin.
    if action == ActionDossier::Accepter
        && crate::workflow::extensions::plugin_actif(
            state,
            &state.demarche_config.du_dossier(tx.conn(), &dossier).await?.reglages,
            crate::plugins::ExtensionPoint::Attestation,
        )
        .is_some()
    {
        enqueue_attestation(tx.conn(), id, now).await?;
    }
    tx.commit().await?;
    purgees.extend(objets);
    crate::workflow::pieces_jointes::supprimer_objets(state, purgees).await;
    state.jobs_notify.notify_one();
    Ok(Ok(t.to))
}

fn mail_data(state: &AppState, dossier: &DossierRow, motivation: Option<&str>) -> serde_json::Value {
    json!({
        "numero": dossier.id,
        "demarche": dossier.demarche_libelle,
        "motivation": motivation,
        "lien": state.config.url(&format!("/dossiers/{}", dossier.id)),
    })
}
