#!/usr/bin/env bash
# `make setup-oidc`: the OpenID Connect provider the panel's tests and bench
# sign in with (crates/panel/tests/oidc-provider/provider.mjs, started by
# crates/panel/tests/api/oidc_peer.rs on a loopback port): Debian's nodejs
# and npm if missing, then `npm ci` from its package-lock.json (the npm
# `oidc-provider` and `jose`), skipped when node_modules was installed from
# this very lockfile (a sha256 stamp), then a start of the provider to check
# it runs. Idempotent.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER=$ROOT/crates/panel/tests/oidc-provider
START_TIMEOUT=20
PEER_PID=""
errors=$(mktemp)

say() { printf 'setup-oidc: %s\n' "$*"; }
die() { printf 'setup-oidc: ERROR: %s\n' "$*" >&2; exit 1; }
cleanup() {
    if [[ -n $PEER_PID ]]; then
        kill "$PEER_PID" 2>/dev/null || true
        wait "$PEER_PID" 2>/dev/null || true
    fi
    rm -f "$errors"
}
trap cleanup EXIT

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    [[ $(id -u) == 0 ]] || die "installing nodejs and npm needs root"
    say "node or npm not found; installing Debian's nodejs and npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q nodejs npm >/dev/null || die "cannot install nodejs and npm"
fi

lock=$PEER/package-lock.json
stamp=$PEER/node_modules/.smp-lock.sha256
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "node_modules matches package-lock.json (skipped)"
else
    (cd "$PEER" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $PEER"
    printf '%s\n' "$want" >"$stamp"
    say "installed the packages of ${lock#"$ROOT"/}"
fi

# The provider exits when its stdin closes: a coprocess keeps it open.
coproc PEER_PROC { cd "$PEER" && exec node provider.mjs 2>"$errors"; }
PEER_PID=$PEER_PROC_PID
line=""
read -r -t "$START_TIMEOUT" -u "${PEER_PROC[0]}" line || true
[[ $line =~ ^listening\ http://127\.0\.0\.1:[0-9]+$ ]] ||
    die "node provider.mjs did not print \`listening http://127.0.0.1:PORT\` within ${START_TIMEOUT}s (got \"$line\"): $(cat "$errors")"
say "node $(node --version): the provider starts (${line})"
