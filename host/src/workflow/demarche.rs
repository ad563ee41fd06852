//! What administrateurs do with a démarche: create it, build its form,
//! publish it; close, unpublish, publish again or delete it (`etats`); its
//! logo, notice and cadre juridique files (`fichiers`); clone or transfer
//! it (`cloner`); change its published form (`revisions`). Groupes
//! instructeurs are in `groupes`.

pub mod cloner;
pub mod etats;
pub mod fichiers;
pub mod revisions;

use crate::domain::champ::repetition;
use crate::domain::champ::section::sauts_de_niveau;
use crate::domain::champ::{DESCRIPTION_MAX_CHARS, LIBELLE_MAX_CHARS, SaisieOptions};
use crate::domain::compte::Administrateur;
use crate::domain::demarche::fichier::UsageFichier;
use crate::domain::demarche::{DemarcheInput, EtatDemarche, suggerer_path, valider_path};
use crate::domain::heure::a_paris;
use crate::domain::regle::verification::{bloquants, bloquants_routage, disponibles, regle_experte};
use crate::domain::validation::{texte_optionnel, texte_requis};
use crate::domain::{DemarcheId, Erreurs, StableId, TypeChamp, TypeDeChamp};
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::Key;
use crate::store::Tx;
use crate::store::demarches::{self, DemarcheRow};
use crate::store::groupes;
use chrono::Utc;
use std::collections::HashMap;

/// Creates a démarche in test (brouillon) with an empty form, a default
/// groupe instructeur, and its creator as administrateur.
#[allow(clippy::result_large_err, reason = "the error path re-renders a form; its size costs nothing")]
pub async fn creer(
    state: &AppState,
    admin: &Administrateur,
    input: DemarcheInput,
) -> Result<DemarcheId, (DemarcheInput, Erreurs)> {
    let now = Utc::now();
    let (input, reglages) = input.valider(a_paris(now).date(), None)?;
    let kept = input.clone();
    let result = async {
        let mut tx = state.store.write().await?;
        // 1. A free path derived from the libellé (changeable at publication).
        let path = free_path(&mut tx, &suggerer_path(&input.libelle)).await?;
        // 2. The démarche and its address, its draft revision, its default
        //    groupe, its administrateur.
        let id = demarches::insert(tx.conn(), &input, &reglages, &path, now).await?;
        let revision = demarches::insert_revision(tx.conn(), id, now).await?;
        demarches::set_draft_revision(tx.conn(), id, revision).await?;
        groupes::insert(tx.conn(), id, "défaut", true, now).await?;
        crate::store::administrateurs::ajouter(tx.conn(), id, admin.administrateur_id).await?;
        tx.commit().await?;
        Ok::<_, AppError>(id)
    }
    .await;
    result.map_err(|e| {
        tracing::error!(error = %e, "creating a demarche failed");
        let mut erreurs = Erreurs::new();
        erreurs.add("libelle", "Une erreur technique a empêché la création. Réessayez dans quelques instants.");
        (kept, erreurs)
    })
}

async fn free_path(tx: &mut Tx, base: &str) -> Result<String, AppError> {
    for n in 1..1000 {
        let candidate = if n == 1 { base.to_string() } else { format!("{base}-{n}") };
        if demarches::paths::libre(tx.conn(), &candidate, None).await? {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "{base}-{}",
        crate::security::random_token().to_lowercase().replace(['_', '-'], "").get(..8).unwrap_or("x")
    ))
}

pub async fn modifier(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    input: DemarcheInput,
) -> Result<Result<(), (DemarcheInput, Erreurs)>, AppError> {
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    // A deadline already set stays acceptable once past (the démarche is
    // then closed; its other settings can still be edited).
    let (input, reglages) = match input.valider(a_paris(now).date(), d.reglages().date_limite_depot) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    demarches::update_infos(tx.conn(), id, &input, &reglages).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The two lists of types de champ a revision holds, edited alike with the
/// same catalogue: the form usagers fill, and the annotations privées
/// instructeurs fill (never shown to usagers). Each has its own order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liste {
    Formulaire,
    Annotations,
}

impl Liste {
    pub fn prive(self) -> bool {
        self == Liste::Annotations
    }
}

/// What the form editor posts for one type de champ.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ChampInput {
    #[serde(default)]
    pub type_champ: String,
    #[serde(default)]
    pub libelle: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub obligatoire: Option<String>,
    /// Where a new champ goes: empty for the end of the form, a block's
    /// stable id for the end of that block.
    #[serde(default)]
    pub parent: String,
    /// The type's options as typed (choices, one per line; bounds; formats…).
    #[serde(flatten)]
    pub options: SaisieOptions,
}

impl ChampInput {
    /// A type de champ as its edit form shows it. Where it stands (its
    /// block) is changed by moves, not by this form: `parent` stays empty.
    pub fn depuis(t: &TypeDeChamp) -> Self {
        ChampInput {
            type_champ: t.type_champ.as_str(),
            libelle: t.libelle.clone(),
            description: t.description.clone(),
            obligatoire: t.obligatoire.then(|| "on".to_string()),
            parent: String::new(),
            options: SaisieOptions::depuis(&t.options),
        }
    }

    fn valider(&self, state: &AppState, liste: Liste, stable_id: StableId) -> Result<TypeDeChamp, Erreurs> {
        let mut e = Erreurs::new();
        let type_champ = match TypeChamp::parse(&self.type_champ) {
            Some(TypeChamp::Plugin(id)) if state.plugins.type_de_champ(&id).is_none() => {
                e.add("type_champ", "Ce type de champ n'est pas disponible sur cette plateforme.");
                TypeChamp::Text
            }
            // The titre d'identité is the usager's own identity document.
            Some(TypeChamp::TitreIdentite) if liste.prive() => {
                e.add("type_champ", "Le titre d'identité ne peut être demandé qu'à l'usager, dans le formulaire.");
                TypeChamp::Text
            }
            Some(t) => t,
            None => {
                e.add("type_champ", "Choisissez un type de champ dans la liste.");
                TypeChamp::Text
            }
        };
        let libelle = texte_requis(&mut e, "libelle", "Libellé", &self.libelle, LIBELLE_MAX_CHARS);
        let description =
            texte_optionnel(&mut e, "description", "Description", &self.description, DESCRIPTION_MAX_CHARS);
        // The options of the chosen type only: the editor shows every
        // type's fields, what does not apply is dropped.
        let options = match self.options.valider(&type_champ) {
            Ok(o) => o,
            Err(refus) => {
                for (key, message) in refus {
                    e.add(key, message);
                }
                Default::default()
            }
        };
        e.into_result()?;
        Ok(TypeDeChamp {
            stable_id,
            // A mandatory block asks for at least one row.
            obligatoire: self.obligatoire.is_some()
                && (type_champ.saisi_par_usager() || type_champ == TypeChamp::Repetition),
            type_champ,
            libelle,
            description,
            options,
            parent: None,
            condition: None,
            prive: liste.prive(),
        })
    }
}

/// A plugin champ type needs its plugin enabled on the démarche.
async fn plugin_active(tx: &mut Tx, id: DemarcheId, tdc: &TypeDeChamp) -> Result<Result<(), Erreurs>, AppError> {
    let Some(plugin) = tdc.type_champ.plugin_id() else {
        return Ok(Ok(()));
    };
    if demarches::plugins_actives(tx.conn(), id).await?.iter().any(|p| p == plugin) {
        return Ok(Ok(()));
    }
    let mut e = Erreurs::new();
    e.add("type_champ", format!("Activez d'abord le plugin « {plugin} » pour cette démarche (page « Plugins »)."));
    Ok(Err(e))
}

/// Enables an installed plugin on a démarche: its champ types then appear
/// in the form editor; a routing rule routes the next dossiers déposés; an
/// attestation plugin renders the attestations of the next acceptations.
/// Allowed whatever the démarche's state (it changes no published form).
pub async fn activer_plugin(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    plugin: &str,
) -> Result<(), AppError> {
    if state.plugins.plugin(plugin).is_none() {
        return Err(AppError::NotFound);
    }
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    demarches::activer_plugin(tx.conn(), id, plugin, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables a plugin on a démarche, unless a champ of its form (draft or
/// published) still uses it: dossiers need their champ types.
pub async fn desactiver_plugin(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    plugin: &str,
) -> Result<Result<(), String>, AppError> {
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let revisions = [d.draft_revision_id, d.published_revision_id].into_iter().flatten();
    for (revision, prive) in revisions.flat_map(|r| [(r, false), (r, true)]) {
        let types = demarches::liste(tx.conn(), crate::domain::RevisionId(revision), prive).await?;
        if let Some(used) = types.iter().find(|t| t.type_champ.plugin_id() == Some(plugin)) {
            return Ok(Err(format!(
                "Le plugin « {plugin} » est utilisé par le champ « {} » : supprimez d'abord ce champ.",
                used.libelle
            )));
        }
    }
    demarches::desactiver_plugin(tx.conn(), id, plugin).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Saves the settings of a plugin enabled on a démarche, checked against
/// what its manifest declares. Returns the errors by setting key.
pub async fn regler_plugin(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    plugin: &str,
    form: &std::collections::HashMap<String, String>,
) -> Result<Result<(), Erreurs>, AppError> {
    let info = state.plugins.plugin(plugin).ok_or(AppError::NotFound)?;
    let settings = match crate::plugins::settings::validate(&info.settings, form) {
        Ok(settings) => settings,
        Err(errors) => {
            let mut e = Erreurs::new();
            for (key, message) in errors {
                e.add(&key, message);
            }
            return Ok(Err(e));
        }
    };
    let json = serde_json::Value::Object(settings).to_string();
    // The manifest's settings passed; the plugin's own schema can say more
    // (a pattern, a shape inside a text). Its verdict goes next to the
    // setting it names, else next to the first one.
    if let Err(reason) = state.plugins.check_options(plugin, &json) {
        let (key, message) = crate::plugins::settings::schema_refusal(&info.settings, &reason);
        let key = if key.is_empty() { info.settings.first().map(|s| s.key.clone()).unwrap_or_default() } else { key };
        let mut e = Erreurs::new();
        e.add(&key, message);
        return Ok(Err(e));
    }
    let mut tx = state.store.write().await?;
    demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    demarches::regler_plugin(tx.conn(), id, plugin, &json).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The revision the editor writes to, in `tx`: the démarche's draft, copied
/// from the published form on the first edit after a publication (usagers
/// keep filling the published one until « Publier les modifications »).
pub(crate) async fn revision_a_modifier(tx: &mut Tx, d: &DemarcheRow) -> Result<crate::domain::RevisionId, AppError> {
    Ok(demarches::revisions::assurer_brouillon(tx.conn(), d, Utc::now()).await?)
}

/// The list `liste` of the démarche's draft, read in the administrateur's
/// scope inside `tx`, once the form may still change: what every edit of
/// the form starts from, and the revision it writes back to.
async fn liste_a_modifier(
    tx: &mut Tx,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
) -> Result<(crate::domain::RevisionId, Vec<TypeDeChamp>), AppError> {
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let revision = revision_a_modifier(tx, &d).await?;
    let types = demarches::liste(tx.conn(), revision, liste.prive()).await?;
    Ok((revision, types))
}

/// Adds a type de champ at the end of the form or of the annotations.
pub async fn ajouter_champ(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
    input: &ChampInput,
) -> Result<Result<(), Erreurs>, AppError> {
    // Validate first (cheap, and with a placeholder id) so a refused input
    // does not consume a stable id.
    if let Err(e) = input.valider(state, liste, StableId(0)) {
        return Ok(Err(e));
    }
    let mut tx = state.store.write().await?;
    let (revision, mut types) = liste_a_modifier(&mut tx, admin, id, liste).await?;
    let [stable_id] = demarches::reserver_stable_ids(tx.conn(), id, 1).await?[..] else {
        return Err(AppError::NotFound);
    };
    let tdc = match input.valider(state, liste, stable_id) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = plugin_active(&mut tx, id, &tdc).await? {
        return Ok(Err(e));
    }
    let nouveau = tdc.stable_id;
    let parent = match input.parent.trim() {
        "" => None,
        p => Some(StableId(p.parse().map_err(|_| AppError::NotFound)?)),
    };
    if let Err(message) = repetition::ajouter(&mut types, tdc, parent) {
        let mut e = Erreurs::new();
        e.add("parent", message);
        return Ok(Err(e));
    }
    if let Err(e) = sans_saut_de_niveau(&types, nouveau) {
        return Ok(Err(e));
    }
    if let Err(e) = formule_valide(&types, nouveau) {
        return Ok(Err(e));
    }
    demarches::replace_liste(tx.conn(), revision, liste.prive(), &types).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn modifier_champ(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
    stable_id: StableId,
    input: &ChampInput,
) -> Result<Result<(), Erreurs>, AppError> {
    let tdc = match input.valider(state, liste, stable_id) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let mut tx = state.store.write().await?;
    let (revision, mut types) = liste_a_modifier(&mut tx, admin, id, liste).await?;
    if let Err(e) = plugin_active(&mut tx, id, &tdc).await? {
        return Ok(Err(e));
    }
    let slot = types.iter_mut().find(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    // A file champ's formats and model, an explication's notice, are set
    // on their own page (`pieces_jointes::regler_champ`): kept while its
    // type stays.
    let mut tdc = tdc;
    if slot.type_champ == tdc.type_champ && tdc.type_champ.regle_ses_fichiers() {
        tdc.options.familles = std::mem::take(&mut slot.options.familles);
        tdc.options.plusieurs = slot.options.plusieurs;
        tdc.options.modele = slot.options.modele.take();
    }
    // So are a plugin champ's own settings (`regler_plugin_du_champ`),
    // while it keeps its plugin: another plugin declares other settings.
    if slot.type_champ == tdc.type_champ && tdc.type_champ.plugin_id().is_some() {
        tdc.options.plugin = slot.options.plugin.take();
    }
    // A block's champ must stay a type a block can hold; a block with
    // champs must stay a block.
    let a_des_enfants = slot.type_champ == TypeChamp::Repetition && tdc.type_champ != TypeChamp::Repetition;
    if slot.parent.is_some() && !tdc.type_champ.permis_dans_repetition() {
        let mut e = Erreurs::new();
        e.add(
            "type_champ",
            format!("Un champ « {} » ne peut pas être placé dans un bloc répétable.", tdc.type_champ.libelle()),
        );
        return Ok(Err(e));
    }
    let enfants = repetition::enfants(&types, stable_id).count();
    let slot = types.iter_mut().find(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    if a_des_enfants && enfants > 0 {
        let mut e = Erreurs::new();
        e.add(
            "type_champ",
            "Ce bloc répétable contient des champs : sortez-les du bloc ou supprimez-les avant de changer son type.",
        );
        return Ok(Err(e));
    }
    // Where the champ stands and what shows it are edited elsewhere.
    tdc.parent = slot.parent;
    tdc.condition = slot.condition.take();
    tdc.prive = slot.prive;
    *slot = tdc;
    if let Err(e) = sans_saut_de_niveau(&types, stable_id) {
        return Ok(Err(e));
    }
    if let Err(e) = formule_valide(&types, stable_id) {
        return Ok(Err(e));
    }
    demarches::replace_liste(tx.conn(), revision, liste.prive(), &types).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn supprimer_champ(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
    stable_id: StableId,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let (revision, mut types) = liste_a_modifier(&mut tx, admin, id, liste).await?;
    // A block goes with its champs.
    if !repetition::supprimer(&mut types, stable_id) {
        return Err(AppError::NotFound);
    }
    demarches::replace_liste(tx.conn(), revision, liste.prive(), &types).await?;
    tx.commit().await?;
    Ok(())
}

/// Copies a champ right below itself, a block with its champs; returns the
/// copy's stable id. Each copy of a model file or notice is an object of
/// its own (replacing one never removes the other's), copied before the
/// transaction and removed again if the copy is not recorded.
pub async fn dupliquer_champ(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
    stable_id: StableId,
) -> Result<StableId, AppError> {
    let mut tx = state.store.read().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    // The draft, or the published form it will be copied from.
    let types = demarches::liste(tx.conn(), d.draft_revision()?, liste.prive()).await?;
    tx.commit().await?;
    let i = types.iter().position(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    let mut modeles: HashMap<StableId, String> = HashMap::new();
    for t in types.iter().skip(i).take(repetition::a_copier(&types, stable_id)) {
        if let Some(modele) = &t.options.modele {
            modeles.insert(t.stable_id, copier_objet(state, id, &modele.cle).await?);
        }
    }
    let copie = enregistrer_copie(state, admin, id, liste, stable_id, &modeles).await;
    if copie.is_err() {
        crate::workflow::pieces_jointes::supprimer_objets(state, modeles.into_values().collect()).await;
    }
    copie
}

/// The transaction of [`dupliquer_champ`]: the copies take fresh stable
/// ids and the copied objects' keys (`modeles`, by original champ).
async fn enregistrer_copie(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
    stable_id: StableId,
    modeles: &HashMap<StableId, String>,
) -> Result<StableId, AppError> {
    let mut tx = state.store.write().await?;
    let (revision, mut types) = liste_a_modifier(&mut tx, admin, id, liste).await?;
    if !types.iter().any(|t| t.stable_id == stable_id) {
        return Err(AppError::NotFound);
    }
    let ids = demarches::reserver_stable_ids(tx.conn(), id, repetition::a_copier(&types, stable_id)).await?;
    let paires = repetition::dupliquer(&mut types, stable_id, &ids).ok_or(AppError::NotFound)?;
    for (original, copie) in &paires {
        let t = types.iter_mut().find(|t| t.stable_id == *copie).ok_or(AppError::NotFound)?;
        match (t.options.modele.as_mut(), modeles.get(original)) {
            (Some(modele), Some(cle)) => modele.cle.clone_from(cle),
            // Read again in this transaction, the champ's model changed
            // since it was copied: the copy goes without one.
            (Some(_), None) => t.options.modele = None,
            _ => {}
        }
    }
    demarches::replace_liste(tx.conn(), revision, liste.prive(), &types).await?;
    tx.commit().await?;
    Ok(ids[0])
}

/// A copy of the object at `cle` under a new key of démarche `id`'s models.
async fn copier_objet(state: &AppState, id: DemarcheId, cle: &str) -> Result<String, AppError> {
    let from = Key::parse(cle).map_err(|e| AppError::Internal(e.into()))?;
    let to = crate::workflow::pieces_jointes::cle_de_demarche(id, "modeles")?;
    state.storage.copy(&from, &to).await.map_err(|e| AppError::Internal(e.into()))?;
    Ok(to.as_str().to_owned())
}

/// How the editor moves a champ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deplacement {
    Monter,
    Descendre,
    /// Into the block right above it, as its last champ.
    EntrerDansBloc,
    /// Out of its block, right below it.
    SortirDuBloc,
}

/// Moves a champ within its own list (a form champ never passes an
/// annotation, nor the reverse): one place among its siblings, a block
/// with its champs, or into or out of a block.
pub async fn deplacer_champ(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    liste: Liste,
    stable_id: StableId,
    deplacement: Deplacement,
) -> Result<(), AppError> {
    let mut tx = state.store.write().await?;
    let (revision, mut types) = liste_a_modifier(&mut tx, admin, id, liste).await?;
    if !types.iter().any(|t| t.stable_id == stable_id) {
        return Err(AppError::NotFound);
    }
    let change = match deplacement {
        Deplacement::Monter => Ok(repetition::deplacer(&mut types, stable_id, true)),
        Deplacement::Descendre => Ok(repetition::deplacer(&mut types, stable_id, false)),
        Deplacement::EntrerDansBloc => repetition::entrer_dans_bloc(&mut types, stable_id).map(|()| true),
        Deplacement::SortirDuBloc => repetition::sortir_du_bloc(&mut types, stable_id).map(|()| true),
    };
    match change {
        Ok(true) => demarches::replace_liste(tx.conn(), revision, liste.prive(), &types).await?,
        Ok(false) => {}
        Err(message) => return Err(AppError::Refused(message)),
    }
    tx.commit().await?;
    Ok(())
}

/// A section title saved by the editor must not skip a level where it
/// stands (moves and deletions can still make gaps: publication checks).
fn sans_saut_de_niveau(types: &[TypeDeChamp], edite: StableId) -> Result<(), Erreurs> {
    match sauts_de_niveau(types).into_iter().find(|(id, _)| *id == edite) {
        Some((_, message)) => {
            let mut e = Erreurs::new();
            e.add("niveau", message);
            Err(e)
        }
        None => Ok(()),
    }
}

/// A valeur calculée's formula must compile over the champs above it.
fn formule_valide(types: &[TypeDeChamp], edite: StableId) -> Result<(), Erreurs> {
    let Some(i) = types.iter().position(|t| t.stable_id == edite) else { return Ok(()) };
    let (TypeChamp::Calcul, Some(formule)) = (&types[i].type_champ, &types[i].options.calcul) else {
        return Ok(());
    };
    let meme_formulaire: Vec<TypeDeChamp> = types.iter().filter(|t| t.prive == types[i].prive).cloned().collect();
    let j = meme_formulaire.iter().position(|t| t.stable_id == edite).unwrap_or(meme_formulaire.len());
    let champs = disponibles(&meme_formulaire, j);
    regle_experte(formule, &champs).map(|_| ()).map_err(|m| {
        let mut e = Erreurs::new();
        e.add("calcul", m);
        e
    })
}

/// One thing that stands between a démarche and its publication, in
/// French, with the page where the administrateur fixes it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Manque {
    pub message: String,
    pub lien: String,
}

/// The publication checklist: every blocker, each with where to fix it.
/// Read in the caller's snapshot (the page, or the publication's write).
pub async fn manques(
    state: &AppState,
    mut c: crate::store::Conn<'_>,
    d: &DemarcheRow,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<Manque>, AppError> {
    let id = d.id();
    let revision = d.draft_revision()?;
    let types = demarches::types_de_champ(c.reborrow(), revision).await?;
    let annotations = demarches::annotations(c.reborrow(), revision).await?;
    let instructeurs = demarches::list_instructeurs(c.reborrow(), id).await?.len();
    let ineligibilite = demarches::ineligibilite(c.reborrow(), revision).await?;
    let lien = |page: &str| format!("/admin/demarches/{id}/{page}");
    let vers = |page: &str| {
        let lien = lien(page);
        move |message: String| Manque { message, lien: lien.clone() }
    };
    let mut out = Vec::new();
    // The form: title levels, rules, at least one champ to fill.
    let formulaire = {
        let mut m: Vec<String> = sauts_de_niveau(&types).into_iter().map(|(_, m)| m).collect();
        m.extend(bloquants(&types, None));
        if !types.iter().any(|t| t.type_champ.has_value()) {
            m.push("Le formulaire doit comporter au moins un champ à remplir.".to_owned());
        }
        m
    };
    // The inéligibilité rules: what the form's check adds with them.
    let ineligibles: Vec<String> =
        bloquants(&types, ineligibilite.as_ref()).into_iter().filter(|m| !formulaire.contains(m)).collect();
    out.extend(formulaire.into_iter().map(vers("champs")));
    out.extend(ineligibles.into_iter().map(vers("ineligibilite")));
    out.extend(bloquants(&annotations, None).into_iter().map(vers("annotations")));
    if instructeurs == 0 {
        out.push(vers("instructeurs")("Au moins un instructeur doit être affecté à la démarche.".to_owned()));
    }
    out.extend(routage_a_revoir(c.reborrow(), id, &types).await?.into_iter().map(vers("instructeurs")));
    out.extend(reglages_a_completer(state, c.reborrow(), id, &types).await?.into_iter().map(vers("plugins")));
    // The presentation: what usagers are owed before they file.
    let service = d.service();
    if service.nom.is_empty() || service.email.is_empty() {
        out.push(vers("modifier#service_nom")(
            "Le service en charge et son adresse de contact doivent être renseignés.".to_owned(),
        ));
    }
    if d.cadre_juridique.is_empty()
        && demarches::fichiers::find(c.reborrow(), id, UsageFichier::CadreJuridique.as_str()).await?.is_none()
    {
        out.push(vers("modifier#cadre_juridique")(
            "Le cadre juridique doit être renseigné (texte, lien ou fichier) : il dit aux usagers ce qui autorise à leur demander ces informations."
                .to_owned(),
        ));
    }
    if d.date_limite_depot.is_some_and(|limite| limite <= now) {
        out.push(vers("modifier#date_limite_depot")(
            "La date limite de dépôt est passée : reportez-la ou retirez-la.".to_owned(),
        ));
    }
    Ok(out)
}

/// Plugins enabled on the démarche whose settings would have all their
/// calls refused (required settings left empty). A plugin the form's
/// champs use (`types`, the draft's) is judged champ by champ, on the
/// options each champ's calls receive (the démarche's with the champ's own
/// on top): one champ may fill what the démarche leaves empty. Other
/// plugins (routing, attestations, unused champ types) on their démarche
/// settings.
pub async fn reglages_a_completer(
    state: &AppState,
    c: crate::store::Conn<'_>,
    id: DemarcheId,
    types: &[TypeDeChamp],
) -> Result<Vec<String>, AppError> {
    let reglages = demarches::plugins_reglages(c, id).await?;
    let mut manques = Vec::new();
    for (plugin, settings) in &reglages {
        let libelle = state.plugins.plugin(plugin).map_or_else(|| plugin.clone(), |p| p.libelle);
        let champs: Vec<&TypeDeChamp> = types.iter().filter(|t| t.type_champ.plugin_id() == Some(plugin)).collect();
        if champs.is_empty() {
            if state.plugins.check_options(plugin, settings).is_err() {
                manques.push(format!("Les réglages du plugin « {libelle} » sont à compléter (page Plugins)."));
            }
            continue;
        }
        for tdc in champs {
            let options = crate::workflow::dossier::options_du_champ(&reglages, tdc);
            if !reglages_complets(state, plugin, &options) {
                manques.push(format!(
                    "Les réglages du plugin « {libelle} » sont à compléter pour le champ « {} » (page Plugins ou réglages du champ).",
                    tdc.libelle
                ));
            }
        }
    }
    manques.sort();
    Ok(manques)
}

/// The groupes' routing rules that read a champ of the usager's form
/// since deleted or retyped: publication waits until they are fixed.
pub async fn routage_a_revoir(
    c: crate::store::Conn<'_>,
    id: DemarcheId,
    types: &[TypeDeChamp],
) -> Result<Vec<String>, AppError> {
    let regles = groupes::regles_routage(c, id).await?;
    let publics = crate::workflow::regles::formulaire_usager(types);
    Ok(bloquants_routage(&publics, regles.iter().map(|(_, groupe, regle)| (groupe.as_str(), regle))))
}

/// Whether a champ's options pass its plugin's schema and hold every
/// setting its manifest requires (a champ's own page may leave them to the
/// démarche, which may leave them empty).
fn reglages_complets(state: &AppState, plugin: &str, options: &str) -> bool {
    if state.plugins.check_options(plugin, options).is_err() {
        return false;
    }
    let Some(info) = state.plugins.plugin(plugin) else {
        return true;
    };
    let values: serde_json::Map<String, serde_json::Value> = serde_json::from_str(options).unwrap_or_default();
    info.settings.iter().filter(|s| s.required).all(|s| values.get(&s.key).is_some_and(|v| !v.is_null()))
}

/// A plugin champ of the démarche's draft form whose plugin declares
/// settings, for its own settings page; `NotFound` for another
/// administrateur's démarche, another kind of champ, or a plugin without
/// settings.
pub async fn champ_plugin(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    stable_id: StableId,
) -> Result<ChampPlugin, AppError> {
    let mut tx = state.store.read().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let types = demarches::types_de_champ(tx.conn(), d.draft_revision()?).await?;
    let reglages = demarches::plugins_reglages(tx.conn(), id).await?;
    tx.commit().await?;
    let tdc = types.into_iter().find(|t| t.stable_id == stable_id).ok_or(AppError::NotFound)?;
    let info = tdc
        .type_champ
        .plugin_id()
        .and_then(|p| state.plugins.plugin(p))
        .filter(|p| !p.settings.is_empty())
        .ok_or(AppError::NotFound)?;
    let demarche = reglages.get(&info.id).cloned().unwrap_or_else(|| "{}".to_owned());
    Ok(ChampPlugin { demarche: d, tdc, plugin: info, reglages_demarche: demarche })
}

/// What the settings page of one plugin champ shows.
pub struct ChampPlugin {
    pub demarche: DemarcheRow,
    pub tdc: TypeDeChamp,
    pub plugin: crate::plugins::PluginInfo,
    /// The plugin's settings on the démarche (a JSON object), which the
    /// champ's own override key by key.
    pub reglages_demarche: String,
}

/// Saves a plugin champ's own settings (the draft's type de champ options),
/// checked like the démarche's (`settings::validate`), every one optional:
/// left empty, the démarche's applies. Returns the errors by setting key.
pub async fn regler_plugin_du_champ(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    stable_id: StableId,
    form: &std::collections::HashMap<String, String>,
) -> Result<Result<(), Erreurs>, AppError> {
    let ChampPlugin { plugin: info, .. } = champ_plugin(state, admin, id, stable_id).await?;
    let own = match crate::plugins::settings::validate_champ(&info.settings, form) {
        Ok(own) => own,
        Err(errors) => {
            let mut e = Erreurs::new();
            for (key, message) in errors {
                e.add(&key, message);
            }
            return Ok(Err(e));
        }
    };
    let own = serde_json::Value::Object(own);
    let mut tx = state.store.write().await?;
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    // What this champ's calls will receive must pass the plugin's own
    // schema too; a required setting left empty everywhere is only a
    // publication blocker (the démarche's page may still fill it).
    let reglages = demarches::plugins_reglages(tx.conn(), id).await?;
    let merged = crate::plugins::settings::effectives(reglages.get(&info.id).map(String::as_str), Some(&own));
    if let Err(reason) = state.plugins.check_options(&info.id, &merged)
        && !crate::plugins::settings::is_missing_required(&reason)
    {
        let (key, message) = crate::plugins::settings::schema_refusal(&info.settings, &reason);
        let key = if key.is_empty() { info.settings.first().map(|s| s.key.clone()).unwrap_or_default() } else { key };
        let mut e = Erreurs::new();
        e.add(&key, message);
        return Ok(Err(e));
    }
    let revision = revision_a_modifier(&mut tx, &d).await?;
    let mut types = demarches::liste(tx.conn(), revision, false).await?;
    let slot = types
        .iter_mut()
        .find(|t| t.stable_id == stable_id && t.type_champ.plugin_id() == Some(info.id.as_str()))
        .ok_or(AppError::NotFound)?;
    slot.options.plugin = own.as_object().is_some_and(|o| !o.is_empty()).then_some(own);
    demarches::replace_liste(tx.conn(), revision, false, &types).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// What a publication did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publication {
    /// First published (test dossiers deleted) or published again after
    /// a closing or an unpublishing.
    Publiee,
    /// Already published: only its address changed.
    AdresseChangee,
}

/// Publishes the démarche at `/commencer/<path>`: for the first time (test
/// dossiers are deleted: they were filed against the draft), or again
/// after a closing or an unpublishing. On a published démarche, changes its
/// address; the former one keeps answering with a redirect.
pub async fn publier(
    state: &AppState,
    admin: &Administrateur,
    id: DemarcheId,
    path: &str,
) -> Result<Result<Publication, Erreurs>, AppError> {
    let mut erreurs = Erreurs::new();
    // Every problem is reported at once, each with what it is about: the
    // address (`path`, next to its field) or what the démarche still lacks
    // (`manques`, listed apart with where to fix it).
    let path = match valider_path(path) {
        Ok(p) => Some(p),
        Err(m) => {
            erreurs.add("path", m);
            None
        }
    };
    let now = Utc::now();
    let mut tx = state.store.write().await?;
    // 1. Scope, state and completeness checks.
    let d = demarches::find_for_administrateur(tx.conn(), id, admin.administrateur_id).await?;
    let etat = d.etat();
    if etat.peut_etre_publiee() {
        let manques = manques(state, tx.conn(), &d, now).await?;
        if !manques.is_empty() {
            erreurs.add(
                "manques",
                match manques.len() {
                    1 => "Un point reste à compléter avant de publier.".to_owned(),
                    n => format!("{n} points restent à compléter avant de publier."),
                },
            );
        }
    }
    if let Some(path) = &path
        && !demarches::paths::libre(tx.conn(), path, Some(id)).await?
    {
        erreurs.add("path", PATH_PRIS);
    }
    let Some(path) = path.filter(|_| erreurs.is_empty()) else {
        return Ok(Err(erreurs));
    };
    // 2. The address, kept in the démarche's history.
    match demarches::paths::enregistrer(tx.conn(), id, &path, now).await {
        Err(crate::store::StoreError::Conflict("path")) => {
            erreurs.add("path", PATH_PRIS);
            return Ok(Err(erreurs));
        }
        other => other?,
    }
    // 3. The state: first publication (test dossiers deleted), again, or
    //    only the address.
    let (publication, effaces) = match etat {
        EtatDemarche::Brouillon => {
            let effaces = demarches::delete_test_dossiers(tx.conn(), id).await?;
            demarches::publish(tx.conn(), id, &path, d.draft_revision()?, now).await?;
            (Publication::Publiee, effaces)
        }
        EtatDemarche::Close | EtatDemarche::Depubliee => {
            if !demarches::etats::republier(tx.conn(), id, &path, now).await? {
                return Err(AppError::Refused("Cette démarche est déjà publiée.".into()));
            }
            (Publication::Publiee, Vec::new())
        }
        EtatDemarche::Publiee => {
            demarches::etats::changer_path(tx.conn(), id, &path).await?;
            (Publication::AdresseChangee, Vec::new())
        }
    };
    tx.commit().await?;
    etats::purger_dossiers(state, &effaces).await;
    Ok(Ok(publication))
}

const PATH_PRIS: &str = "Cette adresse est, ou a été, celle d'une autre démarche : choisissez-en une autre.";
