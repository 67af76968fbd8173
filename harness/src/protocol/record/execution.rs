//! The part of a record that shows the execution around the container: every attempt, the
//! cache's verdict and the runs that went before in the same cache. Present only for cases that
//! belong to an execution (a suite with `[execution]`), so older goldens keep their bytes.

use serde::{Deserialize, Serialize};

/// What happened around the container(s) of one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// `flyteidl.core.CatalogCacheStatus` by name: `CACHE_DISABLED` for a task that is not
    /// cached (or has no outputs), `CACHE_HIT` when the cache answered and no container ran,
    /// `CACHE_POPULATED` when a miss ran and wrote its outputs, `CACHE_MISS` when it failed.
    pub cache_status: String,
    /// Every attempt in order; empty for a cache hit (nothing ran). The record's `argv`,
    /// `files`, `exit_code` and `result` are the last attempt's.
    pub attempts: Vec<AttemptRecord>,
    /// The runs that went before this one in its cache (`[[case.prior]]`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior: Vec<PriorRecord>,
}

/// One attempt: what the container's exit and outputs made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// The container's exit code; `null` when none ran (a render failure) or it was killed.
    pub exit_code: Option<i64>,
    /// `{"outputs": LiteralMap}` or `{"error": ContainerError}`.
    pub result: serde_json::Value,
}

/// A run that went before: its cache verdict, attempts and result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorRecord {
    /// As [`ExecutionRecord::cache_status`].
    pub cache_status: String,
    /// As [`ExecutionRecord::attempts`].
    pub attempts: Vec<AttemptRecord>,
    /// Its final result.
    pub result: serde_json::Value,
}

impl ExecutionRecord {
    /// Every result string inside (attempts and prior runs), for [`super::Record::texts_mut`].
    pub(super) fn results_mut(&mut self) -> impl Iterator<Item = &mut serde_json::Value> {
        let prior = self.prior.iter_mut().flat_map(|p| {
            std::iter::once(&mut p.result).chain(p.attempts.iter_mut().map(|a| &mut a.result))
        });
        self.attempts.iter_mut().map(|a| &mut a.result).chain(prior)
    }
}
