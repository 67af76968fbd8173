//! `rawconf template render`, `rawconf inputs write`, `rawconf outputs collect`: the protocol
//! stages as commands, so a vendor can ask "what should my runtime do here?".

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rawconf::protocol::inputs::{InputFormat, InputsRequest, write_inputs_from};
use rawconf::protocol::literal::{LiteralMap, TypedInterface, to_go_json};
use rawconf::protocol::outputs::{CollectRequest, collect_outputs};
use rawconf::protocol::profile::Profile;
use rawconf::protocol::template::{TemplateContext, render};
use rawconf::{Error, ExitCode, Result};

/// `rawconf template …`
#[derive(Debug, Subcommand)]
pub(crate) enum TemplateCommand {
    /// Render container arguments; prints a JSON array of the rendered strings. A rendering
    /// error (e.g. an unknown input name) exits 1 with the implementation's error text on stderr.
    Render(RenderArgs),
}

/// `rawconf inputs …`
#[derive(Debug, Subcommand)]
pub(crate) enum InputsCommand {
    /// Materialize an input directory as flyte-copilot's downloader does; prints
    /// `{"entries": [...], "error": <ContainerError>|null}` (a copilot error is a result: exit 0).
    Write(WriteArgs),
}

/// `rawconf outputs …`
#[derive(Debug, Subcommand)]
pub(crate) enum OutputsCommand {
    /// Read an output directory as flyte-copilot's sidecar does; prints `{"outputs": <LiteralMap>}`
    /// or `{"error": <ContainerError>}` (protobuf JSON) and exits 0 in both cases.
    Collect(CollectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RenderArgs {
    /// Input LiteralMap in protobuf JSON (a file, or `-` for stdin).
    #[arg(long, value_name = "FILE")]
    inputs: PathBuf,
    /// `{{.InputPrefix}}`; `{{.Input}}` is `<P>/inputs.pb`.
    #[arg(long, value_name = "P", default_value = "")]
    input_prefix: String,
    /// `{{.OutputPrefix}}`.
    #[arg(long, value_name = "P", default_value = "")]
    output_prefix: String,
    /// `{{.RawOutputDataPrefix}}`.
    #[arg(long, value_name = "P", default_value = "")]
    raw_output_prefix: String,
    /// Task execution name behind `{{.PerRetryUniqueKey}}` (sanitized as the backend does).
    #[arg(long, value_name = "K", default_value = "")]
    per_retry_unique_key: String,
    /// `{{.TaskTemplatePath}}` (without it, referencing the template is an error).
    #[arg(long, value_name = "P")]
    task_template_path: Option<String>,
    /// `{{.Namespace}}`.
    #[arg(long, value_name = "N", default_value = "")]
    namespace: String,
    /// `{{.PrevCheckpointPrefix}}` (empty renders as `""`).
    #[arg(long, value_name = "P", default_value = "")]
    prev_checkpoint_prefix: String,
    /// `{{.CheckpointOutputPrefix}}`.
    #[arg(long, value_name = "P", default_value = "")]
    checkpoint_output_prefix: String,
    /// flytekit-local: the task's input_data_dir (path-form references `<DIR>/<name>`).
    #[arg(long, value_name = "DIR")]
    input_data_dir: Option<String>,
    /// backend or flytekit-local.
    #[arg(long, default_value = "backend")]
    profile: Profile,
    /// The arguments to render (after `--`).
    #[arg(last = true, value_name = "ARG")]
    args: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct WriteArgs {
    /// Input LiteralMap in protobuf JSON (a file, or `-` for stdin).
    #[arg(long, value_name = "FILE")]
    inputs: PathBuf,
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The directory's path inside the container (blob paths in inputs.pb/json); default DIR.
    #[arg(long, value_name = "PATH")]
    container_dir: Option<String>,
    /// Metadata file: json, yaml or proto.
    #[arg(long, default_value = "json")]
    format: InputFormat,
    /// backend or flytekit-local (which writes nothing).
    #[arg(long, default_value = "backend")]
    profile: Profile,
    /// A JSON object mapping blob URIs to local paths (the adapter request's `blobs`): such a
    /// blob is read from its path.
    #[arg(long, value_name = "FILE")]
    blobs: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    /// TypedInterface in protobuf JSON, e.g. `{"outputs":{"variables":{"area":{"type":{"simple":"FLOAT"}}}}}`.
    #[arg(long, value_name = "FILE")]
    interface: PathBuf,
    /// The output directory the container wrote.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The directory's path inside the container, as error texts show it; default DIR.
    #[arg(long, value_name = "PATH")]
    container_dir: Option<String>,
    /// Blob outputs get the URI `<P>/<name>`; default `file://<host path>`.
    #[arg(long, value_name = "P")]
    raw_output_prefix: Option<String>,
    /// backend or flytekit-local.
    #[arg(long, default_value = "backend")]
    profile: Profile,
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?
    };
    serde_json::from_str(&text).map_err(|e| Error::Manifest {
        path: path.to_path_buf(),
        message: format!("not valid JSON: {e}"),
    })
}

fn read_literal_map(path: &Path) -> Result<LiteralMap> {
    LiteralMap::from_json(&read_json(path)?, "").map_err(|e| Error::Manifest {
        path: path.to_path_buf(),
        message: format!("not a flyteidl.core.LiteralMap: {e}"),
    })
}

pub(crate) fn template(cmd: TemplateCommand) -> Result<ExitCode> {
    let TemplateCommand::Render(a) = cmd;
    let ctx = TemplateContext {
        profile: a.profile,
        input_prefix: a.input_prefix,
        output_prefix: a.output_prefix,
        raw_output_prefix: a.raw_output_prefix,
        per_retry_unique_key: a.per_retry_unique_key,
        task_template_path: a.task_template_path,
        namespace: a.namespace,
        prev_checkpoint_prefix: a.prev_checkpoint_prefix,
        checkpoint_output_prefix: a.checkpoint_output_prefix,
        inputs: read_literal_map(&a.inputs)?,
        input_data_dir: a.input_data_dir,
    };
    match render(&a.args, &ctx) {
        Ok(out) => {
            println!("{}", serde_json::Value::from(out));
            Ok(ExitCode::Success)
        }
        Err(e) => {
            eprint!("{}", e.message);
            if !e.message.ends_with('\n') {
                eprintln!();
            }
            Ok(ExitCode::Failure)
        }
    }
}

pub(crate) fn inputs(cmd: InputsCommand) -> Result<ExitCode> {
    let InputsCommand::Write(a) = cmd;
    let map = read_literal_map(&a.inputs)?;
    let mirror = match &a.blobs {
        Some(p) => rawconf::protocol::blobs::read_mirror(p)?,
        None => Default::default(),
    };
    let listing = write_inputs_from(
        &InputsRequest {
            inputs: &map,
            dir: &a.dir,
            container_dir: a.container_dir.as_deref(),
            format: a.format,
            profile: a.profile,
        },
        &mirror,
    )?;
    let out = serde_json::json!({
        "entries": listing.entries,
        "error": listing.error.map(|e| e.to_json()),
    });
    println!("{}", to_go_json(&out));
    Ok(ExitCode::Success)
}

pub(crate) fn outputs(cmd: OutputsCommand) -> Result<ExitCode> {
    let OutputsCommand::Collect(a) = cmd;
    let json = read_json(&a.interface)?;
    let interface = TypedInterface::from_json(&json, "").map_err(|e| Error::Manifest {
        path: a.interface.clone(),
        message: format!("not a flyteidl.core.TypedInterface: {e}"),
    })?;
    let collected = collect_outputs(&CollectRequest {
        interface: &interface,
        dir: &a.dir,
        container_dir: a.container_dir.as_deref(),
        raw_output_prefix: a.raw_output_prefix.as_deref(),
        profile: a.profile,
    })?;
    println!("{}", to_go_json(&collected.to_json()));
    Ok(ExitCode::Success)
}
