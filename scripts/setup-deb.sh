#!/usr/bin/env bash
# `make setup-deb`: cargo-deb (from crates.io, pinned, --locked) for `make deb`,
# which builds the Debian packages smp-agent_<version>_amd64.deb and
# smp-panel_<version>_amd64.deb (metadata: [package.metadata.deb] in each
# crate's Cargo.toml). dpkg-shlibdeps (package dpkg-dev) computes their
# `$auto` dependencies, so dpkg-dev is installed too when missing.
# Idempotent: installs cargo-deb only when it is missing or another version.
set -Eeuo pipefail
CARGO_DEB_VERSION=3.8.0

say() { printf 'setup-deb: %s\n' "$*"; }
die() { printf 'setup-deb: ERROR: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo is not on PATH"
if ! command -v dpkg-shlibdeps >/dev/null; then
    say "installing dpkg-dev (dpkg-shlibdeps)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null ||
        die "apt-get install dpkg-dev failed"
fi
bash "$(dirname "$0")/cargo-install-pinned.sh" cargo-deb "$CARGO_DEB_VERSION"
say "cargo-deb $CARGO_DEB_VERSION, $(dpkg-shlibdeps --version | head -1)"
