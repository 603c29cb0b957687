-- Accounts from an LDAP directory (issue 18). Keep in step with the other backend.
-- auth_method: how the account signs in, 'local' (its own password) or
-- 'ldap' (the directory's; its password_hash matches no password);
-- external_id: the account's DN in the directory, for 'ldap' accounts;
-- directory_disabled: disabled because she left the directory or every
-- mapped group (her next good sign-in enables her again; an admin's
-- disable is not this and stays).
ALTER TABLE users ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'local';
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN directory_disabled BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX users_auth_method_external_id ON users (auth_method, external_id);
