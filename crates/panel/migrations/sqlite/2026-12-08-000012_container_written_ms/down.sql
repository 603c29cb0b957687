ALTER TABLE containers DROP COLUMN written_ms;
