-- Rate-limit counters (host/src/domain/limite.rs): one row per bucket
-- (a limit and a hashed subject: an IP, an e-mail address, a compte) and
-- fixed window. In the database so that every replica counts together.
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    hits BIGINT NOT NULL
);

-- Expired counters are deleted by window start.
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);
