//! Property tests through the reference runtime (Docker): one trial per language,
//! `properties/<lang>`, and `properties/agreement` for the cross-language check.
//!
//! Each trial replays `tests/properties/ellipse.regressions.toml` (every entry must still show
//! what it expects) and runs `RAWCONF_PROPTEST_CASES` generated cases (default 8) drawn from
//! `RAWCONF_PROPTEST_SEED` (default: random, printed). A trial fails on any *new* finding —
//! a failure no declared limitation explains — shrunk to a minimal input, with its reproduction
//! command; outside CI the minimal input is appended to the regressions file, so it is rerun
//! forever. Known limitations pass (they are what the manifests declare).
//!
//! ```sh
//! cargo test --test integration -- properties/                  # 8 cases per language
//! RAWCONF_PROPTEST_CASES=256 cargo test --test integration -- properties/   # the nightly setting
//! RAWCONF_PROPTEST_SEED=1 cargo test --test integration -- properties/haskell
//! ```
//!
//! `properties/literals/reference` explores the literal types instead (`rawconf explore
//! --literals`): `RAWCONF_PROPTEST_LITERALS` cases (default 40, about a minute) of random
//! lists, maps with odd keys, file trees, structs, binaries, none and unions drawn from the
//! same seed, each run by the probe on the reference runtime and judged stage by stage; it
//! fails on any finding no declared limitation explains (nothing is persisted: the seed and
//! case repeat it).
//!
//! Without Docker every trial fails and says so; `RAWCONF_SKIP_DOCKER=1` marks them ignored.

use crate::support;

use std::sync::OnceLock;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use rawconf::Language;
use rawconf::explore::literals::{LiteralConfig, LiteralExplorer, probe_language};
use rawconf::explore::{
    DockerExecutor, ExploreConfig, Explorer, Finding, Regressions, random_seed,
};
use rawconf::spec::suite::Suite;

/// The default number of generated cases per language for `cargo test` (quick).
const DEFAULT_CASES: u32 = 8;

struct Setup {
    languages: Vec<Language>,
    suite: Suite,
    regressions: Regressions,
    config: ExploreConfig,
}

fn setup() -> Result<Setup, String> {
    let suites_dir = support::suites_dir();
    let suite = Suite::named(&suites_dir, "ellipse").map_err(|e| e.to_string())?;
    let languages = Language::for_suite(
        Language::discover(&support::languages_dir()).map_err(|e| e.to_string())?,
        &[],
        &suite.name,
    )
    .map_err(|e| e.to_string())?;
    let path = Regressions::path_for(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/properties"),
        &suite.name,
    );
    let regressions = Regressions::load(&path).map_err(|e| e.to_string())?;
    let cases = rawconf::env::proptest_cases()?.unwrap_or(DEFAULT_CASES);
    let seed = rawconf::env::proptest_seed()?.unwrap_or_else(random_seed);
    let mut config = ExploreConfig::new(cases, seed);
    config.jobs = 2;
    // Known limitations keep the first input that showed them: only new findings are shrunk.
    config.shrink_known = false;
    config.max_shrink_time = Duration::from_secs(60);
    Ok(Setup {
        languages,
        suite,
        regressions,
        config,
    })
}

fn setup_once() -> &'static Result<Setup, String> {
    static SETUP: OnceLock<Result<Setup, String>> = OnceLock::new();
    SETUP.get_or_init(setup)
}

/// One explorer for every trial, so the cross-language trial reuses the languages' runs.
fn explorer() -> Result<&'static Explorer<'static>, Failed> {
    static EXECUTOR: OnceLock<Result<DockerExecutor, String>> = OnceLock::new();
    static EXPLORER: OnceLock<Result<Explorer<'static>, String>> = OnceLock::new();
    let setup = setup_once().as_ref().map_err(|e| Failed::from(e.clone()))?;
    let docker = support::docker()?;
    let executor = EXECUTOR
        .get_or_init(|| {
            support::runtime()
                .block_on(DockerExecutor::prepare(docker, &setup.languages))
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Failed::from(e.clone()))?;
    EXPLORER
        .get_or_init(|| {
            Explorer::new(
                executor,
                &setup.suite,
                setup.languages.clone(),
                setup.regressions.clone(),
                setup.config.clone(),
            )
            .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Failed::from(e.clone()))
}

/// Fails with every new finding (persisting their inputs outside CI); passes otherwise.
fn verdict(explorer: &Explorer<'_>, findings: &[Finding]) -> Result<(), Failed> {
    let setup = setup_once().as_ref().map_err(|e| Failed::from(e.clone()))?;
    let ran = explorer.config().cases as usize + setup.regressions.cases.len();
    if ran == 0 {
        return Err("nothing ran: RAWCONF_PROPTEST_CASES=0 and no regressions to replay".into());
    }
    let new: Vec<&Finding> = findings.iter().filter(|f| !f.known).collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "{} new finding(s) (seed {}; repeat with RAWCONF_PROPTEST_SEED={}):\n",
        new.len(),
        explorer.config().seed,
        explorer.config().seed
    );
    for f in &new {
        msg.push_str(&format!(
            "\n  {} a={} b={} ({}): {}\n    reproduce: {}\n",
            f.language, f.a, f.b, f.class, f.reason, f.reproduce
        ));
    }
    if rawconf::env::ci() {
        msg.push_str("\n(CI: not persisted to the regressions file)");
    } else {
        let owned: Vec<Finding> = new.into_iter().cloned().collect();
        match Regressions::append(&setup.regressions.path, &explorer.to_persist(&owned)) {
            Ok(n) if n > 0 => msg.push_str(&format!(
                "\npersisted {n} input(s) to {}: they are replayed by every run from now on",
                setup.regressions.path.display()
            )),
            Ok(_) => {}
            Err(e) => msg.push_str(&format!("\ncould not persist: {e}")),
        }
    }
    Err(msg.into())
}

/// The default number of literal cases (each one container, or none when refused).
const DEFAULT_LITERAL_CASES: u32 = 40;

/// `properties/literals/reference`: a fixed-seed batch of literal cases through the reference
/// runtime; fails on any unexplained finding, printing it.
fn literals_trial(seed: u64) -> Result<(), Failed> {
    let cases = rawconf::env::proptest_literals()?.unwrap_or(DEFAULT_LITERAL_CASES);
    let probe =
        probe_language(&support::languages_dir()).map_err(|e| Failed::from(e.to_string()))?;
    let docker = support::docker()?;
    let executor = support::runtime()
        .block_on(DockerExecutor::prepare(
            docker,
            std::slice::from_ref(&probe),
        ))
        .map_err(|e| Failed::from(e.to_string()))?;
    let mut config = LiteralConfig::new(cases, seed);
    config.max_shrink_time = Duration::from_secs(45);
    let explorer =
        LiteralExplorer::new(&executor, probe, config).map_err(|e| Failed::from(e.to_string()))?;
    let exploration = explorer
        .explore()
        .map_err(|e| Failed::from(e.to_string()))?;
    eprintln!("properties/literals: {}", exploration.headline());
    eprint!("{}", exploration.to_table(120));
    let new: Vec<_> = exploration.new_findings().collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "{} new literal finding(s) (repeat with RAWCONF_PROPTEST_SEED={seed}):\n",
        new.len()
    );
    for f in new {
        msg.push_str(&format!(
            "\n  {} = {} ({}): {}\n    {}\n    reproduce: {}\n",
            f.r#type,
            f.input,
            f.format,
            f.reason,
            f.what(),
            f.reproduce()
        ));
    }
    Err(msg.into())
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let skip = support::skip_docker();
    let mut trials = Vec::new();
    match setup_once() {
        Ok(setup) => {
            eprintln!(
                "properties: seed {} (repeat with RAWCONF_PROPTEST_SEED={}), {} generated cases per language, {} regressions",
                setup.config.seed,
                setup.config.seed,
                setup.config.cases,
                setup.regressions.cases.len()
            );
            for lang in &setup.languages {
                let name = lang.name.clone();
                trials.push(
                    Trial::test(format!("properties/{name}"), move || {
                        let explorer = explorer()?;
                        let lang = explorer
                            .languages()
                            .iter()
                            .find(|l| l.name == name)
                            .ok_or("language vanished")?;
                        let findings = explorer
                            .explore_language(lang)
                            .map_err(|e| Failed::from(e.to_string()))?;
                        verdict(explorer, &findings)
                    })
                    .with_ignored_flag(skip),
                );
            }
            let seed = setup.config.seed;
            trials.push(
                Trial::test("properties/literals/reference", move || {
                    literals_trial(seed)
                })
                .with_ignored_flag(skip),
            );
            trials.push(
                Trial::test("properties/agreement", || {
                    let explorer = explorer()?;
                    let findings = explorer
                        .explore_agreement()
                        .map_err(|e| Failed::from(e.to_string()))?;
                    verdict(explorer, &findings)
                })
                .with_ignored_flag(skip),
            );
        }
        Err(e) => {
            // A bad setting or manifest fails loudly, as one trial naming the problem.
            let e = e.clone();
            trials.push(Trial::test("properties/setup", move || Err(e.into())));
        }
    }
    trials
}
