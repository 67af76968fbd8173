//! The conformance matrix: one trial per `<language>/<suite>/<case>`, through the reference
//! runtime (Docker), judged by the oracle and expected failures, and compared with the golden
//! snapshot under `golden/backend/<suite>/<case>@<language>.snap` — and the same again under
//! flytekit's local semantics (`flytekit-local/<language>/<suite>/<case>`, goldens under
//! `golden/flytekit-local/`).
//!
//! ```sh
//! //! cargo test --test integration -- python/            # one language
//! cargo test --test integration -- /ellipse/nan       # one case, every language
//! cargo test --test integration -- probe/protocol/    # the protocol suite (backend profile)
//! cargo insta review                                 # bless new or changed goldens
//! ```
//!
//! With `CI=true` a new or changed golden fails. Without Docker every Docker trial fails and
//! says so; `RAWCONF_SKIP_DOCKER=1` turns them into ignored trials (and the run says how many).
//! Trials that need no Docker (stale expected-failure entries) always run.

use crate::support;

use std::sync::Arc;

use libtest_mimic::{Failed, Trial};
use rawconf::Language;
use rawconf::engine::image::Builder;
use rawconf::judge::golden::GoldenMode;
use rawconf::protocol::profile::Profile;
use rawconf::run::{RunPlan, run_case, trial_id};
use rawconf::spec::expect::Expectations;
use rawconf::spec::suite::Suite;

/// The profiles every case is judged under; backend trials keep the bare `<lang>/<suite>/<case>`
/// name, the others are prefixed with the profile (`flytekit-local/python/ellipse/unit`).
const PROFILES: [Profile; 2] = [Profile::Backend, Profile::FlytekitLocal];

/// The suites of the matrix; each runs the languages whose manifest joins it (the five ellipse
/// languages, the protocol probe).
const SUITES: [&str; 3] = ["ellipse", "protocol", "execution"];

fn trial_name(profile: Profile, lang: &str, suite: &str, case: &str) -> String {
    match profile {
        Profile::Backend => trial_id(lang, suite, case),
        other => format!("{other}/{}", trial_id(lang, suite, case)),
    }
}

/// This module's trials, for `tests/integration.rs`.
pub fn trials() -> Vec<Trial> {
    let langs = Language::discover(&support::languages_dir()).expect("languages load");
    let suites_dir = support::suites_dir();
    let skip = support::skip_docker();
    let mut trials = Vec::new();
    let mut checks = Vec::new();
    for suite_name in SUITES {
        let suite = Arc::new(Suite::named(&suites_dir, suite_name).expect("suite loads"));
        let langs: Vec<Language> = langs
            .iter()
            .filter(|l| l.joins(suite_name))
            .cloned()
            .collect();
        let expectations = Arc::new(Expectations::new(&langs, &suite).expect("expectations load"));
        add_trials(&mut trials, &suite, &langs, &expectations, skip);
        checks.push((suite, langs, expectations));
    }

    // Expected-failure entries that match nothing are stale: delete them.
    for (suite, langs, expectations) in checks {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for l in &langs {
            for c in &suite.cases {
                pairs.push((l.name.clone(), format!("{}/{}", suite.name, c.id)));
            }
        }
        let stale: Vec<String> = PROFILES
            .iter()
            .flat_map(|p| expectations.unused(*p, &pairs))
            .map(|e| format!("{} ({}): {}", e.pattern, e.source, e.reason))
            .collect();
        trials.push(Trial::test(
            format!("expectations/{}/all-used", suite.name),
            move || {
                if stale.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "expected-failure entries match no case:\n{}",
                        stale.join("\n")
                    )
                    .into())
                }
            },
        ));
    }

    trials
}

/// One trial per profile × language × case of `suite`.
fn add_trials(
    trials: &mut Vec<Trial>,
    suite: &Arc<Suite>,
    langs: &[Language],
    expectations: &Arc<Expectations>,
    skip: bool,
) {
    for profile in PROFILES {
        for lang in langs {
            for case in &suite.cases {
                let name = trial_name(profile, &lang.name, &suite.name, &case.id);
                let (lang, suite, expectations) =
                    (lang.clone(), suite.clone(), expectations.clone());
                let case_id = case.id.clone();
                trials.push(
                    Trial::test(name, move || {
                        one_case(profile, &lang, &suite, &case_id, &expectations)
                    })
                    .with_ignored_flag(skip),
                );
            }
        }
    }
}

fn one_case(
    profile: Profile,
    lang: &Language,
    suite: &Suite,
    case_id: &str,
    expectations: &Expectations,
) -> Result<(), Failed> {
    let docker = support::docker()?;
    let case = suite
        .cases
        .iter()
        .find(|c| c.id == case_id)
        .expect("case exists");
    let result = support::runtime().block_on(async {
        let built = Builder::new(docker.clone())
            .ensure(lang)
            .await
            .map_err(|e| e.to_string())?;
        // Shared with the warm area's fresh half (tests/support/shared.rs).
        let runtime = support::SharedReference::new(docker);
        let plan = RunPlan::builder(suite.clone(), &runtime)
            .language(lang.clone(), built.image.clone())
            .profile(profile)
            .jobs(1)
            // insta compares below, so `cargo insta review` can bless.
            .golden(GoldenMode::Ignore)
            // Read only by the departure check of golden-judged suites (the backend golden).
            .golden_root(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden"))
            .build()
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(
            run_case(
                &plan,
                &runtime,
                expectations,
                lang,
                &built.image,
                case,
                "cargo-test",
            )
            .await,
        )
    })?;

    let record = result
        .record
        .as_ref()
        .ok_or_else(|| format!("{}: {}", result.outcome.as_str(), result.reason))?;
    // A case id `area/name` keeps its golden in the sub-folder `area/` (as golden::path does).
    let (area, name) = case.id.rsplit_once('/').unwrap_or(("", &case.id));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("golden")
            .join(profile.as_str())
            .join(&suite.name)
            .join(area),
    );
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_suffix(lang.name.clone());
    // Metadata exactly as `rawconf run --bless` writes it (`golden::HEADER`): a source line and
    // nothing else, so both writers produce the same file (`.config/insta.yaml` requires a full
    // match, header included).
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name.to_owned(), record.to_golden()));

    if result.outcome.is_failure() {
        return Err(format!(
            "{}: {}\nreproduce: {}",
            result.outcome.as_str(),
            result.reason,
            result.reproduce
        )
        .into());
    }
    Ok(())
}
