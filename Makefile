# SMP: `make run` starts it on the local LXD, `make test` runs every test.
# Builds go to a target directory outside the checkout so CI reuses them.
export CARGO_TARGET_DIR ?= /var/cache/smp/target
export CARGO_TERM_COLOR ?= never
# CI builds a fresh checkout whose incremental caches no later run reuses
# (gigabytes a run on a shared target directory): off there.
ifeq ($(CI),true)
export CARGO_INCREMENTAL ?= 0
endif
CARGO ?= cargo

.PHONY: all setup setup-postgres setup-browser setup-ldap setup-oidc setup-fuzz prune-target build lint test test-unit test-panel-postgres fuzz fuzz-check bench bench-quick run clean-lxd

all: build

## Install (if missing), start and prepare LXD: pool, bridge, test images. Idempotent.
setup:
	bash scripts/setup-lxd.sh

## Install (if missing) Debian's chromium and chromium-driver for the browser tests, and the web UI's npm packages. Idempotent.
setup-browser:
	bash scripts/setup-browser.sh

## Install (if missing), start and prepare PostgreSQL for the panel's tests. Idempotent.
setup-postgres:
	bash scripts/setup-postgres.sh

## Install (if missing) Debian's slapd and ldap-utils for the LDAP sign-in tests and bench
## (the tests start their own slapd on loopback; the system one is kept off). Idempotent.
setup-ldap:
	bash scripts/setup-ldap.sh

## Install (if missing) Debian's nodejs and npm and, from its lockfile, the npm oidc-provider
## the OpenID Connect tests and bench start on loopback (crates/panel/tests/oidc-provider). Idempotent.
setup-oidc:
	bash scripts/setup-oidc.sh

## Install (if missing) cargo-fuzz, pinned, from crates.io for `make fuzz` (needs the rustup
## toolchain nightly, which it does not fetch). Idempotent.
setup-fuzz:
	bash scripts/setup-fuzz.sh

## Drop day-old incremental caches and this workspace's own stale artifacts
## from the shared target directory (it otherwise grows by gigabytes a day).
prune-target:
	bash scripts/prune-target.sh

build:
	$(CARGO) build --workspace --bins

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p smp-proto --all-targets -- -D warnings

# The URL scripts/setup-postgres.sh prints (a test-only role on loopback).
SMP_TEST_POSTGRES_URL ?= postgres://smp:smp-test@127.0.0.1:5432/smp_test

## Every test: unit, agent on the real LXD, end-to-end with the real binaries,
## then the panel's suite once more on PostgreSQL, then every benchmark
## figure once (bench-quick), so a benchmark that can no longer run fails here.
test: setup setup-postgres setup-browser setup-ldap setup-oidc setup-fuzz prune-target lint build
	$(CARGO) test --workspace --no-fail-fast
	# smp-proto alone, without the `openapi` feature the panel turns on.
	$(CARGO) test -p smp-proto
	$(MAKE) fuzz-check
	$(MAKE) test-panel-postgres
	$(MAKE) bench-quick

## The panel's tests on PostgreSQL (each test makes and drops its own database).
test-panel-postgres: setup-postgres setup-ldap setup-oidc build
	SMP_TEST_DATABASE_URL="$(SMP_TEST_POSTGRES_URL)" $(CARGO) test -p smp-panel --no-fail-fast

## Seconds each fuzz target runs in `make fuzz`.
FUZZ_SECONDS ?= 60

## The fuzz targets of fuzz/ (cargo fuzz, libFuzzer): each for FUZZ_SECONDS, one
## at a time; fails when one finds a crash (its input lands in fuzz/artifacts/).
## Not part of `make test`, which only checks that they build (fuzz-check).
fuzz: setup-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

## The fuzz targets still build and are lint-clean (fuzz/ is not in the workspace),
## and so is the panel's `fuzzing` feature they use.
fuzz-check: setup-fuzz
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy -p smp-panel --features fuzzing --lib -- -D warnings
	cd fuzz && cargo +nightly clippy --locked --bins -- -D warnings

## Unit tests only (no LXD needed).
test-unit:
	$(CARGO) test --workspace --lib --bins

## Figures of the issues, each beside the direct LXD call, in one run.
bench: setup setup-ldap setup-oidc
	$(CARGO) bench -p smp-agent --bench agent
	$(CARGO) bench -p smp-panel --bench panel
	$(CARGO) bench -p smp-panel --bench terminal
	$(CARGO) bench -p smp-panel --bench ssh
	$(CARGO) bench -p smp-panel --bench dns

## The same benchmarks from a round or two each, built like the tests (no
## release build): the figures mean nothing, a benchmark that fails shows.
bench-quick: setup setup-ldap setup-oidc
	SMP_BENCH_QUICK=1 $(CARGO) test -p smp-agent --bench agent
	SMP_BENCH_QUICK=1 $(CARGO) test -p smp-panel --bench panel
	SMP_BENCH_QUICK=1 $(CARGO) test -p smp-panel --bench terminal
	SMP_BENCH_QUICK=1 $(CARGO) test -p smp-panel --bench ssh
	SMP_BENCH_QUICK=1 $(CARGO) test -p smp-panel --bench dns

## Start SMP on the local LXD: the agent, then the panel on SQLite (state in .run/,
## `rm -rf .run` starts over); prints the panel's URL, admin and password.
run: setup build
	bash scripts/run.sh

## Remove LXD projects left by interrupted test runs.
clean-lxd:
	bash scripts/clean-test-projects.sh
