-- WIT 0.2.0 plugins: what a champ-type plugin attached to a value (its
-- enrich answer: the établissement behind a SIRET, the structured address
-- behind a label), as a JSON object; and why a routing rule sent a dossier
-- to its groupe instructeur, shown to instructeurs.
ALTER TABLE champs ADD COLUMN donnees TEXT;
ALTER TABLE dossiers ADD COLUMN routage_explication TEXT;

-- The attestation of an accepted dossier, rendered by the démarche's
-- attestation plugin. token is the random part of its public verification
-- URL (anyone holding the document can check it is genuine); sha256 is
-- the document's, shown on that page.
CREATE TABLE attestations (
    dossier_id INTEGER PRIMARY KEY REFERENCES dossiers (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    created_at TEXT NOT NULL
);
