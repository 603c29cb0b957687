DROP TABLE machine_quotas;
ALTER TABLE containers DROP COLUMN error;
ALTER TABLE containers DROP COLUMN image;
ALTER TABLE containers DROP COLUMN autostart;
ALTER TABLE containers DROP COLUMN disk_mb;
ALTER TABLE containers DROP COLUMN memory_mb;
ALTER TABLE containers DROP COLUMN cpu;
ALTER TABLE containers DROP COLUMN in_quota;
