DROP INDEX users_auth_method_external_id;
ALTER TABLE users DROP COLUMN directory_disabled;
ALTER TABLE users DROP COLUMN external_id;
ALTER TABLE users DROP COLUMN auth_method;
