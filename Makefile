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

.PHONY: all setup setup-deb deb deb-dev test-deb setup-postgres setup-browser setup-ldap setup-oidc setup-fuzz setup-schemathesis prune-target build lint test test-unit test-panel-postgres test-faults fuzz fuzz-check bench bench-quick run clean-lxd

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

## Install (if missing) schemathesis from PyPI, pinned with hashes (scripts/schemathesis-requirements.txt),
## into a venv outside the checkout (/var/cache/smp/schemathesis-venv) for the panel's test of its
## API against its OpenAPI document (crates/panel/tests/api/api_schemathesis.rs). Idempotent.
setup-schemathesis:
	bash scripts/setup-schemathesis.sh

## Install (if missing) cargo-deb, pinned, from crates.io, and Debian's dpkg-dev
## (dpkg-shlibdeps) for `make deb`. Idempotent.
setup-deb:
	bash scripts/setup-deb.sh

## The packages' version: the workspace's.
DEB_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
DEB_DIR := $(CARGO_TARGET_DIR)/debian
AGENT_DEB := $(DEB_DIR)/smp-agent_$(DEB_VERSION)_amd64.deb
PANEL_DEB := $(DEB_DIR)/smp-panel_$(DEB_VERSION)_amd64.deb

## The Debian packages smp-agent_<version>_amd64.deb and smp-panel_<version>_amd64.deb
## (release build, cargo-deb; metadata in each crate's Cargo.toml) in $(CARGO_TARGET_DIR)/debian/,
## their debug symbols beside them in smp-…-dbgsym_<version>_amd64.ddeb.
## One release build of both (cargo-deb building each alone would build their
## shared dependencies twice, with different features), then packaging only.
deb: setup-deb
	$(CARGO) build --release --locked -p smp-agent -p smp-panel --bins
	$(CARGO) deb --no-build --dbgsym -p smp-agent
	$(CARGO) deb --no-build --dbgsym -p smp-panel
	@ls -l $(AGENT_DEB) $(PANEL_DEB)

## The same two packages made from the debug build `make build` made, in
## $(CARGO_TARGET_DIR)/debian/dev/, in seconds, for `make test`'s package test:
## the release build and the --dbgsym compression of `make deb` took 5 of
## its 30 minutes. What is packaged (units, maintainer scripts, configs) is the
## same; the binaries are the tests' own, stripped. cargo-deb 3.8 warns that a
## dev profile is not for releases, which these packages are not.
DEV_DEB_DIR := $(DEB_DIR)/dev
deb-dev: setup-deb build
	$(CARGO) deb --no-build --profile dev --fast -p smp-agent --output $(DEV_DEB_DIR)/
	$(CARGO) deb --no-build --profile dev --fast -p smp-panel --output $(DEV_DEB_DIR)/

## Which packages test-deb installs: release (`make deb`, the default) or dev (`make deb-dev`).
TEST_DEB_PROFILE ?= release
ifeq ($(TEST_DEB_PROFILE),dev)
TEST_DEB_PACKAGES := deb-dev
TESTED_AGENT_DEB := $(DEV_DEB_DIR)/smp-agent_$(DEB_VERSION)_amd64.deb
TESTED_PANEL_DEB := $(DEV_DEB_DIR)/smp-panel_$(DEB_VERSION)_amd64.deb
else
TEST_DEB_PACKAGES := deb
TESTED_AGENT_DEB := $(AGENT_DEB)
TESTED_PANEL_DEB := $(PANEL_DEB)
endif

## Both packages installed, started, checked, upgraded and downgraded as
## docs/operations.md says (the next release played by the panel's package with
## a higher version), and purged, on a real systemd: an LXD container of
## smp-debian without network; their dependencies are downloaded on the host
## first (scripts/setup-deb-deps.sh). Figures: /var/cache/smp/deb-figures.txt.
## `make test` runs it with TEST_DEB_PROFILE=dev.
test-deb: setup $(TEST_DEB_PACKAGES)
	bash scripts/setup-deb-deps.sh $(TESTED_AGENT_DEB) $(TESTED_PANEL_DEB)
	SMP_DEB_PROFILE=$(TEST_DEB_PROFILE) bash scripts/test-deb.sh $(TESTED_AGENT_DEB) $(TESTED_PANEL_DEB) \
		/var/cache/smp/deb-deps/$$(lxc image list smp-debian --format csv -c f | head -n 1)/install.list

## Drop day-old incremental caches and this workspace's own stale artifacts
## from the shared target directory (it otherwise grows by gigabytes a day).
prune-target:
	bash scripts/prune-target.sh

build:
	$(CARGO) build --workspace --bins

## clippy checks the panel with its `fuzzing` feature on (it only adds the
## module the fuzz targets call), so one pass covers both.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --features smp-panel/fuzzing -- -D warnings
	$(CARGO) clippy -p smp-proto --all-targets -- -D warnings

# The URL scripts/setup-postgres.sh prints (a test-only role on loopback).
SMP_TEST_POSTGRES_URL ?= postgres://smp:smp-test@127.0.0.1:5432/smp_test?gssencmode=disable&sslmode=disable

## Tests each test binary runs at once. The suites mostly wait (on LXD,
## PostgreSQL, Chromium, ssh), so more than this 2-core machine's 2 is faster:
## at 2 a whole `make test` took 38 min 11 s (2026-12-07), more than the
## project's 30. At 4, three of five whole runs (2026-12-06) failed, each on
## another race of a loaded LXD (a start busy with a stop that had answered,
## a lease taken by another test's container, a 10 s exec that timed out at
## 30 s); the first two are fixed. 3 is the middle (docs/operations.md).
## The fault suite runs one at a time whatever this says.
export RUST_TEST_THREADS ?= 3

## Where the tests keep what the panel answered and every log, for the
## secrets scan at the end of `make test` (scripts/scan_secrets.py).
SMP_LEAK_DIR ?= /var/cache/smp/leak-scan
test: export SMP_LEAK_DIR := $(SMP_LEAK_DIR)

## Every test: unit, agent on the real LXD, end-to-end with the real binaries,
## then the panel's suite once more on PostgreSQL, the fault suite, the Debian
## packages on a real systemd (test-deb), the benchmarks built (not run: like
## fuzzing and load they have their own targets, `make bench-quick` runs every
## figure once in 3 minutes), and last the secrets scan of everything the
## panel's tests kept.
test: setup setup-postgres setup-browser setup-ldap setup-oidc setup-fuzz setup-schemathesis prune-target lint build
	rm -rf "$(SMP_LEAK_DIR)" && mkdir -p "$(SMP_LEAK_DIR)"
	@echo "== $$(date +%T) the workspace's tests (SQLite)"
	$(CARGO) test --workspace --no-fail-fast
	# smp-proto alone, without the `openapi` feature the panel turns on.
	$(CARGO) test -p smp-proto
	$(MAKE) fuzz-check
	@echo "== $$(date +%T) the panel's tests on PostgreSQL"
	$(MAKE) test-panel-postgres
	@echo "== $$(date +%T) the fault suite"
	$(MAKE) test-faults
	@echo "== $$(date +%T) the Debian packages (from the debug build)"
	$(MAKE) test-deb TEST_DEB_PROFILE=dev
	@echo "== $$(date +%T) the benchmarks build"
	$(CARGO) test --workspace $(BENCHES) --no-run
	@echo "== $$(date +%T) the secrets scan"
	python3 scripts/scan_secrets.py "$(SMP_LEAK_DIR)"
	@echo "== $$(date +%T) make test passed"

## The panel's tests on PostgreSQL (each test makes and drops its own database, a copy of
## one migrated template per test process).
test-panel-postgres: setup-postgres setup-ldap setup-oidc setup-schemathesis build
	SMP_TEST_DATABASE_URL="$(SMP_TEST_POSTGRES_URL)" $(CARGO) test -p smp-panel --no-fail-fast

## The fault suite (crates/panel/tests/faults): freezes and restarts LXD and PostgreSQL
## and kills the panel, so it runs alone, one test at a time, after the other tests.
test-faults: setup setup-postgres build
	SMP_TEST_POSTGRES_URL="$(SMP_TEST_POSTGRES_URL)" $(CARGO) test -p smp-panel --test faults -- --test-threads=1

## Seconds each fuzz target runs in `make fuzz`.
FUZZ_SECONDS ?= 60

## The fuzz targets of fuzz/ (cargo fuzz, libFuzzer): each for FUZZ_SECONDS, one
## at a time; fails when one finds a crash (its input lands in fuzz/artifacts/).
## Not part of `make test`, which only checks that they build (fuzz-check).
fuzz: setup-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

## The fuzz targets still build and are lint-clean (fuzz/ is not in the
## workspace); `lint` checks the panel's `fuzzing` feature they use.
fuzz-check: setup-fuzz
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	cd fuzz && cargo +nightly clippy --locked --bins -- -D warnings

## Unit tests only (no LXD needed).
test-unit:
	$(CARGO) test --workspace --lib --bins

## Figures of the issues, each beside the direct LXD call, in one run.
bench: setup setup-ldap setup-oidc
	$(CARGO) bench -p smp-agent --bench agent
	# The panel's load figure starts the release smp-agent binary beside the bench.
	$(CARGO) build --release -p smp-agent --bins
	$(CARGO) bench -p smp-panel --bench panel
	$(CARGO) bench -p smp-panel --bench terminal
	$(CARGO) bench -p smp-panel --bench ssh
	$(CARGO) bench -p smp-panel --bench dns

## The same benchmarks from a round or two each, built like the tests (no
## release build): the figures mean nothing, a benchmark that fails shows.
## One cargo run over the workspace: the five benchmarks build at once,
## with the features of the workspace's build (which `make test` has
## already made; `-p smp-agent` alone would build the agent again).
## The panel's load figure starts the smp-agent binary of `build` beside it.
BENCHES := --bench agent --bench panel --bench terminal --bench ssh --bench dns
bench-quick: setup setup-ldap setup-oidc build
	SMP_BENCH_QUICK=1 $(CARGO) test --workspace $(BENCHES)

## Start SMP on the local LXD: the agent, then the panel on SQLite (state in .run/,
## `rm -rf .run` starts over); prints the panel's URL, admin and password.
run: setup build
	bash scripts/run.sh

## Remove LXD projects left by interrupted test runs.
clean-lxd:
	bash scripts/clean-test-projects.sh
