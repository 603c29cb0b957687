//! `smp-panel`: the command line (see `cli`), its outcome as the exit code.

use clap::Parser as _;
use smp_panel::cli::{Cli, EXIT_NOT_IMPLEMENTED, Outcome};

fn main() -> std::process::ExitCode {
    match smp_panel::cli::run(Cli::parse()) {
        Ok(Outcome::Done) => std::process::ExitCode::SUCCESS,
        Ok(Outcome::NotImplemented) => std::process::ExitCode::from(EXIT_NOT_IMPLEMENTED),
        Ok(Outcome::Failed) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("smp-panel: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
