-- When the panel last wrote a container's status or liveness, in Unix milliseconds: a sync's list asked for before it is older and does not undo it. 0: before this migration. Keep in step with the other backend.
ALTER TABLE containers ADD COLUMN written_ms BIGINT NOT NULL DEFAULT 0;
