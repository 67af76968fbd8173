//! The seam between the property runner and a runtime: run one case for one language.

use std::collections::BTreeMap;

use crate::engine::warm::{Pool, PoolConfig};
use crate::error::{Error, Result};
use crate::protocol::blobs::{Blobs, NO_BLOBS};
use crate::protocol::literal::LiteralMap;
use crate::protocol::profile::Profile;
use crate::runtime::{Executed, Execution, Reference};
use crate::spec::language::Language;
use crate::spec::suite::TaskSpec;

/// Runs one case of a task for a language: the seam between the property runner and a runtime.
///
/// Synchronous because proptest's shrinking calls a plain `Fn`; the Docker implementation
/// blocks on its async runtime, so call it from a thread that is not running async tasks.
pub trait Executor: Sync {
    /// Executes the task for `language` with `inputs` under `profile`.
    fn execute(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        profile: Profile,
    ) -> Result<Executed>;

    /// [`Executor::execute`] with blob inputs: each blob URI of `inputs` resolved through
    /// `blobs` (the suites' fixture-URI table, [`crate::protocol::blobs`]). An executor that
    /// cannot hand blobs to its runtime says so, unless there are none.
    fn execute_with(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        blobs: &Blobs,
        profile: Profile,
    ) -> Result<Executed> {
        if !blobs.is_empty() {
            return Err(Error::Internal(
                "this executor cannot hand blob inputs to its runtime".into(),
            ));
        }
        self.execute(language, task, inputs, profile)
    }
}

/// The reference runtime (Docker) as an [`Executor`].
#[derive(Debug)]
pub struct DockerExecutor {
    handle: tokio::runtime::Handle,
    runtime: Reference,
    images: BTreeMap<String, String>,
    run_id: String,
}

impl DockerExecutor {
    /// Makes sure every language's image exists (building what is missing) and captures the
    /// current tokio runtime, on which [`Executor::execute`] will block.
    pub async fn prepare(
        docker: bollard::Docker,
        languages: &[Language],
    ) -> Result<DockerExecutor> {
        let builder = crate::engine::image::Builder::new(docker.clone());
        let mut images = BTreeMap::new();
        for lang in languages {
            let built = builder.ensure(lang).await?;
            images.insert(lang.name.clone(), built.image);
        }
        Ok(DockerExecutor {
            handle: tokio::runtime::Handle::current(),
            runtime: Reference::new(docker),
            images,
            run_id: format!("explore-{}", std::process::id()),
        })
    }

    /// The same executor in warm mode: cases exec'd in pooled containers ([`crate::engine::warm`]).
    /// Call [`DockerExecutor::shutdown`] at the end to remove them.
    pub fn warm(mut self, docker: bollard::Docker, config: PoolConfig) -> DockerExecutor {
        let pool = std::sync::Arc::new(Pool::new(docker.clone(), &self.run_id, config));
        self.runtime = Reference::warm(docker, pool);
        self
    }

    /// Removes warm mode's pooled containers (nothing in fresh mode).
    pub async fn shutdown(&self) {
        if let Some(pool) = self.runtime.pool() {
            pool.shutdown().await;
        }
    }

    /// Warm mode's pool counters, in warm mode.
    pub fn pool_stats(&self) -> Option<crate::engine::warm::PoolStats> {
        self.runtime.pool().map(|p| p.stats())
    }
}

impl Executor for DockerExecutor {
    fn execute(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        profile: Profile,
    ) -> Result<Executed> {
        self.execute_with(language, task, inputs, &NO_BLOBS, profile)
    }

    fn execute_with(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        blobs: &Blobs,
        profile: Profile,
    ) -> Result<Executed> {
        let image = self.images.get(&language.name).ok_or_else(|| {
            Error::Internal(format!(
                "no image was prepared for language `{}`",
                language.name
            ))
        })?;
        self.handle.block_on(self.runtime.execute(&Execution {
            language,
            image,
            task,
            inputs,
            blobs,
            profile,
            run_id: &self.run_id,
            identity: None,
            prior: &[],
        }))
    }
}
