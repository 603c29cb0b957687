//! Test support shared by the suites that start the real `smp-agent`
//! binary: the e2e suite here and the panel's tests against a real agent.

// A test helper states its expectations with expect/assert.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

/// The `smp-agent` binary under test: `$SMP_AGENT_BIN`, else the one next
/// to the calling test's target directory (`…/debug/deps/<test>-…` →
/// `…/debug/smp-agent`).
pub fn agent_bin() -> PathBuf {
    binary("smp-agent", "SMP_AGENT_BIN")
}

/// The `smp-panel` binary under test: `$SMP_PANEL_BIN`, else the one next to
/// the calling test's target directory.
pub fn panel_bin() -> PathBuf {
    binary("smp-panel", "SMP_PANEL_BIN")
}

fn binary(name: &str, variable: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "{variable}={} is not a file", path.display());
        return path;
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir =
        exe.parent().and_then(Path::parent).expect("the test executable lives in <target>/<profile>/deps");
    let bin = profile_dir.join(name);
    assert!(bin.is_file(), "no {name} binary at {}: run `make build` first (or set {variable})", bin.display());
    bin
}
