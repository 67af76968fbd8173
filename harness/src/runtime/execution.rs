//! What Flyte's backend does around one task execution, as pure functions the reference
//! runtime (and tests) call: the generated name of an attempt and its `{{.PerRetryUniqueKey}}`,
//! the `FLYTE_*` environment in the plugin's order, the per-attempt prefixes, and which budget
//! a failed attempt spends (docs/protocol.md §10; the facts are protocol-2 §1–§2 with their
//! Flyte sources).

use crate::protocol::literal::{ContainerError, ErrorKind, ErrorOrigin};
use crate::protocol::template::sanitize_unique_key;
use crate::spec::suite::ExecutionIdentity;

/// The longest generated name the backend keeps as it is (`FixedLengthUniqueIDForParts(50, …)`
/// in propeller's `taskexec_context.go`); longer ones are hashed.
pub const GENERATED_NAME_MAX: usize = 50;

/// The platform's budget for system failures (`max-node-retries-system-failures`, propeller's
/// default 3): a run setting, recorded in the report's `meta`.
pub const DEFAULT_SYSTEM_RETRIES: u32 = 3;

/// The error code of a command line that could not be rendered (no container was created).
pub const RENDER_FAILED: &str = "TemplateRenderFailed";

/// The alphabet of the backend's unpadded base32 (`flyteplugins/…/encoding/encoder.go`).
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz123456";

/// FNV-1a, 32 bits.
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// Unpadded base32 of `bytes` in [`BASE32`]'s alphabet (RFC 4648 bit order).
fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in bytes {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// `FixedLengthUniqueIDForParts(max, parts)`: the parts joined by `-`, or, when that is longer
/// than `max`, `f` followed by the base32 of its FNV-1a-32 (big-endian): 8 characters.
pub fn fixed_length_unique_id(max: usize, parts: &[&str]) -> String {
    let joined = parts.join("-");
    if joined.len() <= max {
        return joined;
    }
    format!("f{}", base32(&fnv1a32(joined.as_bytes()).to_be_bytes()))
}

/// The generated name of an attempt: `[execution, node, attempt]` through
/// [`fixed_length_unique_id`] with [`GENERATED_NAME_MAX`].
pub fn generated_name(id: &ExecutionIdentity, attempt: u32) -> String {
    fixed_length_unique_id(
        GENERATED_NAME_MAX,
        &[&id.name, &id.node, &attempt.to_string()],
    )
}

/// `{{.PerRetryUniqueKey}}` of an attempt: its generated name, sanitized as the template
/// engine does.
pub fn per_retry_unique_key(id: &ExecutionIdentity, attempt: u32) -> String {
    sanitize_unique_key(&generated_name(id, attempt))
}

/// The variables the container plugin appends after the task's own env, in its order
/// (`k8s_resource_adds.go`): no console URL is configured, so `FLYTE_EXECUTION_URL` is never
/// among them, and literal offloading is off.
pub fn flyte_env(id: &ExecutionIdentity, attempt: u32) -> Vec<(String, String)> {
    [
        (
            "FLYTE_INTERNAL_EXECUTION_WORKFLOW",
            format!("{}:{}:{}", id.project, id.domain, id.workflow),
        ),
        ("FLYTE_INTERNAL_EXECUTION_ID", id.name.clone()),
        ("FLYTE_INTERNAL_EXECUTION_PROJECT", id.project.clone()),
        ("FLYTE_INTERNAL_EXECUTION_DOMAIN", id.domain.clone()),
        ("FLYTE_ATTEMPT_NUMBER", attempt.to_string()),
        ("FLYTE_INTERNAL_TASK_PROJECT", id.project.clone()),
        ("FLYTE_INTERNAL_TASK_DOMAIN", id.domain.clone()),
        ("FLYTE_INTERNAL_TASK_NAME", id.task.clone()),
        ("FLYTE_INTERNAL_TASK_VERSION", id.task_version.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The container's environment as the pod spec lists it: the task's env, then
/// [`flyte_env`]. Nothing de-duplicates the list; see [`effective_env`].
pub fn pod_env(task_env: &[(String, String)], id: &ExecutionIdentity, attempt: u32) -> Vec<String> {
    task_env
        .iter()
        .cloned()
        .chain(flyte_env(id, attempt))
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// What a process sees of a list with repeated names: Kubernetes keeps the **last** entry of
/// a name (protocol-2 §1, inferred), so the plugin's `FLYTE_INTERNAL_*` win over a task env of
/// the same name. Each name once, at the place of its last entry.
pub fn effective_env(listed: &[String]) -> Vec<String> {
    let name = |e: &String| e.split('=').next().unwrap_or_default().to_owned();
    listed
        .iter()
        .enumerate()
        .filter(|(i, e)| !listed[i + 1..].iter().any(|later| name(later) == name(e)))
        .map(|(_, e)| e.clone())
        .collect()
}

/// The prefixes of one attempt, laid out as the backend lays them out under its bases:
/// `{{.OutputPrefix}}` ends in `<node>/data/<attempt>`, `{{.RawOutputDataPrefix}}` in the
/// generated name (Flyte puts a shard before it; rawconf has none), the checkpoint under the
/// raw prefix, and `{{.PrevCheckpointPrefix}}` is the previous attempt's checkpoint (empty on
/// the first). `{{.Input}}` is not among them: it is the same for every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptPrefixes {
    /// `{{.OutputPrefix}}`.
    pub output: String,
    /// `{{.RawOutputDataPrefix}}`.
    pub raw_output: String,
    /// `{{.CheckpointOutputPrefix}}`.
    pub checkpoint: String,
    /// `{{.PrevCheckpointPrefix}}`.
    pub prev_checkpoint: String,
}

/// The checkpoint folder under an attempt's raw output prefix.
const CHECKPOINTS: &str = "_flytecheckpoints";

/// [`AttemptPrefixes`] of `attempt` under the bases `output_base` and `raw_base`.
pub fn attempt_prefixes(
    id: &ExecutionIdentity,
    attempt: u32,
    output_base: &str,
    raw_base: &str,
) -> AttemptPrefixes {
    let raw = |a: u32| format!("{raw_base}/{}", generated_name(id, a));
    AttemptPrefixes {
        output: format!("{output_base}/{}/data/{attempt}", id.node),
        raw_output: raw(attempt),
        checkpoint: format!("{}/{CHECKPOINTS}", raw(attempt)),
        prev_checkpoint: match attempt {
            0 => String::new(),
            n => format!("{}/{CHECKPOINTS}", raw(n - 1)),
        },
    }
}

/// Which budget a failed attempt spends (`isEligibleForRetry`, propeller `executor.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Never retried: a render failure (`FailedToBuildResource`), a non-recoverable error.
    Permanent,
    /// The task's `retries`: `_ERROR`, OOM, exit 137, any recoverable non-system error.
    User,
    /// The platform's budget: a plain non-zero exit (SYSTEM since Flyte v1.15.1), a timeout.
    System,
}

/// The budget `error` spends; `exit_code`/`oom_killed` are the container's, when one ran.
pub fn classify(error: &ContainerError, exit_code: Option<i64>, oom_killed: bool) -> Failure {
    if error.code == RENDER_FAILED || error.kind == ErrorKind::NonRecoverable {
        return Failure::Permanent;
    }
    // Exit 137 (247 after the sign) is the kernel's kill; OOMKilled likewise: user retryable.
    if oom_killed || matches!(exit_code, Some(137 | 247)) {
        return Failure::User;
    }
    match error.origin {
        ErrorOrigin::System => Failure::System,
        ErrorOrigin::User | ErrorOrigin::Unknown => Failure::User,
    }
}

/// The two budgets of one node execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// The task's `retries`.
    pub retries: u32,
    /// The platform's `max-node-retries-system-failures`.
    pub system: u32,
}

/// The attempts so far of one node execution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Attempts that failed with a system failure.
    pub system_failures: u32,
    /// Attempts made (including the one that just failed).
    pub attempts: u32,
}

impl Tally {
    /// Counts a failed attempt and says whether another attempt is made: a system failure
    /// while fewer than `system` system failures came before it; any other recoverable one
    /// while `attempts − system failures < retries + 1`.
    pub fn retry_after(&mut self, failure: Failure, budgets: Budgets) -> bool {
        let system_before = self.system_failures;
        self.attempts += 1;
        match failure {
            Failure::Permanent => false,
            Failure::System => {
                self.system_failures += 1;
                system_before < budgets.system
            }
            Failure::User => self.attempts - self.system_failures < budgets.retries + 1,
        }
    }
}

/// The error code of a render failure (no container was created).
pub fn render_failed(error: &ContainerError) -> bool {
    error.code == RENDER_FAILED
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str) -> ExecutionIdentity {
        ExecutionIdentity {
            project: "flytesnacks".into(),
            domain: "development".into(),
            name: name.into(),
            node: "n0".into(),
            workflow: "wf".into(),
            task: "t".into(),
            task_version: "v1".into(),
        }
    }

    /// The vectors of protocol-2 §2 (Flyte's encoder tests and the 50-character name).
    #[test]
    fn generated_names_hash_past_fifty_characters() {
        let a50 = "a".repeat(50);
        assert_eq!(generated_name(&id(&a50), 0), "fw6ud4zi");
        assert_eq!(generated_name(&id(&a50), 1), "fw2ud1uq");
        assert_eq!(generated_name(&id("f1a2b3"), 0), "f1a2b3-n0-0");
        assert_eq!(per_retry_unique_key(&id("f1a2b3"), 1), "f1a2b3_n0_1");
        // Exactly 50 stays; 51 is hashed.
        let at50 = "x".repeat(45);
        assert_eq!(
            fixed_length_unique_id(50, &[&at50, "n0", "0"]),
            format!("{at50}-n0-0")
        );
        assert_eq!(
            fixed_length_unique_id(50, &[&"x".repeat(46), "n0", "0"]).len(),
            8
        );
    }

    /// flyteplugins `encoder_test.go`: `TestFixedLengthUniqueID` "largeID" and
    /// `TestFixedLengthUniqueIDForParts` "largeID" (FNV-1a-32).
    #[test]
    fn encoder_vectors() {
        assert_eq!(fixed_length_unique_id(20, &[&"x".repeat(24)]), "fuaa3aji");
        let parts = [
            "x", "y", "z", "m", "n", "y", "z", "m", "n", "y", "z", "m", "n",
        ];
        assert_eq!(fixed_length_unique_id(15, &parts), "fe63sz6y");
        assert_eq!(fixed_length_unique_id(10, &["x", "y", "z"]), "x-y-z");
    }

    #[test]
    fn the_plugin_env_comes_last_and_wins() {
        let listed = pod_env(
            &[
                ("FLYTE_ATTEMPT_NUMBER".into(), "7".into()),
                ("A".into(), "1".into()),
            ],
            &id("e"),
            2,
        );
        assert_eq!(listed.len(), 11);
        assert_eq!(listed[0], "FLYTE_ATTEMPT_NUMBER=7");
        let seen = effective_env(&listed);
        assert_eq!(seen.len(), 10);
        assert!(seen.contains(&"FLYTE_ATTEMPT_NUMBER=2".to_owned()));
        assert!(!seen.contains(&"FLYTE_ATTEMPT_NUMBER=7".to_owned()));
    }

    #[test]
    fn budgets() {
        let b = Budgets {
            retries: 0,
            system: 3,
        };
        let mut t = Tally::default();
        // A plain non-zero exit: three system retries even with retries = 0.
        assert!(t.retry_after(Failure::System, b));
        assert!(t.retry_after(Failure::System, b));
        assert!(t.retry_after(Failure::System, b));
        assert!(!t.retry_after(Failure::System, b));
        let mut t = Tally::default();
        assert!(!t.retry_after(Failure::User, b));
        let b = Budgets {
            retries: 2,
            system: 3,
        };
        let mut t = Tally::default();
        assert!(t.retry_after(Failure::User, b));
        assert!(t.retry_after(Failure::System, b));
        assert!(t.retry_after(Failure::User, b));
        assert!(!t.retry_after(Failure::User, b));
        assert!(!Tally::default().retry_after(Failure::Permanent, b));
    }

    #[test]
    fn prefixes_differ_per_attempt() {
        let p0 = attempt_prefixes(&id("e"), 0, "/o", "/r");
        let p1 = attempt_prefixes(&id("e"), 1, "/o", "/r");
        assert_eq!(p0.output, "/o/n0/data/0");
        assert_eq!(p1.raw_output, "/r/e-n0-1");
        assert_eq!(p0.prev_checkpoint, "");
        assert_eq!(p1.prev_checkpoint, p0.checkpoint);
    }
}
