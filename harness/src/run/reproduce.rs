//! How a report lets a run be traced and rerun: the reproduction command of each trial, and the
//! data folders a run did not take from their defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{RunPlan, trial_id};

/// The data folders a plan reads that are not the defaults, as the variable or flag that
/// selects each (`RAWCONF_SUITES_DIR`, `RAWCONF_GOLDEN_DIR`, `--languages-dir`) and the folder.
/// A run on forked data is recognisable in its report and reproducible from it only with these.
pub fn data_overrides(plan: &RunPlan) -> BTreeMap<String, String> {
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    let mut out = BTreeMap::new();
    let mut note = |key: &str, used: Option<&Path>, default: PathBuf| {
        if let Some(used) = used
            && !same(used, &default)
        {
            out.insert(key.to_owned(), used.to_string_lossy().into_owned());
        }
    };
    note(
        "--languages-dir",
        plan.languages.first().and_then(|(l, _)| l.dir.parent()),
        crate::env::default_languages_dir(),
    );
    note(
        "RAWCONF_SUITES_DIR",
        plan.suite.path.parent(),
        crate::env::default_suites_dir(),
    );
    note(
        "RAWCONF_GOLDEN_DIR",
        Some(&plan.golden_root),
        crate::env::default_golden_dir(),
    );
    out
}

/// The command that reruns one trial alone, with every data folder the run did not take from
/// its default ([`data_overrides`]).
pub fn reproduce(plan: &RunPlan, lang: &str, case: &str) -> String {
    let overrides = &plan.data;
    let mut cmd = String::new();
    for (key, dir) in overrides {
        if key.starts_with("RAWCONF_") {
            cmd.push_str(&format!("{key}={} ", shell_words::quote(dir)));
        }
    }
    cmd.push_str("rawconf ");
    if let Some(dir) = overrides.get("--languages-dir") {
        cmd.push_str(&format!("--languages-dir {} ", shell_words::quote(dir)));
    }
    cmd.push_str(&format!(
        "run --suite {} --profile {} --language {lang} --filter '{}'",
        plan.suite.name,
        plan.profile,
        trial_id(lang, &plan.suite.name, case)
    ));
    if plan.runtime_name != crate::runtime::REFERENCE {
        cmd.push_str(" --runtime ");
        cmd.push_str(&shell_words::quote(&plan.runtime_name));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::golden::GoldenMode;
    use crate::protocol::profile::Profile;
    use crate::spec::language::Language;
    use crate::spec::suite::Suite;

    fn plan(golden_root: PathBuf) -> RunPlan {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let langs = Language::discover(&root.join("languages")).unwrap();
        let python = langs.into_iter().find(|l| l.name == "python").unwrap();
        let mut plan = RunPlan {
            suite: Suite::named(&root.join("tests/suites"), "ellipse").unwrap(),
            languages: vec![(python, "img".into())],
            profile: Profile::Backend,
            filter: None,
            shard: None,
            jobs: 1,
            golden: GoldenMode::Check,
            golden_root,
            runtime_name: "reference".into(),
            relax: false,
            image_ids: BTreeMap::new(),
            data: BTreeMap::new(),
        };
        plan.data = data_overrides(&plan);
        plan
    }

    /// A run on forked goldens says so in `meta.data` and in every reproduction command; a run
    /// on the defaults says nothing.
    #[test]
    fn data_overrides_reach_reproduce_and_meta() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let defaults = plan(root.join("golden"));
        assert!(data_overrides(&defaults).is_empty());
        assert_eq!(
            reproduce(&defaults, "python", "unit"),
            "rawconf run --suite ellipse --profile backend --language python --filter 'python/ellipse/unit'"
        );
        let fork = plan(PathBuf::from("/vendor/my golden"));
        assert_eq!(
            data_overrides(&fork),
            BTreeMap::from([("RAWCONF_GOLDEN_DIR".into(), "/vendor/my golden".into())])
        );
        assert_eq!(
            reproduce(&fork, "python", "unit"),
            "RAWCONF_GOLDEN_DIR='/vendor/my golden' rawconf run --suite ellipse --profile backend --language python --filter 'python/ellipse/unit'"
        );
    }
}
