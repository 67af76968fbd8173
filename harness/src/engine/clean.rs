//! Cleaning up after rawconf processes that died: their containers and their scratch
//! directories. Run at the start of every `run`, `exec` and `explore`, and on demand by
//! `rawconf clean`.
//!
//! The Docker engine and the temp dir are shared with other runs, other users and CI jobs, so
//! only what rawconf labelled or named as its own is considered, and of that only what belongs
//! to a process that no longer exists ([`crate::engine::container::orphans`], [`crate::engine::scratch::reap`]).

use bollard::Docker;

use crate::engine::container::{self, Orphan};
use crate::engine::scratch;

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
    /// Partial root filesystem tarballs of image builds whose process died
    /// (`<cache>/rootfs/.<key>.<pid>.partial.tar`), removed.
    pub partials: Vec<std::path::PathBuf>,
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
            && self.partials.is_empty()
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
        for p in &self.partials {
            lines.push(format!(
                "{verb} partial rootfs tarball {} (its build process is gone)",
                p.display()
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
                "{verb} {} container(s) and {} temp dir(s){} of dead rawconf processes",
                self.containers.len(),
                self.dirs.removed.len(),
                if self.partials.is_empty() {
                    String::new()
                } else {
                    format!(" and {} partial rootfs tarball(s)", self.partials.len())
                }
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
            Err(crate::Error::Docker { message, .. }) => out.docker_error = Some(message),
            Err(e) => out.docker_error = Some(e.to_string()),
            Ok(orphans) => {
                for o in orphans {
                    if dry_run {
                        out.containers.push(o);
                        continue;
                    }
                    match container::remove_orphan(docker, &o).await {
                        Ok(true) => out.containers.push(o),
                        // Another rawconf process is removing it.
                        Ok(false) => {}
                        Err(e) => out.container_failures.push((o, e.to_string())),
                    }
                }
            }
        },
    }
    out.dirs = scratch::reap(&std::env::temp_dir(), dry_run);
    out.partials = dead_partials(&crate::env::cache_dir().join("rootfs"))
        .into_iter()
        .filter(|p| dry_run || std::fs::remove_file(p).is_ok())
        .collect();
    out
}

/// The partial tarballs in a rootfs cache dir whose writer is gone. The image builder names them
/// `.<key>.<pid>.partial.tar` while mmdebstrap writes them and renames them when done; a build
/// killed in between leaves hundreds of MB. Only the pid is known, so a recycled pid keeps one.
pub fn dead_partials(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<std::path::PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name
                .strip_prefix('.')
                .and_then(|n| n.strip_suffix(".partial.tar"))
            else {
                return false;
            };
            rest.rsplit_once('.')
                .and_then(|(_, pid)| pid.parse::<u32>().ok())
                .is_some_and(|pid| !scratch::Owner { pid, start: 0 }.alive())
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dead_builders_partials_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        // pid_max on Linux is at most 2^22: this pid cannot exist.
        let dead = 4_194_304 + 17;
        for name in [
            format!(".bookworm-abc.{dead}.partial.tar"),
            format!(".bookworm-abc.{me}.partial.tar"),
            "bookworm-abc.tar".to_owned(),
            format!(".bookworm-abc.{dead}.tar"),
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        assert_eq!(
            dead_partials(dir.path()),
            [dir.path().join(format!(".bookworm-abc.{dead}.partial.tar"))]
        );
    }
}
