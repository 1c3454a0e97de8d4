//! The `pchat` binary: parses arguments and runs the library; the exit code is decided in
//! `pchat::cli::exit`.

fn main() -> std::process::ExitCode {
    pchat::cli::main().into()
}
