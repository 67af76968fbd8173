//! The reference runtime's failure paths, with a real container: the probe fixture
//! (`tests/fixtures/probe`) does what its `mode` input says — exit non-zero, hang, write
//! `_ERROR`, plant a symlink, write too much — and each must come back as the backend would
//! report it, with the container removed and the sandbox in force.

use crate::support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};
use rawconf::Language;
use rawconf::engine::image::Builder;
use rawconf::protocol::literal::{
    ErrorOrigin, Literal, LiteralMap, LiteralType, Primitive, Scalar, SimpleType, TypedInterface,
    Variable, VariableMap,
};
use rawconf::protocol::profile::Profile;
use rawconf::protocol::record::FileContent;
use rawconf::runtime::{Collected, Executed, Execution, Reference};
use rawconf::spec::suite::TaskSpec;

fn variables(name: &str) -> VariableMap {
    VariableMap {
        variables: BTreeMap::from([(
            name.to_owned(),
            Variable {
                literal_type: LiteralType::Simple(SimpleType::String),
                description: String::new(),
            },
        )]),
    }
}

fn probe(mode: &str, timeout: Duration) -> Result<Executed, Failed> {
    probe_as(mode, timeout, "test-runtime")
}

fn probe_as(mode: &str, timeout: Duration, run_id: &str) -> Result<Executed, Failed> {
    let docker = support::docker()?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/probe");
    let lang = Language::load(&dir)?;
    let task = TaskSpec {
        interface: TypedInterface {
            inputs: variables("mode"),
            outputs: variables("out"),
        },
        command: None,
        args: Vec::new(),
        env: Vec::new(),
        format: Default::default(),
        input_data_dir: "/var/inputs".into(),
        output_data_dir: "/var/outputs".into(),
        timeout,
        meta: Default::default(),
    };
    let inputs = LiteralMap {
        literals: BTreeMap::from([(
            "mode".to_owned(),
            Literal::primitive(Primitive::String(mode.to_owned())),
        )]),
    };
    support::runtime().block_on(async {
        let built = Builder::new(docker.clone()).ensure(&lang).await?;
        let executed = Reference::new(docker.clone())
            .execute(&Execution {
                language: &lang,
                image: &built.image,
                task: &task,
                inputs: &inputs,
                blobs: &rawconf::protocol::blobs::NO_BLOBS,
                profile: Profile::Backend,
                run_id,
                identity: None,
                prior: &[],
            })
            .await?;
        Ok(executed)
    })
}

fn output(e: &Executed) -> Result<String, Failed> {
    match &e.collected {
        Collected::Outputs(m) => match m.literals.get("out") {
            Some(Literal::Scalar(Scalar::Primitive(Primitive::String(s)))) => Ok(s.clone()),
            other => Err(format!("out is {other:?}").into()),
        },
        Collected::Error(err) => {
            Err(format!("unexpected error {err:?}; record {:?}", e.record).into())
        }
    }
}

fn error_message(e: &Executed) -> Result<(String, String, ErrorOrigin), Failed> {
    match &e.collected {
        Collected::Error(err) => Ok((err.code.clone(), err.message.clone(), err.origin)),
        Collected::Outputs(m) => Err(format!("expected an error, got outputs {m:?}").into()),
    }
}

fn check(cond: bool, what: &str, e: &Executed) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(format!("{what}\nrecord: {}", e.record.to_golden()).into())
    }
}

const T: Duration = Duration::from_secs(60);

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = support::skip_docker();
    let trials: Vec<Trial> = vec![
        Trial::test("runtime/ok", || {
            let e = probe("ok", T)?;
            // The backend trims the trailing newline of a simple output.
            check(
                output(&e)? == "42" && e.record.exit_code == Some(0),
                "ok",
                &e,
            )
        }),
        Trial::test("runtime/nonzero-exit-is-a-system-failure", || {
            let e = probe("exit", T)?;
            let (code, message, origin) = error_message(&e)?;
            check(
                code == "UnknownError"
                    && origin == ErrorOrigin::System
                    && message.contains("exit code (3)")
                    && e.record.files.get("out") == Some(&FileContent::Text("partial".into())),
                "a non-zero exit must fail the task whatever the outputs",
                &e,
            )
        }),
        Trial::test("runtime/timeout-kills-and-removes", || {
            let started = Instant::now();
            let run_id = format!("test-timeout-{}", std::process::id());
            let e = probe_as("sleep", Duration::from_secs(2), &run_id)?;
            check(
                e.record.timed_out
                    && e.record.exit_code.is_none()
                    && started.elapsed() < Duration::from_secs(40),
                "the timeout must kill the container",
                &e,
            )?;
            let docker = support::docker()?;
            let options = bollard::query_parameters::ListContainersOptions {
                all: true,
                filters: Some(std::collections::HashMap::from([(
                    "label".to_owned(),
                    vec![format!(
                        "{}={run_id}",
                        rawconf::engine::container::LABEL_RUN
                    )],
                )])),
                ..Default::default()
            };
            let left = support::runtime().block_on(docker.list_containers(Some(options)))?;
            check(
                left.is_empty(),
                "the killed container must already be removed",
                &e,
            )
        }),
        Trial::test("runtime/error-file-wins", || {
            let e = probe("error-file", T)?;
            let (code, message, _) = error_message(&e)?;
            check(
                code == "OutputUploadFailed" && message.starts_with("User Error: boom"),
                "_ERROR must be read first and reported as a user error",
                &e,
            )
        }),
        Trial::test("runtime/symlink-is-not-followed", || {
            let e = probe("symlink", T)?;
            let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
            let (_, message, _) = error_message(&e)?;
            check(
                e.record.files.get("out")
                    == Some(&FileContent::Symlink {
                        symlink: "/etc/hostname".into(),
                    })
                    && (host.trim().is_empty() || !message.contains(host.trim())),
                "a symlink out of the output dir must not be read",
                &e,
            )
        }),
        Trial::test("runtime/size-cap", || {
            let e = probe("big", T)?;
            let (_, message, _) = error_message(&e)?;
            check(
                message.contains("maximum allowed filesize is [1024], but found [2000]"),
                "simple outputs are capped at 1024 bytes",
                &e,
            )
        }),
        Trial::test("runtime/extension-fallback", || {
            let e = probe("extension", T)?;
            check(
                output(&e)? == "txt",
                "`out.txt` must be found for `out`",
                &e,
            )
        }),
        Trial::test("runtime/sandbox", || {
            let e = probe("sandbox", T)?;
            check(
                output(&e)? == "root=ro tmp=rw caps=0000000000000000",
                "read-only root, writable /tmp, no capabilities",
                &e,
            )
        }),
    ]
    .into_iter()
    .map(|t| t.with_ignored_flag(skip))
    .collect();
    trials
}
