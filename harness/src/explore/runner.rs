//! The property runner: generate cases from a seed, run them through a runtime, classify, shrink
//! every distinct failure to a minimal input, and compare languages with each other.
//!
//! One run, for a seed `S` and `N` cases per language:
//!
//! 1. **Cases** — the replayed regressions first, then case `i` of `0..N` drawn from
//!    [`case_input`] by a proptest runner seeded with `mix(S, i)`. Each case has its own seed,
//!    so it can be drawn again, from scratch, to be shrunk — once per language that fails on it.
//! 2. **Runs** — every language × case goes through the [`Executor`] (the reference runtime on
//!    Docker), `jobs` at a time; results are memoized, so shrinking and the cross-language check
//!    never rerun a container for an input already seen.
//! 3. **Classes of failure** — [`observe`] judges each stage, each failure is explained by a
//!    limitation or not; equal [`Signature`]s are one finding (counted, shown once).
//! 4. **Shrinking** — for each distinct signature (new findings always; known ones when asked),
//!    proptest's [`TestRunner::run_one`] simplifies the case while the signature stays the same,
//!    bounded by `max_shrink_iters` and `max_shrink_time`.
//! 5. **Cross-language** — for every case, every two languages that both passed must agree
//!    within twice the looser declared precision ([`oracle::agree`], [`oracle::tolerance`]); a
//!    disagreement is a finding too (known when a `disagreement` limitation explains it).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use crate::error::{Error, Result};
use crate::explore::findings::{Exploration, FailureReport, Finding, Source};
use crate::explore::observe::{self, Explained, Observation, Signature, classify, signature};
use crate::explore::regressions::{Regression, Regressions};
use crate::explore::strategy::{CaseInput, case_input, significant_digits};
use crate::goformat::format_v;
use crate::language::Language;
use crate::limitation::{Facts, FailureKind, Limitation, explain};
use crate::literal::{LiteralMap, LiteralType, SimpleType};
use crate::oracle;
use crate::profile::Profile;
use crate::runtime::{Executed, Execution, Reference};
use crate::suite::{Suite, TaskSpec};

/// Runs one case of a task for a language: the seam between the property runner and a runtime.
///
/// Synchronous because proptest's shrinking calls a plain `Fn`; the Docker implementation
/// blocks on its async runtime, so call it from a thread that is not running async tasks.
pub trait Executor: Sync {
    /// Executes the task for `language` with `inputs` under `profile`.
    fn execute(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        profile: Profile,
    ) -> Result<Executed>;
}

/// The reference runtime (Docker) as an [`Executor`].
#[derive(Debug)]
pub struct DockerExecutor {
    handle: tokio::runtime::Handle,
    runtime: Reference,
    images: BTreeMap<String, String>,
    run_id: String,
}

impl DockerExecutor {
    /// Makes sure every language's image exists (building what is missing) and captures the
    /// current tokio runtime, on which [`Executor::execute`] will block.
    pub async fn prepare(
        docker: bollard::Docker,
        languages: &[Language],
    ) -> Result<DockerExecutor> {
        let builder = crate::image::Builder::new(docker.clone());
        let mut images = BTreeMap::new();
        for lang in languages {
            let built = builder.ensure(lang).await?;
            images.insert(lang.name.clone(), built.image);
        }
        Ok(DockerExecutor {
            handle: tokio::runtime::Handle::current(),
            runtime: Reference::new(docker),
            images,
            run_id: format!("explore-{}", std::process::id()),
        })
    }
}

impl Executor for DockerExecutor {
    fn execute(
        &self,
        language: &Language,
        task: &TaskSpec,
        inputs: &LiteralMap,
        profile: Profile,
    ) -> Result<Executed> {
        let image = self.images.get(&language.name).ok_or_else(|| {
            Error::Usage(format!(
                "no image was prepared for language `{}`",
                language.name
            ))
        })?;
        self.handle.block_on(self.runtime.execute(&Execution {
            language,
            image,
            task,
            inputs,
            profile,
            run_id: &self.run_id,
        }))
    }
}

/// The knobs of one exploration.
#[derive(Debug, Clone)]
pub struct ExploreConfig {
    /// Generated cases per language (the replayed regressions come on top).
    pub cases: u32,
    /// The seed every case is drawn from; printed so a run can be repeated.
    pub seed: u64,
    /// Whose semantics the runtime reproduces and results are judged by.
    pub profile: Profile,
    /// Cases executed at once.
    pub jobs: usize,
    /// At most this many simplification steps per shrunk finding.
    pub max_shrink_iters: u32,
    /// At most this long shrinking one finding.
    pub max_shrink_time: Duration,
    /// Shrink known limitations too (for their minimal inputs), not only new findings.
    pub shrink_known: bool,
}

impl ExploreConfig {
    /// `cases` cases from `seed` on the backend profile, two at a time, shrinking everything.
    pub fn new(cases: u32, seed: u64) -> ExploreConfig {
        ExploreConfig {
            cases,
            seed,
            profile: Profile::Backend,
            jobs: 2,
            max_shrink_iters: 256,
            max_shrink_time: Duration::from_secs(90),
            shrink_known: true,
        }
    }
}

/// A fresh random seed, for runs where the user did not fix one.
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish() >> 16 // short enough to type back
}

/// The seed of case `index` of a run with `seed` (SplitMix64 of both).
pub fn case_seed(seed: u64, index: u32) -> u64 {
    let mut z = seed
        .wrapping_add(u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One memoized run: filled once, by whoever asks first (others wait on the lock).
type Slot = Arc<Mutex<Option<Arc<Observation>>>>;
/// Memoized runs by language and the bits of `(a, b)`.
type Memo = Mutex<HashMap<(String, (u64, u64)), Slot>>;

/// One exploration over a suite's task: cases, memoized runs, findings.
pub struct Explorer<'a> {
    executor: &'a dyn Executor,
    suite: &'a Suite,
    languages: Vec<Language>,
    regressions: Regressions,
    config: ExploreConfig,
    memo: Memo,
    runs: AtomicUsize,
}

impl std::fmt::Debug for Explorer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explorer")
            .field("suite", &self.suite.name)
            .field("languages", &self.languages.len())
            .field("config", &self.config)
            .finish()
    }
}

impl<'a> Explorer<'a> {
    /// An explorer for `languages` running `suite`'s task.
    ///
    /// `Err` when the task is not the ellipse task's interface (inputs `a`, `b`: FLOAT; outputs
    /// `area`: FLOAT, `metadata`: STRING), or a regression names an unknown language or
    /// limitation — each error names the file and field.
    pub fn new(
        executor: &'a dyn Executor,
        suite: &'a Suite,
        languages: Vec<Language>,
        regressions: Regressions,
        config: ExploreConfig,
    ) -> Result<Explorer<'a>> {
        check_interface(suite)?;
        let all: Vec<&str> = languages.iter().map(|l| l.name.as_str()).collect();
        for r in &regressions.cases {
            let bad = |message: String| Error::Manifest {
                path: regressions.path.clone(),
                message,
            };
            // A regression for a language outside the selection is not replayed (and its
            // limitation ids cannot be checked here; `tests/explore.rs` checks every entry).
            if let Some(l) = &r.language
                && !all.contains(&l.as_str())
            {
                continue;
            }
            // An entry for every language may expect a limitation of a language left out of
            // this selection: only an entry naming a selected language is checked here.
            if r.language.is_none() {
                continue;
            }
            for id in r.expect.iter().flatten() {
                let declared = languages
                    .iter()
                    .filter(|l| r.language.as_deref().is_none_or(|n| n == l.name))
                    .flat_map(|l| l.limitations.iter())
                    .chain(&suite.limitations)
                    .any(|lim| &lim.id == id);
                if !declared {
                    return Err(bad(format!(
                        "field `case[{}].expect`: `{id}` is not a limitation declared by {} or the suite",
                        r.index,
                        r.language.as_deref().unwrap_or("any language")
                    )));
                }
            }
        }
        Ok(Explorer {
            executor,
            suite,
            languages,
            regressions,
            config,
            memo: Mutex::new(HashMap::new()),
            runs: AtomicUsize::new(0),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ExploreConfig {
        &self.config
    }

    /// The languages explored.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// Containers run so far (memoized repeats not counted).
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    fn case_runner(&self, index: u32) -> TestRunner {
        TestRunner::new(Config {
            cases: 1,
            max_shrink_iters: self.config.max_shrink_iters,
            max_shrink_time: u32::try_from(self.config.max_shrink_time.as_millis())
                .unwrap_or(u32::MAX),
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(case_seed(self.config.seed, index)),
            ..Config::default()
        })
    }

    fn tree(&self, index: u32) -> Result<Box<dyn ValueTree<Value = CaseInput>>> {
        let mut runner = self.case_runner(index);
        case_input()
            .new_tree(&mut runner)
            .map(|t| Box::new(t) as Box<dyn ValueTree<Value = CaseInput>>)
            .map_err(|e| Error::Usage(format!("the input strategy rejected case {index}: {e}")))
    }

    /// The generated cases of this run, in order (the same for every language).
    pub fn generated(&self) -> Result<Vec<CaseInput>> {
        (0..self.config.cases)
            .map(|i| self.tree(i).map(|t| t.current()))
            .collect()
    }

    fn language(&self, name: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.name == name)
    }

    /// Runs (or recalls) one language on one case.
    pub fn observe(&self, lang: &Language, case: &CaseInput) -> Result<Arc<Observation>> {
        let slot = {
            let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
            memo.entry((lang.name.clone(), case.key()))
                .or_default()
                .clone()
        };
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(o) = slot.as_ref() {
            return Ok(o.clone());
        }
        let executed = self.executor.execute(
            lang,
            &self.suite.task,
            &case.literals(),
            self.config.profile,
        )?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        let o = Arc::new(observe::observe(
            lang,
            &self.suite.task,
            self.config.profile,
            case,
            &executed,
        )?);
        *slot = Some(o.clone());
        Ok(o)
    }

    /// Runs every language × case not seen yet, `jobs` at a time.
    pub fn prefill(&self, pairs: &[(&Language, CaseInput)]) -> Result<()> {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let first_error: Mutex<Option<Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..self.config.jobs.max(1).min(pairs.len().max(1)) {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((lang, case)) = pairs.get(i) else {
                            break;
                        };
                        if let Err(e) = self.observe(lang, case) {
                            stop.store(true, Ordering::Relaxed);
                            let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
                            slot.get_or_insert(e);
                        }
                    }
                });
            }
        });
        match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Whether a selected language or the suite declares the limitation `id`.
    fn is_declared(&self, id: &str) -> bool {
        self.languages
            .iter()
            .flat_map(|l| &l.limitations)
            .chain(&self.suite.limitations)
            .any(|l| l.id == id)
    }

    /// Whether `id` names a limitation that only explains cross-language disagreements.
    fn is_cross_language(&self, id: &str) -> bool {
        self.languages
            .iter()
            .flat_map(|l| &l.limitations)
            .chain(&self.suite.limitations)
            .filter(|l| l.id == id)
            .any(|l| l.failures.iter().all(|k| *k == FailureKind::Disagreement))
    }

    fn limitations_of<'s>(&'s self, langs: &[&'s Language]) -> Vec<&'s Limitation> {
        langs
            .iter()
            .flat_map(|l| l.limitations.iter())
            .chain(&self.suite.limitations)
            .collect()
    }

    fn classified(
        &self,
        lang: &Language,
        case: &CaseInput,
    ) -> Result<(Arc<Observation>, Signature)> {
        let o = self.observe(lang, case)?;
        let lims = self.limitations_of(&[lang]);
        let sig = signature(&classify(&o, case, &lims, self.config.profile));
        Ok((o, sig))
    }

    /// Shrinks generated case `index` while `same` holds; returns the minimal case and the number
    /// of steps tried.
    fn shrink(
        &self,
        index: u32,
        same: &dyn Fn(&CaseInput) -> Result<bool>,
    ) -> Result<(CaseInput, usize)> {
        let mut runner = self.case_runner(index);
        let tree = self.tree(index)?;
        let original = tree.current();
        let steps = Cell::new(0usize);
        let error: RefCell<Option<Error>> = RefCell::new(None);
        let outcome = runner.run_one(tree, |case| {
            steps.set(steps.get() + 1);
            if error.borrow().is_some() {
                return Ok(());
            }
            match same(&case) {
                Ok(true) => Err(TestCaseError::fail("the same failure")),
                Ok(false) => Ok(()),
                Err(e) => {
                    *error.borrow_mut() = Some(e);
                    Ok(())
                }
            }
        });
        if let Some(e) = error.into_inner() {
            return Err(e);
        }
        Ok(match outcome {
            Err(TestError::Fail(_, minimal)) => (minimal, steps.get().saturating_sub(1)),
            // The first run did not reproduce (it is memoized, so it always does): keep it.
            _ => (original, 0),
        })
    }

    /// The findings of one language: replayed regressions (and whether each still shows what it
    /// expects), then the generated cases, each distinct failure shrunk to a minimal input.
    pub fn explore_language(&self, lang: &Language) -> Result<Vec<Finding>> {
        let generated = self.generated()?;
        let replays: Vec<(&Regression, CaseInput)> = self
            .regressions
            .for_language(&lang.name, self.config.profile)
            .map(|r| (r, CaseInput::fixed(r.a, r.b)))
            .collect();
        let mut pairs: Vec<(&Language, CaseInput)> =
            replays.iter().map(|(_, c)| (lang, *c)).collect();
        pairs.extend(generated.iter().map(|c| (lang, *c)));
        self.prefill(&pairs)?;

        let lims = self.limitations_of(&[lang]);
        let mut findings: Vec<Finding> = Vec::new();
        let mut seen: HashMap<Signature, usize> = HashMap::new();

        // Generated cases: group by signature, shrink the first case of each group.
        let mut groups: Vec<(Signature, u32, usize)> = Vec::new();
        for (i, case) in generated.iter().enumerate() {
            let (o, sig) = self.classified(lang, case)?;
            if o.passed() {
                continue;
            }
            match groups.iter_mut().find(|(s, _, _)| *s == sig) {
                Some(g) => {
                    g.2 += 1;
                    // Shrink from the simplest case that shows it: shrinking only simplifies
                    // inside one case's generator, so the start decides how small it gets.
                    if complexity(case) < complexity(&generated[g.1 as usize]) {
                        g.1 = i as u32;
                    }
                }
                None => groups.push((sig, i as u32, 1)),
            }
        }
        for (sig, index, occurrences) in groups {
            let known = sig.iter().all(|(_, _, l)| l.is_some());
            let (minimal, steps) = if !known || self.config.shrink_known {
                let same =
                    |c: &CaseInput| -> Result<bool> { Ok(self.classified(lang, c)?.1 == sig) };
                self.shrink(index, &same)?
            } else {
                (generated[index as usize], 0)
            };
            let o = self.observe(lang, &minimal)?;
            let explained = classify(&o, &minimal, &lims, self.config.profile);
            seen.insert(sig, findings.len());
            let mut f = self.finding(&lang.name, &minimal, &o, &explained, Source::Generated);
            f.occurrences = occurrences;
            f.shrink_steps = steps;
            findings.push(f);
        }

        // Replays: a failing replay is a finding unless a generated case already showed the same
        // thing; a replay that does not show what it expects is always a new finding.
        for (r, case) in &replays {
            let o = self.observe(lang, case)?;
            let explained = classify(&o, case, &lims, self.config.profile);
            let sig = signature(&explained);
            let shown: Vec<String> = explained
                .iter()
                .filter_map(|e| e.limitation.map(|l| l.id.clone()))
                .collect();
            if let Some(expect) = &r.expect {
                let all_known = explained.iter().all(|e| e.limitation.is_some());
                // Cross-language expectations are checked by `explore_agreement`; ids of
                // languages outside this selection cannot show.
                let mut want: Vec<String> = expect
                    .iter()
                    .filter(|id| self.is_declared(id) && !self.is_cross_language(id))
                    .cloned()
                    .collect();
                sort_unique(&mut want);
                let mut got = shown.clone();
                sort_unique(&mut got);
                if !all_known || want != got {
                    let mut f = self.finding(&lang.name, case, &o, &explained, Source::Regression);
                    f.known = false;
                    f.reason = format!(
                        "{}: case[{}] expects {} but shows {}{}",
                        self.regressions.path.display(),
                        r.index,
                        if want.is_empty() {
                            "a pass".to_owned()
                        } else {
                            want.join(", ")
                        },
                        if o.passed() {
                            "a pass".to_owned()
                        } else if got.is_empty() {
                            "no known limitation".to_owned()
                        } else {
                            got.join(", ")
                        },
                        if all_known {
                            String::new()
                        } else {
                            format!(" and a new finding ({})", f.what())
                        }
                    );
                    findings.push(f);
                    continue;
                }
            }
            if o.passed() {
                continue;
            }
            let f = self.finding(&lang.name, case, &o, &explained, Source::Regression);
            match seen.get(&sig) {
                // Keep whichever input is simpler: the shrunk one or the replayed one.
                Some(&i) => {
                    let shown = CaseInput::fixed(
                        crate::goformat::parse_float(&findings[i].a_input).unwrap_or(f64::NAN),
                        crate::goformat::parse_float(&findings[i].b_input).unwrap_or(f64::NAN),
                    );
                    if complexity(case) < complexity(&shown) {
                        let (occurrences, steps) =
                            (findings[i].occurrences, findings[i].shrink_steps);
                        findings[i] = Finding {
                            occurrences,
                            shrink_steps: steps,
                            ..f
                        };
                    }
                }
                None => {
                    seen.insert(sig, findings.len());
                    // No generated case showed it.
                    findings.push(Finding {
                        occurrences: 0,
                        ..f
                    });
                }
            }
        }
        Ok(findings)
    }

    /// Cross-language findings: pairs of languages that both passed a case but disagree beyond
    /// twice the looser of their declared precisions.
    pub fn explore_agreement(&self) -> Result<Vec<Finding>> {
        let generated = self.generated()?;
        let entries: Vec<&Regression> = self
            .regressions
            .cases
            .iter()
            .filter(|r| r.language.is_none() && r.profile == self.config.profile)
            .collect();
        let replays: Vec<CaseInput> = entries.iter().map(|r| CaseInput::fixed(r.a, r.b)).collect();
        let mut pairs = Vec::new();
        for lang in &self.languages {
            for c in replays.iter().chain(&generated) {
                pairs.push((lang, *c));
            }
        }
        self.prefill(&pairs)?;

        let mut findings = Vec::new();
        // Replays that expect a cross-language limitation must still show exactly those.
        for (r, case) in entries.iter().zip(&replays) {
            let Some(expect) = &r.expect else { continue };
            let mut want: Vec<String> = expect
                .iter()
                .filter(|id| self.is_cross_language(id))
                .cloned()
                .collect();
            sort_unique(&mut want);
            let found = self.disagreements(case)?;
            let mut got: Vec<String> = found.iter().filter_map(|(_, _, w)| w.clone()).collect();
            sort_unique(&mut got);
            let unexplained = found.iter().any(|(_, _, w)| w.is_none());
            if want != got || (!want.is_empty() && unexplained) {
                let o = self.observe(&self.languages[0], case)?;
                let mut f = self.finding("cross-language", case, &o, &[], Source::Regression);
                f.known = false;
                f.reason = format!(
                    "{}: case[{}] expects the disagreement(s) {} but shows {}",
                    self.regressions.path.display(),
                    r.index,
                    if want.is_empty() {
                        "none".to_owned()
                    } else {
                        want.join(", ")
                    },
                    if found.is_empty() {
                        "none".to_owned()
                    } else {
                        found
                            .iter()
                            .map(|(x, y, w)| {
                                format!("{x}≠{y} ({})", w.as_deref().unwrap_or("unexplained"))
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
                findings.push(f);
            }
        }

        type Key = (String, String, Option<String>);
        let mut groups: Vec<(Key, Option<u32>, CaseInput, usize)> = Vec::new();
        let indexed = replays.iter().map(|c| (None, *c)).chain(
            generated
                .iter()
                .enumerate()
                .map(|(i, c)| (Some(i as u32), *c)),
        );
        for (index, case) in indexed {
            for (x, y, why) in self.disagreements(&case)? {
                let key = (x, y, why);
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => {
                        g.3 += usize::from(index.is_some());
                        // Start from the simplest input that shows it (a replayed one is not
                        // shrunk further).
                        if complexity(&case) < complexity(&g.2) {
                            g.1 = index;
                            g.2 = case;
                        }
                    }
                    None => groups.push((key, index, case, usize::from(index.is_some()))),
                }
            }
        }
        for ((x, y, why), index, case, occurrences) in groups {
            let known = why.is_some();
            let (minimal, steps) = match index {
                Some(i) if !known || self.config.shrink_known => {
                    let (lx, ly) = match (self.language(&x), self.language(&y)) {
                        (Some(a), Some(b)) => (a, b),
                        _ => return Err(Error::Usage(format!("unknown language `{x}` or `{y}`"))),
                    };
                    // Only the two languages run while shrinking.
                    let same = |c: &CaseInput| -> Result<bool> {
                        Ok(self.disagreement(lx, ly, c)?.as_ref() == Some(&why))
                    };
                    self.shrink(i, &same)?
                }
                _ => (case, 0),
            };
            let mut f = self.agreement_finding(&x, &y, &minimal, index.is_some())?;
            f.occurrences = occurrences;
            f.shrink_steps = steps;
            findings.push(f);
        }
        Ok(findings)
    }

    /// Every pair of languages that both passed `case` and disagree, with the id of the
    /// limitation that explains it (if any).
    fn disagreements(&self, case: &CaseInput) -> Result<Vec<(String, String, Option<String>)>> {
        let mut out = Vec::new();
        for (i, x) in self.languages.iter().enumerate() {
            for y in &self.languages[i + 1..] {
                if let Some(why) = self.disagreement(x, y, case)? {
                    out.push((x.name.clone(), y.name.clone(), why));
                }
            }
        }
        Ok(out)
    }

    /// `Some(explanation)` when `x` and `y` both passed `case` and their areas are not within
    /// twice the looser of their precisions; `None` otherwise.
    fn disagreement(
        &self,
        x: &Language,
        y: &Language,
        case: &CaseInput,
    ) -> Result<Option<Option<String>>> {
        let ox = self.observe(x, case)?;
        let (true, Some(ax)) = (ox.passed(), ox.area) else {
            return Ok(None);
        };
        let oy = self.observe(y, case)?;
        let (true, Some(ay)) = (oy.passed(), oy.area) else {
            return Ok(None);
        };
        let tol = oracle::tolerance(x.arithmetic)
            .max(oracle::tolerance(y.arithmetic))
            .max(f64::EPSILON);
        if oracle::agree(ax, ay, 2.0 * tol) {
            return Ok(None);
        }
        let why = explain(
            self.limitations_of(&[x, y]),
            FailureKind::Disagreement,
            self.config.profile,
            &ox.facts(case),
        )
        .map(|l| l.id.clone());
        Ok(Some(why))
    }

    fn agreement_finding(
        &self,
        x: &str,
        y: &str,
        case: &CaseInput,
        generated: bool,
    ) -> Result<Finding> {
        let (lx, ly) = match (self.language(x), self.language(y)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Error::Usage(format!("unknown language `{x}` or `{y}`"))),
        };
        let ox = self.observe(lx, case)?;
        let oy = self.observe(ly, case)?;
        let facts = Facts {
            a: case.a.value,
            b: case.b.value,
            rendered: [&ox.rendered[0], &ox.rendered[1]],
        };
        let lim = explain(
            self.limitations_of(&[lx, ly]),
            FailureKind::Disagreement,
            self.config.profile,
            &facts,
        );
        let detail = format!(
            "{x} wrote {:?}, {y} wrote {:?}: not within {:e} of each other",
            ox.area.unwrap_or(f64::NAN),
            oy.area.unwrap_or(f64::NAN),
            2.0 * oracle::tolerance(lx.arithmetic)
                .max(oracle::tolerance(ly.arithmetic))
                .max(f64::EPSILON)
        );
        let explained = vec![Explained {
            failure: observe::Failure {
                kind: FailureKind::Disagreement,
                detail,
                symptom: None,
            },
            limitation: lim,
        }];
        let mut f = self.finding(
            &format!("{x}≠{y}"),
            case,
            &ox,
            &explained,
            if generated {
                Source::Generated
            } else {
                Source::Regression
            },
        );
        f.reproduce = format!(
            "{} && {}",
            reproduce(x, case, self.config.profile),
            reproduce(y, case, self.config.profile)
        );
        Ok(f)
    }

    fn finding(
        &self,
        language: &str,
        case: &CaseInput,
        o: &Observation,
        explained: &[Explained<'_>],
        source: Source,
    ) -> Finding {
        let known = explained.iter().all(|e| e.limitation.is_some());
        let mut limitations: Vec<String> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        for e in explained {
            if let Some(l) = e.limitation
                && !limitations.contains(&l.id)
            {
                limitations.push(l.id.clone());
                reasons.push(format!(
                    "{} ({}): {}",
                    l.id,
                    e.failure.kind.stage(),
                    l.reason
                ));
            }
        }
        let unexplained: Vec<String> = explained
            .iter()
            .filter(|e| e.limitation.is_none())
            .map(|e| format!("{}: {}", e.failure.kind, e.failure.detail))
            .collect();
        let reason = if known {
            reasons.join("; ")
        } else {
            format!("new finding: {}", unexplained.join("; "))
        };
        Finding {
            language: language.to_owned(),
            a: o.rendered[0].clone(),
            b: o.rendered[1].clone(),
            a_input: format_v(case.a.value),
            b_input: format_v(case.b.value),
            class: case.class(),
            known,
            reason,
            limitations,
            failures: explained
                .iter()
                .map(|e| FailureReport {
                    stage: e.failure.kind.stage().to_owned(),
                    kind: e.failure.kind,
                    detail: e.failure.detail.clone(),
                    limitation: e.limitation.map(|l| l.id.clone()),
                })
                .collect(),
            reproduce: reproduce(language, case, self.config.profile),
            occurrences: 1,
            source,
            shrink_steps: 0,
            seed: self.config.seed,
            profile: self.config.profile,
        }
    }

    /// The whole exploration: every language, then the cross-language check. Every language ×
    /// case runs first, `jobs` at a time, so the phases after it only shrink.
    pub fn explore(&self) -> Result<Exploration> {
        let started = Instant::now();
        let generated = self.generated()?;
        let mut pairs = Vec::new();
        for lang in &self.languages {
            for r in self
                .regressions
                .for_language(&lang.name, self.config.profile)
            {
                pairs.push((lang, CaseInput::fixed(r.a, r.b)));
            }
            for c in &generated {
                pairs.push((lang, *c));
            }
        }
        self.prefill(&pairs)?;
        let mut findings = Vec::new();
        for lang in &self.languages {
            findings.extend(self.explore_language(lang)?);
        }
        findings.extend(self.explore_agreement()?);
        Ok(Exploration {
            seed: self.config.seed,
            cases: self.config.cases,
            profile: self.config.profile,
            languages: self.languages.iter().map(|l| l.name.clone()).collect(),
            replayed: self
                .regressions
                .cases
                .iter()
                .filter(|r| r.profile == self.config.profile)
                .count(),
            runs: self.runs(),
            elapsed: started.elapsed(),
            findings,
        })
    }

    /// The minimal inputs of new findings, as regression entries to persist.
    pub fn to_persist(&self, findings: &[Finding]) -> Vec<Regression> {
        findings
            .iter()
            .filter(|f| !f.known && f.source == Source::Generated)
            .filter_map(|f| {
                let a = crate::goformat::parse_float(&f.a_input).ok()?;
                let b = crate::goformat::parse_float(&f.b_input).ok()?;
                Some(Regression {
                    a,
                    b,
                    language: self.language(&f.language).map(|l| l.name.clone()),
                    profile: self.config.profile,
                    expect: None,
                    note: format!("found by seed {}: {}", f.seed, f.reason),
                    index: 0,
                })
            })
            .collect()
    }
}

/// How complicated a case looks to a reader: built pairs last, then by significant digits, then
/// by the size of the decimal exponents.
fn complexity(case: &CaseInput) -> (bool, usize, i32) {
    let exp = |x: f64| {
        if x == 0.0 || !x.is_finite() {
            0
        } else {
            x.abs().log10().floor() as i32
        }
    };
    (
        case.pair_class.is_some(),
        significant_digits(case.a.value) + significant_digits(case.b.value),
        exp(case.a.value).abs() + exp(case.b.value).abs(),
    )
}

/// The command that reruns one case alone.
pub fn reproduce(language: &str, case: &CaseInput, profile: Profile) -> String {
    let mut cmd = format!(
        "rawconf exec --language {language} --input a={} --input b={}",
        format_v(case.a.value),
        format_v(case.b.value)
    );
    if profile != Profile::Backend {
        cmd.push_str(&format!(" --profile {profile}"));
    }
    cmd
}

fn check_interface(suite: &Suite) -> Result<()> {
    let bad = |message: String| Error::Manifest {
        path: suite.path.clone(),
        message,
    };
    let want = |vars: &crate::literal::VariableMap, field: &str, names: &[(&str, SimpleType)]| {
        for (name, ty) in names {
            match vars.variables.get(*name).map(|v| &v.literal_type) {
                Some(LiteralType::Simple(t)) if t == ty => {}
                _ => {
                    return Err(bad(format!(
                        "field `{field}`: the property runner explores the ellipse task and expects `{name}` of type {}",
                        ty.name()
                    )));
                }
            }
        }
        Ok(())
    };
    want(
        &suite.task.interface.inputs,
        "task.inputs",
        &[("a", SimpleType::Float), ("b", SimpleType::Float)],
    )?;
    want(
        &suite.task.interface.outputs,
        "task.outputs",
        &[
            ("area", SimpleType::Float),
            ("metadata", SimpleType::String),
        ],
    )
}

/// Sorts and drops repeats, so two id lists compare as sets.
fn sort_unique(v: &mut Vec<String>) {
    v.sort();
    v.dedup();
}
