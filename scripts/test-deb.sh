#!/usr/bin/env bash
# `make test-deb`: the Debian packages on a real systemd. In an LXD system
# container of the image smp-debian (systemd is PID 1) WITHOUT a network
# interface (nothing can reach a mirror), it installs smp-agent_….deb and
# smp-panel_….deb with `apt-get install` together with the dependencies
# scripts/setup-deb-deps.sh downloaded on the host, and checks what a head
# admin sees: both units active, the agent's /health and the panel's login
# page answer, the panel runs as smp-panel, configs and secrets private,
# `check` of both, a reinstall keeping secrets, data and config edits, a
# restart that answers at once (Type=notify), docs/operations.md's upgrade
# and downgrade run line by line (PANEL.deb repacked with a higher version
# plays the next release), the
# `systemd-analyze security` scores (written to $SMP_DEB_FIGURES), `remove`
# keeping the state and `purge` removing it.
#
#   scripts/test-deb.sh AGENT.deb PANEL.deb DEPS_INSTALL_LIST
#
# Prints one PASS/FAIL line per check, then "N passed, M failed"; exits 1
# when one failed. Deletes its container and project whatever happens.
set -Eeuo pipefail

PROJECT=smp-deb-test
NAME=deb-$$
FIGURES=${SMP_DEB_FIGURES:-/var/cache/smp/deb-figures.txt}
# Which build the packages hold (the Makefile's TEST_DEB_PROFILE), for the figures' header.
SMP_DEB_PROFILE=${SMP_DEB_PROFILE:-release}
T0=$(date +%s.%N)

die() { printf 'test-deb: ERROR: %s\n' "$*" >&2; exit 1; }
(($# == 3)) || die "usage: $0 AGENT.deb PANEL.deb DEPS_INSTALL_LIST"
AGENT_DEB=$(realpath "$1") PANEL_DEB=$(realpath "$2") DEPS_LIST=$3
DOCS=$(dirname "$(realpath "$0")")/../docs/operations.md
for file in "$AGENT_DEB" "$PANEL_DEB" "$DEPS_LIST" "$DOCS"; do [[ -s $file ]] || die "$file is missing"; done

L() { lxc --project "$PROJECT" "$@"; }
in_ct() { L exec "$NAME" -- "$@"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
passed=0 failed=0
pass() { printf 'PASS: %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL: %s\n' "$1"; [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/    /'; failed=$((failed + 1)); }
# check SENTENCE COMMAND...: PASS when the command succeeds.
check() { local what=$1 out; shift; if out=$("$@" 2>&1); then pass "$what"; else fail "$what" "$out"; fi; }

cleanup() {
    local rc=$?
    L delete --force "$NAME" >/dev/null 2>&1 || true
    rm -f "${install_log:-}" "${reinstall_log:-}"
    rm -rf "${repack:-}"
    lxc project delete "$PROJECT" >/dev/null 2>&1 || true
    exit "$rc"
}
trap cleanup EXIT

timeout 10 lxc info >/dev/null 2>&1 || die "lxd does not answer (make setup)"
lxc project create "$PROJECT" -c features.images=false -c features.profiles=false >/dev/null 2>&1 || true
# What an interrupted run left behind.
for stale in $(L list --format csv -c n 2>/dev/null); do L delete --force "$stale" >/dev/null; done

# ---- a container of smp-debian with no network device at all
t=$(date +%s.%N)
L init smp-debian "$NAME" -q >/dev/null
L config device add "$NAME" eth0 none >/dev/null
L start "$NAME"
state=""
for ((i = 0; i < 120; i++)); do
    state=$(in_ct systemctl is-system-running --wait 2>/dev/null) && break
    [[ $state == running || $state == degraded ]] && break
    sleep 0.5 # polling systemd's boot, bounded (60 s)
done
[[ $state == running || $state == degraded ]] || die "systemd in the container is '$state'"
echo "test-deb: container $NAME booted in $(since "$t") s (systemd $state)"
check "the container has no network interface but loopback" \
    bash -c "[[ \$(lxc --project $PROJECT exec $NAME -- ls /sys/class/net) == lo ]]"

# ---- apt install, offline
t=$(date +%s.%N)
in_ct mkdir -p /root/debs
mapfile -t deps <"$DEPS_LIST"
for file in "$AGENT_DEB" "$PANEL_DEB" "${deps[@]}"; do L file push -q "$file" "$NAME/root/debs/"; done
install_log=$(mktemp)
if in_ct sh -c 'cd /root/debs && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o Acquire::Retries=0 ./*.deb' >"$install_log" 2>&1; then
    pass "apt-get install of both packages and their downloaded dependencies succeeds without network"
else
    fail "apt-get install of both packages and their downloaded dependencies succeeds without network" "$(tail -30 "$install_log")"
fi
install_s=$(since "$t")
echo "test-deb: pushed and installed $((${#deps[@]} + 2)) packages in $install_s s"
check "the agent's postinst printed the key id, its secret file and the panel's machine add line" \
    bash -c "grep -q 'key id k1; its secret is in /etc/smp-agent/k1.secret' '$install_log' && grep -q 'machine add' '$install_log'"
check "the panel's postinst printed how to create the first head admin" \
    grep -q 'runuser -u smp-panel -- smp-panel --config /etc/smp-panel/panel.toml user create --username admin --role head_admin' "$install_log"

# ---- the services
check "smp-agent.service and smp-panel.service are active" \
    bash -c "[[ \$(lxc --project $PROJECT exec $NAME -- systemctl is-active smp-agent smp-panel | tr '\n' ' ') == 'active active ' ]]"
check "the nightly backup's timer is enabled and waiting" \
    test "$(in_ct systemctl is-enabled smp-panel-backup.timer) $(in_ct systemctl is-active smp-panel-backup.timer)" = "enabled active"
health=$(in_ct curl -ksS --max-time 10 https://127.0.0.1:8443/health 2>&1 || true)
check "the agent's /health answers over HTTPS and says LXD is not reachable here" \
    bash -c "grep -q '\"reachable\":false' <<<'$health'"
login=$(in_ct curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/login 2>&1 || true)
check "the panel's login page answers 200" test "$login" = 200
page=$(in_ct curl -sS --max-time 10 http://127.0.0.1:8080/login 2>&1 || true)
check "the login page is the panel's sign-in form" bash -c "grep -qi 'password' <<<'$page'"
panel_pid=$(in_ct systemctl show -p MainPID --value smp-panel)
agent_pid=$(in_ct systemctl show -p MainPID --value smp-agent)
check "the panel process runs as the system user smp-panel" \
    test "$(in_ct ps -o user= -p "$panel_pid" | tr -d ' ')" = smp-panel
check "smp-panel is a system user without a login shell" \
    bash -c "lxc --project $PROJECT exec $NAME -- getent passwd smp-panel | grep -Eq '^smp-panel:x:[0-9]{3}:.*:/usr/sbin/nologin$'"
check "the agent process runs as root without capabilities" \
    bash -c "lxc --project $PROJECT exec $NAME -- grep -q '^CapEff:.0000000000000000' /proc/$agent_pid/status"

# ---- configs, secrets, state
modes=$(in_ct stat -c '%n %a %U' /etc/smp-agent /etc/smp-agent/agent.toml /etc/smp-agent/k1.secret \
    /etc/smp-panel/panel.toml /var/lib/smp-panel /var/lib/smp-panel/smp-panel.key 2>&1 || true)
expected='/etc/smp-agent 700 root
/etc/smp-agent/agent.toml 600 root
/etc/smp-agent/k1.secret 600 root
/etc/smp-panel/panel.toml 600 smp-panel
/var/lib/smp-panel 700 smp-panel
/var/lib/smp-panel/smp-panel.key 600 smp-panel'
check "configs, the agent's key secret and the panel key are private to the service's user" test "$modes" = "$expected"
check "dpkg keeps both configs as conffiles" \
    test "$(in_ct cat /var/lib/dpkg/info/smp-agent.conffiles /var/lib/dpkg/info/smp-panel.conffiles)" = \
    "$(printf '/etc/smp-agent/agent.toml\n/etc/smp-panel/panel.toml')"
check "the generated agent secret is 43 base64url characters" \
    bash -c "lxc --project $PROJECT exec $NAME -- cat /etc/smp-agent/k1.secret | grep -Eqx '[A-Za-z0-9_-]{43}'"
panel_check=$(in_ct runuser -u smp-panel -- smp-panel --config /etc/smp-panel/panel.toml check 2>&1 || true)
check "smp-panel check says ok in one line" bash -c "[[ \$(wc -l <<<'$panel_check') == 1 && '$panel_check' == ok:* ]]"
agent_check=$(in_ct smp-agent check --config /etc/smp-agent/agent.toml 2>&1; echo "exit=$?")
agent_check_says_lxd_is_down() {
    [[ $(wc -l <<<"$agent_check") == 2 && $(tail -n 1 <<<"$agent_check") == exit=1 &&
        $(head -n 1 <<<"$agent_check") == "smp-agent: LXD does not answer at /var/lib/lxd/unix.socket"* ]] ||
        { echo "$agent_check"; return 1; }
}
check "smp-agent check says in one line that LXD does not answer (exit 1)" agent_check_says_lxd_is_down
created=$(in_ct runuser -u smp-panel -- smp-panel --config /etc/smp-panel/panel.toml user create --username admin --role head_admin 2>&1 || true)
check "the first head admin is created as the postinst said" grep -q 'created user admin' <<<"$created"

# ---- the same version again (dpkg configures it as an upgrade): nothing lost, nothing regenerated
before=$(in_ct sha256sum /etc/smp-agent/k1.secret /var/lib/smp-panel/smp-panel.key /etc/smp-agent/agent.toml /etc/smp-panel/panel.toml)
in_ct sh -c 'echo "# an admin edit" >>/etc/smp-panel/panel.toml'
edited=$(in_ct sha256sum /etc/smp-panel/panel.toml)
reinstall_log=$(mktemp)
in_ct sh -c 'cd /root/debs && DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall \
        -o Dpkg::Options::=--force-confold ./smp-agent_*.deb ./smp-panel_*.deb' >"$reinstall_log" 2>&1 ||
    fail "apt-get install --reinstall runs" "$(tail -20 "$reinstall_log")"
after=$(in_ct sha256sum /etc/smp-agent/k1.secret /var/lib/smp-panel/smp-panel.key /etc/smp-agent/agent.toml /etc/smp-panel/panel.toml)
check "reinstalling keeps the agent's secret, the panel key and the configs, with the admin's edit" \
    test "$(sed '$d' <<<"$before")
$edited" = "$after"
check "reinstalling prints no first-install message" bash -c "! grep -q 'installed and started' '$reinstall_log'"
check "after reinstalling both units are active again and the panel key is still the smp-panel user's" \
    test "$(in_ct systemctl is-active smp-agent smp-panel | tr '\n' ' ')$(in_ct stat -c %U /var/lib/smp-panel/smp-panel.key /etc/smp-panel/panel.toml | tr '\n' ' ')" = \
    "active active smp-panel smp-panel "
again=$(in_ct runuser -u smp-panel -- smp-panel --config /etc/smp-panel/panel.toml user create --username admin --role head_admin 2>&1 || true)
check "after reinstalling the database still has the head admin" grep -q 'a user named "admin" already exists' <<<"$again"

# ---- Type=notify: `systemctl restart` returns once the panel answers
t=$(date +%s.%N)
in_ct systemctl restart smp-panel
restart_s=$(since "$t")
code=$(in_ct curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/login 2>&1 || true)
check "right after systemctl restart returns the panel answers (READY=1 after listen and migrations)" test "$code" = 200
t=$(date +%s.%N)
in_ct systemctl restart smp-agent
agent_restart_s=$(since "$t")
code=$(in_ct curl -ksS --max-time 5 -o /dev/null -w '%{http_code}' https://127.0.0.1:8443/health 2>&1 || true)
check "right after systemctl restart returns the agent answers" test "$code" = 200
check "both units are Type=notify and active, so each sent READY=1" \
    test "$(in_ct systemctl show -p Type -p ActiveState --value smp-agent smp-panel | tr '\n' ' ')" = \
    "notify active  notify active "
check "systemd never had to restart either service after a failure" \
    test "$(in_ct systemctl show -p NRestarts --value smp-agent smp-panel | tr '\n' ' ')" = "0  0 "

# ---- docs/operations.md's upgrade and downgrade, each line as written
# The lines of the fenced block after "<!-- NAME:" in the docs.
documented_steps() {
    awk -v marker="<!-- $1:" 'index($0, marker) == 1 { on = 1; next }
        on && /^```/ { if (fenced) exit; fenced = 1; next }
        on && fenced { print }' "$DOCS"
}
mapfile -t upgrade_steps < <(documented_steps upgrade-steps)
mapfile -t downgrade_steps < <(documented_steps downgrade-steps)
# The next release: PANEL.deb with a higher version (the same files).
repack=$(mktemp -d)
dpkg-deb -R "$PANEL_DEB" "$repack/tree"
sed -i 's/^Version: .*/&+upgrade.test/' "$repack/tree/DEBIAN/control"
NEWER_DEB=$repack/newer.deb
dpkg-deb -b "$repack/tree" "$NEWER_DEB" >/dev/null
# The files the docs' apt lines name: the next release and this one, under those names.
newer_name=$(grep -o 'smp-panel_[^ ]*\.deb' <<<"${upgrade_steps[*]}" | head -n 1)
older_name=$(grep -o 'smp-panel_[^ ]*\.deb' <<<"${downgrade_steps[*]}" | head -n 1)
check "the docs have an upgrade and a downgrade, each with its apt line" \
    test "${#upgrade_steps[@]} ${#downgrade_steps[@]} ${newer_name:+newer} ${older_name:+older}" = "5 4 newer older"
in_ct mkdir -p /root/release
L file push -q "$NEWER_DEB" "$NAME/root/release/$newer_name"
L file push -q "$PANEL_DEB" "$NAME/root/release/$older_name"
newer_version=$(dpkg-deb -f "$NEWER_DEB" Version)
older_version=$(dpkg-deb -f "$PANEL_DEB" Version)
# run_steps LINE...: each line in /root/release as root, as an admin would
# type it (answering apt's "Do you want to continue?" of a downgrade with y),
# until one fails (a FAIL); the last one's output in $printed.
run_steps() {
    local line
    for line in "$@"; do
        printed=$(printf 'y\n' | in_ct env DEBIAN_FRONTEND=noninteractive sh -c "cd /root/release && $line" 2>&1) ||
            { fail "the documented step runs: $line" "$printed"; return 1; }
    done
}
cli() { in_ct runuser -u smp-panel -- smp-panel --config /etc/smp-panel/panel.toml "$@" 2>&1 || true; }
cli user create --username carol --role member >/dev/null
t=$(date +%s.%N)
printed=""
run_steps "${upgrade_steps[@]}" && pass "the documented upgrade runs as written, apt line included"
upgrade_s=$(since "$t")
check "after the upgrade the newer package ($newer_version) is installed and the panel is active" \
    test "$(in_ct dpkg-query -W -f '${Version}' smp-panel) $(in_ct systemctl is-active smp-panel)" = "$newer_version active"
check "the upgrade's last step says the start had migrated already" grep -q '0 migration(s) applied' <<<"$printed"
check "the backup before the upgrade is private to smp-panel" \
    test "$(in_ct stat -c '%a %U' /var/lib/smp-panel/backups/before-upgrade.tar)" = "600 smp-panel"
kept=$(cli user create --username admin --role head_admin; cli user create --username carol --role member)
check "the upgrade keeps the accounts made before it" test "$(grep -c 'already exists' <<<"$kept")" = 2
cli user create --username after-upgrade --role member >/dev/null
t=$(date +%s.%N)
run_steps "${downgrade_steps[@]}" && pass "the documented downgrade runs as written, apt line included"
downgrade_s=$(since "$t")
check "after the downgrade the older package ($older_version) is installed and the panel answers" \
    test "$(in_ct dpkg-query -W -f '${Version}' smp-panel) $(in_ct systemctl is-active smp-panel) $(in_ct curl -sS --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/login)" = \
    "$older_version active 200"
restored=$(cli user create --username carol --role member; cli user create --username after-upgrade --role member)
check "the downgrade is the backup: the accounts from before, not the one made after the upgrade" \
    test "$(grep -c 'already exists' <<<"$restored") $(grep -c 'created user after-upgrade' <<<"$restored")" = "1 1"

# ---- systemd-analyze security
score() { in_ct systemd-analyze security "$1" 2>/dev/null | awk '/Overall exposure level/ { sub(/.*: /, ""); print }'; }
panel_score=$(score smp-panel.service)
agent_score=$(score smp-agent.service)
echo "test-deb: systemd-analyze security: smp-panel.service $panel_score; smp-agent.service $agent_score"
check "smp-panel.service's exposure is OK or better" bash -c "[[ '$panel_score' =~ (OK|SAFE|PERFECT) ]]"
check "smp-agent.service's exposure is OK or better" bash -c "[[ '$agent_score' =~ (OK|SAFE|PERFECT) ]]"

# ---- remove keeps the state, purge removes it
remove_log=$(in_ct env DEBIAN_FRONTEND=noninteractive apt-get remove -y smp-agent smp-panel 2>&1 || true)
check "apt-get remove stops both services" \
    bash -c "! lxc --project $PROJECT exec $NAME -- systemctl is-active -q smp-agent smp-panel"
check "apt-get remove keeps the database, the panel key, the agent's secret and the user" \
    in_ct sh -c 'test -s /var/lib/smp-panel/smp-panel.db && test -s /var/lib/smp-panel/smp-panel.key && test -s /etc/smp-agent/k1.secret && test -s /etc/smp-panel/panel.toml && getent passwd smp-panel >/dev/null'
in_ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y smp-agent smp-panel >/dev/null 2>&1 || fail "apt-get purge ran" "$remove_log"
check "apt-get purge removes the state, the configs, the secrets and the user" \
    in_ct sh -c '! test -e /var/lib/smp-panel && ! test -e /var/lib/smp-agent && ! test -e /etc/smp-agent && ! test -e /etc/smp-panel && ! getent passwd smp-panel >/dev/null'

total_s=$(since "$T0")
{
    echo "# make test-deb, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, LXD $(lxc version 2>/dev/null | awk '/Server/ { print $3 }'), ${SMP_DEB_PROFILE} build"
    echo "systemd-analyze security smp-panel.service: $panel_score"
    echo "systemd-analyze security smp-agent.service: $agent_score"
    echo "install (push + apt-get install, ${#deps[@]} dependencies): ${install_s} s"
    echo "systemctl restart smp-panel: ${restart_s} s; smp-agent: ${agent_restart_s} s"
    echo "documented upgrade (stop, backup, apt install, start, migrate): ${upgrade_s} s; downgrade: ${downgrade_s} s"
    echo "whole container test: ${total_s} s"
} | tee "$FIGURES"
echo "test-deb: $passed passed, $failed failed"
printf '%s passed, %s failed\n' "$passed" "$failed"
((failed == 0))
