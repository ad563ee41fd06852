-- Changes an usager makes to a dossier en construction wait in a buffer
-- until they file them (« Déposer les modifications »): instructeurs keep
-- reading the filed version meanwhile. The buffer is the 'buffer' stream
-- of champs and pieces_jointes, a copy of the 'main' one taken when the
-- usager starts changing (a copied file shares its object with the
-- original). modifications_depuis says a buffer is open, and since when.
ALTER TABLE dossiers ADD COLUMN modifications_depuis TIMESTAMPTZ;
ALTER TABLE pieces_jointes ADD COLUMN stream TEXT NOT NULL DEFAULT 'main';
DROP INDEX pieces_jointes_dossier;
CREATE INDEX pieces_jointes_dossier ON pieces_jointes (dossier_id, stream, stable_id);
-- A copied file shares its object: an object is deleted only once no row
-- names it any more.
CREATE INDEX pieces_jointes_storage_key ON pieces_jointes (storage_key);

-- Each filing of modifications, for the dossier's history: who filed
-- them, when, and the libellés of the champs they changed (JSON array).
CREATE TABLE modifications_deposees (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    auteur_email TEXT NOT NULL,
    champs TEXT NOT NULL,
    deposees_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX modifications_deposees_dossier ON modifications_deposees (dossier_id, id);
