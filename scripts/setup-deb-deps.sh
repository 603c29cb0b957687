#!/usr/bin/env bash
# `make setup-deb-deps` (part of `make test-deb`): the Debian packages that
# installing the given .debs (and the test's tools: curl, procps) into the
# LXD image smp-debian needs and the image lacks, downloaded ON THE HOST
# with `apt-get download` into $SMP_DEB_DEPS_DIR (default
# /var/cache/smp/deb-deps/<image fingerprint>/), so that the test
# (scripts/test-deb.sh) installs them in a container WITHOUT any network.
#
# How: apt on the host simulates `apt-get install ./smp-*.deb curl procps`
# against the image's own dpkg status file (-o Dir::State::status=...); every
# package it would install is downloaded. Host and image are both bookworm.
#
#   scripts/setup-deb-deps.sh path/to/smp-agent_….deb path/to/smp-panel_….deb
#
# Idempotent: the image's status is read once per image fingerprint, and a
# package already downloaded is not fetched again. Under CI=true a failure
# is an error (never a silent skip).
set -Eeuo pipefail

IMAGE=smp-debian
TOOLS=(curl procps)

say() { printf 'setup-deb-deps: %s\n' "$*"; }
die() { printf 'setup-deb-deps: ERROR: %s\n' "$*" >&2; exit 1; }

(($# > 0)) || die "usage: $0 PACKAGE.deb..."
debs=()
for deb in "$@"; do
    [[ -f $deb ]] || die "$deb: no such file (run make deb)"
    debs+=("$(realpath "$deb")")
done
command -v lxc >/dev/null || die "lxc is missing (make setup)"
fingerprint=$(lxc image list "$IMAGE" --format csv -c f | head -n 1)
[[ -n $fingerprint ]] || die "no LXD image $IMAGE (make setup)"
dir=${SMP_DEB_DEPS_DIR:-/var/cache/smp/deb-deps/$fingerprint}
mkdir -p "$dir/pool"

# ---- the image's dpkg status, once per image
status=$dir/image-dpkg-status
if [[ ! -s $status ]]; then
    project=smp-deb-deps
    name=status-$$
    say "reading the dpkg status of $IMAGE ($fingerprint) from a container without network"
    lxc project create "$project" -c features.images=false -c features.profiles=false >/dev/null 2>&1 || true
    trap 'lxc --project "$project" delete --force "$name" >/dev/null 2>&1 || true; lxc project delete "$project" >/dev/null 2>&1 || true' EXIT
    lxc --project "$project" init "$IMAGE" "$name" -q >/dev/null
    lxc --project "$project" config device add "$name" eth0 none >/dev/null
    lxc --project "$project" start "$name"
    lxc --project "$project" file pull "$name/var/lib/dpkg/status" "$status.new"
    mv "$status.new" "$status"
fi

# ---- what apt would install there
if ! apt-cache show libpq5 >/dev/null 2>&1; then
    say "the host's package lists are empty: apt-get update"
    apt-get update -qq || die "apt-get update failed"
fi
plan=$(apt-get -s -o Dir::State::status="$status" -o Debug::NoLocking=1 install --no-install-recommends \
    "${debs[@]}" "${TOOLS[@]}" 2>&1) || die "apt cannot install ${debs[*]} into $IMAGE: $plan"
mapfile -t wanted < <(awk '/^Inst / { gsub(/[()]/, "", $3); print $2 "=" $3 }' <<<"$plan" | grep -v '^smp-')
say "${#wanted[@]} package(s) the image lacks: ${wanted[*]%%=*}"

# ---- download what is not there yet
cd "$dir/pool"
missing=()
for spec in "${wanted[@]}"; do
    pkg=${spec%%=*} version=${spec#*=}
    compgen -G "${pkg}_${version//:/%3a}_*.deb" >/dev/null || missing+=("$spec")
done
if ((${#missing[@]})); then
    say "downloading ${#missing[@]} package(s) with apt-get download"
    apt-get download -qq -o APT::Sandbox::User=root "${missing[@]}" || die "apt-get download ${missing[*]} failed"
else
    say "every package is downloaded already (skipped)"
fi
# The list the test installs: exactly this plan's files.
: >"$dir/install.list.new"
for spec in "${wanted[@]}"; do
    pkg=${spec%%=*} version=${spec#*=}
    file=$(compgen -G "$dir/pool/${pkg}_${version//:/%3a}_*.deb" | head -n 1) || die "$spec was not downloaded"
    echo "$file" >>"$dir/install.list.new"
done
mv "$dir/install.list.new" "$dir/install.list"
say "ready: $dir/install.list ($(wc -l <"$dir/install.list") files)"
