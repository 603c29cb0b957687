#!/usr/bin/env bash
# `make run` (after `make setup` and `make build`): start SMP on the local LXD,
# the agent and the panel, with everything kept in .run/ (gitignored; delete
# it to start over: `rm -rf .run`).
#   - .run/agent/agent.toml (mode 600; created on the first run with a fresh
#     key, reused afterwards): machine `local`, plain HTTP on 127.0.0.1:8443,
#     LXD project `default`; the same key's secret alone in
#     .run/panel/agent-k1.secret (mode 600) for the panel;
#   - a demo container `smp-demo` (smp-busybox) in the default project,
#     launched if absent and started if stopped; and a shared container
#     `smp-demo-services` (smp-debian, with systemd) running the unit
#     `hello.service`, installed once;
#   - .run/panel/ (mode 700): panel.toml (listen 127.0.0.1:8080, SQLite
#     database smp-panel.db, sync every 10 s), the panel key smp-panel.key
#     next to the database, the machine `local` registered once, the head
#     admin `admin` and the approved member `demo` created once, their
#     generated passwords in admin.password and demo.password (mode 600);
#     `smp-demo` given to `demo`, and `hello.service` made her service;
#     a quota of 2 sub-containers, 2 forwarded ports and 3 snapshots for `demo` (once);
#   - the agent, then the panel in the background, each waited for on its
#     health route (bounded), then the URL, the admin's username and password
#     and copy-paste curl lines. Ctrl-C (or the end of either) stops both.
# A second run reuses all of it and starts in seconds.
set -Eeuo pipefail
# Everything this script writes under .run/ is for the owner alone.
umask 077

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/smp/target}
BIN=$TARGET_DIR/debug/smp-agent
PANEL_BIN=$TARGET_DIR/debug/smp-panel
RUN_DIR=$ROOT/.run/agent
CONFIG=$RUN_DIR/agent.toml
LOG=$RUN_DIR/agent.log
PANEL_DIR=$ROOT/.run/panel
PANEL_CONFIG=$PANEL_DIR/panel.toml
PANEL_DB=$PANEL_DIR/smp-panel.db
PANEL_LOG=$PANEL_DIR/panel.log
AGENT_SECRET=$PANEL_DIR/agent-k1.secret
ADMIN="admin"
ADMIN_PASSWORD=$PANEL_DIR/admin.password
MEMBER="demo"
MEMBER_PASSWORD=$PANEL_DIR/demo.password
MACHINE=local
KEY_ID=k1
DEMO=smp-demo
DEMO_IMAGE=smp-busybox
SHARED=smp-demo-services
SHARED_IMAGE=smp-debian
UNIT=hello.service
# Logs a line now and then, so the service page's journal has something to
# follow (`$$` and `%%` are systemd's escapes of `$` and `%`).
# shellcheck disable=SC2016
UNIT_FILE='[Unit]
Description=Hello, a demo service of make run

[Service]
ExecStart=/bin/sh -c "while true; do echo hello from $$(hostname) at $$(date +%%T); sleep 5; done"
'
HEALTH_WAIT_S=15
SSH_PORT=2222
DNS_PORT=5300
DNS_ZONE=smp.test
NETWORK=lxdbr0
FORWARD_PORTS=20000-20999
SSH_HOST_KEY=$PANEL_DIR/smp-panel.ssh_host_ed25519_key

say() { printf 'run: %s\n' "$*"; }
die() { printf 'run: ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x $BIN ]] || die "no agent binary at $BIN: run \`make build\` first"
[[ -x $PANEL_BIN ]] || die "no panel binary at $PANEL_BIN: run \`make build\` first"
command -v lxc >/dev/null || die "lxc not found: run \`make setup\` first"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"
timeout 10 lxc info >/dev/null 2>&1 || die "LXD does not answer: run \`make setup\` first (as root)"

# Writes standard input to $1 with mode 600, never readable by anyone else
# (a temporary file made under umask 077, then renamed).
write_private() {
    local tmp
    tmp=$(umask 077 && mktemp "$1.new.XXXXXX")
    cat >"$tmp"
    chmod 600 "$tmp"
    mv "$tmp" "$1"
}

# ------------------------------------------------------------ agent config --
mkdir -p "$RUN_DIR" "$PANEL_DIR"
chmod 700 "$RUN_DIR" "$PANEL_DIR"
if [[ -f $CONFIG ]]; then
    say "agent config: reusing $CONFIG"
else
    secret=$("$BIN" keygen)
    write_private "$CONFIG" <<EOF
# Written by scripts/run.sh for \`make run\`; delete .run/ to start over.
machine = "$MACHINE"
# Loopback: plain HTTP (docs/protocol.md).
listen = "127.0.0.1:8443"
project = "default"
state_dir = "$RUN_DIR/state"
# The images members may create from (an agent offers them none by default).
member_images = ["$DEMO_IMAGE", "$SHARED_IMAGE"]

[[keys]]
id = "$KEY_ID"
secret = "$secret"
EOF
    printf '%s\n' "$secret" | write_private "$AGENT_SECRET"
    unset secret
    say "agent config: created $CONFIG (machine $MACHINE, key $KEY_ID)"
fi
chmod 600 "$CONFIG"
# A .run/ from before member_images became an explicit list (empty by
# default) offers members no image: give it the demo's, before its first table.
if ! grep -q '^member_images' "$CONFIG"; then
    awk -v line="member_images = [\"$DEMO_IMAGE\", \"$SHARED_IMAGE\"]" \
        '!done && /^\[/ { print line; print ""; done = 1 } { print }' "$CONFIG" >"$CONFIG.new"
    chmod 600 "$CONFIG.new"
    mv "$CONFIG.new" "$CONFIG"
    say "agent config: added member_images to $CONFIG"
fi
# The network members' forwards go through (docs/agent.md "Networks"): lxdbr0,
# forwarded from this host's own address (the one its default route leaves
# from), when it has one.
if ! grep -q '^\[\[networks\]\]' "$CONFIG"; then
    default_dev=$(ip -4 route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
    host_address=""
    if [[ -n $default_dev ]]; then
        host_address=$(ip -4 -o addr show dev "$default_dev" 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
    fi
    {
        printf '\n# The network members reach their containers through (added by scripts/run.sh).\n[[networks]]\nname = "%s"\n' "$NETWORK"
        if [[ -n $host_address ]]; then
            printf 'listen_address = "%s"\nforward_ports = "%s"\n' "$host_address" "$FORWARD_PORTS"
        fi
    } >>"$CONFIG"
    say "agent config: added network $NETWORK${host_address:+ (forwards on $host_address:$FORWARD_PORTS)} to $CONFIG"
fi
"$BIN" check --config "$CONFIG" >/dev/null || die "the config $CONFIG is not valid (above); fix it or delete .run/ to start over"

# The panel needs the key's secret alone in a file. An older .run/ has only
# agent.toml: take the secret of [[keys]] id "k1" from it (once).
if [[ ! -s $AGENT_SECRET ]]; then
    secret=$(awk -v id="$KEY_ID" '
        /^[[:space:]]*\[/ { in_key = 0 }
        /^[[:space:]]*\[\[keys\]\]/ { in_key = 1; this_id = ""; this_secret = "" }
        in_key && /^[[:space:]]*id[[:space:]]*=/ { v = $0; sub(/^[^"]*"/, "", v); sub(/".*/, "", v); this_id = v }
        in_key && /^[[:space:]]*secret[[:space:]]*=/ { v = $0; sub(/^[^"]*"/, "", v); sub(/".*/, "", v); this_secret = v }
        in_key && this_id == id && this_secret != "" { print this_secret; exit }
    ' "$CONFIG")
    [[ -n $secret ]] || die "no [[keys]] id = \"$KEY_ID\" with a secret in $CONFIG; delete .run/ to start over"
    printf '%s\n' "$secret" | write_private "$AGENT_SECRET"
    unset secret
    say "agent config: wrote the secret of key $KEY_ID to $AGENT_SECRET for the panel"
fi
chmod 600 "$AGENT_SECRET"

listen=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$CONFIG" | head -n 1)
listen=${SMP_AGENT_LISTEN:-${listen:-127.0.0.1:8443}}
case $listen in
    127.* | "[::1]":*) URL=http://$listen ;;
    *) die "this script expects a loopback listen address in $CONFIG, not $listen" ;;
esac
if curl -fsS --max-time 2 "$URL/health" >/dev/null 2>&1; then
    die "something already answers on $URL (another \`make run\`?); stop it first"
fi

# ------------------------------------------------------------ panel config --
if [[ -f $PANEL_CONFIG ]]; then
    say "panel config: reusing $PANEL_CONFIG"
else
    write_private "$PANEL_CONFIG" <<EOF
# Written by scripts/run.sh for \`make run\`; delete .run/ to start over.
# Every key: deploy/panel.toml.example and docs/panel.md.
listen = "127.0.0.1:8080"
database_url = "sqlite://$PANEL_DB"
sync_interval_s = 10
# The panel key (it encrypts the agent secrets) is smp-panel.key next to the
# database: $PANEL_DIR/smp-panel.key.
# The SSH gateway (docs/ssh.md); its host key is smp-panel.ssh_host_ed25519_key beside it.
[ssh]
listen = "127.0.0.1:$SSH_PORT"
EOF
    say "panel config: created $PANEL_CONFIG (SQLite $PANEL_DB)"
fi
if ! grep -q '^\[dns\]' "$PANEL_CONFIG"; then
    printf '\n# The DNS server for container names (docs/dns.md), added by scripts/run.sh.\n[dns]\nlisten = "127.0.0.1:%s"\nzone = "%s"\n' "$DNS_PORT" "$DNS_ZONE" >>"$PANEL_CONFIG"
    say "panel config: added the DNS server for $DNS_ZONE on 127.0.0.1:$DNS_PORT to $PANEL_CONFIG"
fi
if ! grep -q '^\[ssh\]' "$PANEL_CONFIG"; then
    printf '\n# The SSH gateway (docs/ssh.md), added by scripts/run.sh.\n[ssh]\nlisten = "127.0.0.1:%s"\n' "$SSH_PORT" >>"$PANEL_CONFIG"
    say "panel config: added the SSH gateway on 127.0.0.1:$SSH_PORT to $PANEL_CONFIG"
fi
panel() { "$PANEL_BIN" --config "$PANEL_CONFIG" "$@"; }

panel_listen=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$PANEL_CONFIG" | head -n 1)
panel_listen=${SMP_PANEL_LISTEN:-${panel_listen:-127.0.0.1:8080}}
case $panel_listen in
    0.0.0.0:*) PANEL_URL=http://127.0.0.1:${panel_listen##*:} ;;
    "[::]":*) PANEL_URL="http://[::1]:${panel_listen##*:}" ;;
    *) PANEL_URL=http://$panel_listen ;;
esac
if curl -fsS --max-time 2 "$PANEL_URL/api/v1/health" >/dev/null 2>&1; then
    die "something already answers on $PANEL_URL (another \`make run\`?); stop it first"
fi

# Passwords saved for an earlier database are meaningless without it.
if [[ ! -f $PANEL_DB ]]; then
    rm -f "$ADMIN_PASSWORD" "$MEMBER_PASSWORD"
fi
# Migrates (creating the database on the first run) and checks the config.
panel migrate >/dev/null || die "\`smp-panel --config $PANEL_CONFIG migrate\` failed (above); fix $PANEL_CONFIG or delete .run/panel/ to start over"

# ----------------------------------------------------------------- machine --
if panel machine list | awk -F '\t' -v name="$MACHINE" 'NR > 1 && $2 == name { found = 1 } END { exit !found }'; then
    say "panel: machine $MACHINE is registered"
else
    panel machine add --name "$MACHINE" --url "$URL" --key-id "$KEY_ID" --secret-file "$AGENT_SECRET" >/dev/null ||
        die "cannot register the machine $MACHINE in the panel (above); delete .run/panel/ to start over"
    say "panel: registered machine $MACHINE ($URL, key $KEY_ID)"
fi

# ------------------------------------------------------------------- users --
# Creates user $1 with role $2 once; the generated password goes to $3.
ensure_user() {
    local username=$1 role=$2 file=$3 output password
    if [[ -s $file ]]; then
        say "panel: user $username exists (password in $file)"
        return
    fi
    if ! output=$(panel user create --username "$username" --role "$role" 2>&1); then
        case $output in
            *"already exists"*) die "the panel has a user $username but $file is gone; delete .run/panel/ to start over" ;;
            *) die "\`smp-panel user create --username $username\` failed: $output" ;;
        esac
    fi
    password=$(printf '%s\n' "$output" | sed -n 's/^password: //p')
    [[ -n $password ]] || die "\`smp-panel user create\` printed no password; its output format changed (crates/panel/src/cli.rs)"
    printf '%s\n' "$password" | write_private "$file"
    say "panel: created user $username ($role, approved; password in $file)"
}
ensure_user "$ADMIN" head_admin "$ADMIN_PASSWORD"
ensure_user "$MEMBER" member "$MEMBER_PASSWORD"

# -------------------------------------------------------- demo containers --
ensure_running() { # name image
    local status
    status=$(lxc list --project default --format csv -c s "^$1\$")
    case $status in
        "")
            say "lxd: launching $1 from $2 in project default"
            lxc launch "$2" "$1" --project default -q >/dev/null
            ;;
        RUNNING) say "lxd: $1 is running" ;;
        *)
            say "lxd: $1 is $status; starting it"
            lxc start "$1" --project default
            ;;
    esac
}
ensure_running "$DEMO" "$DEMO_IMAGE"
ensure_running "$SHARED" "$SHARED_IMAGE"
# systemd in the shared container (bounded), then the demo unit (once).
state=
for _ in $(seq 1 90); do
    state=$(timeout 10 lxc exec "$SHARED" --project default -- systemctl is-system-running --wait 2>/dev/null) || true
    [[ $state == running || $state == degraded ]] && break
    sleep 1
done
[[ $state == running || $state == degraded ]] || die "systemd did not come up in $SHARED within 90 s (state: ${state:-none})"
if ! lxc exec "$SHARED" --project default -- test -e "/etc/systemd/system/$UNIT"; then
    say "lxd: installing $UNIT in $SHARED"
    # The unit file's text is an argument of the script, not part of it.
    # shellcheck disable=SC2016
    lxc exec "$SHARED" --project default -- sh -c 'printf "%s" "$1" > "/etc/systemd/system/$2" && systemctl daemon-reload' \
        sh "$UNIT_FILE" "$UNIT"
fi
lxc exec "$SHARED" --project default -- systemctl start "$UNIT"

# -------------------------------------------------------- agent and panel --
AGENT_PID=""
PANEL_PID=""
TAIL_PID=""
# Called from the traps (shellcheck does not see that).
# shellcheck disable=SC2317
stop_one() { # name pid
    if [[ -n $2 ]] && kill -0 "$2" 2>/dev/null; then
        say "stopping the $1 (pid $2)"
        kill "$2" 2>/dev/null || true
        wait "$2" 2>/dev/null || true
    fi
}
# shellcheck disable=SC2317
stop_all() {
    trap - INT TERM EXIT
    if [[ -n $TAIL_PID ]]; then kill "$TAIL_PID" 2>/dev/null || true; fi
    stop_one panel "$PANEL_PID"
    stop_one agent "$AGENT_PID"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

# Waits (bounded) until $3 answers; dies with the log $4 if it does not.
wait_healthy() { # name pid url log
    local deadline=$((SECONDS + HEALTH_WAIT_S))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$2" 2>/dev/null; then break; fi
        if curl -fsS --max-time 1 "$3" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    printf -- '--- %s ---\n' "$4" >&2
    cat "$4" >&2
    die "the $1 did not answer $3 within ${HEALTH_WAIT_S}s (its log is above)"
}

: >"$LOG"
"$BIN" serve --config "$CONFIG" >>"$LOG" 2>&1 &
AGENT_PID=$!
wait_healthy agent "$AGENT_PID" "$URL/health" "$LOG"

: >"$PANEL_LOG"
# NO_COLOR: plain log lines in the file.
NO_COLOR=1 "$PANEL_BIN" --config "$PANEL_CONFIG" serve >>"$PANEL_LOG" 2>&1 &
PANEL_PID=$!
wait_healthy panel "$PANEL_PID" "$PANEL_URL/api/v1/health" "$PANEL_LOG"

# The saved password must open the admin's account (it does not when the
# database was replaced behind this script's back).
jar=$(umask 077 && mktemp)
role=$(curl -sS --max-time 5 -c "$jar" -H 'Content-Type: application/json' \
    --data-binary @- "$PANEL_URL/api/v1/login" <<EOF | sed -n 's/.*"role":"\([^"]*\)".*/\1/p'
{"username":"$ADMIN","password":"$(cat "$ADMIN_PASSWORD")"}
EOF
) || true
[[ $role == head_admin ]] || {
    rm -f "$jar"
    die "cannot log in to the panel as $ADMIN with the password in $ADMIN_PASSWORD; delete .run/panel/ to start over"
}

# The sync lists the demo containers within moments of the panel's start;
# give smp-demo to the member `demo` and make hello.service her service
# (once), so she can restart both through the panel.
command -v jq >/dev/null || die "jq not found: run \`make setup\` (it installs it)"
csrf=$(curl -fsS --max-time 5 -b "$jar" "$PANEL_URL/api/v1/me" | jq -r .csrf_token)
api() { # method path [body]
    curl -fsS --max-time 15 -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
        -X "$1" ${3:+-d "$3"} "$PANEL_URL/api/v1$2"
}
listed() { # name: "id owner" once the panel lists it (bounded)
    local found
    for _ in $(seq 1 100); do
        found=$(api GET "/containers?gone=false" |
            jq -r --arg name "$1" --arg machine "$MACHINE" \
                '.items[] | select(.name == $name and .machine == $machine) | "\(.id) \(.owner)"')
        [[ -n $found ]] && { echo "$found"; return 0; }
        sleep 0.1
    done
    rm -f "$jar"
    die "the panel did not list $1 within 10 s; see $PANEL_LOG"
}
read -r DEMO_ID demo_owner <<<"$(listed "$DEMO")"
if [[ $demo_owner == null ]]; then
    api PATCH "/containers/$DEMO_ID" "{\"owner\":\"$MEMBER\"}" >/dev/null
    say "panel: $DEMO (container $DEMO_ID) now belongs to $MEMBER"
else
    say "panel: $DEMO (container $DEMO_ID) belongs to $demo_owner"
fi
read -r SHARED_ID _ <<<"$(listed "$SHARED")"
SERVICE_ID=$(api GET "/services?container_id=$SHARED_ID" | jq -r --arg unit "$UNIT" '.items[] | select(.unit == $unit) | .id')
if [[ -z $SERVICE_ID ]]; then
    SERVICE_ID=$(api POST /services "{\"container_id\":$SHARED_ID,\"unit\":\"$UNIT\",\"owner\":\"$MEMBER\"}" | jq -r .id)
    say "panel: $UNIT on $SHARED is now service $SERVICE_ID of $MEMBER"
else
    say "panel: $UNIT on $SHARED is service $SERVICE_ID"
fi
# A quota (once: while hers is still the default, which is nothing) so that
# she may create sub-containers of her own.
MEMBER_ID=$(api GET /users | jq -r --arg name "$MEMBER" '.items[] | select(.username == $name) | .id')
if [[ $(api GET "/users/$MEMBER_ID/usage" | jq -r .default) == true ]]; then
    api PUT "/users/$MEMBER_ID/quota" '{"containers":2,"cpu":2,"memory_mb":1024,"disk_mb":4096,"forwards":2,"snapshots":3}' >/dev/null
    say "panel: $MEMBER may create 2 sub-containers (2 CPUs, 1024 MiB, 4096 MiB of disk in all), forward 2 ports and keep 3 snapshots"
fi
rm -f "$jar"

TOKEN="$BIN token --config $CONFIG"
SSH_FINGERPRINT=$(ssh-keygen -lf "$SSH_HOST_KEY" 2>/dev/null | awk '{print $2}')
SSH_FINGERPRINT=${SSH_FINGERPRINT:-"(ssh-keygen -lf $SSH_HOST_KEY)"}
cat <<EOF

SMP is running (ready ${SECONDS}s after scripts/run.sh started): the agent (pid $AGENT_PID) and the panel (pid $PANEL_PID).

The panel
  URL        $PANEL_URL/
  username   $ADMIN   (head admin)
  password   $(cat "$ADMIN_PASSWORD")
  member     $MEMBER, password in $MEMBER_PASSWORD
             (her container: $PANEL_URL/containers/$DEMO_ID, her service: $PANEL_URL/services/$SERVICE_ID)
  config     $PANEL_CONFIG
  database   $PANEL_DB  (panel key: smp-panel.key beside it)
  log        $PANEL_LOG
  machine    $MACHINE -> $URL (key $KEY_ID)

  # log in as the member $MEMBER (the session cookie goes to the jar ./demo.jar)
  curl -fsS -w '\\n' -c demo.jar -H 'Content-Type: application/json' -d "{\"username\":\"$MEMBER\",\"password\":\"\$(cat $MEMBER_PASSWORD)\"}" $PANEL_URL/api/v1/login
  # her containers ($DEMO is container $DEMO_ID), then restart it through the panel
  curl -fsS -w '\\n' -b demo.jar $PANEL_URL/api/v1/containers
  curl -fsS -w '\\n' -b demo.jar -X POST -H "X-CSRF-Token: \$(curl -fsS -b demo.jar $PANEL_URL/api/v1/me | jq -r .csrf_token)" $PANEL_URL/api/v1/containers/$DEMO_ID/restart
  # her service ($UNIT on the shared $SHARED, of which she sees nothing else): restart it, read its journal
  curl -fsS -w '\\n' -b demo.jar -X POST -H "X-CSRF-Token: \$(curl -fsS -b demo.jar $PANEL_URL/api/v1/me | jq -r .csrf_token)" $PANEL_URL/api/v1/services/$SERVICE_ID/restart
  curl -fsS -w '\\n' -b demo.jar "$PANEL_URL/api/v1/services/$SERVICE_ID/logs?lines=5"
  # a sub-container of hers below $DEMO (her quota: 2); it is 'creating', then 'running': GET it to follow
  curl -fsS -w '\\n' -b demo.jar -H 'Content-Type: application/json' -H "X-CSRF-Token: \$(curl -fsS -b demo.jar $PANEL_URL/api/v1/me | jq -r .csrf_token)" -d '{"name":"demo-sub","image":"$DEMO_IMAGE","parent":$DEMO_ID,"limits":{"memory_mb":256}}' $PANEL_URL/api/v1/containers
  # what happened (admins see everything; $MEMBER sees her own)
  curl -fsS -w '\\n' -b demo.jar "$PANEL_URL/api/v1/audit?limit=5"

  Every route: docs/api.md; browse them at $PANEL_URL/api/v1/docs/

The SSH gateway (docs/ssh.md)
  address    127.0.0.1:$SSH_PORT, host key $SSH_FINGERPRINT
  # put your public key in $MEMBER's profile (logged in as above; or on $PANEL_URL/account/ssh-keys), then ssh into $DEMO
  curl -fsS -w '\\n' -b demo.jar -H 'Content-Type: application/json' -H "X-CSRF-Token: \$(curl -fsS -b demo.jar $PANEL_URL/api/v1/me | jq -r .csrf_token)" -d "{\"name\":\"make run\",\"public_key\":\"\$(cat ~/.ssh/id_ed25519.pub)\"}" $PANEL_URL/api/v1/me/ssh-keys
  ssh -p $SSH_PORT -o HostKeyAlias=smp-panel $DEMO@127.0.0.1 uname -a

The DNS server (docs/dns.md)
  # $DEMO's name: its address on a public network, else this host's forward address
  dig @127.0.0.1 -p $DNS_PORT $DEMO.$DNS_ZONE A +norec

The agent
  URL        $URL
  config     $CONFIG  (key id $KEY_ID; the secret is inside)
  log        $LOG
  health     $(curl -fsS "$URL/health")

  Each token is single use and lives 30 s, so each line mints its own:

  # every container of the project
  curl -fsS -w '\\n' $URL/containers -H "Authorization: Bearer \$($TOKEN --action list)"

  # state of $DEMO
  curl -fsS -w '\\n' $URL/container/$DEMO/state -H "Authorization: Bearer \$($TOKEN --action state --container $DEMO)"

  # restart $DEMO
  curl -fsS -w '\\n' -X POST $URL/container/$DEMO/restart -H "Authorization: Bearer \$($TOKEN --action restart --container $DEMO)"

  Without the CLI (only the key id and secret, openssl and curl): the signed
  POST /token request in docs/protocol.md. Everything else: docs/agent.md.

Start over: stop this, then \`rm -rf .run\`.
Ctrl-C stops both. Their logs follow.

EOF

tail -n +1 -f "$LOG" "$PANEL_LOG" &
TAIL_PID=$!
set +e
wait -n "$AGENT_PID" "$PANEL_PID"
rc=$?
set -e
if ! kill -0 "$AGENT_PID" 2>/dev/null; then
    say "the agent exited with status $rc; stopping the panel"
else
    say "the panel exited with status $rc; stopping the agent"
fi
exit "$rc"
