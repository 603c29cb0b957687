#!/usr/bin/env bash
# scripts/cargo-install-pinned.sh CRATE VERSION: the cargo subcommand CRATE
# (cargo-fuzz, cargo-deb) at exactly VERSION, from crates.io with --locked,
# built in a target directory of its own (the tool's build never mixes with
# SMP's). Idempotent: installs only when `cargo <sub> --version` says
# another version or nothing. Used by setup-fuzz.sh and setup-deb.sh.
set -Eeuo pipefail
(($# == 2)) || { echo "usage: $0 CRATE VERSION" >&2; exit 2; }
crate=$1 version=$2 subcommand=${1#cargo-}

say() { printf '%s: %s\n' "$crate" "$*"; }
die() { printf '%s: ERROR: %s\n' "$crate" "$*" >&2; exit 1; }
installed() { cargo "$subcommand" --version 2>/dev/null | awk '{print $NF}' | sed 's/^v//' || true; }

command -v cargo >/dev/null || die "cargo is not on PATH"
found=$(installed)
if [[ $found == "$version" ]]; then
    say "$version already installed (skipped)"
else
    say "installing $version (found: ${found:-none})"
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/smp/target}/$crate-install" \
        cargo install "$crate" --version "$version" --locked --jobs 1 ||
        die "cargo install $crate $version failed"
fi
found=$(installed)
[[ $found == "$version" ]] || die "cargo $subcommand --version is '$found', not $version, after installing it"
