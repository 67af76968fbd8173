//! Contract version 2: the execution around the container (docs/adapter.md, "Version 2").
//!
//! An adapter says it speaks 2 in a handshake: rawconf runs it once per run with the single
//! extra argument [`HANDSHAKE_ARG`] and an empty stdin; an adapter that answers
//! `{"contracts": [1, 2]}` on stdout with exit 0 gets version-2 requests for cases that belong
//! to an execution. Any other answer (an error exit, other output, no answer within
//! [`HANDSHAKE_LIMIT`]) means version 1 only — a v1 adapter, which cannot parse an empty
//! stdin, keeps working unchanged and those cases are `unavailable` for it.
//!
//! A version-2 request is a version-1 request with the task's identity and metadata and the
//! execution's identity (`task.id`, `task.metadata`, `context.executionId`, `context.nodeId`,
//! `context.workflowId`, `context.cacheDir`) and without `context.perRetryUniqueKey` (the
//! runtime derives it). Its result adds `attempts` and `cacheStatus`.

use std::time::Duration;

use serde_json::{Value, json};

use super::AdapterProblem;
use crate::protocol::literal::json::kind;
use crate::protocol::record::AttemptRecord;
use crate::runtime::Execution;
use crate::spec::suite::ExecutionIdentity;

/// The argument of the handshake.
pub const HANDSHAKE_ARG: &str = "--rawconf-contracts";

/// How long the handshake may take.
pub const HANDSHAKE_LIMIT: Duration = Duration::from_secs(30);

/// The `CatalogCacheStatus` names a result may give.
pub const CACHE_STATUSES: &[&str] = &[
    "CACHE_DISABLED",
    "CACHE_MISS",
    "CACHE_HIT",
    "CACHE_POPULATED",
    "CACHE_LOOKUP_FAILURE",
    "CACHE_PUT_FAILURE",
    "CACHE_SKIPPED",
    "CACHE_EVICTED",
];

/// Whether a handshake answer (exit 0 and this stdout) declares version 2.
pub fn declares_v2(stdout: &[u8]) -> bool {
    serde_json::from_slice::<Value>(stdout)
        .ok()
        .and_then(|v| v.get("contracts").cloned())
        .and_then(|c| c.as_array().cloned())
        .is_some_and(|c| c.iter().any(|x| x.as_u64() == Some(2)))
}

/// `flyteidl.core.Identifier` of the task.
pub fn task_id(id: &ExecutionIdentity) -> Value {
    json!({
        "resourceType": "TASK",
        "project": id.project,
        "domain": id.domain,
        "name": id.task,
        "version": id.task_version,
    })
}

/// `flyteidl.core.TaskMetadata` of the execution's task (what rawconf models of it).
pub fn task_metadata(ex: &Execution<'_>) -> Value {
    let meta = &ex.task.meta;
    let mut m = json!({
        "retries": {"retries": meta.retries},
        "discoverable": meta.cache_version.is_some(),
        "timeout": format!("{}s", crate::protocol::literal::go_float(ex.task.timeout.as_secs_f64())),
    });
    if let Some(v) = &meta.cache_version {
        m["discoveryVersion"] = json!(v);
    }
    m
}

/// `flyteidl.core.WorkflowExecutionIdentifier`.
pub fn execution_id(id: &ExecutionIdentity) -> Value {
    json!({"project": id.project, "domain": id.domain, "name": id.name})
}

/// `flyteidl.core.Identifier` of the workflow (its version is the task's).
pub fn workflow_id(id: &ExecutionIdentity) -> Value {
    json!({
        "resourceType": "WORKFLOW",
        "project": id.project,
        "domain": id.domain,
        "name": id.workflow,
        "version": id.task_version,
    })
}

/// What a version-2 result adds, parsed strictly.
#[derive(Debug, Clone, PartialEq)]
pub struct Around {
    /// `cacheStatus`.
    pub cache_status: String,
    /// `attempts`, in order.
    pub attempts: Vec<AttemptRecord>,
}

fn field(path: impl Into<String>, message: impl Into<String>) -> AdapterProblem {
    AdapterProblem::Field {
        path: path.into(),
        message: message.into(),
    }
}

/// Parses `attempts` and `cacheStatus` of a version-2 result whose top-level result is
/// `result` (and exit code `exit_code`, when reported): the last attempt must be that result,
/// and only a `CACHE_HIT` may have no attempt.
pub fn parse_around(
    map: &serde_json::Map<String, Value>,
    result: &Value,
    exit_code: Option<Option<i64>>,
) -> Result<Around, AdapterProblem> {
    let cache_status = match map.get("cacheStatus") {
        Some(Value::String(s)) if CACHE_STATUSES.contains(&s.as_str()) => s.clone(),
        Some(other) => {
            return Err(field(
                "cacheStatus",
                format!(
                    "expected a flyteidl.core.CatalogCacheStatus name ({}), found {other}",
                    CACHE_STATUSES.join(", ")
                ),
            ));
        }
        None => {
            return Err(field(
                "cacheStatus",
                "missing: a version-2 result says what the cache did (`CACHE_DISABLED` when the task is not cached)",
            ));
        }
    };
    let Some(Value::Array(items)) = map.get("attempts") else {
        return Err(field(
            "attempts",
            match map.get("attempts") {
                None => "missing: a version-2 result lists every attempt (one for a runtime that does not retry, none for a cache hit)".to_owned(),
                Some(other) => format!("expected an array of attempts, found {}", kind(other)),
            },
        ));
    };
    let mut attempts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("attempts[{i}]");
        let Value::Object(a) = item else {
            return Err(field(
                at,
                format!(
                    "expected an object {{exitCode, outputs | error}}, found {}",
                    kind(item)
                ),
            ));
        };
        if let Some(unknown) = a
            .keys()
            .find(|k| !["exitCode", "outputs", "error"].contains(&k.as_str()))
        {
            return Err(field(
                format!("{at}.{unknown}"),
                "unknown field (an attempt has: exitCode, outputs, error)",
            ));
        }
        let exit =
            match a.get("exitCode") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| {
                    field(format!("{at}.exitCode"), "expected an integer or null")
                })?),
                Some(other) => {
                    return Err(field(
                        format!("{at}.exitCode"),
                        format!("expected an integer or null, found {}", kind(other)),
                    ));
                }
            };
        let result = match (a.get("outputs"), a.get("error")) {
            (Some(o), None) => {
                crate::protocol::literal::LiteralMap::from_json(o, &format!("{at}.outputs"))
                    .map(|m| crate::protocol::outputs::Collected::Outputs(m).to_json())
                    .map_err(|e| field(e.path, e.message))?
            }
            (None, Some(e)) => {
                crate::protocol::literal::ContainerError::from_json(e, &format!("{at}.error"))
                    .map(|e| crate::protocol::outputs::Collected::Error(e).to_json())
                    .map_err(|e| field(e.path, e.message))?
            }
            _ => return Err(field(at, "expected exactly one of `outputs` and `error`")),
        };
        attempts.push(AttemptRecord {
            exit_code: exit,
            result,
        });
    }
    match attempts.last() {
        None if cache_status != "CACHE_HIT" => {
            return Err(field(
                "attempts",
                format!(
                    "empty, but `cacheStatus` is {cache_status}: only a cache hit runs no attempt"
                ),
            ));
        }
        Some(last) if &last.result != result => {
            return Err(field(
                format!("attempts[{}]", attempts.len() - 1),
                "the last attempt's outputs or error differ from the result's top-level `outputs`/`error`; they must be the same",
            ));
        }
        Some(last) if exit_code.is_some_and(|e| e != last.exit_code) => {
            return Err(field(
                format!("attempts[{}].exitCode", attempts.len() - 1),
                "differs from the top-level `exitCode`; the last attempt's must be the same",
            ));
        }
        _ => {}
    }
    Ok(Around {
        cache_status,
        attempts,
    })
}
