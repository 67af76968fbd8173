//! Suites and cases: data files under `tests/suites/<suite>.toml`, with stable string ids.
//!
//! A suite declares one task (typed inputs and outputs, data dirs, timeout) and a list of named
//! cases, each with its input values and, optionally, expected failures keyed by
//! `<profile>/<language>` globs. Goldens, expected-failure globs, trial names and reports all
//! refer to cases as `<suite>/<case>`, never by position.
//!
//! A case may replace any part of the suite's task with its own `[case.task]` table —
//! `inputs`, `outputs`, `command`, `args`, `env`, `format`, `input_data_dir`,
//! `output_data_dir`, `timeout` — so a protocol probe can declare exactly the interface and
//! command line one rule needs. Parts it does not name come from the suite's `[task]`; a case
//! without `command` runs the language's command (followed by the case's `args`).
//!
//! Case ids are kebab-case words, optionally grouped by `/` into areas
//! (`outputs/error-file-with-outputs`); the golden of such a case lives in a sub-folder.
//!
//! Types: `INTEGER`, `FLOAT`, `STRING`, `BOOLEAN`, `DATETIME` (inputs as RFC 3339 strings),
//! `DURATION` (inputs in Go syntax, `"1h30m"`), `NONE` (the value `{ none = true }`), `STRUCT`
//! (`{ struct = { … } }`), `BINARY` (`{ msgpack = … }` or `{ binary = "<base64>", tag = … }`), `ERROR`
//! (`{ error = "…" }`), `BLOB` (a file) and `MULTIPART_BLOB` (a directory; as inputs given inline
//! or as fixtures, see `suite/blob.rs`), `STRUCTURED_DATASET` (`{ uri = "…" }`), `LIST<T>`,
//! `MAP<T>`, `UNION<T1, T2, …>`.
//!
//! Why this file is long: a suite resolves in one pass over one parsed document (the suite's
//! task, each case's overrides, its execution identity and prior runs, its inputs and blobs), so
//! every error can name its line and column; the types, blobs and execution syntax are in their
//! own files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use serde::Deserialize;

mod blob;
mod execution;
mod task;

pub use execution::{ExecutionIdentity, PriorRun, TaskMeta};

use crate::error::{Error, Result};
pub use crate::protocol::inputs::InputFormat;
use crate::protocol::literal::{Literal, LiteralMap, Primitive, TypedInterface};
use task::{RawTaskOverride, convert, resolve_task, type_name};

/// The task a case runs (the image, and the command unless the case names one, come from the
/// language).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// Declared inputs and outputs.
    pub interface: TypedInterface,
    /// `Container.command`; `None` runs the language's command.
    pub command: Option<Vec<String>>,
    /// `Container.args`, kept apart from the command as Flyte does (protocol.md §2.2).
    pub args: Vec<String>,
    /// `Container.env`, in name order.
    pub env: Vec<(String, String)>,
    /// The metadata file the input dir gets besides `inputs.pb` (`DataLoadingConfig.format`).
    pub format: InputFormat,
    /// Where input files are written inside the container.
    pub input_data_dir: String,
    /// Where the container writes its outputs.
    pub output_data_dir: String,
    /// Wall-clock limit per case.
    pub timeout: StdDuration,
    /// Retries and cache (`TaskMetadata`); the default is neither.
    pub meta: TaskMeta,
}

/// One named execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Stable id, kebab-case, unique in the suite.
    pub id: String,
    /// One line saying what the case probes.
    pub about: String,
    /// Input literals, by name (exactly the task's inputs).
    pub inputs: LiteralMap,
    /// The task this case runs: the suite's, with the case's `[case.task]` parts applied.
    pub task: TaskSpec,
    /// The case probes the runtime's timeout: a killed container is its expected result,
    /// judged like any other, not the `timeout` outcome.
    pub expect_timeout: bool,
    /// Expected failures declared on the case: `<profile>/<language>` glob → reason.
    pub xfail: BTreeMap<String, String>,
    /// Which execution the case belongs to (the suite's `[execution]` with the case's
    /// `[case.execution]` over it); `None` in a suite without `[execution]`.
    pub identity: Option<ExecutionIdentity>,
    /// Runs that go before the case in its cache (`[[case.prior]]`), in order.
    pub prior: Vec<PriorRun>,
    /// The local data behind the case's blob inputs (and its prior runs'), by URI.
    pub blobs: crate::protocol::blobs::Blobs,
}

/// How a suite's results are judged: chosen by the suite file (`judge = "…"`), so a new
/// suite is data only and the run never asks a suite's name what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JudgeKind {
    /// The ellipse programs' oracle: π·a·b at each language's declared arithmetic, the
    /// `metadata` text, the known limitations (the language manifest's `[ellipse]` table),
    /// then the golden.
    Ellipse,
    /// The golden snapshot alone (blessed from the reference runtime), with what the protocol
    /// leaves open relaxed, and under another profile the departures from the backend golden.
    Golden,
}

impl JudgeKind {
    /// The name the suite file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            JudgeKind::Ellipse => "ellipse",
            JudgeKind::Golden => "golden",
        }
    }
}

/// A suite: a task and its cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// Suite name (`ellipse`).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// How its results are judged.
    pub judge: JudgeKind,
    /// The file it was read from.
    pub path: PathBuf,
    /// The suite's task (cases may replace parts of it, see [`Case::task`]).
    pub task: TaskSpec,
    /// Cases, in file order.
    pub cases: Vec<Case>,
    /// Known limitations that apply to every language running this suite's task
    /// (`[[limitation]]`, e.g. what the runtime itself cannot carry), for the property runner.
    pub limitations: Vec<crate::spec::limitation::Limitation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    suite: String,
    #[serde(default)]
    description: String,
    judge: JudgeKind,
    task: RawTask,
    #[serde(rename = "case")]
    cases: Vec<RawCase>,
    #[serde(default)]
    limitation: Vec<crate::spec::limitation::RawLimitation>,
    #[serde(default)]
    execution: Option<execution::RawIdentity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    inputs: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    input_data_dir: String,
    output_data_dir: String,
    timeout: String,
    #[serde(default)]
    command: Option<Vec<String>>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    retries: Option<u32>,
    #[serde(default)]
    cache: Option<bool>,
    #[serde(default)]
    cache_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    inputs: BTreeMap<String, toml::Value>,
    #[serde(default)]
    task: Option<RawTaskOverride>,
    #[serde(default, rename = "expect-timeout")]
    expect_timeout: bool,
    #[serde(default)]
    xfail: BTreeMap<String, String>,
    #[serde(default)]
    execution: Option<execution::RawIdentity>,
    #[serde(default)]
    prior: Vec<RawPrior>,
}

/// `[[case.prior]]`: a run before the case, in its cache.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrior {
    #[serde(default)]
    about: String,
    #[serde(default)]
    inputs: Option<BTreeMap<String, toml::Value>>,
    #[serde(default)]
    task: Option<RawTaskOverride>,
    #[serde(default)]
    execution: Option<execution::RawIdentity>,
}

impl Suite {
    /// Loads and validates a suite file.
    pub fn load(path: &Path) -> Result<Suite> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Suite::from_text(path, &text)
    }

    /// Validates suite `text` as if it had been read from `path` (named in errors and kept as
    /// [`Suite::path`]). [`Suite::load`] is this after reading the file; the entry exists so the
    /// parser can be fuzzed from bytes (`fuzz/`).
    pub fn from_text(path: &Path, text: &str) -> Result<Suite> {
        let bad = |message: String| Error::Manifest {
            path: path.to_path_buf(),
            message,
        };
        let doc = crate::spec::tomlerr::Doc::new(text);
        let raw: RawSuite = toml::from_str(text).map_err(|e| bad(doc.describe(&e, HINTS)))?;
        let base = raw.task;
        let task = resolve_task(
            &RawTaskOverride {
                inputs: Some(base.inputs),
                outputs: Some(base.outputs),
                input_data_dir: Some(base.input_data_dir),
                output_data_dir: Some(base.output_data_dir),
                timeout: Some(base.timeout),
                command: base.command,
                args: Some(base.args),
                env: Some(base.env),
                format: base.format,
                retries: base.retries,
                cache: base.cache,
                cache_version: base.cache_version,
            },
            None,
            "task",
            &doc,
        )
        .map_err(bad)?;
        let suite_identity = raw
            .execution
            .as_ref()
            .map(|r| execution::resolve_identity(r, None, "execution"))
            .transpose()
            .map_err(|e| bad(format!("{}{e}", doc.at("execution"))))?;
        let mut cases: Vec<Case> = Vec::new();
        for (i, c) in raw.cases.into_iter().enumerate() {
            let field = |f: &str| {
                format!(
                    "{}field `case[{i}].{f}` (id `{}`)",
                    doc.at(&format!("case[{i}].{f}")),
                    c.id
                )
            };
            if !valid_id(&c.id) {
                return Err(bad(format!(
                    "{}: expected a kebab-case id (a-z, 0-9, `-`), optionally grouped into areas by `/`",
                    field("id")
                )));
            }
            if cases.iter().any(|seen| seen.id == c.id) {
                return Err(bad(format!("{}: the id is used twice", field("id"))));
            }
            let case_task = match &c.task {
                Some(o) => resolve_task(o, Some(&task), &format!("case[{i}].task"), &doc)
                    .map_err(|e| bad(format!("{e} (case id `{}`)", c.id)))?,
                None => task.clone(),
            };
            let mut blobs = crate::protocol::blobs::Blobs::default();
            let fixtures = blob::fixtures_dir(path);
            let mut ctx = blob::BlobContext {
                fixtures: &fixtures,
                blobs: &mut blobs,
            };
            let inputs =
                case_inputs(&case_task, &c.inputs, &field("inputs"), &mut ctx).map_err(bad)?;
            let identity = match (&suite_identity, &c.execution) {
                (Some(base), Some(own)) => Some(
                    execution::resolve_identity(own, Some(base), &format!("case[{i}].execution"))
                        .map_err(|e| {
                        bad(format!(
                            "{}{e} (case id `{}`)",
                            doc.at(&format!("case[{i}].execution")),
                            c.id
                        ))
                    })?,
                ),
                (Some(base), None) => Some(base.clone()),
                (None, Some(_)) => {
                    return Err(bad(format!(
                        "{}: the suite has no `[execution]` table to lay it over; declare the execution's identity there first",
                        field("execution")
                    )));
                }
                (None, None) => None,
            };
            let mut prior = Vec::new();
            for (j, p) in c.prior.iter().enumerate() {
                let at = format!("case[{i}].prior[{j}]");
                let Some(case_identity) = &identity else {
                    return Err(bad(format!(
                        "{}: prior runs need the suite's `[execution]` table (a run's cache belongs to an execution)",
                        field(&format!("prior[{j}]"))
                    )));
                };
                let task = match &p.task {
                    Some(o) => resolve_task(o, Some(&case_task), &format!("{at}.task"), &doc)
                        .map_err(|e| bad(format!("{e} (case id `{}`)", c.id)))?,
                    None => case_task.clone(),
                };
                let inputs = match &p.inputs {
                    Some(raw_inputs) => LiteralMap {
                        literals: case_inputs(
                            &task,
                            raw_inputs,
                            &field(&format!("prior[{j}].inputs")),
                            &mut ctx,
                        )
                        .map_err(bad)?,
                    },
                    None if task.interface.inputs == case_task.interface.inputs => LiteralMap {
                        literals: inputs.clone(),
                    },
                    None => {
                        return Err(bad(format!(
                            "{}: the prior run changes the task's inputs, so it must give its own `inputs`",
                            field(&format!("prior[{j}]"))
                        )));
                    }
                };
                let identity = match &p.execution {
                    Some(own) => execution::resolve_identity(
                        own,
                        Some(case_identity),
                        &format!("{at}.execution"),
                    )
                    .map_err(|e| {
                        bad(format!(
                            "{}{e} (case id `{}`)",
                            doc.at(&format!("{at}.execution")),
                            c.id
                        ))
                    })?,
                    None => case_identity.clone(),
                };
                prior.push(PriorRun {
                    about: p.about.clone(),
                    task,
                    inputs,
                    identity,
                });
            }
            cases.push(Case {
                id: c.id,
                about: c.about,
                inputs: LiteralMap { literals: inputs },
                task: case_task,
                expect_timeout: c.expect_timeout,
                xfail: c.xfail,
                identity,
                prior,
                blobs,
            });
        }
        let limitations =
            crate::spec::limitation::validate(raw.limitation, &path.display().to_string())
                .map_err(bad)?;
        Ok(Suite {
            name: raw.suite,
            description: raw.description,
            judge: raw.judge,
            path: path.to_path_buf(),
            task,
            cases,
            limitations,
        })
    }

    /// Loads `<dir>/<name>.toml`.
    pub fn named(dir: &Path, name: &str) -> Result<Suite> {
        let path = dir.join(format!("{name}.toml"));
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "unknown suite `{name}`: no {}",
                path.display()
            )));
        }
        Suite::load(&path)
    }

    /// Every suite file (`*.toml`) of `dir`, sorted by name (`rawconf run --suite all`).
    pub fn all(dir: &Path) -> Result<Vec<Suite>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths.iter().map(|p| Suite::load(p)).collect()
    }

    /// A digest of the suite file, so a report says exactly which cases it ran.
    pub fn digest(&self) -> Result<String> {
        use sha2::Digest;
        let bytes = std::fs::read(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let hash = sha2::Sha256::digest(&bytes);
        Ok(hash.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The case's input values converted to the literals `task` declares: every input given,
/// nothing else. `field` names the table in errors.
fn case_inputs(
    task: &TaskSpec,
    raw: &BTreeMap<String, toml::Value>,
    field: &str,
    ctx: &mut blob::BlobContext<'_>,
) -> std::result::Result<BTreeMap<String, Literal>, String> {
    let input_types = &task.interface.inputs.variables;
    let mut inputs = BTreeMap::new();
    for (name, var) in input_types {
        let raw_value = raw
            .get(name)
            .ok_or_else(|| format!("{field}: missing input `{name}`"))?;
        let value = convert(&var.literal_type, raw_value, ctx).map_err(|why| match why {
            None => format!(
                "{field}: input `{name}` must be a {}, found `{raw_value}`",
                type_name(&var.literal_type)
            ),
            Some(why) => format!(
                "{field}: input `{name}` ({}): {why}",
                type_name(&var.literal_type)
            ),
        })?;
        inputs.insert(name.clone(), value);
    }
    if let Some(extra) = raw.keys().find(|k| !input_types.contains_key(*k)) {
        return Err(format!(
            "{field}: `{extra}` is not an input of the task (inputs: {})",
            input_types.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(inputs)
}

/// Accepted values named in deserialization errors, by field path (see [`crate::spec::tomlerr`]).
const HINTS: crate::spec::tomlerr::Hints<'static> = &[
    (
        "judge",
        "`ellipse` (the ellipse oracle, then the golden) | `golden` (the golden snapshot alone)",
    ),
    ("task.inputs.*", task::TYPES),
    ("task.outputs.*", task::TYPES),
    (
        "task.timeout",
        "a duration string such as `\"60s\"`, `\"2m\"`, `\"500ms\"`, `\"1h\"`",
    ),
    (
        "task.input_data_dir",
        "a path string such as `\"/var/inputs\"`",
    ),
    (
        "task.output_data_dir",
        "a path string such as `\"/var/outputs\"`",
    ),
    ("case[*].id", "a kebab-case string (a-z, 0-9, `-`)"),
    (
        "task.retries",
        "a non-negative integer (`TaskMetadata.retries`)",
    ),
    (
        "case[*].task.retries",
        "a non-negative integer (`TaskMetadata.retries`)",
    ),
    ("case[*].prior[*].task.retries", "a non-negative integer"),
    ("case[*].task.cache", "`true` or `false`"),
    ("case[*].task.cache_version", "a non-empty string"),
    ("execution.*", "a non-empty string"),
    ("case[*].execution.*", "a non-empty string"),
    ("case[*].about", "a string"),
    (
        "case[*].xfail",
        "a table of `\"<profile>/<language glob>\" = \"reason\"`",
    ),
    ("case[*].xfail.*", "a reason string"),
    (
        "limitation[*].profiles",
        "a list of `backend` | `flytekit-local`",
    ),
];

/// The float value of input `name`, if it is a float primitive.
pub fn float_input(inputs: &LiteralMap, name: &str) -> Option<f64> {
    match inputs.literals.get(name)? {
        Literal::Scalar(crate::protocol::literal::Scalar::Primitive(Primitive::Float(f))) => {
            Some(*f)
        }
        _ => None,
    }
}

/// Kebab-case words, optionally grouped into areas by `/` (`template/dollar-prefix`).
fn valid_id(id: &str) -> bool {
    id.split('/').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    })
}

/// `90s`, `2m`, `500ms`, `1h`.
fn parse_timeout(text: &str) -> Option<StdDuration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    Some(match unit {
        "ms" => StdDuration::from_millis(n),
        "s" => StdDuration::from_secs(n),
        "m" => StdDuration::from_secs(n * 60),
        "h" => StdDuration::from_secs(n * 3600),
        _ => return None,
    })
}

/// The folder holding the suite files.
pub fn suites_dir() -> PathBuf {
    crate::env::suites_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("60s"), Some(StdDuration::from_secs(60)));
        assert_eq!(parse_timeout("2m"), Some(StdDuration::from_secs(120)));
        assert_eq!(parse_timeout("60"), None);
        assert_eq!(parse_timeout("s"), None);
    }
}
