#!/usr/bin/env bash
# `make setup-fuzz`: cargo-fuzz (from crates.io, pinned, --locked) for the
# fuzz targets of fuzz/ (`make fuzz`, `make fuzz-check`). They need the
# nightly toolchain (libFuzzer's coverage instrumentation is unstable):
# the rustup toolchain `nightly` must be there already; this script does not
# fetch toolchains. Idempotent: installs cargo-fuzz only when it is missing
# or another version.
set -Eeuo pipefail
CARGO_FUZZ_VERSION=0.13.2

say() { printf 'setup-fuzz: %s\n' "$*"; }
die() { printf 'setup-fuzz: ERROR: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo is not on PATH"
cargo +nightly --version >/dev/null 2>&1 ||
    die "the rustup toolchain 'nightly' is missing (rustup toolchain install nightly); cargo fuzz needs it"
bash "$(dirname "$0")/cargo-install-pinned.sh" cargo-fuzz "$CARGO_FUZZ_VERSION"
say "$(cargo +nightly --version), cargo-fuzz $CARGO_FUZZ_VERSION"
