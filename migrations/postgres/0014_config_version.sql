-- What a dossier's pages and its dépôt read from its démarche (the service,
-- the plugins' settings, the groupes and their routing rules) is kept in
-- the server's memory, keyed by this number. Dossier queries already join
-- their démarche, so they read the number for free, in the same snapshot,
-- and the memory is used only while it is equal: four statements fewer per
-- dépôt, still right on several servers sharing one database.
--
-- The number is bumped by triggers, not by the code: no write path can
-- forget it, whichever one changes the démarche, its plugins or groupes.
ALTER TABLE demarches ADD COLUMN config_version BIGINT NOT NULL DEFAULT 0;

-- Any change of the démarche's own row, unless the statement set the
-- number itself (the triggers below do).
CREATE FUNCTION demarches_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.config_version = OLD.config_version THEN
        NEW.config_version := OLD.config_version + 1;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER demarches_config_version BEFORE UPDATE ON demarches
FOR EACH ROW EXECUTE FUNCTION demarches_config_version();

-- A change of a row that belongs to a démarche (its plugins, its groupes).
CREATE FUNCTION config_version_de_la_demarche() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE demarches SET config_version = config_version + 1 WHERE id = OLD.demarche_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.demarche_id <> OLD.demarche_id) THEN
        UPDATE demarches SET config_version = config_version + 1 WHERE id = NEW.demarche_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER plugins_demarches_config AFTER INSERT OR UPDATE OR DELETE ON plugins_demarches
FOR EACH ROW EXECUTE FUNCTION config_version_de_la_demarche();
CREATE TRIGGER groupes_instructeurs_config AFTER INSERT OR UPDATE OR DELETE ON groupes_instructeurs
FOR EACH ROW EXECUTE FUNCTION config_version_de_la_demarche();
