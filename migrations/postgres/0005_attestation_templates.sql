-- The attestation template an administrateur writes for a démarche: its
-- titre, corps (with --balises--) and pied de page, and the logo and
-- signature images, stored in the file storage under *_key (the database
-- keeps where, never the bytes). Without a row the démarche uses the
-- default template built from its service.
CREATE TABLE attestation_templates (
    demarche_id BIGINT PRIMARY KEY REFERENCES demarches (id) ON DELETE CASCADE,
    titre TEXT NOT NULL,
    corps TEXT NOT NULL,
    pied_de_page TEXT NOT NULL,
    logo_key TEXT,
    logo_media_type TEXT,
    signature_key TEXT,
    signature_media_type TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);
