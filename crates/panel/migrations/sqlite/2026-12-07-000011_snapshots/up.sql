-- Snapshots (issue 22). Keep in step with ../../postgresql/.
-- snapshots: each container's snapshots as LXD last listed them (the
-- agent's snapshot.list, read by the sync and after each change), and the
-- ones the panel is taking (taken_at NULL until LXD has it). user_id is
-- the member whose quota a snapshot taken through the panel counts
-- against (in_quota); LXD's scheduled snapshots (scheduled) never count:
-- a schedule reserves its keep instead. size_bytes NULL: the pool does
-- not say. Rows go with their container (CASCADE).
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    container_id BIGINT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
    machine_id BIGINT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    stateful BOOLEAN NOT NULL DEFAULT FALSE,
    size_bytes BIGINT,
    scheduled BOOLEAN NOT NULL DEFAULT FALSE,
    user_id BIGINT REFERENCES users (id),
    in_quota BOOLEAN NOT NULL DEFAULT FALSE,
    taken_at BIGINT,
    synced_at BIGINT NOT NULL,
    UNIQUE (container_id, name)
);
CREATE INDEX snapshots_user_id ON snapshots (user_id);

-- snapshot_schedules: a container's schedule as it was set through the
-- panel ("daily, keep 7"): period hourly, daily or weekly; keep: how many
-- LXD keeps (snapshots.expiry = keep periods). user_id and in_quota as for
-- snapshots: a member's schedule reserves its keep in her quota.
CREATE TABLE snapshot_schedules (
    container_id BIGINT PRIMARY KEY NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    keep BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    in_quota BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX snapshot_schedules_user_id ON snapshot_schedules (user_id);

-- The quota of snapshots (count); NULL: no limit. A member's is 3 unless an admin says otherwise.
ALTER TABLE quotas ADD COLUMN snapshots BIGINT DEFAULT 3;
ALTER TABLE machine_quotas ADD COLUMN snapshots BIGINT;
