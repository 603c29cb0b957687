ALTER TABLE ssh_keys DROP COLUMN imported;
DROP TABLE oidc_logins;
