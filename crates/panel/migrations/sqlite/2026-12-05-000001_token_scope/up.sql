-- Personal access tokens get a scope and always expire (issue 13). Keep in
-- step with ../../postgresql/.
-- Tokens made before keep `write`, what they could do until now, so that no
-- script breaks silently; every new token states its scope.
ALTER TABLE personal_access_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write'
    CHECK (scope IN ('read', 'write'));
-- No token lives longer than a year after it was made, and none forever: one
-- that never expired gets the new default of 90 days after its creation (it
-- may already be over), one that expired later than a year gets a year.
UPDATE personal_access_tokens SET expires_at = created_at + 7776000 WHERE expires_at IS NULL;
UPDATE personal_access_tokens SET expires_at = created_at + 31536000 WHERE expires_at > created_at + 31536000;
