#!/usr/bin/env bash
# `make setup-ldap`: Debian's OpenLDAP server (slapd) and its command-line
# tools (ldap-utils: ldapadd, ldapmodify, ldapsearch) and the openssl CLI
# for the panel's LDAP tests and benchmark (crates/panel/tests/api/ldap.rs).
# The tests start their own slapd in a private directory on a loopback port
# (`slapd -h ldap://127.0.0.1:PORT -f <their config>`): no system slapd is
# wanted, so the package is installed with its service told no
# (policy-rc.d) and then disabled. Idempotent: installs only what is missing.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGES=(slapd ldap-utils openssl)
POLICY_RC_CREATED=""

say() { printf 'setup-ldap: %s\n' "$*"; }
die() { printf 'setup-ldap: ERROR: %s\n' "$*" >&2; exit 1; }
cleanup() { if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

# shellcheck source=scripts/missing-packages.sh
source "$ROOT/scripts/missing-packages.sh"

missing_packages "${PACKAGES[@]}"
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root"
    say "installing ${missing[*]} (the system slapd kept off)"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
    if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
    if [[ $(cat /proc/1/comm 2>/dev/null) == systemd ]]; then
        systemctl disable --now slapd.service >/dev/null 2>&1 || true
    else
        update-rc.d slapd disable >/dev/null 2>&1 || true
    fi
else
    say "${PACKAGES[*]} already installed (skipped)"
fi
for tool in /usr/sbin/slapd ldapadd ldapmodify ldapsearch openssl; do
    command -v "$tool" >/dev/null || die "$tool is not there after installing ${PACKAGES[*]}"
done
[[ -d /usr/lib/ldap ]] || die "slapd's modules (/usr/lib/ldap) are missing"
say "$(/usr/sbin/slapd -VV 2>&1 | head -n 1)"
