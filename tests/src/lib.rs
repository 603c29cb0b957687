//! `smp-e2e` has no library code: its one test binary, `e2e/main.rs`, starts the real binaries against a real LXD.
