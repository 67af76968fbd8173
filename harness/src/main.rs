//! The `rawconf` command line. Only this binary knows clap and progress bars; everything it
//! does is a call into the library.

mod cli;

fn main() -> std::process::ExitCode {
    // A panic is a rawconf bug: exit with the internal-error code (70), not Rust's 101, which
    // rawconf documents as "harness errors during a run".
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        eprintln!("error: internal error (a rawconf bug, please report it)");
        std::process::exit(rawconf::ExitCode::Internal as i32);
    }));
    cli::main()
}
