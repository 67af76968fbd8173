//! The tests' own containers — fixtures that are not the runtime under test — on
//! testcontainers: the Go oracle's batch, the independent driver of the ellipse images. None
//! of rawconf's container code runs them, so a bug there cannot hide in the fixture that is
//! meant to catch it, and testcontainers removes each container when its handle drops (also
//! when a test panics).

use std::path::PathBuf;
use std::time::Duration;

use testcontainers::core::{Mount, WaitFor, wait::ExitWaitStrategy};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

/// One container run to its exit: `entrypoint args…` in `image`, with no network.
pub struct OneShot<'a> {
    /// `name:tag` of an image present on the engine.
    pub image: &'a str,
    /// The program (the image's entrypoint is replaced).
    pub entrypoint: &'a str,
    /// Its arguments.
    pub args: Vec<String>,
    /// Host directory → path in the container, read-write.
    pub mounts: Vec<(PathBuf, &'a str)>,
    /// How long the container may take to exit.
    pub timeout: Duration,
}

/// How a [`OneShot`] ended.
pub struct Exited {
    /// The exit code.
    pub code: Option<i64>,
    /// What it printed on stderr.
    pub stderr: Vec<u8>,
}

/// Runs `job` to its exit and removes the container.
pub async fn run_to_exit(job: OneShot<'_>) -> Result<Exited, String> {
    let fault =
        |e: testcontainers::TestcontainersError| format!("testcontainers ({}): {e}", job.image);
    let (name, tag) = job
        .image
        .split_once(':')
        .ok_or_else(|| format!("image `{}` has no tag", job.image))?;
    let mut request = GenericImage::new(name, tag)
        .with_entrypoint(job.entrypoint)
        .with_wait_for(WaitFor::exit(ExitWaitStrategy::new()))
        .with_cmd(job.args.iter().cloned())
        .with_network("none")
        .with_startup_timeout(job.timeout);
    for (host, inside) in &job.mounts {
        request = request.with_mount(Mount::bind_mount(
            host.to_string_lossy().into_owned(),
            *inside,
        ));
    }
    let container = request.start().await.map_err(fault)?;
    let code = container.exit_code().await.map_err(fault)?;
    let stderr = container.stderr_to_vec().await.map_err(fault)?;
    container.rm().await.map_err(fault)?;
    Ok(Exited { code, stderr })
}
