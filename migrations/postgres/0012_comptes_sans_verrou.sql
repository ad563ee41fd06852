-- The per-compte lockout (failed_attempts, locked_until) gave way to rate
-- limits by address and by compte (0008_rate_limits.sql): a lock anyone
-- could set on anyone's compte was a denial of service. Nothing reads these
-- columns any more.
ALTER TABLE comptes DROP COLUMN failed_attempts;
ALTER TABLE comptes DROP COLUMN locked_until;
