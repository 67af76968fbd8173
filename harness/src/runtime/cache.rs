//! The task cache as the reference runtime keeps it: one store per case (its prior runs and its
//! run share it, nothing else does, so a case's verdict never depends on which cases ran
//! before it in a shard), keyed as the profile's implementation keys it.
//!
//! - **backend** (datacatalog, `nodes/catalog/datacatalog/transformer.go`): project, domain,
//!   task name, `cache_version`, the input and output variable maps and the input literals.
//!   Not the task version, image, command, args or env. A task without outputs is never
//!   written (`WriteCatalogCache` answers `CACHE_DISABLED`).
//! - **flytekit-local** (`LocalTaskCache`): task name, `cache_version` and the input literals;
//!   the result of a task without outputs is stored like any other.
//!
//! The backend hashes with objecthash over jsonpb; rawconf uses SHA-256 over its own canonical
//! JSON of the same parts: what is judged is *which* parts make the key, not its bytes.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::Digest;

use crate::protocol::literal::LiteralMap;
use crate::protocol::profile::Profile;
use crate::spec::suite::{ExecutionIdentity, TaskSpec};

/// `flyteidl.core.CatalogCacheStatus` names the record uses.
pub mod status {
    /// The task is not cached, or (backend) has no outputs to cache.
    pub const DISABLED: &str = "CACHE_DISABLED";
    /// Looked up, not found, and the run did not write (it failed).
    pub const MISS: &str = "CACHE_MISS";
    /// Found: no container ran.
    pub const HIT: &str = "CACHE_HIT";
    /// Not found; the run succeeded and its outputs were written.
    pub const POPULATED: &str = "CACHE_POPULATED";
}

/// One case's cache.
#[derive(Debug, Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, LiteralMap>>,
}

impl Cache {
    /// The key of `task` run with `inputs` in `id`'s project and domain, or `None` when the
    /// task is not cached under `profile`.
    pub fn key(
        profile: Profile,
        id: &ExecutionIdentity,
        task: &TaskSpec,
        inputs: &LiteralMap,
    ) -> Option<String> {
        let version = task.meta.cache_version.as_ref()?;
        let parts = match profile {
            Profile::Backend => serde_json::json!([
                id.project,
                id.domain,
                format!("flyte_task-{}", id.task),
                version,
                task.interface.inputs.to_json(),
                task.interface.outputs.to_json(),
                inputs.to_json(),
            ]),
            Profile::FlytekitLocal => {
                serde_json::json!([id.task, version, inputs.to_json()])
            }
        };
        let digest = sha2::Sha256::digest(parts.to_string().as_bytes());
        Some(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The outputs stored under `key`.
    pub fn get(&self, key: &str) -> Option<LiteralMap> {
        self.lock().get(key).cloned()
    }

    /// Stores a successful run's outputs; `false` (nothing stored) when the profile does not
    /// cache this task (backend: a task without outputs).
    pub fn put(&self, profile: Profile, task: &TaskSpec, key: String, outputs: LiteralMap) -> bool {
        if profile == Profile::Backend && task.interface.outputs.variables.is_empty() {
            return false;
        }
        self.lock().insert(key, outputs);
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, LiteralMap>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
