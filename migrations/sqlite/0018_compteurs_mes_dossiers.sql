-- « Mes dossiers » counts each tab of one usager from this index alone
-- (state and corbeille in it): no table row read for the counts.
CREATE INDEX dossiers_compte_etat ON dossiers (compte_id, etat, corbeille_usager_at);
