//! Where one case runs: a fresh work dir and container (the default), or a leased warm
//! container with its bound dirs ([`crate::engine::warm`]). The reference runtime writes inputs into
//! [`Workspace::input_dir`], runs through [`Workspace::run`] and reads
//! [`Workspace::output_dir`], the same steps in both modes.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use bollard::Docker;

use crate::engine::container::{self, ContainerRun, ContainerSpec};
use crate::engine::warm::{Layout, Lease, Pool};
use crate::error::{Error, Result};

/// How cases get their containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// One new container per case, removed when it ends (goldens are recorded this way).
    #[default]
    Fresh,
    /// Cases exec'd in pooled, running containers ([`crate::engine::warm`]).
    Warm,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Mode, String> {
        match s {
            "fresh" => Ok(Mode::Fresh),
            "warm" => Ok(Mode::Warm),
            _ => Err(format!("expected `fresh` or `warm`, found `{s}`")),
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Fresh => "fresh",
            Mode::Warm => "warm",
        })
    }
}

/// The dirs and the container of one case.
#[derive(Debug)]
pub enum Workspace {
    /// A fresh work dir with `inputs/` and `outputs/`; the container is made by `run`.
    Fresh(tempfile::TempDir),
    /// A warm container and its bound dirs, held until dropped.
    Warm(Lease),
}

impl Workspace {
    /// A workspace for a case whose container would have `layout`: leased from `pool` when
    /// there is one, else fresh.
    pub async fn new(pool: Option<&Arc<Pool>>, layout: &Layout) -> Result<Workspace> {
        if let Some(pool) = pool {
            return Ok(Workspace::Warm(pool.lease(layout).await?));
        }
        // Owned by this process: reaped by the next run if this one dies (crate::engine::scratch).
        let work = crate::engine::scratch::tempdir("case")?;
        for sub in ["inputs", "outputs"] {
            let dir = work.path().join(sub);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            // Every capability is dropped in the container, so it must not need to own the dir.
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))
                .map_err(|e| Error::io(&dir, e))?;
        }
        Ok(Workspace::Fresh(work))
    }

    /// The host dir that holds the case's input files.
    pub fn input_dir(&self) -> PathBuf {
        match self {
            Workspace::Fresh(t) => t.path().join("inputs"),
            Workspace::Warm(l) => l.input_dir(),
        }
    }

    /// The host dir the container writes its outputs into.
    pub fn output_dir(&self) -> PathBuf {
        match self {
            Workspace::Fresh(t) => t.path().join("outputs"),
            Workspace::Warm(l) => l.output_dir(),
        }
    }

    /// Runs `spec` (its binds name [`Workspace::input_dir`] and [`Workspace::output_dir`]):
    /// a new container, or an exec in the leased one.
    pub async fn run(
        &mut self,
        docker: &Docker,
        spec: &ContainerSpec,
        run_id: &str,
    ) -> Result<ContainerRun> {
        match self {
            Workspace::Fresh(_) => container::run(docker, spec, run_id).await,
            Workspace::Warm(lease) => lease.run(spec).await,
        }
    }
}
