//! The order in which the package sets of one Debian suite go onto its root.
//!
//! Why an order: every package set of a suite waits for the suite's root, so without one they
//! all start together the moment it exists and share the cores — and the longest (GHC's 1 GB)
//! ends last, with its import and compile still to come. Measured on 2 cores with a warm apt
//! cache: 2 min 25–35 s that way, 2 min 12–17 s with two permits taken in whatever order the
//! waiters woke up in. Here [`super::Builder::ensure_all`] decides the order up front —
//! heaviest first, by the size of the packages' own `.deb`s in the apt cache (unknown on a
//! cold cache: then the image with the most bases first) — and each suite installs cores + 1
//! sets at a time in that order (mmdebstrap waits on the network and the disk as well), while
//! the other suite, imports and docker builds go on beside it. Measured the same way: one set at a time, 2 min 20 s (GHC's image was done at
//! 95 s, the last at 140 s); two at once, 2 min 17 s; three at once (cores + 1), 1 min 54 s.
//!
//! A set that is not in the order (a single [`super::Builder::ensure`]) does not wait. Every
//! image marks its sets done when it finishes, whatever happened, so a failure or an image
//! that already exists never leaves a later set waiting.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use super::plan::BasePlan;

/// The turns of every suite of one `ensure_all`.
#[derive(Debug)]
pub(crate) struct Turns {
    state: Mutex<State>,
    changed: tokio::sync::Notify,
    /// Sets of one suite installed at once.
    width: usize,
}

impl Default for Turns {
    /// One set per core at a time, and one more, per suite.
    fn default() -> Turns {
        Turns::new(std::thread::available_parallelism().map_or(2, |n| n.get()) + 1)
    }
}

#[derive(Debug, Default)]
struct State {
    /// Base keys per suite, in the order they are installed.
    order: HashMap<String, Vec<String>>,
    done: HashSet<String>,
}

impl Turns {
    /// Turns where `width` sets of one suite go on at once.
    pub(crate) fn new(width: usize) -> Turns {
        Turns {
            state: Mutex::default(),
            changed: tokio::sync::Notify::new(),
            width: width.max(1),
        }
    }

    /// Sets the order: `bases` (with packages) as `ensure_all` starts their images, heaviest
    /// first within each suite.
    pub(crate) fn plan(&self, bases: &[&BasePlan], apt_cache: &Path) {
        let mut by_suite: HashMap<String, Vec<(u64, usize, String)>> = HashMap::new();
        for (i, b) in bases.iter().enumerate() {
            if b.recipe.packages.is_empty() {
                continue;
            }
            let weight = debs_size(&apt_cache.join(&b.recipe.suite), &b.recipe.packages);
            let entry = by_suite.entry(b.recipe.suite.clone()).or_default();
            if !entry.iter().any(|(_, _, k)| *k == b.key) {
                entry.push((weight, i, b.key.clone()));
            }
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for (suite, mut keys) in by_suite {
            keys.sort_by_key(|(w, i, _)| (std::cmp::Reverse(*w), *i));
            state
                .order
                .insert(suite, keys.into_iter().map(|(_, _, k)| k).collect());
        }
    }

    /// Waits until at most `width - 1` sets before `key` in its suite's order are not done.
    pub(crate) async fn wait(&self, suite: &str, key: &str) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let Some(order) = state.order.get(suite) else {
                    return;
                };
                let Some(at) = order.iter().position(|k| k == key) else {
                    return;
                };
                let ahead = order[..at].iter().filter(|k| !state.done.contains(*k));
                if ahead.count() < self.width {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Marks `keys` done (idempotent) and wakes the waiters.
    pub(crate) fn done<'k>(&self, keys: impl IntoIterator<Item = &'k str>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            state.done.insert(k.to_owned());
        }
        drop(state);
        self.changed.notify_waiters();
    }
}

/// Bytes of the cached `.deb`s of `packages` themselves (`<name>_<version>_<arch>.deb`).
fn debs_size(dir: &Path, packages: &[String]) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".deb")
                && packages
                    .iter()
                    .any(|p| name.split_once('_').is_some_and(|(n, _)| n == p))
        })
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::language::BaseRecipe;

    fn base(key: &str, suite: &str, packages: &[&str]) -> BasePlan {
        BasePlan {
            arg: "BASE".into(),
            recipe: BaseRecipe {
                suite: suite.into(),
                packages: packages.iter().map(|p| p.to_string()).collect(),
            },
            key: key.into(),
            root_key: format!("{suite}-root"),
            tag: format!("rawconf-base:{key}"),
        }
    }

    #[tokio::test]
    async fn heaviest_first_then_start_order_and_suites_apart() {
        let apt = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(apt.path().join("bookworm")).unwrap();
        std::fs::write(apt.path().join("bookworm/ghc_9_amd64.deb"), vec![0; 100]).unwrap();
        std::fs::write(apt.path().join("bookworm/bc_1_amd64.deb"), vec![0; 10]).unwrap();
        let (bc, ghc, py, jl) = (
            base("bc", "bookworm", &["bc"]),
            base("ghc", "bookworm", &["ghc"]),
            base("py", "bookworm", &["python3-minimal"]),
            base("jl", "bullseye", &["julia"]),
        );
        let turns = std::sync::Arc::new(Turns::new(1));
        turns.plan(&[&bc, &py, &ghc, &jl], apt.path());
        assert_eq!(
            turns.state.lock().unwrap().order["bookworm"],
            ["ghc", "bc", "py"]
        );
        // The other suite and sets outside the order never wait; the first needs no turn.
        turns.wait("bullseye", "jl").await;
        turns.wait("bookworm", "not-planned").await;
        turns.wait("bookworm", "ghc").await;
        let t = turns.clone();
        let waiting = tokio::spawn(async move { t.wait("bookworm", "py").await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "py waits for ghc and bc");
        turns.done(["ghc"]);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "py still waits for bc");
        turns.done(["bc"]);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("py's turn comes once ghc and bc are done")
            .unwrap();
    }
}
