//! The `drs-orchestrator` binary: no arguments opens the GUI; a subcommand runs the CLI.

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() <= 1 {
        drs_orchestrator::run_gui()
    } else {
        drs_orchestrator::cli::main(args)
    }
}
