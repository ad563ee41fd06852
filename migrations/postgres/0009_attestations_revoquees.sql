-- A decision taken back (repasser en instruction) revokes its attestation:
-- the row stays, so that the public verification page can say the decision
-- was revised, but the document is no longer served to anyone.
ALTER TABLE attestations ADD COLUMN revoquee_le TIMESTAMPTZ;
