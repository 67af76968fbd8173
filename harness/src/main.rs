//! The `rawconf` command line. Only this binary knows clap and progress bars; everything it
//! does is a call into the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
