#!/usr/bin/env bash
# The web UI's front-end packages: `npm ci` in crates/panel/web (from its
# package-lock.json, from the npm registry), then their built files in
# crates/panel/assets/, which the panel embeds at compile time (so `cargo
# build` needs neither npm nor the network). Idempotent.
#   scripts/web-assets.sh          install, then check the copies match
#   scripts/web-assets.sh --update install, then refresh the copies
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WEB=$ROOT/crates/panel/web
ASSETS=$ROOT/crates/panel/assets
# package file in node_modules -> embedded copy
FILES=(
    "htmx.org/dist/htmx.min.js:htmx.min.js"
    "@xterm/xterm/lib/xterm.js:xterm.js"
    "@xterm/xterm/css/xterm.css:xterm.css"
    "@xterm/addon-fit/lib/addon-fit.js:addon-fit.js"
)

say() { printf 'web-assets: %s\n' "$*"; }
die() { printf 'web-assets: ERROR: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || {
    say "npm not found; installing Debian's nodejs and npm"
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt-get install -y -q nodejs npm >/dev/null || die "cannot install npm"
}
lock=$WEB/package-lock.json
stamp=$WEB/node_modules/.smp-lock.sha256
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    say "node_modules matches package-lock.json (skipped)"
else
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $WEB"
    printf '%s\n' "$want" >"$stamp"
    say "installed the packages of $lock"
fi
for pair in "${FILES[@]}"; do
    from=$WEB/node_modules/${pair%%:*}
    to=$ASSETS/${pair##*:}
    [[ -f $from ]] || die "$from is missing after npm ci"
    if [[ ${1:-} == --update ]]; then
        cp "$from" "$to"
        say "copied ${pair%%:*} to ${to#"$ROOT"/}"
    elif ! cmp -s "$from" "$to"; then
        die "${to#"$ROOT"/} differs from ${pair%%:*} of package-lock.json: run scripts/web-assets.sh --update and commit it"
    fi
done
say "assets match package-lock.json"
