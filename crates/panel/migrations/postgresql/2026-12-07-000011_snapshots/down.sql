ALTER TABLE machine_quotas DROP COLUMN snapshots;
ALTER TABLE quotas DROP COLUMN snapshots;
DROP TABLE snapshot_schedules;
DROP TABLE snapshots;
