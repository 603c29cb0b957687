-- Sub-containers (issue 7). Keep in step with ../../sqlite/.
-- A container a member made under her quota (`in_quota`) counts against
-- its owner's quota with the limits recorded here; `creating` rows are
-- reservations whose LXD instance is being made; `error` says why a
-- creation failed (the row is then gone, and no longer counts).
ALTER TABLE containers ADD COLUMN in_quota BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE containers ADD COLUMN cpu BIGINT;
ALTER TABLE containers ADD COLUMN memory_mb BIGINT;
ALTER TABLE containers ADD COLUMN disk_mb BIGINT;
ALTER TABLE containers ADD COLUMN autostart BOOLEAN;
ALTER TABLE containers ADD COLUMN image TEXT;
ALTER TABLE containers ADD COLUMN error TEXT;

-- A member's limits on one machine, beside her overall `quotas` row; NULL: no limit.
CREATE TABLE machine_quotas (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    machine_id BIGINT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    containers BIGINT,
    cpu BIGINT,
    memory_mb BIGINT,
    disk_mb BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, machine_id)
);
