#!/usr/bin/env bash
# Keeps the shared cargo target directory ($CARGO_TARGET_DIR) from filling the
# disk across CI runs: removes incremental-compilation caches and this
# workspace's own test and library artifacts not touched for a day (cargo
# rebuilds what it needs; third-party dependencies are kept). With less than
# 20 GiB free on its disk it removes every incremental cache, and every
# artifact not touched for a day, third-party ones too. Idempotent.
set -euo pipefail
TARGET=${CARGO_TARGET_DIR:-/var/cache/smp/target}
[[ -d $TARGET ]] || exit 0
for profile in "$TARGET"/debug "$TARGET"/release; do
    [[ -d $profile ]] || continue
    if [[ -d $profile/incremental ]]; then
        find "$profile/incremental" -mindepth 1 -maxdepth 1 -mtime +0 -exec rm -rf {} +
    fi
    if [[ -d $profile/deps ]]; then
        find "$profile/deps" -maxdepth 1 -type f -mtime +0 \
            \( -name 'api-*' -o -name 'e2e-*' -o -name 'agent-*' -o -name 'panel-*' \
            -o -name 'smp_*' -o -name 'libsmp_*' \) -delete
    fi
done
free_kib=$(df -Pk "$TARGET" | awk 'NR == 2 { print $4 }')
if ((free_kib < 20 * 1024 * 1024)); then
    printf 'prune-target: only %s GiB free: removing incremental caches and day-old artifacts\n' "$((free_kib / 1024 / 1024))"
    for profile in "$TARGET"/debug "$TARGET"/release; do
        [[ -d $profile ]] || continue
        rm -rf "$profile/incremental"
        [[ -d $profile/deps ]] && find "$profile/deps" -maxdepth 1 -type f -mtime +0 -delete
    done
fi
printf 'prune-target: %s uses %s\n' "$TARGET" "$(du -sh "$TARGET" | cut -f1)"
