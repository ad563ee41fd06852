-- Files attached to a dossier's champs (pièces justificatives, titres
-- d'identité). The bytes are in the file storage under storage_key; the
-- database keeps where and what. etat: 'en_attente' until the operator's
-- virus scanner answers, then 'sain', 'infecte' or 'echec_analyse' (the
-- scanner failed: the file is not accepted); 'non_analyse' when no scanner
-- is configured; 'purge' once a titre d'identité is deleted at the
-- decision. Refused and purged files lose their object (storage_key NULL)
-- but keep their row, so the usager sees what happened.
CREATE TABLE pieces_jointes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    stable_id INTEGER NOT NULL,
    row_id TEXT NOT NULL,
    storage_key TEXT,
    nom TEXT NOT NULL,
    mime TEXT NOT NULL,
    taille INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    etat TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pieces_jointes_dossier ON pieces_jointes (dossier_id, stable_id);
