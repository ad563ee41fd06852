-- The complete form engine. A type de champ may belong to a repetition
-- block (parent_stable_id, the block's stable id), be shown only when a
-- rule holds (condition: JSON of the rule, its rhai expression and, from the
-- no-code builder, its clauses), or be an annotation privée (prive: filled
-- by instructeurs). A revision may carry an inéligibilité rule and the
-- message shown to usagers when it holds.
ALTER TABLE types_de_champ ADD COLUMN parent_stable_id BIGINT;
ALTER TABLE types_de_champ ADD COLUMN condition TEXT;
ALTER TABLE types_de_champ ADD COLUMN prive BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE revisions ADD COLUMN ineligibilite TEXT;
