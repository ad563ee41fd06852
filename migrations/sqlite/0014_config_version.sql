-- What a dossier's pages and its dépôt read from its démarche (the service,
-- the plugins' settings, the groupes and their routing rules) is kept in
-- the server's memory, keyed by this number. Dossier queries already join
-- their démarche, so they read the number for free, in the same snapshot,
-- and the memory is used only while it is equal: four statements fewer per
-- dépôt, still right on several servers sharing one database.
--
-- The number is bumped by triggers, not by the code: no write path can
-- forget it, whichever one changes the démarche, its plugins or groupes.
ALTER TABLE demarches ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;

-- Any change of the démarche's own row. The WHEN guard keeps the trigger's
-- own UPDATE from bumping twice (recursive triggers are off by default).
CREATE TRIGGER demarches_config_version AFTER UPDATE ON demarches
WHEN NEW.config_version = OLD.config_version
BEGIN
    UPDATE demarches SET config_version = OLD.config_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER plugins_demarches_config_insert AFTER INSERT ON plugins_demarches
BEGIN
    UPDATE demarches SET config_version = config_version + 1 WHERE id = NEW.demarche_id;
END;
CREATE TRIGGER plugins_demarches_config_update AFTER UPDATE ON plugins_demarches
BEGIN
    UPDATE demarches SET config_version = config_version + 1 WHERE id IN (OLD.demarche_id, NEW.demarche_id);
END;
CREATE TRIGGER plugins_demarches_config_delete AFTER DELETE ON plugins_demarches
BEGIN
    UPDATE demarches SET config_version = config_version + 1 WHERE id = OLD.demarche_id;
END;

CREATE TRIGGER groupes_instructeurs_config_insert AFTER INSERT ON groupes_instructeurs
BEGIN
    UPDATE demarches SET config_version = config_version + 1 WHERE id = NEW.demarche_id;
END;
CREATE TRIGGER groupes_instructeurs_config_update AFTER UPDATE ON groupes_instructeurs
BEGIN
    UPDATE demarches SET config_version = config_version + 1 WHERE id IN (OLD.demarche_id, NEW.demarche_id);
END;
CREATE TRIGGER groupes_instructeurs_config_delete AFTER DELETE ON groupes_instructeurs
BEGIN
    UPDATE demarches SET config_version = config_version + 1 WHERE id = OLD.demarche_id;
END;
