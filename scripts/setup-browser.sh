#!/usr/bin/env bash
# `make setup-browser`: Debian's chromium and chromium-driver for the web
# UI's browser tests (crates/panel/tests/api/browser.rs), and the npm
# packages of the web UI (scripts/web-assets.sh). Idempotent: installs only
# what is missing.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGES=(chromium chromium-driver fonts-dejavu-core)

say() { printf 'setup-browser: %s\n' "$*"; }
die() { printf 'setup-browser: ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/missing-packages.sh
source "$ROOT/scripts/missing-packages.sh"

missing_packages "${PACKAGES[@]}"
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root"
    say "installing ${missing[*]}"
    apt-get update -q >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
else
    say "${PACKAGES[*]} already installed (skipped)"
fi
command -v chromedriver >/dev/null || die "chromedriver is not on PATH after installing chromium-driver"
say "$(chromedriver --version | head -n 1)"
bash "$ROOT/scripts/web-assets.sh"
