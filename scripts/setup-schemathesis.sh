#!/usr/bin/env bash
# `make setup-schemathesis`: schemathesis (from PyPI) for the panel's API test
# against its own OpenAPI document (crates/panel/tests/api/api_schemathesis.rs),
# in a venv outside the checkout ($SMP_SCHEMATHESIS_VENV, default
# /var/cache/smp/schemathesis-venv), from scripts/schemathesis-requirements.txt:
# the exact version of schemathesis and of each dependency, each with its
# hashes (`pip install --require-hashes`). Idempotent: skipped when the venv
# was made from this very file (a sha256 stamp) and answers the pinned
# version; otherwise made anew. Any failure exits non-zero (never a skip).
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQUIREMENTS=$ROOT/scripts/schemathesis-requirements.txt
VENV=${SMP_SCHEMATHESIS_VENV:-/var/cache/smp/schemathesis-venv}
PYTHON=${PYTHON:-python3}

say() { printf 'setup-schemathesis: %s\n' "$*"; }
die() { printf 'setup-schemathesis: ERROR: %s\n' "$*" >&2; exit 1; }

want_version=$(sed -n 's/^schemathesis==\([^ ]*\).*/\1/p' "$REQUIREMENTS")
[[ -n $want_version ]] || die "no schemathesis==VERSION line in ${REQUIREMENTS#"$ROOT"/}"
command -v "$PYTHON" >/dev/null || die "$PYTHON is not on PATH"
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    [[ $(id -u) == 0 ]] || die "$PYTHON has no venv module, and installing python3-venv needs root"
    say "$PYTHON has no venv module; installing Debian's python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q python3-venv >/dev/null || die "cannot install python3-venv"
fi

# The stamp names the requirements and the interpreter the venv was made with.
stamp_of() { printf '%s %s\n' "$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)" "$("$PYTHON" -c 'import sys; print(sys.version)')"; }
installed_version() { "$VENV/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}' || true; }
stamp=$VENV/.smp-requirements.stamp
want_stamp=$(stamp_of)
if [[ -f $stamp && $(cat "$stamp") == "$want_stamp" && $(installed_version) == "$want_version" ]]; then
    say "schemathesis $want_version already installed in $VENV (skipped)"
    exit 0
fi

say "installing schemathesis $want_version into $VENV (found: $(installed_version || true))"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV" || die "$PYTHON -m venv $VENV failed"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input --require-hashes --no-deps \
    -r "$REQUIREMENTS" || die "pip install -r ${REQUIREMENTS#"$ROOT"/} failed"
"$VENV/bin/pip" check --disable-pip-version-check >/dev/null || die "pip check: the venv's dependencies do not fit: $("$VENV/bin/pip" check || true)"
[[ $(installed_version) == "$want_version" ]] ||
    die "$VENV/bin/schemathesis --version is not $want_version after installing it"
printf '%s\n' "$want_stamp" >"$stamp"
say "schemathesis $want_version in $VENV ($("$PYTHON" --version))"
