-- A dossier's transfer to another person, by e-mail address: pending
-- until the compte with that address (proven at sign-up) accepts or
-- declines it, the owner cancels it, or it expires (14 days; the sweep
-- then deletes it). One pending transfer a dossier: asking again replaces
-- it. Addresses are stored lowercased.
CREATE TABLE transferts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id INTEGER NOT NULL UNIQUE REFERENCES dossiers (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expire_at TEXT NOT NULL
);
-- « Mes dossiers »: the transfers waiting for an address.
CREATE INDEX transferts_email ON transferts (email);
-- The sweep finds the expired ones.
CREATE INDEX transferts_expire ON transferts (expire_at);
