-- The usager confirmed what a plugin found about this value (the
-- établissement behind a SIRET): set with the value it was shown for,
-- cleared whenever the value is saved again unconfirmed.
ALTER TABLE champs ADD COLUMN confirme BOOLEAN NOT NULL DEFAULT FALSE;
