//! A case that belongs to an execution, run as the backend runs a task node: the cache is
//! checked before anything runs (a hit starts no container), attempts follow one another
//! within the task's `retries` and the platform's system budget, each with its own generated
//! name, `FLYTE_*` environment and prefixes, and a success is written to the cache. The case's
//! prior runs go first, in the same cache. Under `flytekit-local`: no environment, one
//! attempt, flytekit's local cache rule.
//!
//! The record is the last attempt's (or, for a hit, the cached outputs alone), with every
//! attempt, the cache status and the prior runs in `record.execution`.

use std::time::Instant;

use super::cache::{Cache, status};
use super::execution::{self as exec, Budgets, Tally};
use super::reference::Setting;
use super::{Collected, Executed, Execution, Reference};
use crate::error::Result;
use crate::protocol::literal::LiteralMap;
use crate::protocol::profile::Profile;
use crate::protocol::record::{AttemptRecord, ExecutionRecord, PriorRecord};
use crate::spec::suite::{ExecutionIdentity, TaskSpec};

/// One node execution: its cache status, its attempts and the last one's (or the hit's) result.
struct NodeRun {
    cache_status: &'static str,
    attempts: Vec<AttemptRecord>,
    last: Executed,
}

impl Reference {
    /// Runs the case's prior runs, then the case, in one cache (see the module documentation).
    pub(super) async fn execute_around(
        &self,
        ex: &Execution<'_>,
        id: &ExecutionIdentity,
    ) -> Result<Executed> {
        let started = Instant::now();
        let cache = Cache::default();
        let mut prior = Vec::new();
        let mut envs = Vec::new();
        for p in ex.prior {
            let run = self
                .node_run(ex, &p.task, &p.inputs, &p.identity, &cache)
                .await?;
            prior.push(PriorRecord {
                cache_status: run.cache_status.to_owned(),
                attempts: run.attempts,
                result: run.last.record.result,
            });
        }
        let run = self.node_run(ex, ex.task, ex.inputs, id, &cache).await?;
        let mut executed = run.last;
        envs.append(&mut executed.env);
        executed.env = envs;
        executed.record.execution = Some(ExecutionRecord {
            cache_status: run.cache_status.to_owned(),
            attempts: run.attempts,
            prior,
        });
        executed.duration = started.elapsed();
        Ok(executed)
    }

    async fn node_run(
        &self,
        ex: &Execution<'_>,
        task: &TaskSpec,
        inputs: &LiteralMap,
        id: &ExecutionIdentity,
        cache: &Cache,
    ) -> Result<NodeRun> {
        let key = Cache::key(ex.profile, id, task, inputs);
        if let Some(outputs) = key.as_deref().and_then(|k| cache.get(k)) {
            return Ok(NodeRun {
                cache_status: status::HIT,
                attempts: Vec::new(),
                last: hit(outputs),
            });
        }
        let budgets = match ex.profile {
            Profile::Backend => Budgets {
                retries: task.meta.retries,
                system: self.system_retries(),
            },
            // flytekit's local executor never retries (base_task.py local_execute).
            Profile::FlytekitLocal => Budgets {
                retries: 0,
                system: 0,
            },
        };
        let mut tally = Tally::default();
        let mut attempts = Vec::new();
        let mut envs = Vec::new();
        loop {
            let n = tally.attempts;
            let setting = match ex.profile {
                Profile::Backend => Setting {
                    name: exec::generated_name(id, n),
                    env: exec::pod_env(&task.env, id, n),
                    prefixes: Some(exec::attempt_prefixes(
                        id,
                        n,
                        super::OUTPUT_PREFIX,
                        super::RAW_OUTPUT_PREFIX,
                    )),
                },
                // No environment; every template but the inputs stays verbatim anyway.
                Profile::FlytekitLocal => Setting {
                    name: exec::generated_name(id, n),
                    env: Vec::new(),
                    prefixes: None,
                },
            };
            let ran = self.run_container(ex, task, inputs, &setting).await?;
            let mut last = ran.executed;
            envs.append(&mut last.env);
            attempts.push(AttemptRecord {
                exit_code: last.record.exit_code,
                result: last.record.result.clone(),
            });
            let cache_status = match &last.collected {
                Collected::Outputs(outputs) => match &key {
                    Some(k) if cache.put(ex.profile, task, k.clone(), outputs.clone()) => {
                        status::POPULATED
                    }
                    _ => status::DISABLED,
                },
                Collected::Error(e) => {
                    let failure = exec::classify(e, last.record.exit_code, ran.oom_killed);
                    if tally.retry_after(failure, budgets) {
                        continue;
                    }
                    // Looked up and not written: a miss (also for a task without outputs, whose
                    // lookup misses too).
                    if key.is_some() {
                        status::MISS
                    } else {
                        status::DISABLED
                    }
                }
            };
            last.env = envs;
            return Ok(NodeRun {
                cache_status,
                attempts,
                last,
            });
        }
    }
}

/// The record of a cache hit: no container, no files, the cached outputs.
fn hit(outputs: LiteralMap) -> Executed {
    Executed::without_container(Collected::Outputs(outputs), Default::default(), Vec::new())
}
