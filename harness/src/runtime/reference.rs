//! The reference runtime: Flyte's backend semantics on a local Docker engine.
//!
//! Per case: a fresh work dir; the command rendered by propeller's rules; the input dir written
//! as copilot's downloader does; the container run sandboxed with the input dir bound read-only
//! and the output dir read-write at the task's paths; outputs collected as copilot's sidecar
//! does. What the pod phase decides on Kubernetes is decided here as follows:
//!
//! - a non-zero exit is a system failure (protocol.md §4.4): the result is
//!   `ContainerError{code: "UnknownError", kind: RECOVERABLE, origin: SYSTEM}` with the
//!   container's exit code in the message, whatever the output dir holds;
//! - a downloader error (`errors.pb` written at input time, e.g. `inputs.json` cannot hold NaN)
//!   still lets the container run — the downloader exits 0 — but the error document is already
//!   in the output prefix, so the task fails with it (protocol.md §4.2 step 6; the reader's
//!   precedence of `errors.pb` is inferred from flyteplugins, not run).

use std::sync::Arc;
use std::time::Instant;

use bollard::Docker;

use super::execution::AttemptPrefixes;
use super::{Collected, Executed, Execution, Reported};
use crate::engine::container::{Bind, ContainerSpec, Sandbox};
use crate::engine::warm::{Layout, Pool};
use crate::engine::workspace::Workspace;
use crate::error::{Error, Result};
use crate::protocol::inputs::{InputsRequest, write_inputs_from};
use crate::protocol::literal::{ContainerError, ErrorKind, ErrorOrigin, LiteralMap};
use crate::protocol::outputs::{CollectRequest, collect_outputs};
use crate::protocol::profile::Profile;
use crate::protocol::record::{Record, snapshot_dir};
use crate::protocol::template::{TemplateContext, render};
use crate::spec::suite::TaskSpec;

/// The output prefix templates see: where copilot would upload `outputs.pb`.
pub const OUTPUT_PREFIX: &str = "/var/flyte/output-prefix";
/// The raw output data prefix templates see.
pub const RAW_OUTPUT_PREFIX: &str = "/var/flyte/raw-output";
/// The task template path templates see (`{{.TaskTemplatePath}}`; nothing is stored there,
/// the container only sees the string).
pub const TASK_TEMPLATE_PATH: &str = "/var/flyte/task-template.pb";
/// The namespace templates see.
pub const NAMESPACE: &str = "rawconf";

/// The execution name behind `{{.PerRetryUniqueKey}}` for a trial `<language>/<suite>/<case>`:
/// derived from the trial alone, so a golden that shows the key is the same in every run and
/// for every runtime (the adapter request's `context.perRetryUniqueKey` is the same string).
pub fn execution_name(trial: &str) -> String {
    format!("rawconf-{trial}")
}

/// Runs cases on a Docker engine.
#[derive(Debug, Clone)]
pub struct Reference {
    docker: Docker,
    sandbox: Sandbox,
    /// Warm mode's container pool; `None`: a fresh container per case.
    pool: Option<Arc<Pool>>,
    /// `max-node-retries-system-failures`: system failures retried per node.
    system_retries: u32,
}

impl Reference {
    /// Whether the engine still answers (a ping): `Err` is the engine gone mid-run.
    pub async fn ping(&self) -> Result<()> {
        self.docker.ping().await.map(drop).map_err(|e| {
            Error::docker(
                format!(
                    "the Docker engine at {} stopped answering mid-run ({e})",
                    crate::env::docker_host()
                ),
                e,
            )
        })
    }

    /// A reference runtime on `docker` with the default sandbox, a fresh container per case.
    pub fn new(docker: Docker) -> Reference {
        Reference {
            docker,
            sandbox: Sandbox::default(),
            pool: None,
            system_retries: super::execution::DEFAULT_SYSTEM_RETRIES,
        }
    }

    /// The same runtime in warm mode: cases run by exec in `pool`'s containers.
    pub fn warm(docker: Docker, pool: Arc<Pool>) -> Reference {
        Reference {
            pool: Some(pool),
            ..Reference::new(docker)
        }
    }

    /// The warm pool, in warm mode.
    pub fn pool(&self) -> Option<&Arc<Pool>> {
        self.pool.as_ref()
    }

    /// Executes one case, named after its run and language (`{{.PerRetryUniqueKey}}`).
    pub async fn execute(&self, ex: &Execution<'_>) -> Result<Executed> {
        let name = format!("{}-{}", ex.run_id, ex.language.name);
        self.execute_named(ex, &name).await
    }

    /// Executes one case whose execution is called `name` (see [`execution_name`]). A case
    /// that belongs to an execution (`ex.identity`) runs as the backend runs a node: cache
    /// lookup, attempts within the two budgets, prior runs first (`runtime::attempts`); any
    /// other case runs once, its `{{.PerRetryUniqueKey}}` derived from `name`.
    pub async fn execute_named(&self, ex: &Execution<'_>, name: &str) -> Result<Executed> {
        if let Some(id) = ex.identity {
            return self.execute_around(ex, id).await;
        }
        // flytekit's local executor passes no environment to Docker (protocol.md §2.1).
        let env: Vec<String> = match ex.profile {
            Profile::Backend => ex
                .task
                .env
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
            Profile::FlytekitLocal => Vec::new(),
        };
        let setting = Setting {
            name: name.to_owned(),
            env,
            prefixes: None,
        };
        Ok(self
            .run_container(ex, ex.task, ex.inputs, &setting)
            .await?
            .executed)
    }

    /// The platform's budget for system failures this runtime applies.
    pub fn system_retries(&self) -> u32 {
        self.system_retries
    }

    /// The same runtime with another `max-node-retries-system-failures`.
    pub fn with_system_retries(mut self, n: u32) -> Reference {
        self.system_retries = n;
        self
    }

    /// Runs one container for `task` with `inputs` under `setting`: render, materialize, run,
    /// collect. A render failure runs nothing and is a result.
    pub(super) async fn run_container(
        &self,
        ex: &Execution<'_>,
        task: &TaskSpec,
        inputs: &LiteralMap,
        setting: &Setting,
    ) -> Result<Ran> {
        let started = Instant::now();
        // The pod lists the env with repeats; the process sees each name once (the last).
        let env = super::execution::effective_env(&setting.env);
        // A task that declares no inputs gets no downloader and no input volume (protocol.md
        // §4.1, R4.1-4); flytekit's local executor mounts no input directory at all (§5.1).
        let downloads =
            ex.profile == Profile::Backend && !task.interface.inputs.variables.is_empty();
        // A fresh work dir, or a warm container's bound dirs (crate::engine::workspace).
        let layout = Layout {
            image: ex.image.to_owned(),
            env: env.clone(),
            input_at: downloads.then(|| task.input_data_dir.clone()),
            output_at: task.output_data_dir.clone(),
            sandbox: self.sandbox.clone(),
        };
        let mut work = Workspace::new(self.pool.as_ref(), &layout).await?;
        let (input_dir, output_dir) = (work.input_dir(), work.output_dir());

        let prefixes = setting.prefixes.clone().unwrap_or_else(|| AttemptPrefixes {
            output: OUTPUT_PREFIX.into(),
            raw_output: RAW_OUTPUT_PREFIX.into(),
            checkpoint: String::new(),
            prev_checkpoint: String::new(),
        });
        let ctx = TemplateContext {
            profile: ex.profile,
            input_prefix: task.input_data_dir.clone(),
            output_prefix: prefixes.output,
            raw_output_prefix: prefixes.raw_output,
            prev_checkpoint_prefix: prefixes.prev_checkpoint,
            checkpoint_output_prefix: prefixes.checkpoint,
            per_retry_unique_key: setting.name.clone(),
            task_template_path: Some(TASK_TEMPLATE_PATH.into()),
            namespace: NAMESPACE.into(),
            inputs: inputs.clone(),
            input_data_dir: Some(task.input_data_dir.clone()),
        };
        // Command and args are rendered element by element (so their split survives) and stay
        // apart: Kubernetes `command` replaces the entrypoint, `args` the image's cmd.
        let command = task.command.as_ref().unwrap_or(&ex.language.command);
        let templates: Vec<String> = command.iter().chain(&task.args).cloned().collect();
        let argv = match render(&templates, &ctx) {
            Ok(argv) => argv,
            Err(e) => {
                // Pod creation fails: nothing runs.
                let error = ContainerError {
                    code: super::execution::RENDER_FAILED.into(),
                    message: e.to_string(),
                    kind: ErrorKind::NonRecoverable,
                    origin: ErrorOrigin::System,
                };
                let executed = Executed::without_container(
                    Collected::Error(error),
                    started.elapsed(),
                    vec![setting.env.clone()],
                );
                return Ok(Ran {
                    executed,
                    oom_killed: false,
                });
            }
        };

        let listing = if downloads {
            write_inputs_from(
                &InputsRequest {
                    inputs,
                    dir: &input_dir,
                    container_dir: Some(&task.input_data_dir),
                    format: task.format,
                    profile: ex.profile,
                },
                &ex.blobs.mirror()?,
            )?
        } else {
            Default::default()
        };
        let input_files = snapshot_dir(&input_dir)?;

        let (rendered_command, rendered_args) = argv.split_at(command.len());
        let spec = ContainerSpec {
            image: ex.image.to_owned(),
            command: rendered_command.to_vec(),
            args: rendered_args.to_vec(),
            env,
            binds: [
                downloads.then(|| Bind {
                    host: input_dir.clone(),
                    container: task.input_data_dir.clone(),
                    read_only: true,
                }),
                Some(Bind {
                    host: output_dir.clone(),
                    container: task.output_data_dir.clone(),
                    read_only: false,
                }),
            ]
            .into_iter()
            .flatten()
            .collect(),
            timeout: task.timeout,
            sandbox: self.sandbox.clone(),
        };
        let run = work.run(&self.docker, &spec, ex.run_id).await?;
        let files = snapshot_dir(&output_dir)?;

        let collected = if let Some(error) = listing.error {
            Collected::Error(error)
        } else if let Some(code) = run
            .exit_code
            // flytekit's local executor ignores the exit status (protocol.md §5.1 step 10).
            .filter(|c| *c != 0 && ex.profile == Profile::Backend)
        {
            Collected::Error(ContainerError {
                code: "UnknownError".into(),
                message: format!(
                    "[primary] terminated with exit code ({code}). Reason [{}]. Message: ",
                    if run.oom_killed { "OOMKilled" } else { "Error" }
                ),
                kind: ErrorKind::Recoverable,
                origin: ErrorOrigin::System,
            })
        } else if run.timed_out {
            Collected::Error(ContainerError {
                code: "Timeout".into(),
                message: format!(
                    "the container ran longer than {:?} and was killed",
                    task.timeout
                ),
                kind: ErrorKind::Recoverable,
                origin: ErrorOrigin::System,
            })
        } else {
            collect_outputs(&CollectRequest {
                interface: &task.interface,
                dir: &output_dir,
                container_dir: Some(&task.output_data_dir),
                raw_output_prefix: Some(RAW_OUTPUT_PREFIX),
                profile: ex.profile,
            })?
        };

        let mut result = collected.to_json();
        // flytekit's local blob outputs name the host's (temporary) output dir.
        crate::protocol::record::replace_in_strings(
            &mut result,
            &output_dir.to_string_lossy(),
            crate::protocol::record::HOST_OUTPUT_DIR,
        );
        let mut record = Record {
            argv,
            input_files: input_files.files,
            input_files_omitted: input_files.omitted,
            exit_code: run.exit_code,
            timed_out: run.timed_out,
            files: files.files,
            files_omitted: files.omitted,
            result,
            execution: None,
        };
        record.canonicalise();
        Ok(Ran {
            executed: Executed {
                record,
                collected,
                stdout: run.stdout,
                stderr: run.stderr,
                duration: started.elapsed(),
                reported: Reported::ALL,
                env: vec![setting.env.clone()],
            },
            oom_killed: run.oom_killed,
        })
    }
}

/// How one container of a case runs: the generated name behind `{{.PerRetryUniqueKey}}`, the
/// environment as the pod lists it, and the attempt's prefixes (`None`: the fixed ones of a
/// case without an execution).
#[derive(Debug, Clone)]
pub(super) struct Setting {
    pub(super) name: String,
    pub(super) env: Vec<String>,
    pub(super) prefixes: Option<AttemptPrefixes>,
}

/// One container's run: what it produced, and whether the kernel killed it for memory (which
/// decides its retry budget).
#[derive(Debug, Clone)]
pub(super) struct Ran {
    pub(super) executed: Executed,
    pub(super) oom_killed: bool,
}
