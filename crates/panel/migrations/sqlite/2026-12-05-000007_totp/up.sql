-- The TOTP second factor (issue 18, item 3). Keep in step with ../../postgresql/.
-- user_totp: one row per account that enrolled; its secret sealed with the
-- panel key (XChaCha20-Poly1305, like the machines' secrets, associated data
-- "totp:user:<id>"); active once confirmed with a first code. last_step is
-- the last accepted time step (unix time / 30): a code is accepted with
-- `UPDATE … SET last_step = :step WHERE last_step < :step`, so each code once.
-- totp_recovery_codes: SHA-256 of each recovery code; used_at set once.
-- Both go with their user (CASCADE), like sessions and tokens.
CREATE TABLE user_totp (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext BLOB NOT NULL,
    secret_nonce BLOB NOT NULL,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    activated_at BIGINT
);
CREATE TABLE totp_recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE UNIQUE INDEX totp_recovery_codes_user_hash ON totp_recovery_codes (user_id, code_hash);
