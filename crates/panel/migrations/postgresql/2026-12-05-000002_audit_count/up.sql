-- Issue 13: refusals without a credential are aggregated per source and
-- minute; `count` says how many requests one row stands for (1 for every
-- row written one request at a time). Keep in step with the other backend.
ALTER TABLE audit_log ADD COLUMN count BIGINT NOT NULL DEFAULT 1;
