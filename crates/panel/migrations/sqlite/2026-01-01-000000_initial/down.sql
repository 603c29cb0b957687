DROP TABLE quotas;
DROP TABLE audit_log;
DROP TABLE services;
DROP TABLE containers;
DROP TABLE machines;
DROP TABLE personal_access_tokens;
DROP TABLE sessions;
DROP TABLE users;
