#!/usr/bin/env bash
# Idempotent LXD setup for SMP's tests and local development.
#
# Installs (if missing) and starts (if not answering) LXD, then makes sure of:
#   - storage pool `default` (dir) and a root disk on the default profile,
#   - managed bridge `lxdbr0` (10.77.0.1/24, NAT; IPv6 fd42:77::1/64, a ULA,
#     NAT, stateful DHCPv6 so a container can be given a static IPv6 address;
#     dns.mode=none so instance names may repeat across projects) and a nic
#     `eth0` on the default profile,
#   - image `smp-busybox`: busybox-static + a tiny sh init (/sbin/init) that
#     reaps children, runs udhcpc on eth0 and stops cleanly on SIGPWR,
#   - image `smp-debian`: debootstrap minbase bookworm with systemd, dbus,
#     udev (networkd waits for it: /sys is writable in LXD containers),
#     systemd-networkd (DHCP on eth0), systemd-resolved, iproute2, and
#     openssh-sftp-server and rsync for `sftp`, `scp` and `rsync` through the
#     panel's SSH gateway (no sshd: the gateway runs them over the agent's
#     exec); the tarballs are cached under /var/cache/smp/images/ for fast
#     re-imports.
# Every step prints one line (done/skipped). Fast (< 5 s) when all is there.
#
# An image is rebuilt when its alias is missing or when the image's property
# `smp.version` differs from the version below: bump the version whenever you
# change a recipe, and every machine rebuilds that image on its next run.
#
# Environment knobs:
#   SMP_DEBIAN_MIRROR  mirror for debootstrap (default: the first Debian
#                      mirror found in this machine's apt sources)
#   SMP_LXD_REBUILD    "busybox", "debian" or "all": rebuild those images now
#                      (the debian one from scratch, ignoring the cache)
set -Eeuo pipefail

SMP_BUSYBOX_IMAGE_VERSION="bb-5"
SMP_DEBIAN_IMAGE_VERSION="deb12-7"

POOL=default
BRIDGE=lxdbr0
BRIDGE_ADDR=10.77.0.1/24
BRIDGE_ADDR6=fd42:77::1/64
BUSYBOX_ALIAS=smp-busybox
DEBIAN_ALIAS=smp-debian
DEBIAN_SUITE=bookworm
# openssh-sftp-server and rsync: what `sftp`, `scp` (SFTP mode) and `rsync` run
# on the far side through the gateway. debootstrap installs no Recommends, so
# openssh-sftp-server brings no sshd (build_debian checks).
DEBIAN_INCLUDE=systemd-sysv,dbus,udev,iproute2,systemd-resolved,openssh-sftp-server,rsync
# Image descriptions: the prefix identifies our images, the version the recipe.
BUSYBOX_DESC_PREFIX="SMP busybox test image ("
BUSYBOX_DESC="$BUSYBOX_DESC_PREFIX$SMP_BUSYBOX_IMAGE_VERSION)"
DEBIAN_DESC_PREFIX="SMP Debian $DEBIAN_SUITE minbase with systemd ("
DEBIAN_DESC="$DEBIAN_DESC_PREFIX$SMP_DEBIAN_IMAGE_VERSION)"
# openssh-client: ssh-keygen for docs/api.md's SSH keys example (and ssh, scp, sftp for the
# gateway's tests); rsync: the gateway's rsync test.
# bind9-dnsutils: `dig`, for the panel's DNS tests; iproute2: `ip netns` for the forward tests'
# outside host.
PACKAGES=(lxd lxd-client iptables busybox-static debootstrap curl jq openssh-client rsync bind9-dnsutils iproute2)
# openssh-server: the sshd that `make bench` runs itself on a loopback port beside the gateway
# (its own config, as the current user). The distro's ssh service must never run from this
# install (no open port 22 on CI machines): see "sshd for the bench" below.
SSHD_PACKAGE=openssh-server
CACHE_DIR=/var/cache/smp/images
LOG_DIR=/var/log/smp
LXD_LOG=$LOG_DIR/lxd.log
LOCK_FILE=/run/lock/smp-setup-lxd.lock
REBUILD=${SMP_LXD_REBUILD:-}

T0=$(date +%s.%N)
WORK=""
POLICY_RC_CREATED=""
MADE="" # how ensure_image's MAKE made an image

# shellcheck source=scripts/missing-packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/missing-packages.sh"

say() { printf 'setup-lxd: %s\n' "$*"; }
die() { printf 'setup-lxd: ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
    local rc=$?
    if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; fi
    if [[ -n $WORK && -d $WORK ]]; then
        # Never rm -rf across a mount (debootstrap mounts proc/sys/dev in the target).
        local m
        for m in $(awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
            umount -l "$m" 2>/dev/null || true
        done
        rm -rf --one-file-system "$WORK"
    fi
    if [[ $rc -ne 0 ]]; then
        printf 'setup-lxd: FAILED (exit %s) after %ss\n' "$rc" "$(elapsed "$T0")" >&2
    fi
}
trap cleanup EXIT
trap 'printf "setup-lxd: ERROR: line %s: command failed: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

[[ $(id -u) -eq 0 ]] || die "must run as root"

# Our own lxc client config: a human's `lxc project switch` must not send the
# pool/profile/image steps to another project.
export LXD_CONF=/var/cache/smp/lxc-client
mkdir -p "$LXD_CONF"

# One setup at a time (parallel CI jobs, a human and a test run...).
mkdir -p "$(dirname "$LOCK_FILE")" "$LOG_DIR" "$CACHE_DIR"
exec 9>"$LOCK_FILE"
if ! flock -n 9; then
    say "another setup-lxd is running, waiting for it"
    flock -w 900 9 || die "timed out waiting for $LOCK_FILE"
fi

systemd_is_pid1() { [[ $(cat /proc/1/comm 2>/dev/null) == systemd ]]; }

# ---------------------------------------------------------------- packages --
missing_packages "${PACKAGES[@]}"
if ((${#missing[@]})); then
    say "packages: installing ${missing[*]}"
    if ! systemd_is_pid1 && [[ ! -e /usr/sbin/policy-rc.d ]]; then
        # Without systemd the package's sysv script would start its own lxd
        # (--group lxd, other log) and may fail the install; we start it below.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >"$LOG_DIR/apt-update.log" 2>&1 ||
        { cat "$LOG_DIR/apt-update.log" >&2; die "apt-get update failed"; }
    apt-get install -y -q -o Dpkg::Options::=--force-confold "${missing[@]}" \
        >"$LOG_DIR/apt-install.log" 2>&1 ||
        { tail -n 40 "$LOG_DIR/apt-install.log" >&2; die "apt-get install failed"; }
    if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
    say "packages: installed ${missing[*]} (done)"
else
    say "packages: ${PACKAGES[*]} already installed (skipped)"
fi

# ---------------------------------------------------------- sshd for the bench --
# Installed with the service off: /etc/ssh/sshd_not_to_be_run (Debian's
# ssh.service and init script both refuse to start with it), invoke-rc.d
# told no (policy-rc.d) during the install, then the units disabled. An
# openssh-server that was already installed is left as its admin set it.
missing_packages "$SSHD_PACKAGE"
if ((${#missing[@]})); then
    say "packages: installing $SSHD_PACKAGE (service kept off)"
    mkdir -p /etc/ssh
    touch /etc/ssh/sshd_not_to_be_run
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >"$LOG_DIR/apt-update.log" 2>&1 ||
        { cat "$LOG_DIR/apt-update.log" >&2; die "apt-get update failed"; }
    apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "$SSHD_PACKAGE" \
        >"$LOG_DIR/apt-install.log" 2>&1 ||
        { tail -n 40 "$LOG_DIR/apt-install.log" >&2; die "apt-get install failed"; }
    if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
    if systemd_is_pid1; then
        systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
    else
        systemctl disable ssh.service ssh.socket >/dev/null 2>&1 || true
        update-rc.d ssh disable >/dev/null 2>&1 || true
    fi
    say "packages: installed $SSHD_PACKAGE, its service disabled and not started (done)"
else
    say "packages: $SSHD_PACKAGE already installed (skipped)"
fi

# -------------------------------------------------------------- lxd daemon --
lxd_answers() { timeout 10 lxc info >/dev/null 2>&1; }

# PIDs of live (not zombie) lxd daemons: `lxd` with no subcommand (`lxd
# waitready`, `lxd shutdown`... are clients). PID 1 may not reap, so a dead
# daemon can linger as a zombie named lxd.
lxd_daemon_pids() {
    local p st argv0 sub
    for p in $(pgrep -x lxd || true); do
        st=$(awk '/^State:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
        [[ -n $st && $st != Z ]] || continue
        # Container monitors are named lxd too but rewrite their argv ("[lxc monitor] ...").
        argv0=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 1p) || continue
        [[ $argv0 == lxd || $argv0 == */lxd ]] || continue
        sub=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 2p) || continue
        case $sub in "" | -*) echo "$p" ;; esac
    done
}

# A daemon started from a directory deleted since (a test restarted it from
# a checkout that is gone) cannot run rsync, which LXD's snapshots and
# copies on a dir pool need ("getcwd(): No such file or directory"):
# restart it from /. Its containers run on (their monitors are processes of
# their own); SIGTERM first, SIGKILL after 30 s (a daemon waiting for an
# operation whose client went away does not end on SIGTERM).
lxd_alive() { kill -0 "$1" 2>/dev/null && [[ $(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) != Z ]]; }
for p in $(lxd_daemon_pids); do
    if [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == *" (deleted)" ]]; then
        say "lxd: daemon (pid $p) runs in a deleted directory; restarting it from /"
        kill -TERM "$p" 2>/dev/null || true
        for _ in $(seq 1 150); do lxd_alive "$p" || break; sleep 0.2; done
        if lxd_alive "$p"; then
            kill -KILL "$p" 2>/dev/null || true
            for _ in $(seq 1 50); do lxd_alive "$p" || break; sleep 0.2; done
        fi
    fi
done

if lxd_answers; then
    say "lxd: daemon answers (skipped)"
else
    pids=$(lxd_daemon_pids | tr '\n' ' ')
    if [[ -n ${pids// /} ]]; then
        # Never start a second daemon next to a slow one: it gets far enough
        # into its init to disturb the running one before it notices.
        say "lxd: daemon (pid ${pids% }) runs but does not answer yet, waiting"
        if ! lxd waitready --timeout=120; then
            tail -n 20 "$LXD_LOG" >&2 || true
            die "lxd (pid ${pids% }) does not answer after 120 s: it looks hung; stop it (kill ${pids% }) and re-run"
        fi
        say "lxd: daemon answers now (done)"
    else
        if systemd_is_pid1 && systemctl cat lxd.service >/dev/null 2>&1; then
            say "lxd: starting lxd.service"
            systemctl start lxd.socket lxd.service
        else
            say "lxd: starting 'lxd --group root' (log $LXD_LOG)"
            # Detached: own session, no tty, fds to the log, our lock fd closed,
            # so it outlives this script and does not hold the lock.
            # From /, whatever directory this runs in: a daemon's working
            # directory must outlive it (see above).
            (cd / && exec setsid nohup lxd --group root </dev/null >>"$LXD_LOG" 2>&1 9>&-) &
        fi
        if ! lxd waitready --timeout=60; then
            tail -n 30 "$LXD_LOG" >&2 || true
            die "lxd did not become ready (see $LXD_LOG)"
        fi
        lxd_answers || die "lxd is ready but 'lxc info' does not answer"
        say "lxd: started (done)"
    fi
fi

# ------------------------------------------------------------ storage pool --
if lxc storage show "$POOL" >/dev/null 2>&1; then
    say "pool: '$POOL' exists, driver $(lxc storage show "$POOL" | awk '/^driver:/ { print $2 }') (skipped)"
else
    lxc storage create "$POOL" dir >/dev/null
    say "pool: created '$POOL' (dir) (done)"
fi

profile_has_device() { lxc profile device show default | grep -q "^$1:"; }
profile_has_type() { lxc profile device show default | grep -q "^  type: $1\$"; }

if profile_has_type disk && lxc profile device show default | grep -q '^  path: /$'; then
    say "profile: default has a root disk (skipped)"
else
    lxc profile device add default root disk path=/ pool="$POOL" >/dev/null
    say "profile: added root disk (pool $POOL) to default (done)"
fi

# ------------------------------------------------------------------ bridge --
bridge_managed=""
if net_yaml=$(lxc network show "$BRIDGE" 2>/dev/null); then
    if grep -q '^managed: true' <<<"$net_yaml"; then
        bridge_managed=1
        say "bridge: '$BRIDGE' exists, ipv4.address $(lxc network get "$BRIDGE" ipv4.address 2>/dev/null || echo '?') (skipped)"
    else
        say "bridge: '$BRIDGE' exists as an unmanaged host bridge, using it as is (skipped)"
    fi
else
    lxc network create "$BRIDGE" ipv4.address="$BRIDGE_ADDR" ipv4.nat=true ipv6.address="$BRIDGE_ADDR6" \
        ipv6.nat=true ipv6.dhcp.stateful=true dns.mode=none >/dev/null
    bridge_managed=1
    say "bridge: created '$BRIDGE' $BRIDGE_ADDR and $BRIDGE_ADDR6 nat, stateful DHCPv6, dns.mode none (done)"
fi
# IPv6: a ULA with NAT, and stateful DHCPv6 (dnsmasq hands out addresses;
# LXD refuses a NIC's static ipv6.address without it). An IPv6 address an
# admin set on the bridge is kept; only a bridge without IPv6 gets ours.
# With stateful DHCPv6 the router advertisements carry no SLAAC prefix, so
# containers without a DHCPv6 client (busybox's udhcpc, networkd with
# DHCP=ipv4) keep IPv4 only, and LXD lists no EUI-64 address for them.
if [[ -n $bridge_managed ]]; then
    v6=$(lxc network get "$BRIDGE" ipv6.address 2>/dev/null || true)
    if [[ -z $v6 || $v6 == none ]]; then
        lxc network set "$BRIDGE" ipv6.address="$BRIDGE_ADDR6" ipv6.nat=true ipv6.dhcp.stateful=true
        say "bridge: gave '$BRIDGE' IPv6 $BRIDGE_ADDR6, nat, stateful DHCPv6 (done)"
    elif [[ $(lxc network get "$BRIDGE" ipv6.dhcp.stateful 2>/dev/null) != true ]]; then
        lxc network set "$BRIDGE" ipv6.dhcp.stateful=true
        say "bridge: set ipv6.dhcp.stateful=true on '$BRIDGE' (IPv6 $v6) (done)"
    else
        say "bridge: '$BRIDGE' has IPv6 $v6 with stateful DHCPv6 (skipped)"
    fi
fi
# With DNS records on (the default dns.mode=managed), LXD refuses to start an
# instance whose name is already used by a running instance of ANOTHER project
# on the same bridge ("Instance DNS name "c1" already used on network"), which
# breaks one-project-per-test. DHCP and DNS forwarding work the same without.
if [[ -n $bridge_managed ]]; then
    if [[ $(lxc network get "$BRIDGE" dns.mode 2>/dev/null) == none ]]; then
        say "bridge: '$BRIDGE' dns.mode none (skipped)"
    else
        lxc network set "$BRIDGE" dns.mode=none
        say "bridge: set dns.mode none on '$BRIDGE' (instance names may repeat across projects) (done)"
    fi
fi

if profile_has_type nic; then
    say "profile: default has a nic (skipped)"
elif profile_has_device eth0; then
    die "profile default has a device 'eth0' that is not a nic"
else
    if [[ -n $bridge_managed ]]; then
        lxc profile device add default eth0 nic network="$BRIDGE" name=eth0 >/dev/null
    else
        lxc profile device add default eth0 nic nictype=bridged parent="$BRIDGE" name=eth0 >/dev/null
    fi
    say "profile: added nic eth0 on $BRIDGE to default (done)"
fi

# ------------------------------------------------------------------ images --
ARCH=$(uname -m)
case $ARCH in
    x86_64) DEB_ARCH=amd64 ;;
    aarch64) DEB_ARCH=arm64 ;;
    *) die "unsupported architecture $ARCH" ;;
esac

new_work() {
    if [[ -z $WORK ]]; then
        mkdir -p /var/cache/smp/build
        WORK=$(mktemp -d /var/cache/smp/build/setup.XXXXXX)
    fi
}

# image_state ALIAS VERSION -> "ok" | "missing" | "stale:<old version>"
image_state() {
    local fp v
    fp=$(lxc image alias list --format csv 2>/dev/null | awk -F, -v a="$1" '$1 == a { print $2 }')
    if [[ -z $fp ]]; then echo missing; return; fi
    v=$(lxc image get-property "$1" smp.version 2>/dev/null || true)
    if [[ $v == "$2" ]]; then echo ok; else echo "stale:${v:-none}"; fi
}

# import_image ALIAS META_TAR ROOTFS_TAR: import (or reuse an image with the same
# fingerprint), point ALIAS at it and delete the image ALIAS pointed at before.
import_image() {
    local alias=$1 meta=$2 rootfs=$3 fp old
    fp=$(cat "$meta" "$rootfs" | sha256sum | awk '{ print $1 }')
    old=$(lxc query "/1.0/images/aliases/$alias" 2>/dev/null | awk -F'"' '/"target"/ { print $4 }' || true)
    if ! lxc image info "$fp" >/dev/null 2>&1; then
        lxc image import "$meta" "$rootfs" >/dev/null
        lxc image info "$fp" >/dev/null 2>&1 || die "imported $alias but image $fp is not there"
    fi
    if [[ -n $old ]]; then
        if [[ $old == "$fp" ]]; then return 0; fi
        lxc image alias delete "$alias"
    fi
    lxc image alias create "$alias" "$fp"
    if [[ -n $old ]]; then
        lxc image delete "$old" >/dev/null 2>&1 || say "warning: could not delete old image $old"
    fi
}

# Images of ours that lost their alias (someone ran `lxc image alias delete`):
# reuse the one of the current recipe, delete the others.
# orphans PREFIX -> "<fingerprint>,<description>" lines
orphans() {
    lxc image list -c lFd --format csv | awk -F, -v p="$1" '$1 == "" && index($3, p) == 1 { print $2 "," $3 }'
}
# adopt_orphan ALIAS DESCRIPTION: alias an orphan with exactly DESCRIPTION.
adopt_orphan() {
    local fp
    fp=$(orphans "$2" | awk -F, -v d="$2" '$2 == d { print $1; exit }')
    [[ -n $fp ]] || return 1
    lxc image alias create "$1" "$fp"
}
delete_orphans() { # PREFIX
    local fp
    for fp in $(orphans "$1" | cut -d, -f1); do
        lxc image delete "$fp" >/dev/null 2>&1 && say "image: deleted unaliased old image ${fp:0:12}" || true
    done
}

metadata_yaml() { # OS RELEASE DESCRIPTION VERSION
    cat <<EOF
architecture: $ARCH
creation_date: $(date +%s)
properties:
  architecture: $ARCH
  description: $3
  os: $1
  release: "$2"
  smp.version: "$4"
templates:
  /etc/hostname:
    when: [create, copy, rename]
    create_only: false
    template: hostname.tpl
  /etc/hosts:
    when: [create, copy, rename]
    create_only: false
    template: hosts.tpl
EOF
}

# ensure_image KIND ALIAS VERSION DESCRIPTION DESCRIPTION_PREFIX MAKE: ALIAS
# at VERSION. Kept when it is there, re-aliased when an orphan of VERSION is
# (unless SMP_LXD_REBUILD names KIND or all); else the function MAKE makes
# and imports it, setting MADE to how ("built and imported"...), and the
# older orphans go.
ensure_image() {
    local kind=$1 alias=$2 version=$3 desc=$4 prefix=$5 make=$6 st t
    st=$(image_state "$alias" "$version")
    if [[ $st == ok && $REBUILD != "$kind" && $REBUILD != all ]]; then
        say "image: $alias is $version (skipped)"
    elif [[ $st == missing && $REBUILD != "$kind" && $REBUILD != all ]] && adopt_orphan "$alias" "$desc"; then
        delete_orphans "$prefix"
        say "image: $alias re-aliased to the existing $version image (done)"
    else
        t=$(date +%s.%N)
        "$make"
        delete_orphans "$prefix"
        say "image: $alias $MADE, $version (was $st) in $(elapsed "$t")s (done)"
    fi
}

write_templates() { # DIR
    mkdir -p "$1/templates"
    printf '{{ container.name }}\n' >"$1/templates/hostname.tpl"
    cat >"$1/templates/hosts.tpl" <<'EOF'
127.0.0.1	localhost
127.0.1.1	{{ container.name }}
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
EOF
}

# ---- smp-busybox
build_busybox() {
    local d=$WORK/busybox root bb a
    root=$d/rootfs
    rm -rf "$d"
    mkdir -p "$root" "$d/meta"
    bb=$(command -v busybox)
    [[ -n $bb ]] && "$bb" --list-full >/dev/null || die "busybox not found"

    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,run,var/log,var/tmp,proc,sys,dev,mnt,usr/share/udhcpc,etc/smp-init.d}
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 700 "$root/root"
    ln -s ../run "$root/var/run"
    install -m 755 "$bb" "$root/bin/busybox"
    # Every applet this busybox has, except init/linuxrc (our /sbin/init is a script).
    while read -r a; do
        case $a in sbin/init | linuxrc | bin/busybox) continue ;; esac
        ln -sf /bin/busybox "$root/$a"
    done < <("$bb" --list-full)
    for a in sh sleep echo cat true false ls ps env id hostname ip ifconfig udhcpc poweroff \
        reboot kill printf head tail wc uname mkdir rm touch date grep seq yes tr mount; do
        [[ -L $root/bin/$a || -L $root/sbin/$a || -L $root/usr/bin/$a || -L $root/usr/sbin/$a ]] ||
            die "busybox lacks applet '$a'"
    done

    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
    printf 'root::19000:0:99999:7:::\n' >"$root/etc/shadow"
    chmod 640 "$root/etc/shadow"
    printf 'localhost\n' >"$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
    : >"$root/etc/resolv.conf"
    ln -s /proc/mounts "$root/etc/mtab"
    cat >"$root/etc/profile" <<'EOF'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PS1='\h:\w\$ '
EOF
    cat >"$root/etc/os-release" <<EOF
NAME="SMP busybox"
ID=smp-busybox
VERSION_ID="$SMP_BUSYBOX_IMAGE_VERSION"
PRETTY_NAME="SMP busybox test image ($SMP_BUSYBOX_IMAGE_VERSION)"
EOF

    cat >"$root/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc event script (busybox ships none): configure address, route, DNS.
[ -n "$interface" ] || exit 1
RESOLV_CONF=/etc/resolv.conf
event=$1
case "$event" in
deconfig)
    ip -4 addr flush dev "$interface" 2>/dev/null
    ip link set "$interface" up
    ;;
bound|renew)
    cur=$(ip -4 -o addr show dev "$interface" | awk '{ print $4 }')
    if [ "$cur" != "$ip/${mask:-24}" ]; then
        ip -4 addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    fi
    if [ -n "$router" ]; then
        set -- $router
        ip route replace default via "$1" dev "$interface"
    fi
    if [ -n "$dns" ]; then
        {
            [ -n "$domain" ] && echo "search $domain"
            for s in $dns; do echo "nameserver $s"; done
        } > "$RESOLV_CONF.tmp" && mv "$RESOLV_CONF.tmp" "$RESOLV_CONF"
    fi
    echo "udhcpc: $interface $event $ip/${mask:-24} router ${router:-none}" > /dev/console 2>/dev/null
    ;;
leasefail|nak)
    ;;
esac
exit 0
EOF
    chmod 755 "$root/usr/share/udhcpc/default.script"
    mkdir -p "$root/etc/udhcpc"
    ln -s /usr/share/udhcpc/default.script "$root/etc/udhcpc/default.script"

    cat >"$root/sbin/init" <<'EOF'
#!/bin/sh
# smp-init: PID 1 of the smp-busybox image.
# - mounts /run and /tmp (tmpfs), brings up lo, runs udhcpc on every other
#   interface, runs /etc/smp-init.d/* (executable, in the background) and a
#   respawning root shell on /dev/console (lxc console);
# - reaps every child (the wait loop below);
# - SIGPWR (LXC's clean stop), SIGUSR1/SIGUSR2 (busybox halt/poweroff) power
#   off; SIGTERM/SIGINT (busybox reboot, ctrl-alt-del) reboot. Either way all
#   processes get TERM+HUP, then KILL after 2 s.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
umask 022
cd /

log() { echo "smp-init: $*" >/dev/console 2>/dev/null; }

shutdown_all() {
    trap '' PWR TERM INT USR1 USR2
    log "$1: stopping all processes"
    kill -TERM -1 2>/dev/null
    kill -HUP -1 2>/dev/null
    i=0
    while kill -0 -1 2>/dev/null && [ $i -lt 40 ]; do
        usleep 50000   # also reaps the killed children (ash waits with waitpid(-1))
        i=$((i + 1))
    done
    kill -KILL -1 2>/dev/null
    sync
    log "$1"
    if [ "$1" = reboot ]; then reboot -f; else poweroff -f; fi
    exit 0
}
trap 'shutdown_all poweroff' PWR USR1 USR2
trap 'shutdown_all reboot' TERM INT
trap ':' HUP

grep -q ' /run ' /proc/mounts || mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
grep -q ' /tmp ' /proc/mounts || mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mkdir -p /run/lock
[ -e /dev/shm ] || mkdir -p /dev/shm

ip link set lo up
for dev in /sys/class/net/*; do
    dev=${dev##*/}
    [ "$dev" = lo ] && continue
    [ -e "/sys/class/net/$dev" ] || continue
    ip link set "$dev" up
    udhcpc -f -i "$dev" -x hostname:"$(hostname)" -p "/run/udhcpc.$dev.pid" >/dev/null 2>&1 &
done

for s in /etc/smp-init.d/*; do
    [ -x "$s" ] && "$s" </dev/null >/dev/console 2>&1 &
done

( while :; do setsid -c sh -l; sleep 1; done ) </dev/console >/dev/console 2>&1 &

log "up ($(hostname))"
while :; do
    sleep 86400 &
    wait $!
done
EOF
    chmod 755 "$root/sbin/init"

    write_templates "$d/meta"
    local ver
    ver=$("$bb" 2>&1 || true)
    ver=${ver#BusyBox v}
    ver=${ver%% *}
    metadata_yaml busybox "$ver" "$BUSYBOX_DESC" "$SMP_BUSYBOX_IMAGE_VERSION" >"$d/meta/metadata.yaml"
    tar --numeric-owner --owner=0 --group=0 -C "$d/meta" -cf "$d/meta.tar" metadata.yaml templates
    tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$d/rootfs.tar" .
    import_image "$BUSYBOX_ALIAS" "$d/meta.tar" "$d/rootfs.tar"
}

make_busybox() {
    new_work
    build_busybox
    MADE="built and imported"
}

ensure_image busybox "$BUSYBOX_ALIAS" "$SMP_BUSYBOX_IMAGE_VERSION" "$BUSYBOX_DESC" "$BUSYBOX_DESC_PREFIX" make_busybox

# ---- smp-debian
debian_mirror() {
    if [[ -n ${SMP_DEBIAN_MIRROR:-} ]]; then echo "$SMP_DEBIAN_MIRROR"; return; fi
    local m
    # deb822 .sources: a stanza with Types: deb and a URI that is not -security.
    m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^[[:space:]]*$/ { if (deb && uri != "") { print uri; exit } deb = 0; uri = ""; next }
        /^Types:/ && / deb( |$)/ { deb = 1 }
        /^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { uri = $i; break } }
        END { if (deb && uri != "") print uri }' | head -n1)
    if [[ -z $m ]]; then
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } break } }')
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

build_debian() { # -> writes $CACHE_DIR/$DEBIAN_ALIAS-$SMP_DEBIAN_IMAGE_VERSION.{meta,rootfs}.tar
    local d=$WORK/debian root mirror t
    root=$d/rootfs
    mkdir -p "$root" "$d/meta" /var/cache/smp/debootstrap
    mirror=$(debian_mirror)
    say "image: $DEBIAN_ALIAS: debootstrap $DEBIAN_SUITE from $mirror (log $LOG_DIR/debootstrap.log)"
    t=$(date +%s.%N)
    if ! debootstrap --variant=minbase --arch="$DEB_ARCH" --include="$DEBIAN_INCLUDE" \
        --cache-dir=/var/cache/smp/debootstrap \
        "$DEBIAN_SUITE" "$root" "$mirror" >"$LOG_DIR/debootstrap.log" 2>&1; then
        tail -n 30 "$LOG_DIR/debootstrap.log" >&2
        [[ -f $root/debootstrap/debootstrap.log ]] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
        die "debootstrap failed"
    fi
    say "image: $DEBIAN_ALIAS: debootstrap took $(elapsed "$t")s"
    [[ -x $root/usr/lib/openssh/sftp-server && -x $root/usr/bin/rsync ]] ||
        die "the image has no /usr/lib/openssh/sftp-server or /usr/bin/rsync"
    [[ ! -e $root/usr/sbin/sshd ]] || die "the image would have an sshd (openssh-server came in)"
    # debootstrap unmounts what it mounted, but be sure before we tar.
    local m
    for m in $(awk -v w="$root" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m"; done

    # Network: systemd-networkd, DHCPv4 on eth0 (the profile's nic), no IPv6.
    mkdir -p "$root/etc/systemd/network"
    cat >"$root/etc/systemd/network/10-eth0.network" <<'EOF'
[Match]
Name=eth0

[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no

[DHCPv4]
UseDomains=yes
# LXD sets the hostname; networkd may not (and must not) change it.
UseHostname=no
EOF
    systemctl --root="$root" enable systemd-networkd.service systemd-resolved.service >/dev/null 2>&1
    systemctl --root="$root" enable systemd-networkd.socket >/dev/null 2>&1 || true
    # Nothing may wait for "network online" at boot.
    systemctl --root="$root" disable systemd-networkd-wait-online.service >/dev/null 2>&1 || true
    # No rsync daemon (it would only start with an /etc/rsyncd.conf anyway).
    systemctl --root="$root" disable rsync.service >/dev/null 2>&1 || true
    ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

    # Hostname: LXD sets the kernel hostname and the templates write
    # /etc/hostname and /etc/hosts with the container name at create/copy.
    printf 'localhost\n' >"$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"

    # Fresh machine-id per container.
    : >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
    ln -s /etc/machine-id "$root/var/lib/dbus/machine-id"

    # No audit in a container.
    ln -sf /dev/null "$root/etc/systemd/system/systemd-journald-audit.socket"

    # Keep it small: no docs/man/locales now or later, no apt lists/caches.
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/01-smp-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/lib/udev/hwdb.d/*
EOF
    # udev's hardware database (~22 MB) means nothing in a container.
    rm -f "$root"/usr/lib/udev/hwdb.d/*.hwdb "$root/usr/lib/udev/hwdb.bin" "$root/etc/udev/hwdb.bin"
    find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/lib/apt/lists/* \
        "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
        "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
    cat >>"$root/etc/os-release" <<EOF
SMP_IMAGE_VERSION="$SMP_DEBIAN_IMAGE_VERSION"
EOF

    write_templates "$d/meta"
    metadata_yaml debian "$DEBIAN_SUITE" "$DEBIAN_DESC" "$SMP_DEBIAN_IMAGE_VERSION" >"$d/meta/metadata.yaml"
    tar --numeric-owner -C "$d/meta" -cf "$d/meta.tar" metadata.yaml templates
    # /dev is a tmpfs inside the container: leave debootstrap's device nodes out.
    t=$(date +%s.%N)
    tar --numeric-owner --one-file-system '--exclude=./dev/*' '--exclude=./proc/*' '--exclude=./sys/*' \
        -C "$root" -cf - . | gzip -1 >"$d/rootfs.tar.gz"
    say "image: $DEBIAN_ALIAS: packed $(du -m "$d/rootfs.tar.gz" | cut -f1) MB in $(elapsed "$t")s"
    local base=$CACHE_DIR/$DEBIAN_ALIAS-$SMP_DEBIAN_IMAGE_VERSION
    mv "$d/meta.tar" "$base.meta.tar.tmp"
    mv "$d/rootfs.tar.gz" "$base.rootfs.tar.gz.tmp"
    mv "$base.meta.tar.tmp" "$base.meta.tar"
    mv "$base.rootfs.tar.gz.tmp" "$base.rootfs.tar.gz"
    # Drop the cache of older recipes.
    find "$CACHE_DIR" -maxdepth 1 -name "$DEBIAN_ALIAS-*" ! -name "$DEBIAN_ALIAS-$SMP_DEBIAN_IMAGE_VERSION.*" -delete
}

# From the cached tarballs of this version when there are (and no rebuild is asked for).
make_debian() {
    local base=$CACHE_DIR/$DEBIAN_ALIAS-$SMP_DEBIAN_IMAGE_VERSION t
    MADE="imported from cache"
    if [[ $REBUILD == debian || $REBUILD == all || ! -s $base.meta.tar || ! -s $base.rootfs.tar.gz ]]; then
        new_work
        build_debian
        MADE="built and imported"
    fi
    t=$(date +%s.%N)
    import_image "$DEBIAN_ALIAS" "$base.meta.tar" "$base.rootfs.tar.gz"
    say "image: $DEBIAN_ALIAS: imported in $(elapsed "$t")s"
}

ensure_image debian "$DEBIAN_ALIAS" "$SMP_DEBIAN_IMAGE_VERSION" "$DEBIAN_DESC" "$DEBIAN_DESC_PREFIX" make_debian

say "took $(elapsed "$T0")s"
echo "lxd ready: pool $POOL, bridge $BRIDGE, images $BUSYBOX_ALIAS $DEBIAN_ALIAS"
