//! Cleaning up after rawconf processes that died: their containers and their scratch
//! directories. Run at the start of every `run`, `exec` and `explore`, and on demand by
//! `rawconf clean`.
//!
//! The Docker engine and the temp dir are shared with other runs, other users and CI jobs, so
//! only what rawconf labelled or named as its own is considered, and of that only what belongs
//! to a process that no longer exists ([`crate::container::orphans`], [`crate::scratch::reap`]).

use bollard::Docker;

use crate::container::{self, Orphan};
use crate::scratch;

/// What a clean-up found and did.
#[derive(Debug, Default, Clone)]
pub struct Cleaned {
    /// Whether this was a dry run (nothing removed, `containers` and `dirs` are what would be).
    pub dry_run: bool,
    /// Containers of dead rawconf processes removed.
    pub containers: Vec<Orphan>,
    /// Containers that could not be removed, with the engine's error.
    pub container_failures: Vec<(Orphan, String)>,
    /// Scratch directories: removed, failed, unowned.
    pub dirs: scratch::Reaped,
    /// Why containers were not looked at (the engine is unreachable), if so.
    pub docker_error: Option<String>,
}

impl Cleaned {
    /// Whether anything was (or, in a dry run, would be) removed or failed.
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty()
            && self.container_failures.is_empty()
            && self.dirs.removed.is_empty()
            && self.dirs.failed.is_empty()
    }

    /// One line per container and directory, then a summary line.
    pub fn report(&self) -> Vec<String> {
        let verb = if self.dry_run {
            "would remove"
        } else {
            "removed"
        };
        let mut lines = Vec::new();
        let owner = |pid: Option<u32>| match pid {
            Some(p) => format!("owner pid {p} is gone"),
            None => "no owner pid".to_owned(),
        };
        for c in &self.containers {
            let short = &c.id[..c.id.len().min(12)];
            lines.push(format!(
                "{verb} container {short} {} (run `{}`, {})",
                c.name,
                c.run,
                owner(c.pid)
            ));
        }
        for (c, e) in &self.container_failures {
            lines.push(format!("could not remove container {}: {e}", c.id));
        }
        for d in &self.dirs.removed {
            lines.push(format!(
                "{verb} temp dir {} ({})",
                d.path.display(),
                owner(d.owner.map(|o| o.pid))
            ));
        }
        for (d, e) in &self.dirs.failed {
            lines.push(format!(
                "could not remove temp dir {}: {e}",
                d.path.display()
            ));
        }
        if !self.dirs.unowned.is_empty() {
            lines.push(format!(
                "kept {} temp dir(s) without an owner in their name (made by an older rawconf; remove them by hand once no run uses them), e.g. {}",
                self.dirs.unowned.len(),
                self.dirs.unowned[0].path.display()
            ));
        }
        if let Some(e) = &self.docker_error {
            lines.push(format!("containers not checked: {e}"));
        }
        lines.push(if self.is_empty() {
            "nothing to clean: no container or temp dir of a dead rawconf process".to_owned()
        } else {
            format!(
                "{verb} {} container(s) and {} temp dir(s) of dead rawconf processes",
                self.containers.len(),
                self.dirs.removed.len()
            )
        });
        lines
    }
}

/// Removes (or with `dry_run` lists) the containers and scratch directories of dead rawconf
/// processes. `docker` is `Err` with the reason when the engine could not be reached: the
/// directories are still cleaned.
pub async fn clean(docker: std::result::Result<&Docker, String>, dry_run: bool) -> Cleaned {
    let mut out = Cleaned {
        dry_run,
        ..Default::default()
    };
    // Containers first: a dead run's container may still be running and writing into its dir.
    match docker {
        Err(e) => out.docker_error = Some(e),
        Ok(docker) => match container::orphans(docker).await {
            Err(crate::Error::Docker(message)) => out.docker_error = Some(message),
            Err(e) => out.docker_error = Some(e.to_string()),
            Ok(orphans) => {
                for o in orphans {
                    if dry_run {
                        out.containers.push(o);
                        continue;
                    }
                    match container::remove_orphan(docker, &o).await {
                        Ok(()) => out.containers.push(o),
                        Err(e) => out.container_failures.push((o, e.to_string())),
                    }
                }
            }
        },
    }
    out.dirs = scratch::reap(&std::env::temp_dir(), dry_run);
    out
}
