-- The SSH public keys of each account's profile (issue 16): what the SSH
-- gateway lets her in with. Keep in step with ../../postgresql/.
-- public_key is the canonical "TYPE BASE64" (the comment of the pasted line
-- is not kept); fingerprint its SHA-256 as `ssh-keygen -lf` prints it
-- ("SHA256:…"), unique across every account: one key opens one account.
-- Keys go with their user (CASCADE), like sessions and tokens.
CREATE TABLE ssh_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    public_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX ssh_keys_user_id ON ssh_keys (user_id);
