-- A groupe instructeur's routing rule, built with the same no-code builder
-- as display conditions and compiled to rhai: at dépôt a dossier goes to
-- the first groupe (by name) whose rule is true, else through the routing
-- plugin if one is enabled, else to the default groupe. JSON of a `Regle`;
-- NULL: the groupe receives dossiers only by hand or through the plugin.
ALTER TABLE groupes_instructeurs ADD COLUMN regle_routage TEXT;
