//! The explorer: one exploration over a suite's task — its configuration, the memo of runs,
//! the limitations in scope. The phases are methods in sibling files (`session.rs` orders them).
//!
//! One run, for a seed `S` and `N` cases per language:
//!
//! 1. **Cases** — the replayed regressions first, then case `i` of `0..N` drawn from
//!    [`crate::explore::case_input`] by a proptest runner seeded with `mix(S, i)`
//!    (`shrink.rs`). Each case has its own seed, so it can be drawn again, from scratch,
//!    to be shrunk — once per language that fails on it.
//! 2. **Runs** — every language × case goes through the [`Executor`] (the reference runtime on
//!    Docker), `jobs` at a time; results are memoized here, so shrinking and the cross-language
//!    check never rerun a container for an input already seen.
//! 3. **Classes of failure** — [`crate::judge::ellipse`] judges each stage, [`super::classify`] explains
//!    each failure by a limitation or not; equal signatures are one finding (counted, shown
//!    once) — per language in `language.rs`, across languages in `agreement.rs`.
//! 4. **Shrinking** — `shrink.rs`: for each distinct signature (new findings always; known
//!    ones when asked) proptest simplifies the case while the signature stays the same.
//!
//! **Parallel, yet the same findings.** A shrink is a chain of runs, each chosen by the last,
//! so it cannot be split; but the shrinks of different findings (and of different languages)
//! are independent. After the first pass each one runs on its own thread (`Explorer::in_parallel`)
//! and a gate lets at most `jobs` runs reach the executor at once, whoever asks. Results are put
//! back in their serial order, and a run's verdict depends only on its input (memoized), so a
//! seed finds exactly what it found serially — only sooner.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::explore::classify::{Signature, classify, signature};
use crate::explore::executor::Executor;
use crate::explore::regressions::Regressions;
use crate::explore::strategy::CaseInput;
use crate::judge::ellipse::{Verdict, judge};
use crate::protocol::goformat::format_v;
use crate::protocol::literal::{LiteralType, SimpleType};
use crate::protocol::profile::Profile;
use crate::spec::language::Language;
use crate::spec::limitation::{FailureKind, Limitation};
use crate::spec::suite::Suite;

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
    /// At most this long shrinking one finding, counting its own runs (and the proptest work
    /// between them) but not the waits for a free job: with every shrink on its own thread,
    /// a wall-clock limit would stop each one sooner the more findings a run has.
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
type Slot = Arc<Mutex<Option<Arc<Verdict>>>>;
/// Memoized runs by language and the bits of `(a, b)`.
type Memo = Mutex<HashMap<(String, (u64, u64)), Slot>>;

/// One exploration over a suite's task: cases, memoized runs, findings.
pub struct Explorer<'a> {
    executor: &'a dyn Executor,
    pub(super) suite: &'a Suite,
    pub(super) languages: Vec<Language>,
    pub(super) regressions: Regressions,
    pub(super) config: ExploreConfig,
    memo: Memo,
    runs: AtomicUsize,
    gate: Gate,
    /// The first harness fault of any thread; once set, no new run starts.
    fault: Mutex<Option<Error>>,
    failed: AtomicBool,
}

/// At most `n` runs at once, however many threads ask for one.
#[derive(Debug)]
struct Gate {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    fn new(n: usize) -> Gate {
        Gate {
            free: Mutex::new(n.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Runs `f` once a place is free; the wait is added to this thread's [`gate_waits`].
    fn pass<R>(&self, f: impl FnOnce() -> R) -> R {
        let asked = Instant::now();
        {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
            }
            *free -= 1;
        }
        WAITED.with(|w| w.set(w.get() + asked.elapsed()));
        // Given back even if `f` panics, so the other threads do not wait forever.
        struct Release<'g>(&'g Gate);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }
}

thread_local! {
    static WAITED: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
}

/// How long this thread has waited at the gate so far: a shrink's time budget leaves it out,
/// so how many shrinks run side by side does not change how far each one gets.
pub(super) fn gate_waits() -> Duration {
    WAITED.with(|w| w.get())
}

/// What a thread sees once another one hit a harness fault: the fault itself is kept in the
/// explorer and returned by the public entry points instead of this.
const CANCELLED: &str = "cancelled: another run of this exploration hit a harness fault";

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
                    .flat_map(|l| l.limitations().iter())
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
            memo: Mutex::new(HashMap::new()),
            runs: AtomicUsize::new(0),
            gate: Gate::new(config.jobs),
            fault: Mutex::new(None),
            failed: AtomicBool::new(false),
            config,
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

    pub(super) fn language(&self, name: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.name == name)
    }

    /// Runs (or recalls) one language on one case, judged by [`crate::judge::ellipse`].
    pub fn observe(&self, lang: &Language, case: &CaseInput) -> Result<Arc<Verdict>> {
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
        if self.failed.load(Ordering::SeqCst) {
            return Err(Error::Internal(CANCELLED.into()));
        }
        let judged = self.gate.pass(|| {
            let executed = self.executor.execute(
                lang,
                &self.suite.task,
                &case.literals(),
                self.config.profile,
            )?;
            self.runs.fetch_add(1, Ordering::Relaxed);
            judge(
                lang,
                &self.suite.task,
                self.config.profile,
                &case.literals(),
                &executed,
            )
        });
        match judged {
            Ok(o) => {
                let o = Arc::new(o);
                *slot = Some(o.clone());
                Ok(o)
            }
            Err(e) => {
                let mut fault = self.fault.lock().unwrap_or_else(|p| p.into_inner());
                if fault.is_none() {
                    *fault = Some(e);
                }
                self.failed.store(true, Ordering::SeqCst);
                Err(Error::Internal(CANCELLED.into()))
            }
        }
    }

    /// `result`, unless a run hit a harness fault: then that fault (the cancellations it caused
    /// elsewhere say less). Every public entry point that runs cases returns through this.
    pub(super) fn or_fault<T>(&self, result: Result<T>) -> Result<T> {
        match self.fault.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(e) => Err(e),
            None => result,
        }
    }

    /// `f` of every item, each on its own thread (runs still pass the gate, `jobs` at a time),
    /// in the items' order; the first error in that order if any.
    pub(super) fn in_parallel<T: Sync, R: Send>(
        &self,
        items: &[T],
        f: impl Fn(&T) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        if items.len() <= 1 {
            return items.iter().map(&f).collect();
        }
        let f = &f;
        let results: Vec<Result<R>> = std::thread::scope(|s| {
            let handles: Vec<_> = items.iter().map(|item| s.spawn(move || f(item))).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Internal("an exploration thread panicked".into()))
                    })
                })
                .collect()
        });
        results.into_iter().collect()
    }

    /// Runs every language × case not seen yet, `jobs` at a time.
    pub fn prefill(&self, pairs: &[(&Language, CaseInput)]) -> Result<()> {
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..self.config.jobs.max(1).min(pairs.len().max(1)) {
                s.spawn(|| {
                    while !self.failed.load(Ordering::SeqCst) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((lang, case)) = pairs.get(i) else {
                            break;
                        };
                        // A fault is kept in `self.fault` and stops every thread.
                        let _ = self.observe(lang, case);
                    }
                });
            }
        });
        self.or_fault(Ok(()))
    }

    /// Whether a selected language or the suite declares the limitation `id`.
    pub(super) fn is_declared(&self, id: &str) -> bool {
        self.languages
            .iter()
            .flat_map(|l| l.limitations())
            .chain(&self.suite.limitations)
            .any(|l| l.id == id)
    }

    /// Whether `id` names a limitation that only explains cross-language disagreements.
    pub(super) fn is_cross_language(&self, id: &str) -> bool {
        self.languages
            .iter()
            .flat_map(|l| l.limitations())
            .chain(&self.suite.limitations)
            .filter(|l| l.id == id)
            .any(|l| l.failures.iter().all(|k| *k == FailureKind::Disagreement))
    }

    pub(super) fn limitations_of<'s>(&'s self, langs: &[&'s Language]) -> Vec<&'s Limitation> {
        langs
            .iter()
            .flat_map(|l| l.limitations().iter())
            .chain(&self.suite.limitations)
            .collect()
    }

    pub(super) fn classified(
        &self,
        lang: &Language,
        case: &CaseInput,
    ) -> Result<(Arc<Verdict>, Signature)> {
        let o = self.observe(lang, case)?;
        let lims = self.limitations_of(&[lang]);
        let sig = signature(&classify(&o, case, &lims, self.config.profile));
        Ok((o, sig))
    }
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
    let want = |vars: &crate::protocol::literal::VariableMap,
                field: &str,
                names: &[(&str, SimpleType)]| {
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
pub(super) fn sort_unique(v: &mut Vec<String>) {
    v.sort();
    v.dedup();
}
