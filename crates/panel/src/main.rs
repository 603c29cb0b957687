//! `smp-panel`: a placeholder until the panel issue lands; it says so and exits non-zero.

fn main() -> std::process::ExitCode {
    eprintln!("smp-panel {}: the panel is not built yet; use smp-agent (see docs/agent.md)", env!("CARGO_PKG_VERSION"));
    std::process::ExitCode::from(2)
}
