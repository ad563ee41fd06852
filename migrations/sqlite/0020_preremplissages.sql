-- Answers a partner's site sent through the public API
-- (`POST /api/public/v1/demarches/{id}/dossiers`) for an usager not known
-- yet: kept under the SHA-256 of a random token (the capability in the
-- link the partner hands to the usager) until an usager signs in with that
-- link and the brouillon is made for them (`dossier_id`). Unclaimed ones
-- are deleted after 5 days by the sweep; claimed ones go with their dossier.
CREATE TABLE preremplissages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demarche_id INTEGER NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    jeton_hash TEXT NOT NULL UNIQUE,
    valeurs TEXT NOT NULL,
    dossier_id INTEGER REFERENCES dossiers (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
-- The sweep finds the unclaimed ones past their delay.
CREATE INDEX preremplissages_non_reclames ON preremplissages (created_at) WHERE dossier_id IS NULL;
