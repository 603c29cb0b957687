-- Work that outlives a request and a panel process (issue 19). Keep in step with the other backend.
-- actions_in_flight: one row per audited agent call between its `started`
-- audit row and its outcome row (written in the same transactions as they
-- are). A row whose panel process died, or whose call lost its answer, is
-- "orphaned" (`instance` '' or a dead process's) and the sync gives it its
-- outcome from LXD's state.
-- jobs: the actions a page started and polls (`/jobs/{id}`), visible to
-- every panel instance; `in_flight` links a job to its action's row.
CREATE TABLE actions_in_flight (
    id BIGINT PRIMARY KEY NOT NULL,
    instance TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    machine TEXT,
    job_id BIGINT
);
CREATE INDEX actions_in_flight_machine ON actions_in_flight (machine);
CREATE TABLE jobs (
    id BIGINT PRIMARY KEY NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT,
    instance TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX jobs_owner_id ON jobs (owner_id);
