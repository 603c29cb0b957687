ALTER TABLE containers DROP COLUMN uuid;
