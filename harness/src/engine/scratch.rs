//! Temporary directories owned by the run that made them, and reaped when that run is gone.
//!
//! Every case gets a fresh work directory (the input and output dirs bound into its container,
//! an adapter's work dir, explore's re-collection dir). A harness that dies by SIGKILL, an OOM
//! or a power cut never runs its destructors, so each directory carries its owner in its name —
//! `rawconf-<kind>-p<pid>s<start>-<random>`, the pid and the process's start time in clock ticks
//! since boot (`/proc/<pid>/stat`, field 22), so a recycled pid is not taken for the owner — and
//! the next rawconf process removes the directories whose owner no longer exists.
//!
//! Only names of exactly that shape are ever removed, and only when the owner is dead: other
//! runs, other users and everything else in the temp dir are left alone.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Start of every scratch directory's name.
pub const PREFIX: &str = "rawconf-";

/// The kinds of scratch directory rawconf makes (the `<kind>` in the name).
pub const KINDS: [&str; 5] = ["case", "adapter", "recollect", "warm", "agent"];

/// A process, identified robustly against pid reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// The process id.
    pub pid: u32,
    /// Its start time in clock ticks since boot; `0` when unknown (no `/proc`), in which case
    /// only the pid is compared.
    pub start: u64,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        static ME: OnceLock<Owner> = OnceLock::new();
        *ME.get_or_init(|| {
            let pid = std::process::id();
            Owner {
                pid,
                start: start_time(pid).unwrap_or(0),
            }
        })
    }

    /// Whether the process still runs: its pid exists and, when both are known, started at the
    /// same time. Errs on the side of "alive" when it cannot tell.
    pub fn alive(&self) -> bool {
        if !Path::new(&format!("/proc/{}", self.pid)).exists() {
            // No /proc at all (not Linux): cannot tell, keep.
            return !Path::new("/proc/self").exists();
        }
        match (self.start, start_time(self.pid)) {
            (0, _) | (_, None) => true,
            (want, Some(now)) => want == now,
        }
    }

    /// `p<pid>s<start>`, the part of a name that says whose it is.
    pub fn tag(&self) -> String {
        format!("p{}s{}", self.pid, self.start)
    }

    /// Parses [`Owner::tag`].
    pub fn parse_tag(tag: &str) -> Option<Owner> {
        let rest = tag.strip_prefix('p')?;
        let (pid, start) = rest.split_once('s')?;
        if pid.is_empty() || start.is_empty() {
            return None;
        }
        Some(Owner {
            pid: pid.parse().ok()?,
            start: start.parse().ok()?,
        })
    }
}

/// Field 22 of `/proc/<pid>/stat` (after the parenthesised command, which may hold spaces).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    // After the command: field 3 (state) is the first; start time is field 22.
    after.split_whitespace().nth(19)?.parse().ok()
}

/// A fresh scratch directory `rawconf-<kind>-<owner tag>-XXXXXX` in the system temp dir,
/// removed when dropped. The first call in a process first reaps the scratch directories of
/// dead rawconf processes (see [`reap`]).
pub fn tempdir(kind: &str) -> Result<tempfile::TempDir> {
    static REAPED: OnceLock<()> = OnceLock::new();
    REAPED.get_or_init(|| {
        let _ = reap(&std::env::temp_dir(), false);
    });
    let root = std::env::temp_dir();
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{kind}-{}-", Owner::current().tag()))
        .tempdir_in(&root)
        .map_err(|source| Error::WorkDir { path: root, source })
}

/// A scratch directory found in the temp dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its path.
    pub path: PathBuf,
    /// Its kind (`case`, `adapter`, `recollect`, `warm`).
    pub kind: String,
    /// Who made it; `None` for a directory of an older rawconf that did not record its owner
    /// (`rawconf-case-XXXXXX`): never removed automatically, its owner cannot be known.
    pub owner: Option<Owner>,
}

/// The scratch directories under `root` (directories only, symlinks ignored).
pub fn scan(root: &Path) -> Vec<Found> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let Some((kind, rest)) = rest.split_once('-') else {
            continue;
        };
        if !KINDS.contains(&kind) {
            continue;
        }
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let owner = rest
            .split_once('-')
            .and_then(|(tag, _)| Owner::parse_tag(tag));
        found.push(Found {
            path: entry.path(),
            kind: kind.to_owned(),
            owner,
        });
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// What [`reap`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reaped {
    /// Directories of dead owners removed (or, in a dry run, that would be).
    pub removed: Vec<Found>,
    /// Directories of dead owners that could not be removed, with the error.
    pub failed: Vec<(Found, String)>,
    /// Directories without an owner in their name (an older rawconf), left alone.
    pub unowned: Vec<Found>,
}

/// Removes the scratch directories under `root` whose owner is dead (`dry_run`: only lists
/// them). Directories of live processes — this one included — are kept.
pub fn reap(root: &Path, dry_run: bool) -> Reaped {
    let mut out = Reaped::default();
    for f in scan(root) {
        match f.owner {
            None => out.unowned.push(f),
            Some(o) if o.alive() => {}
            Some(_) if dry_run => out.removed.push(f),
            Some(_) => match std::fs::remove_dir_all(&f.path) {
                Ok(()) => out.removed.push(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => out.failed.push((f, e.to_string())),
            },
        }
    }
    out
}

/// Removes this process's own scratch directories (on interrupt, before `exit` skips their
/// destructors). Returns how many were removed.
pub fn remove_own() -> usize {
    let me = Owner::current();
    scan(&std::env::temp_dir())
        .into_iter()
        .filter(|f| f.owner == Some(me))
        .filter(|f| std::fs::remove_dir_all(&f.path).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_this_process_is_alive() {
        let me = Owner::current();
        assert!(me.start > 0, "start time read from /proc");
        assert_eq!(Owner::parse_tag(&me.tag()), Some(me));
        assert!(me.alive());
        assert!(
            !Owner {
                pid: me.pid,
                start: me.start + 1
            }
            .alive(),
            "same pid, other start time: a recycled pid"
        );
        for bad in ["", "p", "ps", "p12", "p12s", "x12s3", "p1s2s3"] {
            assert_eq!(Owner::parse_tag(bad), None, "{bad}");
        }
    }

    #[test]
    fn reap_removes_only_dead_owners_dirs() {
        let root = tempfile::tempdir().unwrap();
        let me = Owner::current();
        let dead = Owner {
            pid: me.pid,
            start: me.start + 7,
        };
        let mine = root
            .path()
            .join(format!("rawconf-case-{}-aaaaaa", me.tag()));
        let theirs = root
            .path()
            .join(format!("rawconf-case-{}-bbbbbb", dead.tag()));
        let old = root.path().join("rawconf-case-cccccc");
        let other = root.path().join(format!("other-case-{}-d", dead.tag()));
        let cache = root.path().join("rawconf-cache");
        for d in [&mine, &theirs, &old, &other, &cache] {
            std::fs::create_dir_all(d.join("outputs/deep")).unwrap();
        }
        let dry = reap(root.path(), true);
        assert_eq!(dry.removed.len(), 1);
        assert!(theirs.exists(), "a dry run removes nothing");
        let r = reap(root.path(), false);
        assert_eq!(
            r.removed.iter().map(|f| &f.path).collect::<Vec<_>>(),
            [&theirs]
        );
        assert_eq!(r.unowned.len(), 1);
        assert!(!theirs.exists());
        for kept in [&mine, &old, &other, &cache] {
            assert!(kept.exists(), "{} must be kept", kept.display());
        }
    }
}
