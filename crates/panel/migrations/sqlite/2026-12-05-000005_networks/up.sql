-- Addresses and port forwards (issue 17). Keep in step with ../../postgresql/.
-- machine_networks: what each agent's GET /networks last said of the
-- networks its operator lets it touch (refreshed by the sync and when a
-- machine is added), and drift: what the last sync found different
-- between LXD's forwards and the panel's rows (NULL: nothing). container_addresses: the static addresses admins set,
-- one row per container and network, unique per machine and network so
-- two containers never get the same one. forwards: the host ports
-- forwarded to containers, unique per machine, protocol and listen port,
-- taken in the transaction that checks the `forwards` quota; user_id is
-- who asked for it, in_quota whether it counts against her quota.
-- Rows go with their machine and container (CASCADE).
CREATE TABLE machine_networks (
    machine_id BIGINT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    ipv4_subnet TEXT,
    ipv6_subnet TEXT,
    public BOOLEAN NOT NULL DEFAULT FALSE,
    listen_address TEXT,
    forward_first BIGINT,
    forward_last BIGINT,
    drift TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (machine_id, name)
);

CREATE TABLE container_addresses (
    container_id BIGINT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
    machine_id BIGINT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    network TEXT NOT NULL,
    ipv4 TEXT,
    ipv6 TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (container_id, network),
    UNIQUE (machine_id, network, ipv4),
    UNIQUE (machine_id, network, ipv6)
);

CREATE TABLE forwards (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    container_id BIGINT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
    machine_id BIGINT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    network TEXT NOT NULL,
    protocol TEXT NOT NULL,
    listen_port BIGINT NOT NULL,
    target_port BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    in_quota BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (machine_id, protocol, listen_port)
);
CREATE INDEX forwards_container_id ON forwards (container_id);
CREATE INDEX forwards_user_id ON forwards (user_id);

-- The quota of forwards; NULL: no limit.
ALTER TABLE quotas ADD COLUMN forwards BIGINT;
ALTER TABLE machine_quotas ADD COLUMN forwards BIGINT;
