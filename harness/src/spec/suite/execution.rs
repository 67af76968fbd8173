//! The execution around a case's container, as a suite file declares it: which execution,
//! node and task version a case belongs to (`[execution]`, `[case.execution]`), the task's
//! retry and cache metadata (`retries`, `cache`, `cache_version` in a task table), and the
//! runs that go before a case in the same cache (`[[case.prior]]`).
//!
//! A suite without an `[execution]` table declares no identity: its cases run as before this
//! existed (one attempt, no `FLYTE_*` environment, a `{{.PerRetryUniqueKey}}` handed in from
//! outside), so the protocol and ellipse goldens do not depend on it.

use serde::Deserialize;

/// Who a case's execution is: the parts of Flyte's identifiers the backend turns into the
/// container's `FLYTE_*` environment, the generated name and the cache key (protocol-2 §1–§3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionIdentity {
    /// Project of the execution, the workflow and the task.
    pub project: String,
    /// Domain of the execution, the workflow and the task.
    pub domain: String,
    /// The execution's name (`WorkflowExecutionIdentifier.name`).
    pub name: String,
    /// The node's id in the workflow (`uniqueNodeID`).
    pub node: String,
    /// The workflow's name (its project and domain are the execution's).
    pub workflow: String,
    /// The task's name (`Identifier.name`, resource type TASK).
    pub task: String,
    /// The task's registered version (`Identifier.version`).
    pub task_version: String,
}

/// The task metadata that decides what happens around the container
/// (`flyteidl.core.TaskMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskMeta {
    /// `retries.retries`: attempts beyond the first for user-recoverable failures.
    pub retries: u32,
    /// `discoveryVersion` when `discoverable` (the task is cached); `None`: not cached.
    pub cache_version: Option<String>,
}

/// A run of the same case that goes before it, sharing its cache (the first execution of a
/// "miss then hit" pair). Its task and inputs are the case's unless it replaces them.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorRun {
    /// What this run is for.
    pub about: String,
    /// The task it runs.
    pub task: super::TaskSpec,
    /// Its inputs.
    pub inputs: crate::protocol::literal::LiteralMap,
    /// Its execution.
    pub identity: ExecutionIdentity,
}

/// `[execution]` / `[case.execution]` / `[case.prior.execution]`: every field optional, each
/// replacing the one it is laid over.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIdentity {
    project: Option<String>,
    domain: Option<String>,
    name: Option<String>,
    node: Option<String>,
    workflow: Option<String>,
    task: Option<String>,
    task_version: Option<String>,
}

/// Lays `raw` over `base`; with no base every field must be given. `field` names the table.
pub(super) fn resolve_identity(
    raw: &RawIdentity,
    base: Option<&ExecutionIdentity>,
    field: &str,
) -> Result<ExecutionIdentity, String> {
    let pick = |own: &Option<String>, from: fn(&ExecutionIdentity) -> &String, part: &str| {
        let value = own
            .clone()
            .or_else(|| base.map(|b| from(b).clone()))
            .ok_or_else(|| {
                format!("field `{field}.{part}` is missing: the suite's `[execution]` table must name every part (project, domain, name, node, workflow, task, task_version)")
            })?;
        if value.is_empty() {
            return Err(format!(
                "field `{field}.{part}`: expected a non-empty string"
            ));
        }
        Ok(value)
    };
    Ok(ExecutionIdentity {
        project: pick(&raw.project, |b| &b.project, "project")?,
        domain: pick(&raw.domain, |b| &b.domain, "domain")?,
        name: pick(&raw.name, |b| &b.name, "name")?,
        node: pick(&raw.node, |b| &b.node, "node")?,
        workflow: pick(&raw.workflow, |b| &b.workflow, "workflow")?,
        task: pick(&raw.task, |b| &b.task, "task")?,
        task_version: pick(&raw.task_version, |b| &b.task_version, "task_version")?,
    })
}
