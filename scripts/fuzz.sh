#!/usr/bin/env bash
# `make fuzz`: builds the fuzz targets of fuzz/ once, then runs each for
# FUZZ_SECONDS (one at a time, one libFuzzer process each) and prints, per
# target, executions, executions per second, corpus size and whether it
# crashed. Fails when any target found a crash or failed to run; the input
# that crashed is in fuzz/artifacts/<target>/ (replay it with
# `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>`).
#
# The seeds of fuzz/corpus/<target>/ (fuzz/make_corpus.py) are read, never
# written: what libFuzzer adds goes to $FUZZ_WORK/<target>/, kept between
# runs outside the checkout.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-token signature config_whitelist names panel_bodies}
TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/smp/target}
FUZZ_WORK=${FUZZ_WORK:-$TARGET_DIR/fuzz-corpus}
# Every crate here forbids unsafe code, so no sanitizer (AddressSanitizer
# would halve the executions on this 2-core machine for memory errors that
# safe Rust cannot make); debug assertions and overflow checks stay on.
# 16 codegen units: the panel's dependencies build in minutes, not tens.
BUILD_FLAGS=(--sanitizer none --codegen-units 16 --target-dir "$TARGET_DIR/fuzz")

say() { printf 'fuzz: %s\n' "$*"; }

cd "$ROOT/fuzz"
say "building ${FUZZ_TARGETS// /, }"
cargo +nightly fuzz build "${BUILD_FLAGS[@]}"

failed=()
summary=()
for target in $FUZZ_TARGETS; do
    mkdir -p "$FUZZ_WORK/$target"
    log="$FUZZ_WORK/$target.log"
    say "running $target for ${FUZZ_SECONDS} s"
    status=0
    cargo +nightly fuzz run "${BUILD_FLAGS[@]}" "$target" "$FUZZ_WORK/$target" "corpus/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2)
    if ((status == 0)); then
        outcome="no crash"
    else
        outcome="FAILED (exit $status; see $log)"
        failed+=("$target")
        grep -E 'panicked at|SUMMARY|Test unit written|^Error' "$log" | head -n 5 | sed 's/^/    /' >&2 || true
    fi
    summary+=("$(printf '%-17s %12s execs %8s/s  corpus %-14s %s' "$target" "${execs:-?}" "${speed:-?}" "${corpus:-?}" "$outcome")")
done

say "summary (${FUZZ_SECONDS} s each, $(nproc) cores):"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
    say "crash or failure in: ${failed[*]}" >&2
    exit 1
fi
