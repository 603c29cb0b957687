#!/usr/bin/env bash
# Quick self-check of the LXD setup made by scripts/setup-lxd.sh.
#
# In a throwaway project `smp-smoke` (sharing the default project's images and
# profiles) it launches one container of each SMP image and checks: RUNNING,
# an IPv4 address on lxdbr0 (DHCP), `lxc exec`, systemd (debian), a restart
# with a new init PID (busybox) and the time of a clean `lxc stop`. Then it
# deletes the containers and the project. Exit status 0 only if all passed.
#
# Usage: scripts/lxd-smoke.sh [image...]   (default: smp-busybox smp-debian)
set -Eeuo pipefail

PROJECT=smp-smoke
MAX_STOP_SECONDS=5
IMAGES=("$@")
((${#IMAGES[@]})) || IMAGES=(smp-busybox smp-debian)

L() { lxc --project "$PROJECT" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }

cleanup() {
    local rc=$? n
    if lxc project show "$PROJECT" >/dev/null 2>&1; then
        for n in $(L list --format csv -c n 2>/dev/null); do L delete --force "$n" >/dev/null 2>&1 || true; done
        lxc project delete "$PROJECT" >/dev/null 2>&1 || echo "smoke: warning: could not delete project $PROJECT" >&2
    fi
    if [[ $rc -eq 0 ]]; then echo "smoke: all passed"; else echo "smoke: FAILED" >&2; fi
}
trap cleanup EXIT

timeout 10 lxc info >/dev/null 2>&1 || fail "lxd does not answer (run scripts/setup-lxd.sh)"

if lxc project show "$PROJECT" >/dev/null 2>&1; then
    echo "smoke: reusing project $PROJECT"
    for n in $(L list --format csv -c n); do L delete --force "$n" >/dev/null; done
else
    lxc project create "$PROJECT" -c features.images=false -c features.profiles=false >/dev/null
fi

status_of() { L list --format csv -c s "^$1\$"; }
ipv4_of() { L list --format csv -c 4 "^$1\$" | awk '{ print $1 }'; }
pid_of() { L info "$1" | awk '/^PID:/ { print $2 }'; }

wait_ipv4() { # NAME SECONDS
    local i ip
    for ((i = 0; i < $2 * 10; i++)); do
        ip=$(ipv4_of "$1")
        if [[ $ip == *.*.*.* ]]; then echo "$ip"; return 0; fi
        sleep 0.1
    done
    return 1
}

for img in "${IMAGES[@]}"; do
    name=smoke-${img#smp-}
    t=$(now)
    L launch "$img" "$name" -q >/dev/null || fail "$img: launch failed"
    launch_s=$(since "$t")
    st=$(status_of "$name")
    [[ $st == RUNNING ]] || fail "$img: status $st after launch"

    ip=$(wait_ipv4 "$name" 30) || fail "$img: no IPv4 after 30 s"
    ip_s=$(since "$t")

    out=$(L exec "$name" -- sh -c 'echo hi') || fail "$img: exec failed"
    [[ $out == hi ]] || fail "$img: exec printed '$out'"

    extra=""
    case $img in
        smp-debian)
            sysstate=""
            for ((i = 0; i < 120; i++)); do
                # Right after start the bus is not there yet: retry until it answers.
                sysstate=$(L exec "$name" -- systemctl is-system-running --wait 2>/dev/null) && break
                [[ $sysstate == running || $sysstate == degraded ]] && break
                sleep 0.5
            done
            [[ $sysstate == running || $sysstate == degraded ]] || fail "$img: systemd state '$sysstate'"
            L exec "$name" -- journalctl -b -n 1 --no-pager >/dev/null || fail "$img: journalctl failed"
            extra=", systemd $sysstate, journalctl ok"
            ;;
        smp-busybox)
            pid1=$(pid_of "$name")
            t=$(now)
            L restart "$name" || fail "$img: restart failed"
            restart_s=$(since "$t")
            pid2=$(pid_of "$name")
            [[ -n $pid2 && $pid2 != "$pid1" ]] || fail "$img: restart kept init PID $pid1"
            L exec "$name" -- true || fail "$img: exec true after restart failed"
            wait_ipv4 "$name" 30 >/dev/null || fail "$img: no IPv4 after restart"
            extra=", restart ${restart_s}s (init pid $pid1 -> $pid2)"
            ;;
    esac

    t=$(now)
    timeout 60 lxc --project "$PROJECT" stop "$name" || fail "$img: clean stop failed"
    stop_s=$(since "$t")
    st=$(status_of "$name")
    [[ $st == STOPPED ]] || fail "$img: status $st after stop"
    printf 'smoke: %-12s RUNNING in %ss, IPv4 %s after %ss, exec ok%s, clean stop %ss\n' \
        "$img" "$launch_s" "$ip" "$ip_s" "$extra" "$stop_s"
    awk -v s="$stop_s" -v m="$MAX_STOP_SECONDS" 'BEGIN { exit !(s < m) }' ||
        fail "$img: clean stop took ${stop_s}s (limit ${MAX_STOP_SECONDS}s)"
    L delete "$name" >/dev/null
done
