//! Suites and cases: data files under `tests/suites/<suite>.toml`, with stable string ids.
//!
//! A suite declares one task interface (typed inputs and outputs, data dirs, timeout) and a
//! list of named cases, each with its input values and, optionally, expected failures keyed by
//! `<profile>/<language>` globs. Goldens, expected-failure globs, trial names and reports all
//! refer to cases as `<suite>/<case>`, never by position.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// A simple Flyte type a suite's interface may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleType {
    /// 64-bit signed integer.
    Integer,
    /// IEEE binary64.
    Float,
    /// UTF-8 string.
    String,
    /// Boolean.
    Boolean,
}

/// An input value of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A float (NaN and infinities allowed).
    Float(f64),
    /// An integer.
    Integer(i64),
    /// A string.
    String(String),
    /// A boolean.
    Boolean(bool),
}

impl Value {
    /// The value as a float, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// The task every case of a suite runs (the image and command come from the language).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// Declared inputs, by name.
    pub inputs: BTreeMap<String, SimpleType>,
    /// Declared outputs, by name.
    pub outputs: BTreeMap<String, SimpleType>,
    /// Where input files are written inside the container.
    pub input_data_dir: String,
    /// Where the container writes its outputs.
    pub output_data_dir: String,
    /// Wall-clock limit per case.
    pub timeout: Duration,
}

/// One named execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Stable id, kebab-case, unique in the suite.
    pub id: String,
    /// One line saying what the case probes.
    pub about: String,
    /// Input values, by name (exactly the task's inputs).
    pub inputs: BTreeMap<String, Value>,
    /// Expected failures declared on the case: `<profile>/<language>` glob → reason.
    pub xfail: BTreeMap<String, String>,
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
    /// The task interface.
    pub task: TaskSpec,
    /// Cases, in file order.
    pub cases: Vec<Case>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    inputs: BTreeMap<String, SimpleType>,
    outputs: BTreeMap<String, SimpleType>,
    input_data_dir: String,
    output_data_dir: String,
    timeout: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    #[serde(default)]
    about: String,
    inputs: BTreeMap<String, toml::Value>,
    #[serde(default)]
    xfail: BTreeMap<String, String>,
}

impl Suite {
    /// Loads and validates a suite file.
    pub fn load(path: &Path) -> Result<Suite> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |message: String| Error::Manifest {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawSuite = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        let timeout = parse_timeout(&raw.task.timeout).ok_or_else(|| {
            bad(format!(
                "field `task.timeout`: expected a duration such as `60s` or `2m`, found `{}`",
                raw.task.timeout
            ))
        })?;
        let task = TaskSpec {
            inputs: raw.task.inputs,
            outputs: raw.task.outputs,
            input_data_dir: raw.task.input_data_dir,
            output_data_dir: raw.task.output_data_dir,
            timeout,
        };
        let mut cases: Vec<Case> = Vec::new();
        for (i, c) in raw.cases.into_iter().enumerate() {
            let field = |f: &str| format!("field `case[{i}].{f}` (id `{}`)", c.id);
            if !valid_id(&c.id) {
                return Err(bad(format!(
                    "{}: expected a kebab-case id (a-z, 0-9, `-`)",
                    field("id")
                )));
            }
            if cases.iter().any(|seen| seen.id == c.id) {
                return Err(bad(format!("{}: the id is used twice", field("id"))));
            }
            let mut inputs = BTreeMap::new();
            for (name, ty) in &task.inputs {
                let raw_value = c
                    .inputs
                    .get(name)
                    .ok_or_else(|| bad(format!("{}: missing input `{name}`", field("inputs"))))?;
                let value = convert(*ty, raw_value).ok_or_else(|| {
                    bad(format!(
                        "{}: input `{name}` must be a {ty:?}, found `{raw_value}`",
                        field("inputs")
                    ))
                })?;
                inputs.insert(name.clone(), value);
            }
            if let Some(extra) = c.inputs.keys().find(|k| !task.inputs.contains_key(*k)) {
                return Err(bad(format!(
                    "{}: `{extra}` is not an input of the task (inputs: {})",
                    field("inputs"),
                    task.inputs.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            cases.push(Case {
                id: c.id,
                about: c.about,
                inputs,
                xfail: c.xfail,
            });
        }
        Ok(Suite {
            name: raw.suite,
            description: raw.description,
            path: path.to_path_buf(),
            task,
            cases,
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

    /// A digest of the suite file, so a report says exactly which cases it ran.
    pub fn digest(&self) -> Result<String> {
        use sha2::Digest;
        let bytes = std::fs::read(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let hash = sha2::Sha256::digest(&bytes);
        Ok(hash.iter().map(|b| format!("{b:02x}")).collect())
    }
}

fn convert(ty: SimpleType, v: &toml::Value) -> Option<Value> {
    Some(match (ty, v) {
        (SimpleType::Float, toml::Value::Float(f)) => Value::Float(*f),
        (SimpleType::Float, toml::Value::Integer(i)) => Value::Float(*i as f64),
        (SimpleType::Integer, toml::Value::Integer(i)) => Value::Integer(*i),
        (SimpleType::String, toml::Value::String(s)) => Value::String(s.clone()),
        (SimpleType::Boolean, toml::Value::Boolean(b)) => Value::Boolean(*b),
        _ => return None,
    })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `90s`, `2m`, `500ms`, `1h`.
fn parse_timeout(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().ok()?;
    Some(match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
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
        assert_eq!(parse_timeout("60s"), Some(Duration::from_secs(60)));
        assert_eq!(parse_timeout("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_timeout("60"), None);
        assert_eq!(parse_timeout("s"), None);
    }
}
