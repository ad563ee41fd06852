-- A champ whose plugin could not check it at dépôt time (plugin degraded,
-- upstream API down) is stored as typed with a_verifier set, and checked
-- again by a job. A refusal found later is kept in erreur_verification for
-- the instructeur, instead of silently changing what the usager declared.
ALTER TABLE champs ADD COLUMN a_verifier BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE champs ADD COLUMN erreur_verification TEXT;
