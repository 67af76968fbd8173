//! Argument parsing and dispatch.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rawconf::{Error, ExitCode};

mod bench;
mod clean;
mod exec;
mod explore;
mod finish;
mod images;
mod protocol;
mod report;
mod run;

/// rawconf — conformance harness for Flyte's raw container protocol.
#[derive(Debug, Parser)]
#[command(name = "rawconf", version, about, long_about = None)]
struct Cli {
    /// Folder holding one sub-folder per language (default: ./languages, else the source tree's).
    #[arg(long, global = true, value_name = "DIR")]
    languages_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a suite over the languages and report (the main job).
    Run(run::RunArgs),
    /// Run one ad-hoc case and print its record.
    Exec(exec::ExecArgs),
    /// Property runs: generated inputs × languages, findings shrunk to minimal inputs.
    ///
    /// Exit code 0 when every finding is a declared limitation, 100 when there are new findings.
    Explore(explore::ExploreArgs),
    /// Build and list the language images.
    #[command(subcommand)]
    Images(images::ImagesCommand),
    /// Render command/args templates as the backend or flytekit does.
    #[command(subcommand)]
    Template(protocol::TemplateCommand),
    /// Materialize an input directory as flyte-copilot does.
    #[command(subcommand)]
    Inputs(protocol::InputsCommand),
    /// Collect an output directory as flyte-copilot (or flytekit) does.
    #[command(subcommand)]
    Outputs(protocol::OutputsCommand),
    /// Measure rawconf against the engine's floor, warm mode, flytekit and `-j` scaling.
    Bench(bench::BenchArgs),
    /// Work on written reports: merge the shard reports of one run.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Remove the containers and temp dirs of rawconf processes that died (never anything else).
    Clean(clean::CleanArgs),
}

pub(crate) fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let languages_dir = cli
        .languages_dir
        .clone()
        .unwrap_or_else(rawconf::env::languages_dir);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(&Error::Internal(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(args, &languages_dir).await,
            Command::Exec(args) => exec::exec(args, &languages_dir).await,
            Command::Explore(args) => explore::explore(args, &languages_dir).await,
            Command::Images(cmd) => images::run(cmd, &languages_dir).await,
            Command::Template(cmd) => protocol::template(cmd),
            Command::Inputs(cmd) => protocol::inputs(cmd),
            Command::Outputs(cmd) => protocol::outputs(cmd),
            Command::Clean(args) => clean::clean(args).await,
            Command::Report(cmd) => report::run(cmd, &languages_dir),
            Command::Bench(args) => bench::run(args, &languages_dir).await,
        }
    });
    match result {
        Ok(code) => exit(code),
        Err(e) => fail(&e),
    }
}

fn fail(e: &Error) -> std::process::ExitCode {
    eprintln!("error: {e}");
    exit(e.exit_code())
}

fn exit(code: ExitCode) -> std::process::ExitCode {
    std::process::ExitCode::from(code as u8)
}
