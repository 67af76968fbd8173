//! `rawconf clean`: remove what dead rawconf processes left behind.

use clap::Args;
use rawconf::{Error, ExitCode, Result};

/// `rawconf clean [--dry-run]`
#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    /// Only list what would be removed.
    #[arg(long)]
    dry_run: bool,
}

/// Removes the containers (labelled `rawconf.run`) and temp dirs (`rawconf-<kind>-p<pid>s…`)
/// whose owner process is gone, printing one line for each. Containers and dirs of live runs,
/// and anything rawconf did not label or name, are never touched. Exit 96 if the engine is
/// unreachable (the dirs are cleaned all the same) or something could not be removed.
pub(crate) async fn clean(args: CleanArgs) -> Result<ExitCode> {
    let docker = rawconf::engine::docker::connect()
        .await
        .map_err(|e| match e {
            Error::Docker { message, .. } => message,
            other => other.to_string(),
        });
    let cleaned =
        rawconf::engine::clean::clean(docker.as_ref().map_err(Clone::clone), args.dry_run).await;
    for line in cleaned.report() {
        println!("{line}");
    }
    if let Some(e) = cleaned.docker_error {
        return Err(Error::docker_state(format!(
            "containers were not cleaned: {e}"
        )));
    }
    if !cleaned.container_failures.is_empty() || !cleaned.dirs.failed.is_empty() {
        return Err(Error::docker_state(
            "some containers or temp dirs could not be removed (see above)",
        ));
    }
    Ok(ExitCode::Success)
}
