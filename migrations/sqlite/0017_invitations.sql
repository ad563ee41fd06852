-- Co-construction: a person the usager invited, by e-mail address, to
-- complete one of their dossiers. The compte with that address (once
-- signed in: an address proven at sign-up) sees and edits the dossier,
-- but cannot file it, delete it or invite others; the owner revokes an
-- invitation by deleting its row. Addresses are stored lowercased.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (dossier_id, email)
);
-- « Mes dossiers », tab « Invités »: the dossiers an address was invited on.
CREATE INDEX invitations_email ON invitations (email);
