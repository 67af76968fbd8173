//! What a run runs: a [`RunPlan`] (one suite × its languages, the profile, the selection, the
//! golden mode, which runtime), made by [`RunBuilder`] — the one way the CLI, the benchmarks
//! and the tests build one, so a new knob gets one default in one place.

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::GlobMatcher;

use super::{Shard, data_overrides};
use crate::error::{Error, Result};
use crate::judge::golden::{GoldenMode, GoldenStep};
use crate::protocol::profile::Profile;
use crate::runtime::Runtime;
use crate::spec::language::Language;
use crate::spec::suite::{JudgeKind, Suite};

/// Everything a run needs besides the runtime. Made by [`RunPlan::builder`].
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The suite.
    pub suite: Suite,
    /// The languages to run, with their image references.
    pub languages: Vec<(Language, String)>,
    /// The semantics to judge against.
    pub profile: Profile,
    /// Only trials whose id `<lang>/<suite>/<case>` matches.
    pub filter: Option<GlobMatcher>,
    /// Only one slice of the selection.
    pub shard: Option<Shard>,
    /// Containers at once.
    pub jobs: usize,
    /// Golden handling.
    pub golden: GoldenMode,
    /// The golden folder.
    pub golden_root: PathBuf,
    /// How the runtime is named in the report and reproduction commands.
    pub runtime_name: String,
    /// Whether an independent runtime's error messages and blob URIs are compared as notes
    /// rather than bytes (see [`crate::judge::golden::normative`]): true for an independent
    /// runtime unless `--strict-messages`.
    pub relax: bool,
    /// Engine ids of the images, by language (for the report).
    pub image_ids: BTreeMap<String, String>,
    /// The data folders the run does not take from their defaults (see [`data_overrides`]),
    /// computed once for the report and every reproduction command.
    pub data: BTreeMap<String, String>,
}

impl RunPlan {
    /// A plan for `suite` run by `runtime`: every default in one place (profile `backend`, no
    /// filter or shard, [`default_jobs`], goldens checked in the default folder).
    pub fn builder<R: Runtime>(suite: Suite, runtime: &R) -> RunBuilder {
        RunBuilder {
            plan: RunPlan {
                suite,
                languages: Vec::new(),
                profile: Profile::Backend,
                filter: None,
                shard: None,
                jobs: default_jobs(),
                golden: GoldenMode::Check,
                golden_root: crate::judge::golden::golden_root(),
                runtime_name: runtime.name(),
                relax: false,
                image_ids: BTreeMap::new(),
                data: BTreeMap::new(),
            },
            independent: runtime.independent(),
            strict_messages: false,
        }
    }

    /// The golden step of this plan's cases.
    pub fn golden_step(&self) -> GoldenStep<'_> {
        GoldenStep {
            mode: self.golden,
            root: &self.golden_root,
            profile: self.profile,
            suite: &self.suite.name,
            runtime: &self.runtime_name,
            relax: self.relax,
        }
    }
}

/// Builds a [`RunPlan`]; [`RunBuilder::build`] checks that the suite's judge can judge every
/// language before anything runs.
#[derive(Debug, Clone)]
pub struct RunBuilder {
    plan: RunPlan,
    independent: bool,
    strict_messages: bool,
}

impl RunBuilder {
    /// Adds a language and the image it runs in.
    pub fn language(mut self, language: Language, image: impl Into<String>) -> Self {
        self.plan.languages.push((language, image.into()));
        self
    }

    /// Adds languages with their images.
    pub fn languages(mut self, languages: impl IntoIterator<Item = (Language, String)>) -> Self {
        self.plan.languages.extend(languages);
        self
    }

    /// The semantics to judge against.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.plan.profile = profile;
        self
    }

    /// Only trials whose id matches.
    pub fn filter(mut self, filter: Option<GlobMatcher>) -> Self {
        self.plan.filter = filter;
        self
    }

    /// Only one slice of the selection.
    pub fn shard(mut self, shard: Option<Shard>) -> Self {
        self.plan.shard = shard;
        self
    }

    /// Containers at once (at least one).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.plan.jobs = jobs.max(1);
        self
    }

    /// Check, bless or ignore goldens.
    pub fn golden(mut self, mode: GoldenMode) -> Self {
        self.plan.golden = mode;
        self
    }

    /// Another golden folder (a vendor's fork).
    pub fn golden_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.plan.golden_root = root.into();
        self
    }

    /// Engine ids of the images, by language, for the report.
    pub fn image_ids(mut self, ids: BTreeMap<String, String>) -> Self {
        self.plan.image_ids = ids;
        self
    }

    /// Judge an independent runtime's error messages and blob URIs byte for byte too.
    pub fn strict_messages(mut self, strict: bool) -> Self {
        self.strict_messages = strict;
        self
    }

    /// The plan, once its judge can judge every language: a suite judged by the ellipse
    /// oracle needs each language's ellipse program.
    pub fn build(mut self) -> Result<RunPlan> {
        if self.plan.suite.judge == JudgeKind::Ellipse {
            for (language, _) in &self.plan.languages {
                language.ellipse_program().map_err(|e| match e {
                    Error::Manifest { path, message } => Error::Manifest {
                        path,
                        message: format!(
                            "suite `{}` ({}) is judged by `ellipse`: {message}",
                            self.plan.suite.name,
                            self.plan.suite.path.display()
                        ),
                    },
                    other => other,
                })?;
            }
        }
        self.plan.relax = self.independent && !self.strict_messages;
        self.plan.data = data_overrides(&self.plan);
        Ok(self.plan)
    }
}

/// The default number of cases at once: one more than the cores. Measured with `rawconf bench`
/// on 2 cores (fresh mode, 40 trials): `-j 2` ran 1.56× faster than `-j 1`, `-j 3` 1.87× and
/// `-j 4` 1.82× — a fresh case waits on the engine (create, start, remove) long enough that a
/// third job fills the gaps, and a fourth only adds contention. Warm mode is CPU-bound (an exec
/// waits little) and gains nothing past the cores either way.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) + 1
}

/// The trial id of a language × case: `<language>/<suite>/<case>`.
pub fn trial_id(language: &str, suite: &str, case: &str) -> String {
    format!("{language}/{suite}/{case}")
}

/// The language × case pairs a plan selects, in a stable order.
pub fn select(plan: &RunPlan) -> Vec<(usize, usize)> {
    let pairs = select_all(plan);
    match plan.shard {
        Some(s) => pairs
            .into_iter()
            .enumerate()
            .filter(|(i, (li, ci))| {
                let id = trial_id(
                    &plan.languages[*li].0.name,
                    &plan.suite.name,
                    &plan.suite.cases[*ci].id,
                );
                s.holds(*i, &id)
            })
            .map(|(_, p)| p)
            .collect(),
        None => pairs,
    }
}

/// The pairs the plan selects before it is cut into shards.
pub(super) fn select_all(plan: &RunPlan) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (li, (lang, _)) in plan.languages.iter().enumerate() {
        for (ci, case) in plan.suite.cases.iter().enumerate() {
            let id = trial_id(&lang.name, &plan.suite.name, &case.id);
            if plan.filter.as_ref().is_none_or(|f| f.is_match(&id)) {
                pairs.push((li, ci));
            }
        }
    }
    pairs
}
