#!/usr/bin/env bash
# Installs (or updates) smp-agent on this LXD host. Idempotent: run it again
# after every build; it never overwrites an existing config or secret.
#
#   sudo deploy/install-agent.sh [path/to/smp-agent]
#
# Without an argument the binary is taken from the cargo target directory
# ($CARGO_TARGET_DIR, default /var/cache/smp/target): release, else debug.
#
# What it does:
#   1. copies the binary to /usr/local/bin/smp-agent (atomically),
#   2. creates /etc/smp-agent (mode 700) and /var/lib/smp-agent (mode 700),
#   3. writes /etc/smp-agent/agent.toml (mode 600) with a fresh key `k1`
#      from `smp-agent keygen` -- only when the file does not exist,
#   4. installs and (re)starts the systemd unit when systemd is PID 1,
#   5. runs `smp-agent check` and prints the TLS fingerprint and key id the
#      panel needs.
#
# Knobs (environment), for a first install or for trying it in a scratch dir:
#   SMP_MACHINE     machine name written to a new config (default: hostname)
#   SMP_LISTEN      listen address written to a new config (default 0.0.0.0:8443)
#   SMP_BIN_DIR     default /usr/local/bin
#   SMP_CONFIG_DIR  default /etc/smp-agent
#   SMP_STATE_DIR   default /var/lib/smp-agent
#   SMP_DOC_DIR     default /usr/local/share/doc/smp (docs/agent.md, docs/protocol.md)
#   SMP_NO_SYSTEMD  set to 1 to leave systemd alone
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/smp/target}
BIN_DIR=${SMP_BIN_DIR:-/usr/local/bin}
CONFIG_DIR=${SMP_CONFIG_DIR:-/etc/smp-agent}
STATE_DIR=${SMP_STATE_DIR:-/var/lib/smp-agent}
LISTEN=${SMP_LISTEN:-0.0.0.0:8443}
UNIT_SRC=$HERE/smp-agent.service
UNIT_DST=/etc/systemd/system/smp-agent.service
DOC_DIR=${SMP_DOC_DIR:-/usr/local/share/doc/smp}

BIN=$BIN_DIR/smp-agent
CONFIG=$CONFIG_DIR/agent.toml

say() { printf 'install-agent: %s\n' "$*"; }
die() { printf 'install-agent: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (the agent, its config and LXD's socket are root's)"

# ------------------------------------------------------------------ binary --
src=${1:-}
if [[ -z $src ]]; then
    for candidate in "$TARGET_DIR/release/smp-agent" "$TARGET_DIR/debug/smp-agent"; do
        if [[ -x $candidate ]]; then src=$candidate; break; fi
    done
    [[ -n $src ]] || die "no smp-agent binary in $TARGET_DIR/{release,debug}: run \`make build\` (or \`cargo build --release -p smp-agent\`) or pass the binary as \$1"
fi
[[ -f $src && -x $src ]] || die "$src is not an executable file"
"$src" --version >/dev/null 2>&1 || die "$src does not run (\`$src --version\` failed)"

mkdir -p "$BIN_DIR"
if [[ -e $BIN ]] && cmp -s "$src" "$BIN"; then
    say "binary: $BIN is up to date ($("$BIN" --version)) (skipped)"
    binary_changed=""
else
    # Copy next to the target, then rename: a running agent keeps its old
    # inode and the path never points at a half-written file.
    tmp=$(mktemp "$BIN.new.XXXXXX")
    cp "$src" "$tmp"
    chmod 755 "$tmp"
    mv -f "$tmp" "$BIN"
    say "binary: installed $src as $BIN ($("$BIN" --version)) (done)"
    binary_changed=1
fi

# ------------------------------------------------------------- directories --
for dir in "$CONFIG_DIR" "$STATE_DIR"; do
    if [[ -d $dir ]]; then
        chmod 700 "$dir"
        say "directory: $dir exists, mode 700 (skipped)"
    else
        install -d -m 700 "$dir"
        say "directory: created $dir, mode 700 (done)"
    fi
done

# ------------------------------------------------------------------ config --
default_machine() {
    # A valid machine name from the host name: letters, digits, '-'; starts
    # with a letter; at most 63 characters; no trailing '-'.
    local name
    name=$(hostname -s 2>/dev/null || hostname)
    name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9-' '-' | sed -e 's/^[^A-Za-z]*//' | cut -c1-63 | sed -e 's/-*$//')
    printf '%s' "${name:-machine}"
}

if [[ -e $CONFIG ]]; then
    say "config: $CONFIG exists, left as is (skipped)"
    mode=$(stat -c %a "$CONFIG")
    if [[ $mode != 600 && $mode != 400 ]]; then
        chmod 600 "$CONFIG"
        say "config: $CONFIG was mode $mode, now 600 (done)"
    fi
else
    machine=${SMP_MACHINE:-$(default_machine)}
    secret=$("$BIN" keygen)
    # Written under umask 077 to a temporary file, then renamed: the secret
    # is never readable by anyone else, not even for an instant.
    tmp=$(umask 077 && mktemp "$CONFIG.new.XXXXXX")
    {
        printf '# smp-agent configuration, written by deploy/install-agent.sh on %s.\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf '# Every key is described in deploy/agent.toml.example and docs/agent.md.\n'
        printf 'machine = "%s"\n' "$machine"
        printf 'listen = "%s"\n' "$LISTEN"
        printf '# project = "default"\n'
        printf 'max_ttl_s = 60\n'
        printf 'state_dir = "%s"\n' "$STATE_DIR"
        printf '# Images members may create from (none until listed):\n'
        printf '# member_images = ["smp-busybox"]\n'
        printf '# host_config = false   # true: head admins may set privileged/raw config (root here)\n'
        printf '\n[[keys]]\nid = "k1"\nsecret = "%s"\n' "$secret"
    } >"$tmp"
    chmod 600 "$tmp"
    mv -n "$tmp" "$CONFIG"
    rm -f "$tmp"
    unset secret
    say "config: wrote $CONFIG (machine \"$machine\", listen $LISTEN, key k1), mode 600 (done)"
fi

# ------------------------------------------------------------------- docs --
if [[ -f $ROOT/docs/agent.md && -f $ROOT/docs/protocol.md ]]; then
    install -d -m 755 "$DOC_DIR"
    install -m 644 "$ROOT/docs/agent.md" "$ROOT/docs/protocol.md" "$DOC_DIR/"
    say "docs: agent.md and protocol.md in $DOC_DIR (done)"
fi

# ------------------------------------------------------------------ check --
if ! check_output=$("$BIN" check --config "$CONFIG" 2>&1); then
    printf '%s\n' "$check_output" >&2
    die "\`smp-agent check --config $CONFIG\` failed (above); fix it and run this script again"
fi
printf '%s\n' "$check_output" | sed 's/^/install-agent: check: /'

# ----------------------------------------------------------------- systemd --
systemd_running() { [[ -d /run/systemd/system ]] && [[ $(cat /proc/1/comm 2>/dev/null) == systemd ]]; }

service_started=""
if [[ ${SMP_NO_SYSTEMD:-} == 1 ]]; then
    say "systemd: SMP_NO_SYSTEMD=1 (skipped)"
elif ! systemd_running; then
    say "systemd: not PID 1 here; start the agent yourself: $BIN serve --config $CONFIG (skipped)"
else
    tmp=$(mktemp)
    sed -e "s#/usr/bin/smp-agent#$BIN#g" \
        -e "s#/etc/smp-agent/agent.toml#$CONFIG#g" \
        -e "s#/var/lib/smp-agent#$STATE_DIR#g" "$UNIT_SRC" >"$tmp"
    if [[ -e $UNIT_DST ]] && cmp -s "$tmp" "$UNIT_DST"; then
        rm -f "$tmp"
        say "systemd: $UNIT_DST is up to date (skipped)"
    else
        install -m 644 "$tmp" "$UNIT_DST"
        rm -f "$tmp"
        systemctl daemon-reload
        say "systemd: installed $UNIT_DST (done)"
        binary_changed=1
    fi
    systemctl enable smp-agent.service >/dev/null 2>&1
    if systemctl is-active --quiet smp-agent.service; then
        if [[ -n $binary_changed ]]; then
            systemctl restart smp-agent.service
            say "systemd: restarted smp-agent.service (new binary or unit) (done)"
        else
            say "systemd: smp-agent.service is running (skipped)"
        fi
    else
        systemctl start smp-agent.service
        say "systemd: enabled and started smp-agent.service (done)"
    fi
    service_started=1
fi

# ------------------------------------------------------------- fingerprint --
listen=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$CONFIG" | head -n 1)
listen=${SMP_AGENT_LISTEN:-${listen:-0.0.0.0:8443}}
port=${listen##*:}
fingerprint=$("$BIN" fingerprint --config "$CONFIG" 2>/dev/null)
case $listen in
    127.* | "[::1]":*) scheme=http ;;
    *) scheme=https ;;
esac
if grep -Eq '^[[:space:]]*(cert|disabled)[[:space:]]*=' "$CONFIG"; then
    scheme="(see [tls] in $CONFIG)"
fi

if [[ -n $service_started ]]; then
    # Bounded wait for the agent to answer /health (it opens its port about
    # a second after it starts).
    health_url="http://127.0.0.1:$port/health"
    curl_tls=()
    if [[ $scheme == https ]]; then
        health_url="https://localhost:$port/health"
        curl_tls=(--cacert "$STATE_DIR/cert.pem")
    fi
    ok=""
    for _ in $(seq 1 30); do
        if curl -fsS --max-time 2 "${curl_tls[@]}" "$health_url" >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.5
    done
    if [[ -n $ok ]]; then
        say "health: $health_url answers (done)"
    else
        journalctl -u smp-agent.service -n 30 --no-pager >&2 || true
        die "the agent does not answer $health_url after 15 s (log above; also: journalctl -u smp-agent)"
    fi
fi

cat <<EOF

smp-agent is installed.
  binary       $BIN
  config       $CONFIG (mode 600; key id k1, secret inside)
  listens on   $listen ($scheme)
  fingerprint  $fingerprint

Register this machine in the panel with the agent URL (https://<this host>:$port),
the key id and secret from $CONFIG, and the fingerprint above.
Try it from here: see "Restart a container with curl in 5 minutes" in docs/agent.md.
EOF
