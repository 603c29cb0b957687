-- The panel's first schema (SQLite). Keep in step with ../../postgresql/ (same
-- folder name, same columns and types as src/db/schema.rs declares).
-- Timestamps are unix seconds (BIGINT); booleans are BOOLEAN; ids are 64-bit.
-- Foreign keys: sessions and tokens go with their user (CASCADE); anything
-- that owns or audits (containers, services, audit rows) refuses the delete,
-- because the application disables users instead of deleting them.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    approved BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE personal_access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX personal_access_tokens_user_id ON personal_access_tokens (user_id);

CREATE TABLE machines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    key_id TEXT NOT NULL,
    secret_ciphertext BLOB NOT NULL,
    secret_nonce BLOB NOT NULL,
    next_key_id TEXT,
    next_secret_ciphertext BLOB,
    next_secret_nonce BLOB,
    fingerprint TEXT,
    status TEXT NOT NULL,
    last_error TEXT,
    last_sync_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE containers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    machine_id BIGINT NOT NULL REFERENCES machines (id),
    name TEXT NOT NULL,
    owner_id BIGINT REFERENCES users (id),
    parent_id BIGINT REFERENCES containers (id),
    status TEXT NOT NULL,
    addresses TEXT NOT NULL DEFAULT '[]',
    synced_at BIGINT NOT NULL,
    gone_at BIGINT,
    lxd_created_at TEXT NOT NULL DEFAULT ''
);
-- One live row per LXD name and machine; rows of containers that disappeared
-- (gone_at set) keep their ownership for the record beside a new one.
CREATE UNIQUE INDEX containers_live_name ON containers (machine_id, name) WHERE gone_at IS NULL;
CREATE INDEX containers_machine_id ON containers (machine_id);
CREATE INDEX containers_owner_id ON containers (owner_id);
CREATE INDEX containers_parent_id ON containers (parent_id);

CREATE TABLE services (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    container_id BIGINT NOT NULL REFERENCES containers (id),
    unit TEXT NOT NULL,
    owner_id BIGINT REFERENCES users (id),
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    synced_at BIGINT NOT NULL,
    UNIQUE (container_id, unit)
);
CREATE INDEX services_owner_id ON services (owner_id);

-- Append-only; actor_id is deliberately not a foreign key so that the record
-- of who did what outlives anything done to the account.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    machine TEXT,
    outcome TEXT NOT NULL,
    error_code TEXT,
    detail TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor_id ON audit_log (actor_id);
CREATE INDEX audit_log_object ON audit_log (object);

-- Limits an admin sets per member (issue 7 checks them); NULL: no limit.
CREATE TABLE quotas (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    containers BIGINT,
    cpu BIGINT,
    memory_mb BIGINT,
    disk_mb BIGINT,
    updated_at BIGINT NOT NULL
);
