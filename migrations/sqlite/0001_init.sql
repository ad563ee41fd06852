-- guichet schema, SQLite dialect. Keep in step with ../postgres/0001_init.sql.
-- Timestamps are RFC 3339 UTC text written by the application.

CREATE TABLE comptes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    confirmed_at TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE administrateurs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    compte_id INTEGER NOT NULL UNIQUE REFERENCES comptes (id),
    created_at TEXT NOT NULL
);

CREATE TABLE instructeurs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    compte_id INTEGER NOT NULL UNIQUE REFERENCES comptes (id),
    created_at TEXT NOT NULL
);

CREATE TABLE experts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    compte_id INTEGER NOT NULL UNIQUE REFERENCES comptes (id),
    created_at TEXT NOT NULL
);

-- Browser sessions; the cookie holds a random token, the table its SHA-256.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    compte_id INTEGER NOT NULL REFERENCES comptes (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_compte ON sessions (compte_id);

-- Single-use links sent by e-mail (confirmation, password reset, invitation).
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    compte_id INTEGER NOT NULL REFERENCES comptes (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX tokens_compte ON tokens (compte_id, purpose);

CREATE TABLE demarches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    libelle TEXT NOT NULL,
    description TEXT NOT NULL,
    etat TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    service_nom TEXT NOT NULL,
    service_organisme TEXT NOT NULL,
    service_email TEXT NOT NULL,
    service_telephone TEXT NOT NULL,
    service_horaires TEXT NOT NULL,
    service_adresse TEXT NOT NULL,
    draft_revision_id INTEGER,
    published_revision_id INTEGER,
    next_stable_id INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    published_at TEXT,
    closed_at TEXT
);

CREATE TABLE demarches_administrateurs (
    demarche_id INTEGER NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    administrateur_id INTEGER NOT NULL REFERENCES administrateurs (id),
    PRIMARY KEY (demarche_id, administrateur_id)
);
CREATE INDEX demarches_administrateurs_admin ON demarches_administrateurs (administrateur_id);

CREATE TABLE revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demarche_id INTEGER NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    published_at TEXT
);

CREATE TABLE types_de_champ (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    revision_id INTEGER NOT NULL REFERENCES revisions (id) ON DELETE CASCADE,
    stable_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    type_champ TEXT NOT NULL,
    libelle TEXT NOT NULL,
    description TEXT NOT NULL,
    obligatoire BOOLEAN NOT NULL,
    options TEXT NOT NULL,
    UNIQUE (revision_id, stable_id)
);

CREATE TABLE groupes_instructeurs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demarche_id INTEGER NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    libelle TEXT NOT NULL,
    defaut BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (demarche_id, libelle)
);

CREATE TABLE groupes_instructeurs_instructeurs (
    groupe_instructeur_id INTEGER NOT NULL REFERENCES groupes_instructeurs (id) ON DELETE CASCADE,
    instructeur_id INTEGER NOT NULL REFERENCES instructeurs (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (groupe_instructeur_id, instructeur_id)
);
CREATE INDEX gii_instructeur ON groupes_instructeurs_instructeurs (instructeur_id);

CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    demarche_id INTEGER NOT NULL REFERENCES demarches (id),
    revision_id INTEGER NOT NULL REFERENCES revisions (id),
    groupe_instructeur_id INTEGER REFERENCES groupes_instructeurs (id),
    compte_id INTEGER NOT NULL REFERENCES comptes (id),
    etat TEXT NOT NULL,
    for_test BOOLEAN NOT NULL,
    motivation TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    depose_at TEXT,
    en_instruction_at TEXT,
    processed_at TEXT
);
CREATE INDEX dossiers_compte ON dossiers (compte_id);
CREATE INDEX dossiers_groupe_etat ON dossiers (groupe_instructeur_id, etat);
CREATE INDEX dossiers_demarche_etat ON dossiers (demarche_id, etat);

-- Answers keyed by the type de champ's stable id (and a row for repetitions),
-- in a stream ('main' now; usager/instructeur buffers later).
CREATE TABLE champs (
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    stream TEXT NOT NULL,
    stable_id INTEGER NOT NULL,
    row_id TEXT NOT NULL,
    value TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (dossier_id, stream, stable_id, row_id)
);

CREATE TABLE traitements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    etat TEXT NOT NULL,
    auteur_email TEXT NOT NULL,
    motivation TEXT,
    processed_at TEXT NOT NULL
);
CREATE INDEX traitements_dossier ON traitements (dossier_id);

CREATE TABLE suivis (
    instructeur_id INTEGER NOT NULL REFERENCES instructeurs (id),
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (instructeur_id, dossier_id)
);
CREATE INDEX suivis_dossier ON suivis (dossier_id);

-- Durable job queue (outbox): written in the same transaction as the change
-- that causes it, claimed by workers with a lease.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_at);
