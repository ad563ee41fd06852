-- A démarche for the whole life of a procedure: its settings (what the
-- usager reads before starting, how long dossiers are kept, who files,
-- until when, whether a dépôt is decided at once), its closing, its
-- unpublishing and deletion, and the addresses it has answered at.

ALTER TABLE demarches ADD COLUMN duree_conservation_mois BIGINT NOT NULL DEFAULT 12;
-- 'particulier' (civilité, nom, prénom step) or 'personne_morale' (SIRET step).
ALTER TABLE demarches ADD COLUMN demandeur TEXT NOT NULL DEFAULT 'particulier';
-- The instant dépôts stop (the end of the chosen day in Paris); a job
-- closes the démarche then, and the dépôt's guard refuses meanwhile.
ALTER TABLE demarches ADD COLUMN date_limite_depot TIMESTAMPTZ;
-- NULL, 'en_instruction' or 'accepte': where a dossier goes at dépôt.
ALTER TABLE demarches ADD COLUMN declaratif TEXT;
ALTER TABLE demarches ADD COLUMN message_fin_depot TEXT NOT NULL DEFAULT '';
ALTER TABLE demarches ADD COLUMN lien_site TEXT NOT NULL DEFAULT '';
ALTER TABLE demarches ADD COLUMN monavis TEXT NOT NULL DEFAULT '';
-- A URL or the text itself; a file is in demarches_fichiers.
ALTER TABLE demarches ADD COLUMN cadre_juridique TEXT NOT NULL DEFAULT '';
ALTER TABLE demarches ADD COLUMN notice_url TEXT NOT NULL DEFAULT '';
ALTER TABLE demarches ADD COLUMN motif_cloture TEXT NOT NULL DEFAULT '';
-- Where usagers of a closed démarche are sent (another démarche of the
-- same administrateurs); no foreign key: a deleted target only drops the
-- suggestion.
ALTER TABLE demarches ADD COLUMN redirection_demarche_id BIGINT;
-- Offered to every administrateur as a model to clone.
ALTER TABLE demarches ADD COLUMN modele BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE demarches ADD COLUMN supprimee_at TIMESTAMPTZ;

-- Logo, notice and cadre juridique files, objects of the storage layer.
CREATE TABLE demarches_fichiers (
    demarche_id BIGINT NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    usage TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    nom TEXT NOT NULL,
    mime TEXT NOT NULL,
    taille BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (demarche_id, usage)
);
CREATE TRIGGER demarches_fichiers_config AFTER INSERT OR UPDATE OR DELETE ON demarches_fichiers
FOR EACH ROW EXECUTE FUNCTION config_version_de_la_demarche();

-- Every address a démarche has answered at. An old one answers a redirect
-- to the current one, so links printed on leaflets keep working; a path is
-- never given to another démarche, even after a deletion (no foreign key:
-- the row outlives its démarche on purpose).
CREATE TABLE demarches_paths (
    path TEXT PRIMARY KEY,
    demarche_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX demarches_paths_demarche ON demarches_paths (demarche_id);
INSERT INTO demarches_paths (path, demarche_id, created_at) SELECT path, id, created_at FROM demarches;

-- The closing job looks for published démarches past their date.
CREATE INDEX demarches_date_limite ON demarches (date_limite_depot) WHERE date_limite_depot IS NOT NULL AND etat = 'publiee';

-- The rebase of a démarche's dossiers en construction onto a revision just
-- published, done by a job in batches: its progress, shown to the
-- administrateur.
CREATE TABLE rebases (
    revision_id BIGINT PRIMARY KEY REFERENCES revisions (id) ON DELETE CASCADE,
    demarche_id BIGINT NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    total BIGINT NOT NULL,
    faits BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX rebases_demarche ON rebases (demarche_id);
