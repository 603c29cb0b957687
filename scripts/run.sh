#!/usr/bin/env bash
# `make run` (after `make setup` and `make build`): start SMP on the local LXD.
# Until the panel exists that is the agent alone:
#   - .run/agent/agent.toml in the checkout (gitignored; created on the first
#     run with a fresh key, reused afterwards): machine `local`, plain HTTP on
#     127.0.0.1:8443, LXD project `default`;
#   - a demo container `smp-demo` (smp-busybox) in the default project,
#     launched if absent and started if stopped;
#   - the agent in the background, waited for on /health (bounded), then the
#     URL and copy-paste curl lines; Ctrl-C stops the agent.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/smp/target}
BIN=$TARGET_DIR/debug/smp-agent
RUN_DIR=$ROOT/.run/agent
CONFIG=$RUN_DIR/agent.toml
LOG=$RUN_DIR/agent.log
DEMO=smp-demo
DEMO_IMAGE=smp-busybox
HEALTH_WAIT_S=15

say() { printf 'run: %s\n' "$*"; }
die() { printf 'run: ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x $BIN ]] || die "no agent binary at $BIN: run \`make build\` first"
command -v lxc >/dev/null || die "lxc not found: run \`make setup\` first"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"
timeout 10 lxc info >/dev/null 2>&1 || die "LXD does not answer: run \`make setup\` first (as root)"

# ------------------------------------------------------------------ config --
mkdir -p "$RUN_DIR"
chmod 700 "$RUN_DIR"
if [[ -f $CONFIG ]]; then
    say "config: reusing $CONFIG"
else
    secret=$("$BIN" keygen)
    tmp=$(umask 077 && mktemp "$CONFIG.new.XXXXXX")
    cat >"$tmp" <<EOF
# Written by scripts/run.sh for \`make run\`; delete it to start over.
machine = "local"
# Loopback: plain HTTP (docs/protocol.md).
listen = "127.0.0.1:8443"
project = "default"
state_dir = "$RUN_DIR/state"

[[keys]]
id = "k1"
secret = "$secret"
EOF
    unset secret
    chmod 600 "$tmp"
    mv "$tmp" "$CONFIG"
    say "config: created $CONFIG (machine local, key k1)"
fi
chmod 600 "$CONFIG"
"$BIN" check --config "$CONFIG" >/dev/null || die "the config $CONFIG is not valid (above); fix or delete it"

listen=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$CONFIG" | head -n 1)
listen=${SMP_AGENT_LISTEN:-${listen:-127.0.0.1:8443}}
case $listen in
    127.* | "[::1]":*) URL=http://$listen ;;
    *) die "this script expects a loopback listen address in $CONFIG, not $listen" ;;
esac
if curl -fsS --max-time 2 "$URL/health" >/dev/null 2>&1; then
    die "something already answers on $URL (another \`make run\`?); stop it first"
fi

# ---------------------------------------------------------- demo container --
status=$(lxc list --project default --format csv -c s "^$DEMO\$")
case $status in
    "")
        say "lxd: launching $DEMO from $DEMO_IMAGE in project default"
        lxc launch "$DEMO_IMAGE" "$DEMO" --project default -q >/dev/null
        ;;
    RUNNING) say "lxd: $DEMO is running" ;;
    *)
        say "lxd: $DEMO is $status; starting it"
        lxc start "$DEMO" --project default
        ;;
esac

# ------------------------------------------------------------------- agent --
: >"$LOG"
"$BIN" serve --config "$CONFIG" >>"$LOG" 2>&1 &
AGENT_PID=$!
TAIL_PID=""
stop_agent() {
    trap - INT TERM EXIT
    if [[ -n $TAIL_PID ]]; then kill "$TAIL_PID" 2>/dev/null || true; fi
    if kill -0 "$AGENT_PID" 2>/dev/null; then
        say "stopping the agent (pid $AGENT_PID)"
        kill "$AGENT_PID" 2>/dev/null || true
        wait "$AGENT_PID" 2>/dev/null || true
    fi
}
trap 'stop_agent; exit 130' INT
trap 'stop_agent; exit 143' TERM
trap stop_agent EXIT

ready=""
deadline=$((SECONDS + HEALTH_WAIT_S))
while ((SECONDS < deadline)); do
    if ! kill -0 "$AGENT_PID" 2>/dev/null; then break; fi
    if curl -fsS --max-time 1 "$URL/health" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
done
if [[ -z $ready ]]; then
    printf -- '--- %s ---\n' "$LOG" >&2
    cat "$LOG" >&2
    die "the agent did not answer $URL/health within ${HEALTH_WAIT_S}s (its log is above)"
fi

TOKEN="$BIN token --config $CONFIG"
cat <<EOF

smp-agent is running (pid $AGENT_PID).
  agent URL  $URL
  config     $CONFIG  (key id k1; the secret is inside)
  log        $LOG
  health     $(curl -fsS "$URL/health")

Try it (each token is single use and lives 30 s, so each line mints its own):

  # every container of the project
  curl -fsS -w '\\n' $URL/containers -H "Authorization: Bearer \$($TOKEN --action list)"

  # state of $DEMO
  curl -fsS -w '\\n' $URL/container/$DEMO/state -H "Authorization: Bearer \$($TOKEN --action state --container $DEMO)"

  # restart $DEMO
  curl -fsS -w '\\n' -X POST $URL/container/$DEMO/restart -H "Authorization: Bearer \$($TOKEN --action restart --container $DEMO)"

Without the CLI (only the key id and secret, openssl and curl): the signed
POST /token request in docs/protocol.md. Everything else: docs/agent.md.
Ctrl-C stops the agent. Its log follows.

EOF

tail -n +1 -f "$LOG" &
TAIL_PID=$!
set +e
wait "$AGENT_PID"
rc=$?
set -e
say "the agent exited with status $rc"
exit "$rc"
