-- Signing in with an OpenID Connect provider (issue 18). Keep in step with the other backend.
-- oidc_logins: each sign-in sent to the provider and not back yet, by the
-- SHA-256 of its state (the browser holds the state itself in a cookie);
-- taken (deleted) once by its callback, so a state works once; rows older
-- than ten minutes are deleted as new ones come.
-- ssh_keys.imported: imported from the provider (GitLab) at her sign-in;
-- replaced at each one, so a key removed there goes here too.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    pkce_verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oidc_logins_created_at ON oidc_logins (created_at);
ALTER TABLE ssh_keys ADD COLUMN imported BOOLEAN NOT NULL DEFAULT FALSE;
