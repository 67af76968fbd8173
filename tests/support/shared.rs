//! The reference runtime's fresh runs, shared across areas.
//!
//! The `conformance` area runs every case of the ellipse and protocol suites fresh on each
//! profile, and the `warm` area needs the very same fresh runs to compare its warm runs with.
//! In one test binary they can be one run: [`SharedReference`] memoizes each fresh attempt by
//! everything that decides it (trial, image, profile, task, inputs), so whichever area asks
//! first runs the container and the other reads its result. Both areas still assert what they
//! did — conformance judges the records against the goldens, warm compares warm with fresh — on
//! half the containers.
//!
//! Only a case on its own is shared: one with an execution identity or prior runs (the
//! execution suite: attempts, cache) always runs, since what it records depends on the runs
//! before it. A harness fault is never memoized (the next asker tries again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rawconf::error::Result;
use rawconf::runtime::{Attempt, Execution, Reference, Runtime};
use tokio::sync::OnceCell;

/// What decides a fresh attempt of the reference runtime on the default engine.
type Key = (String, String, String);

/// [`Reference`] on the default engine, with every stand-alone case's attempt memoized for the
/// whole test process.
pub struct SharedReference(Reference);

impl SharedReference {
    /// The reference runtime on `docker` (the engine of [`super::docker`]; another engine must
    /// not share results with it, so Podman's area uses [`Reference`] itself).
    pub fn new(docker: bollard::Docker) -> Self {
        Self(Reference::new(docker))
    }
}

fn memo() -> &'static Mutex<HashMap<Key, Arc<OnceCell<Attempt>>>> {
    static MEMO: OnceLock<Mutex<HashMap<Key, Arc<OnceCell<Attempt>>>>> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

impl Runtime for SharedReference {
    fn name(&self) -> String {
        self.0.name()
    }

    fn independent(&self) -> bool {
        self.0.independent()
    }

    async fn attempt(&self, ex: &Execution<'_>, trial: &str) -> Result<Attempt> {
        if ex.identity.is_some() || !ex.prior.is_empty() {
            return self.0.attempt(ex, trial).await;
        }
        let key = (
            trial.to_owned(),
            format!("{} {}", ex.image, ex.profile.as_str()),
            format!("{:?} {:?} {:?}", ex.task, ex.inputs, ex.blobs),
        );
        let cell = memo()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone();
        let attempt = cell.get_or_try_init(|| self.0.attempt(ex, trial)).await?;
        Ok(attempt.clone())
    }

    fn platform(&self) -> std::collections::BTreeMap<String, String> {
        self.0.platform()
    }

    async fn check_alive(&self) -> Result<()> {
        self.0.check_alive().await
    }
}
