#!/usr/bin/env bash
# Deletes LXD projects left behind by interrupted test runs or benches
# (names starting with smpt-, smp-e2e-, smp-bench- or smp-deb-), with their instances.
set -euo pipefail
for project in $(lxc project list --format csv | cut -d, -f1 | sed 's/ (current)//' | grep -E '^(smpt-|smp-e2e-|smp-bench-|smp-deb-)' || true); do
    for instance in $(lxc list --project "$project" --format csv -c n); do
        lxc delete --force "$instance" --project "$project"
    done
    lxc project delete "$project"
    echo "deleted project $project"
done
