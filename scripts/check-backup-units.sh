#!/usr/bin/env bash
# A check of deploy/smp-panel-backup.service and .timer on a real systemd,
# before the Debian package (issue 20, part A: scripts/test-deb.sh) ships
# them: in a throwaway LXD container of the image smp-debian it installs the
# smp-panel binary and the two units by hand (user smp-panel, a config in
# /etc/smp-panel, a SQLite database made by `user create`, 8 older nightly
# backup files), starts the backup service once and fails unless it
# succeeded, wrote a mode-600 backup owned by smp-panel and left 7 backups,
# the timer is enabled and persistent, and `systemd-analyze security` rates
# the service "OK" or better. The container is deleted at the end.
#
#   scripts/check-backup-units.sh [path/to/smp-panel]   # default: $CARGO_TARGET_DIR/debug/smp-panel
#
# The image lacks a few of the binary's shared libraries (libpq, libldap, …,
# which the package's Depends bring): they are copied from the host (both
# bookworm), so the container needs no network.
set -Eeuo pipefail

say() { printf 'check-backup-units: %s\n' "$*" >&2; }
die() { printf 'check-backup-units: ERROR: %s\n' "$*" >&2; exit 1; }

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${CARGO_TARGET_DIR:-/var/cache/smp/target}/debug/smp-panel}
[[ -x $bin ]] || die "$bin: no such binary (cargo build -p smp-panel --bins)"
command -v lxc >/dev/null || die "lxc is missing (make setup)"
container=smp-backup-units-$$
trap 'lxc delete -f "$container" >/dev/null 2>&1 || true' EXIT

lxc launch smp-debian "$container" -q
for _ in $(seq 1 60); do
    state=$(lxc exec "$container" -- systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
    sleep 1
done
[[ $state == running || $state == degraded ]] || die "systemd in $container: $state"

lxc file push -q "$bin" "$container/usr/bin/smp-panel" --mode 755
copied=()
for lib in $(ldd "$bin" | awk '/=>/{print $1}'); do
    if ! lxc exec "$container" -- test -e "/lib/x86_64-linux-gnu/$lib"; then
        lxc file push -q "$(readlink -f "/lib/x86_64-linux-gnu/$lib")" "$container/usr/local/lib/$lib"
        copied+=("$lib")
    fi
done
lxc exec "$container" -- ldconfig
say "libraries copied from the host: ${copied[*]:-none}"
for unit in smp-panel-backup.service smp-panel-backup.timer; do
    lxc file push -q "$here/deploy/$unit" "$container/etc/systemd/system/$unit"
done

lxc exec "$container" -- sh -ec '
useradd --system --home-dir /var/lib/smp-panel --shell /usr/sbin/nologin smp-panel
install -d -m 755 /etc/smp-panel
printf "database_url = \"sqlite:///var/lib/smp-panel/smp-panel.db\"\n" > /etc/smp-panel/panel.toml
chown smp-panel:smp-panel /etc/smp-panel/panel.toml
chmod 600 /etc/smp-panel/panel.toml
install -d -m 700 -o smp-panel -g smp-panel /var/lib/smp-panel /var/lib/smp-panel/backups
runuser -u smp-panel -- smp-panel --config /etc/smp-panel/panel.toml user create --username root --role head_admin >/dev/null
for day in 01 02 03 04 05 06 07 08; do
    runuser -u smp-panel -- touch /var/lib/smp-panel/backups/smp-panel-backup-202611${day}T031500Z.tar
done
systemctl daemon-reload
systemctl enable --now smp-panel-backup.timer
systemctl start smp-panel-backup.service
journalctl -u smp-panel-backup.service --no-pager -o cat >&2
test "$(systemctl show -p Result --value smp-panel-backup.service)" = success
cd /var/lib/smp-panel/backups
test "$(ls smp-panel-backup-*.tar | wc -l)" -eq 7
newest=$(ls smp-panel-backup-*.tar | tail -n 1)
test "$(stat -c "%U %a" "$newest")" = "smp-panel 600"
tar tf "$newest" | head -n 1 | grep -qx manifest.json
test ! -e smp-panel-backup-20261101T031500Z.tar
test "$(systemctl is-enabled smp-panel-backup.timer)" = enabled
test "$(systemctl show -p Persistent --value smp-panel-backup.timer)" = yes
systemd-analyze security smp-panel-backup.service | tail -n 1 >&2
systemd-analyze security smp-panel-backup.service | tail -n 1 | grep -Eq "(OK|SAFE)"
' || die "the backup units failed a check (see above)"
say "ok: the service wrote a backup (smp-panel, mode 600) and kept 7; the timer is enabled and persistent"
