//! Image tests: build every language's image (cold on a fresh machine: mmdebstrap → import →
//! classic build) and run each through the Engine API with the inputs of its folder's
//! `smoke.toml` (a=3, b=4), checking the exact bytes of `area` and `metadata`.
//!
//! One trial per language, named `images/<lang>`. Without Docker the trials fail and say why;
//! `RAWCONF_SKIP_DOCKER=1` turns them into ignored trials and the run says how many.

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use rawconf::Language;
use rawconf::engine::container::{self, Bind, ContainerSpec, Sandbox};
use rawconf::engine::image::Builder;

/// What a language's `smoke.toml` says its image must do: run with `a` and `b`, write exactly
/// `area` (docs/protocol.md §7.3, measured with the real interpreters). Each language folder
/// carries its own, so a new language needs no Rust change here.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Smoke {
    a: f64,
    b: f64,
    area: String,
}

fn smoke(lang: &Language) -> Result<Smoke, String> {
    let path = lang.dir.join(rawconf::engine::image::SMOKE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (every ellipse language folder has a smoke.toml: `a`, `b` and the exact `area` its program writes)",
            path.display()
        )
    })?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let all = Language::discover(&support::languages_dir()).expect("languages load");
    // The probe (languages/probe) is built by the conformance trials of the protocol suite;
    // these trials check the five ellipse programs' exact bytes.
    let langs = Language::for_suite(all, &[], "ellipse").expect("ellipse languages");
    assert!(!langs.is_empty(), "no ellipse language under languages/");
    let skip = support::skip_docker();
    let trials: Vec<Trial> = langs
        .into_iter()
        .map(|lang| {
            let name = format!("images/{}", lang.name);
            Trial::test(name, move || build_and_run(&lang)).with_ignored_flag(skip)
        })
        .collect();
    let mut trials = trials;
    trials.push(
        Trial::test(
            "images/concurrent-builds-build-once",
            concurrent_builds_build_once,
        )
        .with_ignored_flag(skip),
    );
    trials.extend(independent_trials(skip));
    trials
}

/// `independent/<lang>/ellipse/<case>`: every ellipse case's container run again by
/// testcontainers' plain `GenericImage` — none of rawconf's container code: no sandbox, no
/// workspace, no collection — with the argv of its backend golden, must write the same bytes
/// to every output file as the reference runtime recorded there. A second driver of the same
/// images, so a bug in rawconf's runtime cannot hide in its own goldens.
fn independent_trials(skip: bool) -> Vec<Trial> {
    let all = Language::discover(&support::languages_dir()).expect("languages load");
    let langs = Language::for_suite(all, &[], "ellipse").expect("ellipse languages");
    let suite = support::suite("ellipse");
    let mut trials = Vec::new();
    for lang in langs {
        for case in &suite.cases {
            let golden = rawconf::judge::golden::path(
                &support::repo().join("golden"),
                "backend",
                "ellipse",
                &case.id,
                &lang.name,
            );
            let lang = lang.clone();
            trials.push(
                Trial::test(
                    format!("independent/{}/ellipse/{}", lang.name, case.id),
                    move || independent(&lang, &golden),
                )
                .with_ignored_flag(skip),
            );
        }
    }
    trials
}

fn independent(lang: &Language, golden: &std::path::Path) -> Result<(), Failed> {
    let docker = support::docker()?;
    let text = rawconf::judge::golden::read(golden)?
        .ok_or_else(|| format!("{}: missing", golden.display()))?;
    let record: rawconf::protocol::record::Record = serde_json::from_str(&text)?;
    let (Some((entrypoint, args)), Some(_)) = (record.argv.split_first(), record.exit_code) else {
        // The reference runtime ran no program to its end here (a render failure, a timeout):
        // there are no output bytes to compare. The ellipse suite has no such case today.
        return Err(format!("{}: no finished run recorded", golden.display()).into());
    };
    let out = tempfile::tempdir()?;
    // The image runs as its own user; it must not depend on owning the directory.
    std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o777))?;
    support::runtime().block_on(async {
        let image = Builder::new(docker)
            .ensure(lang)
            .await
            .map_err(|e| e.to_string())?
            .image;
        let exited = support::fixture::run_to_exit(support::fixture::OneShot {
            image: &image,
            entrypoint,
            args: args.to_vec(),
            mounts: vec![(out.path().to_path_buf(), "/var/outputs")],
            timeout: Duration::from_secs(120),
        })
        .await?;
        let code = exited.code;
        if code != record.exit_code {
            return Err(format!(
                "exit code {code:?}, the reference runtime recorded {:?}",
                record.exit_code
            ));
        }
        Ok(())
    })?;
    let mut problems = Vec::new();
    for (name, content) in &record.files {
        let want = content.bytes();
        let got = std::fs::read(out.path().join(name)).ok();
        if want.is_some() && got != want {
            problems.push(format!(
                "{name}: {:?}, the reference runtime recorded {:?}",
                got.as_deref().map(String::from_utf8_lossy),
                want.as_deref().map(String::from_utf8_lossy)
            ));
        }
    }
    let listed: Vec<String> = walkdir::WalkDir::new(out.path())
        .min_depth(1)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(out.path())
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    if listed.len() != record.files.len() {
        problems.push(format!(
            "files {listed:?}, the reference runtime recorded {:?}",
            record.files.keys().collect::<Vec<_>>()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn build_and_run(lang: &Language) -> Result<(), Failed> {
    let docker = support::docker()?;
    let smoke = smoke(lang)?;
    let expected = smoke.area.as_bytes();
    support::runtime().block_on(async {
        let built = Builder::new(docker.clone())
            .ensure(lang)
            .await
            .map_err(|e| e.to_string())?;

        let out = tempfile::tempdir().map_err(|e| e.to_string())?;
        // The container runs with every capability dropped, so it must not depend on owning
        // the directory.
        std::fs::set_permissions(out.path(), std::fs::Permissions::from_mode(0o777))
            .map_err(|e| e.to_string())?;
        // The inputs as the backend renders them: Go's %v (3.0 → `3`).
        let (a, b) = (
            rawconf::protocol::goformat::format_v(smoke.a),
            rawconf::protocol::goformat::format_v(smoke.b),
        );
        let argv: Vec<String> = lang
            .command
            .iter()
            .map(|arg| {
                arg.replace("{{.inputs.a}}", &a)
                    .replace("{{.inputs.b}}", &b)
            })
            .collect();
        let spec = ContainerSpec {
            image: built.image.clone(),
            command: argv,
            args: Vec::new(),
            env: Vec::new(),
            binds: vec![Bind {
                host: out.path().to_path_buf(),
                container: "/var/outputs".into(),
                read_only: false,
            }],
            timeout: Duration::from_secs(120),
            sandbox: Sandbox::default(),
        };
        let run = container::run(&docker, &spec, "test-images")
            .await
            .map_err(|e| e.to_string())?;
        let context = format!(
            "exit code {:?}\nstdout: {}\nstderr: {}",
            run.exit_code,
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        if run.exit_code != Some(0) {
            return Err(format!("{} exited abnormally\n{context}", lang.name).into());
        }
        let area =
            std::fs::read(out.path().join("area")).map_err(|e| format!("area: {e}\n{context}"))?;
        let metadata = std::fs::read(out.path().join("metadata"))
            .map_err(|e| format!("metadata: {e}\n{context}"))?;
        if area != expected {
            return Err(format!(
                "{}: area is {:?}, expected {:?}\n{context}",
                lang.name,
                String::from_utf8_lossy(&area),
                String::from_utf8_lossy(expected)
            )
            .into());
        }
        let program = lang.ellipse_program()?;
        if metadata != program.metadata.as_bytes() {
            return Err(format!(
                "{}: metadata is {:?}, expected {:?}",
                lang.name,
                String::from_utf8_lossy(&metadata),
                program.metadata
            )
            .into());
        }
        Ok(())
    })
}

/// Two `rawconf images build` processes asked for the same missing image at the same moment:
/// one builds it, the other waits on the lock and finds it built.
fn concurrent_builds_build_once() -> Result<(), Failed> {
    let docker = support::docker()?;
    // A copy of the shell language with a unique script, so its image is certainly missing
    // (its base is the shell image's, usually cached already).
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = root.path().join("shellcopy");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let shell = support::languages_dir().join("shell");
    for entry in std::fs::read_dir(&shell).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        std::fs::copy(entry.path(), dir.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    let manifest = std::fs::read_to_string(dir.join("language.toml")).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("language.toml"),
        manifest.replace("name = \"shell\"", "name = \"shellcopy\""),
    )
    .map_err(|e| e.to_string())?;
    let nonce = format!(
        "# nonce {}-{:?}\n",
        std::process::id(),
        std::time::SystemTime::now()
    );
    let script = dir.join("calculate-ellipse-area.sh");
    let text = std::fs::read_to_string(&script).map_err(|e| e.to_string())?;
    std::fs::write(&script, format!("{text}{nonce}")).map_err(|e| e.to_string())?;

    let spawn = || {
        support::rawconf()
            .args(["--languages-dir"])
            .arg(root.path())
            .args(["images", "build", "--offline", "shellcopy"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
    };
    let first = spawn().map_err(|e| e.to_string())?;
    let second = spawn().map_err(|e| e.to_string())?;
    let outputs = [first, second].map(|c| c.wait_with_output());
    let mut built = 0;
    let mut fresh = 0;
    let mut image = None;
    for out in outputs {
        let out = out.map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            return Err(format!(
                "images build failed: {}\n{stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        built += stdout.matches("built in").count();
        fresh += stdout.matches("up to date").count();
        image = stdout.split_whitespace().nth(1).map(str::to_owned);
    }
    if let Some(image) = &image {
        let _ = support::runtime().block_on(docker.remove_image(
            image,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        ));
    }
    if (built, fresh) != (1, 1) {
        return Err(format!(
            "expected one build and one up-to-date, got {built} builds and {fresh} up-to-date"
        )
        .into());
    }
    Ok(())
}
