-- The usager's corbeille: when they put one of their dossiers there. A
-- brouillon or a dossier en construction (then withdrawn: instructeurs no
-- longer see it) can be restored for 30 days, then it is deleted for good;
-- a dossier terminé is only hidden from the usager (the administration
-- keeps it for its retention period) and can be restored at any time.
ALTER TABLE dossiers ADD COLUMN corbeille_usager_at TEXT;

-- « Mes dossiers » reads one usager's dossiers, most recently updated
-- first, a page at a time; the old index is a prefix of this one.
DROP INDEX dossiers_compte;
CREATE INDEX dossiers_compte_maj ON dossiers (compte_id, updated_at DESC, id DESC);
-- The purge finds the dossiers whose 30 days in the corbeille are over.
CREATE INDEX dossiers_corbeille_usager ON dossiers (corbeille_usager_at) WHERE corbeille_usager_at IS NOT NULL;
