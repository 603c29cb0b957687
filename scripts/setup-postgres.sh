#!/usr/bin/env bash
# Idempotent PostgreSQL setup for the panel's tests (and for trying the panel
# on PostgreSQL locally).
#
# Installs (if missing) PostgreSQL and libpq-dev from Debian's packages,
# creates and starts the cluster without systemd (pg_ctlcluster, as root),
# then makes sure of a role `smp` (LOGIN, CREATEDB: each test creates and
# drops its own `smp_test_<random>` database) and a database `smp_test` owned
# by it. Prints the URL as the last line of standard output; everything else
# goes to standard error. Fast (< 1 s) when all is there.
#
# The role's password is fixed and public on purpose: it is a test role on
# loopback only. Do not point a production panel at it.
#
# Environment knobs:
#   SMP_PG_VERSION   Debian's cluster version (default 15, bookworm's)
#   SMP_PG_PORT      cluster port (default 5432)
#   SMP_PG_PASSWORD  the smp role's password (default smp-test)
set -Eeuo pipefail

PG_VERSION="${SMP_PG_VERSION:-15}"
PG_PORT="${SMP_PG_PORT:-5432}"
PG_PASSWORD="${SMP_PG_PASSWORD:-smp-test}"
# No Kerberos: libkrb5's exit handlers abort a process that exits while one of
# its threads is still connecting (a test binary at its end). No TLS either:
# loopback only, and its handshake cost each of the tests' connections a few
# milliseconds of CPU (the fault suite's exit test puts it back).
URL="postgres://smp:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/smp_test?gssencmode=disable&sslmode=disable"

say() { echo "setup-postgres: $*" >&2; }
fail() { echo "setup-postgres: ERROR: $*" >&2; exit 1; }

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        sudo -u postgres -- "$@"
    fi
}

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"; }

# 1. Packages.
missing=()
command -v pg_ctlcluster >/dev/null 2>&1 && [ -x "/usr/lib/postgresql/${PG_VERSION}/bin/postgres" ] || missing+=(postgresql "postgresql-${PG_VERSION}")
dpkg -s libpq-dev >/dev/null 2>&1 || missing+=(libpq-dev)
# The panel initialises the OpenSSL libpq links (openssl-sys builds against it).
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]}; run this script as root to install them"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || fail "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >&2 || fail "apt-get install ${missing[*]} failed"
else
    say "packages: present (skipped)"
fi

# 2. Cluster: create if missing, start if down (no systemd here: pg_ctlcluster).
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    say "creating cluster ${PG_VERSION}/main on port ${PG_PORT}"
    pg_createcluster --port "$PG_PORT" "$PG_VERSION" main >&2 || fail "pg_createcluster failed"
fi
if pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    say "cluster ${PG_VERSION}/main: online (skipped)"
else
    say "starting cluster ${PG_VERSION}/main"
    pg_ctlcluster "$PG_VERSION" main start >&2 \
        || fail "pg_ctlcluster ${PG_VERSION} main start failed; see /var/log/postgresql/postgresql-${PG_VERSION}-main.log"
fi
for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || fail "PostgreSQL does not answer on 127.0.0.1:${PG_PORT}"

# 3. Role and database.
# The password is stored as a SCRAM-SHA-256 verifier of 16 iterations rather
# than PostgreSQL's 4096 (PostgreSQL 16's `scram_iterations`; 15 takes a
# verifier made beforehand, RFC 5803's format): libpq derives the key with
# OpenSSL 3 at each connection, and the tests open thousands (every panel
# they start fills a pool of 8): 60 ms of CPU each in a debug test run, a
# quarter of the test binary's time. A cost setting of a public test password.
SCRAM_VERIFIER="$(python3 - "$PG_PASSWORD" <<'PY'
import base64, hashlib, hmac, os, sys
iterations, salt = 16, os.urandom(16)
salted = hashlib.pbkdf2_hmac("sha256", sys.argv[1].encode(), salt, iterations)
client_key = hmac.new(salted, b"Client Key", "sha256").digest()
server_key = hmac.new(salted, b"Server Key", "sha256").digest()
b64 = lambda raw: base64.b64encode(raw).decode()
print(f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(hashlib.sha256(client_key).digest())}:{b64(server_key)}")
PY
)"
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'smp'")" = "1" ]; then
    psql_admin -c "ALTER ROLE smp WITH LOGIN CREATEDB"
    say "role smp: present (CREATEDB ensured)"
else
    psql_admin -c "CREATE ROLE smp WITH LOGIN CREATEDB"
    say "role smp: created"
fi
psql_admin -v verifier="$SCRAM_VERIFIER" <<'SQL'
ALTER ROLE smp PASSWORD :'verifier';
SQL
say "role smp: password set (SCRAM-SHA-256, 16 iterations)"
# Commits of the test role do not wait for their WAL to reach the disk: a
# test's database is made (CREATE DATABASE writes its 7.5 MB through the
# WAL), migrated and dropped in a second, and on this machine's disk each
# such wait took from 0.2 to 1.4 s of it. Only a crash of the server (never a
# restart, which writes everything first) could lose the last commits; the
# panel's own settings are untouched. A test role's setting, not the cluster's.
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
        WHERE r.rolname = 'smp' AND s.setdatabase = 0 AND 'synchronous_commit=off' = ANY (s.setconfig)")" = "1" ]; then
    say "role smp: synchronous_commit off (skipped)"
else
    psql_admin -c "ALTER ROLE smp SET synchronous_commit = off"
    say "role smp: synchronous_commit off"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'smp_test'")" = "1" ]; then
    say "database smp_test: present (skipped)"
else
    psql_admin -c "CREATE DATABASE smp_test OWNER smp"
    say "database smp_test: created"
fi

# 4. The URL must really work over TCP with the password.
PGPASSWORD="$PG_PASSWORD" psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U smp -d smp_test -tAc "SELECT 1" >/dev/null \
    || fail "cannot log in as smp on 127.0.0.1:${PG_PORT}; check pg_hba.conf"
echo "$URL"
