//! The request rawconf writes to an adapter's stdin (contract version [`REQUEST_VERSION`]).
//!
//! Flyte IDL parts (the interface, the input literals) are in the protobuf JSON mapping, with
//! doubles spelled as Go's `protojson` spells them (`3`, not `3.0`), so a vendor can parse them
//! with their own Flyte bindings — except negative zero, written `-0.0` rather than Go's `-0`:
//! Python's `json` (and so protobuf's `json_format`) reads `-0` as the integer 0 and would lose
//! the sign before the runtime ever saw it. The task's `command`/`args` are the *unrendered* templates:
//! rendering them is the runtime's job, and part of what is judged.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::protocol::inputs::InputFormat;
use crate::protocol::literal::{go_float, to_json_with};
use crate::runtime::Execution;

/// The contract version this rawconf speaks; bumped on any incompatible change.
pub const REQUEST_VERSION: u32 = 1;

/// The namespace templates see (`{{.Namespace}}`), as the reference runtime uses.
pub const NAMESPACE: &str = "rawconf";

/// One request: a task, its inputs and the execution context.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Contract version ([`REQUEST_VERSION`]).
    pub version: u32,
    /// The trial id `<language>/<suite>/<case>`, for the adapter's logs.
    pub case: String,
    /// The task to run.
    pub task: TaskJson,
    /// The input literals: a `flyteidl.core.LiteralMap`.
    pub inputs: Value,
    /// Where things go, and the values of the context templates.
    pub context: Context,
    /// Blob URI → local path: where to read each blob input the runtime cannot fetch (the
    /// suite's `s3://rawconf-fixtures/…` objects, [`crate::protocol::blobs`]). Absent when the inputs
    /// hold no such blob, so a request without blobs is what it always was.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub blobs: std::collections::BTreeMap<String, String>,
}

/// The task, as Flyte's `TaskTemplate` + `Container` would carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskJson {
    /// Task name, `rawconf.<suite>.<language>`.
    pub name: String,
    /// The image reference, present on the local Docker engine.
    pub image: String,
    /// `Container.command`, templates not rendered.
    pub command: Vec<String>,
    /// `Container.args`, templates not rendered.
    pub args: Vec<String>,
    /// A `flyteidl.core.TypedInterface`.
    pub interface: Value,
    /// `Container.data_config` (`flyteidl.core.DataLoadingConfig`).
    pub data_config: DataConfig,
    /// `Container.env`: `flyteidl.core.KeyValuePair`s.
    pub env: Vec<KeyValue>,
    /// Wall-clock limit of the container, in seconds.
    pub timeout_seconds: f64,
    /// Version 2: the task's `flyteidl.core.Identifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// Version 2: the task's `flyteidl.core.TaskMetadata` (retries, cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `flyteidl.core.DataLoadingConfig`: where the container finds inputs and leaves outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataConfig {
    /// Whether the data plane (copilot) is used; always true for these tasks.
    pub enabled: bool,
    /// The input directory inside the container.
    pub input_path: String,
    /// The output directory inside the container.
    pub output_path: String,
    /// The metadata file format of the input dir: `JSON`, `YAML` or `PROTO`.
    pub format: String,
}

/// `flyteidl.core.KeyValuePair`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    /// Variable name.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// The execution context: values of the non-input templates and local places to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// `{{.OutputPrefix}}`: an (existing, empty) directory where the runtime may put
    /// `outputs.pb`/`errors.pb`.
    pub output_prefix: String,
    /// `{{.RawOutputDataPrefix}}`: an (existing, empty) directory for offloaded data.
    pub raw_output_prefix: String,
    /// The execution name behind `{{.PerRetryUniqueKey}}` (the runtime sanitizes it); absent
    /// from a version-2 request, whose runtime derives the key itself.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub per_retry_unique_key: String,
    /// `{{.Namespace}}`.
    pub namespace: String,
    /// `{{.TaskTemplatePath}}`: a file holding the `task` object as JSON.
    pub task_template_path: String,
    /// The adapter's working directory, fresh for this case and removed after it.
    pub work_dir: String,
    /// Version 2: the `flyteidl.core.WorkflowExecutionIdentifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<Value>,
    /// Version 2: the node's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// Version 2: the workflow's `flyteidl.core.Identifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<Value>,
    /// Version 2: a directory for the task cache, the same for every request of one case (its
    /// prior runs and its run) and for no other case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<String>,
}

impl Request {
    /// The request for `ex` in the work directory `work`.
    pub fn new(ex: &Execution<'_>, trial: &str, work: &Path) -> Request {
        let path = |name: &str| work.join(name).to_string_lossy().into_owned();
        Request {
            version: REQUEST_VERSION,
            case: trial.to_owned(),
            task: TaskJson {
                name: task_name(trial, &ex.language.name),
                image: ex.image.to_owned(),
                command: ex
                    .task
                    .command
                    .clone()
                    .unwrap_or_else(|| ex.language.command.clone()),
                args: ex.task.args.clone(),
                interface: ex.task.interface.to_json(),
                data_config: DataConfig {
                    enabled: true,
                    input_path: ex.task.input_data_dir.clone(),
                    output_path: ex.task.output_data_dir.clone(),
                    format: match ex.task.format {
                        InputFormat::Json => "JSON",
                        InputFormat::Yaml => "YAML",
                        InputFormat::Proto => "PROTO",
                    }
                    .to_owned(),
                },
                env: ex
                    .task
                    .env
                    .iter()
                    .map(|(key, value)| KeyValue {
                        key: key.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                timeout_seconds: ex.task.timeout.as_secs_f64(),
                id: None,
                metadata: None,
            },
            inputs: ex.inputs.to_json(),
            context: Context {
                output_prefix: path("output-prefix"),
                raw_output_prefix: path("raw-output"),
                per_retry_unique_key: crate::runtime::execution_name(trial),
                namespace: NAMESPACE.to_owned(),
                task_template_path: path("task.json"),
                work_dir: work.to_string_lossy().into_owned(),
                execution_id: None,
                node_id: None,
                workflow_id: None,
                cache_dir: None,
            },
            blobs: Default::default(),
        }
    }

    /// The version-2 request for `ex`, which belongs to execution `id`, its cache in
    /// `cache_dir` (see [`super::v2`]).
    pub fn v2(
        ex: &Execution<'_>,
        id: &crate::spec::suite::ExecutionIdentity,
        trial: &str,
        work: &Path,
        cache_dir: &Path,
    ) -> Request {
        let mut r = Request::new(ex, trial, work);
        r.version = 2;
        r.task.id = Some(super::v2::task_id(id));
        r.task.metadata = Some(super::v2::task_metadata(ex));
        r.context.per_retry_unique_key = String::new();
        r.context.execution_id = Some(super::v2::execution_id(id));
        r.context.node_id = Some(id.node.clone());
        r.context.workflow_id = Some(super::v2::workflow_id(id));
        r.context.cache_dir = Some(cache_dir.to_string_lossy().into_owned());
        r
    }

    /// The request as one line of JSON, doubles in Go's spelling (negative zero as `-0.0`).
    pub fn to_json_line(&self) -> String {
        let mut line = String::new();
        write_json(
            &serde_json::to_value(self).expect("requests serialize"),
            &mut line,
        );
        line.push('\n');
        line
    }

    /// The `task` object as the file at `taskTemplatePath` holds it (one line of JSON).
    pub fn task_file(&self) -> String {
        let mut text = String::new();
        write_json(
            &serde_json::to_value(&self.task).expect("tasks serialize"),
            &mut text,
        );
        text.push('\n');
        text
    }
}

/// `rawconf.<suite>.<language>` from a trial id `<language>/<suite>/<case>`.
fn task_name(trial: &str, language: &str) -> String {
    match trial.split('/').nth(1) {
        Some(suite) => format!("rawconf.{suite}.{language}"),
        None => format!("rawconf.{language}"),
    }
}

/// [`crate::protocol::literal::to_go_json`], but negative zero is `-0.0` (see the module documentation).
fn write_json(v: &Value, out: &mut String) {
    out.push_str(&to_json_with(v, &|x: f64| {
        if x == 0.0 && x.is_sign_negative() {
            "-0.0".to_owned()
        } else {
            go_float(x)
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_keep_go_spelling_and_the_sign_of_zero() {
        let v = serde_json::json!({"a": [-0.0, 0.0, 3.0, 1e21, 1e-7, "x"], "b": {"c": 2.5}});
        let mut out = String::new();
        write_json(&v, &mut out);
        assert_eq!(out, r#"{"a":[-0.0,0,3,1e+21,1e-7,"x"],"b":{"c":2.5}}"#);
    }
}
