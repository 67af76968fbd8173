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
//! `DURATION` (inputs in Go syntax, `"1h30m"`), `NONE` (the value `{ none = true }`), `BLOB` (a file) and `MULTIPART_BLOB` (a
//! directory; as inputs given inline or as fixtures, see `suite/blob.rs`), `LIST<T>`, `MAP<T>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use serde::Deserialize;

mod blob;
mod task;

use crate::error::{Error, Result};
pub use crate::inputs::InputFormat;
use crate::literal::{Literal, LiteralMap, Primitive, TypedInterface};
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
    /// The local data behind the case's blob inputs, by URI.
    pub blobs: crate::blobs::Blobs,
}

/// A suite: a task and its cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// Suite name (`ellipse`).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// The suite's task (cases may replace parts of it, see [`Case::task`]).
    pub task: TaskSpec,
    /// Cases, in file order.
    pub cases: Vec<Case>,
    /// Known limitations that apply to every language running this suite's task
    /// (`[[limitation]]`, e.g. what the runtime itself cannot carry), for the property runner.
    pub limitations: Vec<crate::limitation::Limitation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    suite: String,
    #[serde(default)]
    description: String,
    task: RawTask,
    #[serde(rename = "case")]
    cases: Vec<RawCase>,
    #[serde(default)]
    limitation: Vec<crate::limitation::RawLimitation>,
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
        let doc = crate::tomlerr::Doc::new(text);
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
            },
            None,
            "task",
            &doc,
        )
        .map_err(bad)?;
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
            let input_types = &case_task.interface.inputs.variables;
            let mut inputs = BTreeMap::new();
            let mut blobs = crate::blobs::Blobs::default();
            let fixtures = blob::fixtures_dir(path);
            for (name, var) in input_types {
                let raw_value = c
                    .inputs
                    .get(name)
                    .ok_or_else(|| bad(format!("{}: missing input `{name}`", field("inputs"))))?;
                let mut ctx = blob::BlobContext {
                    fixtures: &fixtures,
                    blobs: &mut blobs,
                };
                let value = convert(&var.literal_type, raw_value, &mut ctx).map_err(|why| {
                    bad(match why {
                        None => format!(
                            "{}: input `{name}` must be a {}, found `{raw_value}`",
                            field("inputs"),
                            type_name(&var.literal_type)
                        ),
                        Some(why) => format!(
                            "{}: input `{name}` ({}): {why}",
                            field("inputs"),
                            type_name(&var.literal_type)
                        ),
                    })
                })?;
                inputs.insert(name.clone(), value);
            }
            if let Some(extra) = c.inputs.keys().find(|k| !input_types.contains_key(*k)) {
                return Err(bad(format!(
                    "{}: `{extra}` is not an input of the task (inputs: {})",
                    field("inputs"),
                    input_types.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            cases.push(Case {
                id: c.id,
                about: c.about,
                inputs: LiteralMap { literals: inputs },
                task: case_task,
                expect_timeout: c.expect_timeout,
                xfail: c.xfail,
                blobs,
            });
        }
        let limitations = crate::limitation::validate(raw.limitation, &path.display().to_string())
            .map_err(bad)?;
        Ok(Suite {
            name: raw.suite,
            description: raw.description,
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

/// Accepted values named in deserialization errors, by field path (see [`crate::tomlerr`]).
const HINTS: crate::tomlerr::Hints<'static> = &[
    (
        "task.inputs.*",
        "`INTEGER` | `FLOAT` | `STRING` | `BOOLEAN` | `DATETIME` | `DURATION` | `NONE` | `BLOB` | `MULTIPART_BLOB`",
    ),
    (
        "task.outputs.*",
        "`INTEGER` | `FLOAT` | `STRING` | `BOOLEAN` | `DATETIME` | `DURATION` | `NONE` | `BLOB` | `MULTIPART_BLOB`",
    ),
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
        Literal::Scalar(crate::literal::Scalar::Primitive(Primitive::Float(f))) => Some(*f),
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
