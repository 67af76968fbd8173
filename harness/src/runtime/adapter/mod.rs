//! The adapter runtime: a vendor's program that executes cases, driven over stdin/stdout.
//!
//! `--runtime 'cmd:PROGRAM ARGS…'` names it; ARGS are split like a POSIX shell would
//! (`shell-words`), a relative PROGRAM containing `/` is resolved against rawconf's current
//! directory. Per case rawconf:
//!
//! 1. makes a fresh work directory holding `task.json` (the request's `task`) and the empty
//!    directories `output-prefix/` and `raw-output/`;
//! 2. starts PROGRAM there (own process group, environment plus `RAWCONF_BIN`), writes one
//!    JSON [`Request`] to its stdin and closes it;
//! 3. waits at most the task's timeout plus [`Adapter::margin`] (default [`DEFAULT_MARGIN`]);
//!    on expiry the process group is stopped and the case is a `timeout`;
//! 4. reads the exit status: `0` → one JSON result on stdout, parsed strictly
//!    ([`parse_result`]); [`UNSUPPORTED_EXIT`] (33) → `unavailable`, the adapter's stderr
//!    being the reason; anything else → `harness-error`;
//! 5. removes the work directory.
//!
//! The contract is written down for vendors in `docs/adapter.md` and
//! `docs/adapter.schema.json`.
//!
//! Why this file is long: one adapter process's life — handshake, work dir, spawn in its own
//! process group, deadline, kill, exit-status mapping — reads as one sequence; the request,
//! the result and contract v2 already live in their own files.

mod process;
mod request;
mod result;
pub mod v2;

pub use request::{Context, DataConfig, KeyValue, NAMESPACE, REQUEST_VERSION, Request, TaskJson};
pub use result::{AdapterResult, RESULT_FIELDS, RESULT_FIELDS_V2, parse_result, parse_result_for};

use std::path::PathBuf;
use std::time::Duration;

use super::{Attempt, Executed, Execution, NotRun, Reported};
use crate::error::{Error, Result};
use crate::protocol::record::{Record, cap_listing};

/// The exit status meaning "this runtime does not support a feature the case needs" (as in
/// cwltest): the case is `unavailable`, not failed.
pub const UNSUPPORTED_EXIT: i32 = 33;

/// Time an adapter gets beyond the task's own timeout: process start-up, container creation,
/// collection.
pub const DEFAULT_MARGIN: Duration = Duration::from_secs(30);

/// Environment variable holding the path of the `rawconf` binary, for adapters that call its
/// protocol commands (`template render`, `inputs write`, `outputs collect`).
pub const RAWCONF_BIN_ENV: &str = "RAWCONF_BIN";

/// What went wrong with an adapter on one case. Always names both, so a line in a report of
/// hundreds of cases says which program to fix and how to reproduce.
#[derive(Debug, thiserror::Error)]
#[error("adapter `{adapter}` on case `{case}`: {problem}")]
pub struct AdapterError {
    /// The `cmd:…` runtime string.
    pub adapter: String,
    /// The trial id.
    pub case: String,
    /// What happened.
    pub problem: AdapterProblem,
}

/// The ways an adapter can break the contract.
#[derive(Debug, thiserror::Error)]
pub enum AdapterProblem {
    /// The program could not be started.
    #[error("the program could not be started: {0}")]
    Spawn(std::io::Error),
    /// rawconf could not prepare the work directory.
    #[error("preparing the work directory: {0}")]
    WorkDir(String),
    /// A non-zero exit status other than 33.
    #[error(
        "it exited with status {code}; expected 0 with a result on stdout, or {UNSUPPORTED_EXIT} for an unsupported feature{}",
        last_line(.stderr)
    )]
    Exit {
        /// The exit status.
        code: i32,
        /// The adapter's stderr.
        stderr: String,
    },
    /// Killed by a signal that rawconf did not send.
    #[error("it was killed by signal {signal}; expected exit status 0 or {UNSUPPORTED_EXIT}")]
    Signal {
        /// The signal number.
        signal: i32,
    },
    /// Exit 0 but stdout is not one JSON document.
    #[error(
        "stdout is not one JSON document ({error}); expected one result object, `{{\"outputs\": <LiteralMap>}}` or `{{\"error\": <ContainerError>}}`; {excerpt}"
    )]
    NotJson {
        /// The parser's message.
        error: String,
        /// The beginning of stdout.
        excerpt: String,
    },
    /// The result's JSON does not fit the contract.
    #[error("result field `{path}`: {message}")]
    Field {
        /// JSON path of the field (`$` for the whole document).
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

fn last_line(stderr: &str) -> String {
    match stderr.lines().rev().find(|l| !l.trim().is_empty()) {
        Some(line) => format!(" (last line of its stderr: `{}`)", line.trim()),
        None => " (its stderr was empty)".to_owned(),
    }
}

/// A vendor's adapter program.
#[derive(Debug, Clone)]
pub struct Adapter {
    spec: String,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    margin: Duration,
    /// The contract versions the adapter declared in its handshake, asked once per run.
    contracts: std::sync::Arc<tokio::sync::OnceCell<u32>>,
}

impl Adapter {
    /// Parses `cmd:PROGRAM ARGS…`. A usage error names what is wrong.
    pub fn parse(spec: &str) -> Result<Adapter> {
        let rest = spec.strip_prefix("cmd:").ok_or_else(|| {
            Error::Usage(format!(
                "unknown runtime `{spec}`: expected `reference` or `cmd:PROGRAM ARGS…`"
            ))
        })?;
        let words = shell_words::split(rest)
            .map_err(|e| Error::Usage(format!("--runtime `{spec}`: {e}")))?;
        let Some((program, args)) = words.split_first() else {
            return Err(Error::Usage(format!(
                "--runtime `{spec}`: no program after `cmd:`"
            )));
        };
        let mut program = PathBuf::from(program);
        // The adapter runs in its work directory: a relative path must not change meaning.
        if program.is_relative() && program.components().count() > 1 {
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            program = cwd.join(program);
        }
        Ok(Adapter {
            spec: spec.to_owned(),
            program,
            args: args.to_vec(),
            env: Vec::new(),
            margin: DEFAULT_MARGIN,
            contracts: Default::default(),
        })
    }

    /// The same adapter with another margin beyond the task's timeout.
    pub fn with_margin(mut self, margin: Duration) -> Adapter {
        self.margin = margin;
        self
    }

    /// The same adapter with `RAWCONF_BIN` pointing at a `rawconf` binary.
    pub fn with_rawconf_bin(mut self, path: impl Into<PathBuf>) -> Adapter {
        let path: PathBuf = path.into();
        self.env.retain(|(k, _)| k != RAWCONF_BIN_ENV);
        self.env.push((
            RAWCONF_BIN_ENV.to_owned(),
            path.to_string_lossy().into_owned(),
        ));
        self
    }

    /// The `cmd:…` string, as given.
    pub fn name(&self) -> String {
        self.spec.clone()
    }

    /// The margin beyond the task's timeout.
    pub fn margin(&self) -> Duration {
        self.margin
    }

    /// The highest contract version the adapter speaks: 2 when it answered the handshake
    /// ([`v2::HANDSHAKE_ARG`]) with `{"contracts": [.., 2]}`, else 1. Asked once per adapter.
    pub async fn contract(&self) -> u32 {
        *self
            .contracts
            .get_or_init(|| async {
                let mut args = self.args.clone();
                args.push(v2::HANDSHAKE_ARG.to_owned());
                let program = process::Program {
                    program: &self.program,
                    args: &args,
                    env: &self.env,
                };
                let Ok(dir) = crate::engine::scratch::tempdir("adapter-handshake") else {
                    return 1;
                };
                match process::invoke(program, dir.path(), b"", v2::HANDSHAKE_LIMIT).await {
                    Ok(run)
                        if run.status.is_some_and(|s| s.success())
                            && v2::declares_v2(&run.stdout) =>
                    {
                        2
                    }
                    _ => 1,
                }
            })
            .await
    }

    /// Executes one case through the adapter (see the module documentation). A case that
    /// belongs to an execution needs contract version 2: its prior runs are sent first, each
    /// as its own request sharing the case's `cacheDir`, then the case; an adapter that speaks
    /// only version 1 gets none of it and the case is `unavailable`.
    pub async fn attempt(&self, ex: &Execution<'_>, trial: &str) -> Result<Attempt> {
        let Some(id) = ex.identity else {
            return self.exchange(ex, trial, None).await;
        };
        if self.contract().await < 2 {
            return Ok(Attempt::Unsupported(NotRun {
                reason: format!(
                    "adapter `{}` speaks contract version 1 (it did not answer `{}` with {{\"contracts\": [1, 2]}}); case `{trial}` belongs to an execution (identity, attempts, cache) and needs version 2 (docs/adapter.md)",
                    self.spec,
                    v2::HANDSHAKE_ARG
                ),
                stdout: Vec::new(),
                stderr: Vec::new(),
                duration: Duration::ZERO,
            }));
        }
        let cache = match crate::engine::scratch::tempdir("adapter-cache") {
            Ok(d) => d,
            Err(e) => {
                return Ok(Attempt::Broken(NotRun {
                    reason: format!(
                        "adapter `{}` on case `{trial}`: preparing the cache dir: {e}",
                        self.spec
                    ),
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    duration: Duration::ZERO,
                }));
            }
        };
        let mut prior = Vec::new();
        for p in ex.prior {
            let prior_ex = Execution {
                task: &p.task,
                inputs: &p.inputs,
                identity: Some(&p.identity),
                prior: &[],
                ..ex.clone()
            };
            match self
                .exchange(&prior_ex, trial, Some((&p.identity, cache.path())))
                .await?
            {
                Attempt::Executed(e) => {
                    let around = e.record.execution.unwrap_or_else(|| {
                        unreachable!("a version-2 exchange records the execution")
                    });
                    prior.push(crate::protocol::record::PriorRecord {
                        cache_status: around.cache_status,
                        attempts: around.attempts,
                        result: e.record.result,
                    });
                }
                other => return Ok(other),
            }
        }
        let attempt = self.exchange(ex, trial, Some((id, cache.path()))).await?;
        Ok(match attempt {
            Attempt::Executed(mut e) => {
                if let Some(around) = &mut e.record.execution {
                    around.prior = prior;
                }
                Attempt::Executed(e)
            }
            other => other,
        })
    }

    /// One request and its result: version 1, or version 2 for execution `v2.0` with its cache
    /// in `v2.1`.
    async fn exchange(
        &self,
        ex: &Execution<'_>,
        trial: &str,
        v2: Option<(&crate::spec::suite::ExecutionIdentity, &std::path::Path)>,
    ) -> Result<Attempt> {
        let fault = |problem: AdapterProblem| AdapterError {
            adapter: self.spec.clone(),
            case: trial.to_owned(),
            problem,
        };
        let broken = |problem: AdapterProblem, stdout: Vec<u8>, stderr: Vec<u8>, d: Duration| {
            Attempt::Broken(NotRun {
                reason: fault(problem).to_string(),
                stdout,
                stderr,
                duration: d,
            })
        };

        let work = match prepare() {
            Ok(w) => w,
            Err(e) => {
                return Ok(broken(
                    AdapterProblem::WorkDir(e),
                    Vec::new(),
                    Vec::new(),
                    Duration::ZERO,
                ));
            }
        };
        let mut request = match v2 {
            Some((id, cache)) => Request::v2(ex, id, trial, work.path(), cache),
            None => Request::new(ex, trial, work.path()),
        };
        request.blobs = ex
            .blobs
            .mirror()?
            .into_iter()
            .map(|(uri, path)| (uri, path.to_string_lossy().into_owned()))
            .collect();
        if let Err(e) = std::fs::write(&request.context.task_template_path, request.task_file()) {
            return Ok(broken(
                AdapterProblem::WorkDir(format!("{}: {e}", request.context.task_template_path)),
                Vec::new(),
                Vec::new(),
                Duration::ZERO,
            ));
        }
        let limit = ex.task.timeout + self.margin;
        let program = process::Program {
            program: &self.program,
            args: &self.args,
            env: &self.env,
        };
        let run = match process::invoke(
            program,
            work.path(),
            request.to_json_line().as_bytes(),
            limit,
        )
        .await
        {
            Ok(run) => run,
            Err(e) => {
                return Ok(broken(
                    AdapterProblem::Spawn(e),
                    Vec::new(),
                    Vec::new(),
                    Duration::ZERO,
                ));
            }
        };
        let (stdout, stderr, duration) = (run.stdout, run.stderr, run.elapsed);
        let Some(status) = run.status else {
            return Ok(Attempt::TimedOut(NotRun {
                reason: format!(
                    "adapter `{}` on case `{trial}` did not answer within {:?} (the task's timeout {:?} + margin {:?}); its process group was stopped",
                    self.spec, limit, ex.task.timeout, self.margin
                ),
                stdout,
                stderr,
                duration,
            }));
        };
        match status.code() {
            Some(0) => {}
            Some(UNSUPPORTED_EXIT) => {
                let said = String::from_utf8_lossy(&stderr).trim().to_owned();
                let reason = if said.is_empty() {
                    format!(
                        "adapter `{}` does not support case `{trial}` (exit {UNSUPPORTED_EXIT}, no message on stderr)",
                        self.spec
                    )
                } else {
                    said
                };
                return Ok(Attempt::Unsupported(NotRun {
                    reason,
                    stdout,
                    stderr,
                    duration,
                }));
            }
            Some(code) => {
                let text = String::from_utf8_lossy(&stderr).into_owned();
                return Ok(broken(
                    AdapterProblem::Exit { code, stderr: text },
                    stdout,
                    stderr,
                    duration,
                ));
            }
            None => {
                use std::os::unix::process::ExitStatusExt;
                let signal = status.signal().unwrap_or(0);
                return Ok(broken(
                    AdapterProblem::Signal { signal },
                    stdout,
                    stderr,
                    duration,
                ));
            }
        }
        let parsed = match parse_result_for(&stdout, request.version) {
            Ok(p) => p,
            Err(problem) => return Ok(broken(problem, stdout, stderr, duration)),
        };
        let reported = Reported {
            argv: parsed.argv.is_some(),
            input_files: parsed.input_files.is_some(),
            exit_code: parsed.exit_code.is_some(),
            timed_out: parsed.timed_out.is_some(),
            files: parsed.files.is_some(),
            execution: parsed.around.is_some(),
        };
        // An adapter reports what a hostile image left: the same caps as the reference
        // runtime's own listing apply.
        let input_files = cap_listing(parsed.input_files.unwrap_or_default());
        let files = cap_listing(parsed.files.unwrap_or_default());
        let mut record = Record {
            argv: parsed.argv.unwrap_or_default(),
            input_files: input_files.files,
            input_files_omitted: input_files.omitted,
            exit_code: parsed.exit_code.flatten(),
            timed_out: parsed.timed_out.unwrap_or(false),
            files: files.files,
            files_omitted: files.omitted,
            result: parsed.collected.to_json(),
            execution: parsed
                .around
                .clone()
                .map(|a| crate::protocol::record::ExecutionRecord {
                    cache_status: a.cache_status,
                    attempts: a.attempts,
                    prior: Vec::new(),
                }),
        };
        record.canonicalise();
        // The context's paths live in this case's work dir: judge them as the reference's.
        let c = &request.context;
        crate::protocol::record::canonical_context(
            &mut record,
            &[
                (c.output_prefix.clone(), super::OUTPUT_PREFIX.to_owned()),
                (
                    c.raw_output_prefix.clone(),
                    super::RAW_OUTPUT_PREFIX.to_owned(),
                ),
                (
                    c.task_template_path.clone(),
                    super::TASK_TEMPLATE_PATH.to_owned(),
                ),
                (
                    format!("{}/outputs", c.work_dir),
                    crate::protocol::record::HOST_OUTPUT_DIR.to_owned(),
                ),
            ],
        );
        Ok(Attempt::Executed(Box::new(Executed {
            record,
            collected: parsed.collected,
            stdout: parsed.stdout.map(String::into_bytes).unwrap_or_default(),
            // The container's stderr when reported, else the adapter's own (its logs).
            stderr: parsed.stderr.map(String::into_bytes).unwrap_or(stderr),
            duration,
            reported,
            env: Vec::new(),
        })))
    }
}

/// A fresh work directory with the places the request names.
fn prepare() -> std::result::Result<tempfile::TempDir, String> {
    let work = crate::engine::scratch::tempdir("adapter").map_err(|e| e.to_string())?;
    for dir in ["output-prefix", "raw-output"] {
        let path = work.path().join(dir);
        std::fs::create_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_strings() {
        let a = Adapter::parse("cmd:python3 'my adapter.py' --flag=\"a b\"").unwrap();
        assert_eq!(a.program, PathBuf::from("python3"));
        assert_eq!(a.args, ["my adapter.py", "--flag=a b"]);
        assert_eq!(a.name(), "cmd:python3 'my adapter.py' --flag=\"a b\"");
        let a = Adapter::parse("cmd:adapters/reference/adapter.py").unwrap();
        assert!(a.program.is_absolute(), "{:?}", a.program);
        for bad in ["cmd:", "cmd:   ", "cmd:a 'b", "docker", "reference2"] {
            let e = Adapter::parse(bad).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{bad}: {e}");
        }
    }
}
