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
use crate::literal::{
    Literal, LiteralMap, LiteralType, Primitive, SimpleType, TypedInterface, Variable, VariableMap,
};

/// The task every case of a suite runs (the image and command come from the language).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// Declared inputs and outputs.
    pub interface: TypedInterface,
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
    /// Input literals, by name (exactly the task's inputs).
    pub inputs: LiteralMap,
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
        let doc = crate::tomlerr::Doc::new(&text);
        let raw: RawSuite = toml::from_str(&text).map_err(|e| bad(doc.describe(&e, HINTS)))?;
        let timeout = parse_timeout(&raw.task.timeout).ok_or_else(|| {
            bad(format!(
                "{}field `task.timeout`: expected a duration such as `60s`, `2m`, `500ms` or `1h`, found `{}`",
                doc.at("task.timeout"),
                raw.task.timeout
            ))
        })?;
        let input_types = simple_types(&raw.task.inputs, "task.inputs", &doc).map_err(bad)?;
        let output_types = simple_types(&raw.task.outputs, "task.outputs", &doc).map_err(bad)?;
        let task = TaskSpec {
            interface: TypedInterface {
                inputs: variables(&input_types),
                outputs: variables(&output_types),
            },
            input_data_dir: raw.task.input_data_dir,
            output_data_dir: raw.task.output_data_dir,
            timeout,
        };
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
                    "{}: expected a kebab-case id (a-z, 0-9, `-`)",
                    field("id")
                )));
            }
            if cases.iter().any(|seen| seen.id == c.id) {
                return Err(bad(format!("{}: the id is used twice", field("id"))));
            }
            let mut inputs = BTreeMap::new();
            for (name, ty) in &input_types {
                let raw_value = c
                    .inputs
                    .get(name)
                    .ok_or_else(|| bad(format!("{}: missing input `{name}`", field("inputs"))))?;
                let value = convert(*ty, raw_value).ok_or_else(|| {
                    bad(format!(
                        "{}: input `{name}` must be a {}, found `{raw_value}`",
                        field("inputs"),
                        ty.name()
                    ))
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
                xfail: c.xfail,
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
        "`INTEGER` | `FLOAT` | `STRING` | `BOOLEAN`",
    ),
    (
        "task.outputs.*",
        "`INTEGER` | `FLOAT` | `STRING` | `BOOLEAN`",
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

fn simple_types(
    raw: &BTreeMap<String, String>,
    field: &str,
    doc: &crate::tomlerr::Doc<'_>,
) -> std::result::Result<BTreeMap<String, SimpleType>, String> {
    raw.iter()
        .map(|(name, ty)| {
            SimpleType::ALL
                .into_iter()
                .find(|t| t.name() == ty)
                .filter(|t| {
                    matches!(
                        t,
                        SimpleType::Integer | SimpleType::Float | SimpleType::String | SimpleType::Boolean
                    )
                })
                .map(|t| (name.clone(), t))
                .ok_or_else(|| {
                    format!(
                        "{}field `{field}.{name}`: expected INTEGER, FLOAT, STRING or BOOLEAN, found `{ty}`",
                        doc.at(&format!("{field}.{name}"))
                    )
                })
        })
        .collect()
}

fn variables(types: &BTreeMap<String, SimpleType>) -> VariableMap {
    VariableMap {
        variables: types
            .iter()
            .map(|(name, t)| {
                (
                    name.clone(),
                    Variable {
                        literal_type: LiteralType::Simple(*t),
                        description: String::new(),
                    },
                )
            })
            .collect(),
    }
}

fn convert(ty: SimpleType, v: &toml::Value) -> Option<Literal> {
    let p = match (ty, v) {
        (SimpleType::Float, toml::Value::Float(f)) => Primitive::Float(*f),
        (SimpleType::Float, toml::Value::Integer(i)) => Primitive::Float(*i as f64),
        (SimpleType::Integer, toml::Value::Integer(i)) => Primitive::Integer(*i),
        (SimpleType::String, toml::Value::String(s)) => Primitive::String(s.clone()),
        (SimpleType::Boolean, toml::Value::Boolean(b)) => Primitive::Boolean(*b),
        _ => return None,
    };
    Some(Literal::primitive(p))
}

/// The float value of input `name`, if it is a float primitive.
pub fn float_input(inputs: &LiteralMap, name: &str) -> Option<f64> {
    match inputs.literals.get(name)? {
        Literal::Scalar(crate::literal::Scalar::Primitive(Primitive::Float(f))) => Some(*f),
        _ => None,
    }
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
