ALTER TABLE machine_quotas DROP COLUMN forwards;
ALTER TABLE quotas DROP COLUMN forwards;
DROP TABLE forwards;
DROP TABLE container_addresses;
DROP TABLE machine_networks;
