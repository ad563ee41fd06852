-- The plugins an administrateur enabled on a démarche: only their champ
-- types appear in its form editor. settings holds the plugin's per-démarche
-- settings (a JSON object; empty until plugins declare settings).
CREATE TABLE plugins_demarches (
    demarche_id INTEGER NOT NULL REFERENCES demarches (id) ON DELETE CASCADE,
    plugin_id TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    enabled_at TEXT NOT NULL,
    PRIMARY KEY (demarche_id, plugin_id)
);
