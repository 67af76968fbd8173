//! The literal explorer: draw cases, run each as a probe task through an [`Executor`], judge
//! it ([`super::judge`]), explain failures ([`super::limits`]), group them by signature and
//! shrink each group's simplest case with proptest.
//!
//! It reuses the float explorer's seeding ([`case_seed`]: case `i` of seed `S` is drawn by a
//! runner seeded with `mix(S, i)`, so one case can be drawn again alone and shrunk) and its
//! [`Executor`] seam; judging, limitations and reports are its own, because the float
//! explorer's are about the ellipse task's numbers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use super::input::{Handed, NAME};
use super::judge::{Computed, Failure, Observed, Stage, judge};
use super::limits::explain;
use super::model::expect;
use super::probe::{INPUT_DIR, Plan, plan};
use super::report::{LiteralExploration, LiteralFinding, format_text, shape_text, value_text};
use super::strategy::{TypedInput, typed_input};
use crate::error::{Error, Result};
use crate::explore::executor::Executor;
use crate::explore::shrink::{case_runner, shrink_tree};
use crate::protocol::inputs::{InputsRequest, write_inputs_from};
use crate::protocol::profile::Profile;
use crate::protocol::template::{TemplateContext, render};
use crate::spec::language::Language;

/// The knobs of one literal exploration.
#[derive(Debug, Clone)]
pub struct LiteralConfig {
    /// Cases drawn.
    pub cases: u32,
    /// The seed; printed so a run can be repeated.
    pub seed: u64,
    /// Cases run at once.
    pub jobs: usize,
    /// At most this many simplification steps per finding.
    pub max_shrink_iters: u32,
    /// At most this long shrinking one finding.
    pub max_shrink_time: Duration,
    /// Shrink findings that declared limitations explain too.
    pub shrink_known: bool,
}

impl LiteralConfig {
    /// `cases` cases from `seed`, two at a time, shrinking new findings for up to 60 s each.
    pub fn new(cases: u32, seed: u64) -> LiteralConfig {
        LiteralConfig {
            cases,
            seed,
            jobs: 2,
            max_shrink_iters: 128,
            max_shrink_time: Duration::from_secs(60),
            shrink_known: false,
        }
    }
}

/// What one case came to: its failing checks, and whether a container ran.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Every failing check.
    pub failures: Vec<Failure>,
    /// Whether the runtime ran a container (`false`: it refused the input).
    pub ran: bool,
}

/// A signature: what makes two failing cases "the same finding".
type Signature = Vec<(Stage, &'static str, Option<&'static str>)>;

/// One literal exploration over the probe.
pub struct LiteralExplorer<'a> {
    executor: &'a dyn Executor,
    probe: Language,
    config: LiteralConfig,
    memo: Mutex<HashMap<String, Arc<Judged>>>,
    runs: AtomicUsize,
    root: tempfile::TempDir,
}

impl std::fmt::Debug for LiteralExplorer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteralExplorer")
            .field("config", &self.config)
            .finish()
    }
}

impl<'a> LiteralExplorer<'a> {
    /// An explorer running `probe` (the `languages/probe` language) through `executor`.
    /// `Err` when the temp dir for blob bytes cannot be created.
    pub fn new(
        executor: &'a dyn Executor,
        probe: Language,
        config: LiteralConfig,
    ) -> Result<LiteralExplorer<'a>> {
        let root = tempfile::Builder::new()
            .prefix("rawconf-literals-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        Ok(LiteralExplorer {
            executor,
            probe,
            config,
            memo: Mutex::new(HashMap::new()),
            runs: AtomicUsize::new(0),
            root,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LiteralConfig {
        &self.config
    }

    /// Containers run so far.
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    fn runner(&self, index: u32) -> TestRunner {
        case_runner(self.config.seed, index, self.config.max_shrink_iters)
    }

    fn tree(&self, index: u32) -> Result<Box<dyn ValueTree<Value = TypedInput>>> {
        typed_input()
            .new_tree(&mut self.runner(index))
            .map(|t| Box::new(t) as Box<dyn ValueTree<Value = TypedInput>>)
            .map_err(|e| {
                Error::Internal(format!("the literal strategy rejected case {index}: {e}"))
            })
    }

    /// Case `index` of this run.
    pub fn case(&self, index: u32) -> Result<TypedInput> {
        Ok(self.tree(index)?.current())
    }

    /// Runs (or recalls) one input and judges it.
    pub fn observe(&self, input: &TypedInput) -> Result<Arc<Judged>> {
        let key = format!("{input:?}");
        if let Some(j) = self
            .memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(j.clone());
        }
        let expected = expect(
            NAME,
            &input.value,
            input.format == crate::protocol::inputs::InputFormat::Yaml,
        );
        let handed = input.hand(self.root.path())?;
        let plan = plan(&handed.literal_type, input.format, &expected);
        let computed = self.computed(&handed, &plan)?;
        let observed = match self.executor.execute_with(
            &self.probe,
            &plan.task,
            &handed.inputs,
            &handed.blobs,
            Profile::Backend,
        ) {
            Ok(executed) => {
                self.runs.fetch_add(1, Ordering::Relaxed);
                Observed::Ran(Box::new(executed))
            }
            // A refusal names what the runtime does not model: an outcome, not a fault.
            Err(Error::Usage(message)) => Observed::Refused(message),
            Err(e) => return Err(e),
        };
        let judged = Arc::new(Judged {
            failures: judge(&expected, &plan, &computed, &observed),
            ran: matches!(observed, Observed::Ran(_)),
        });
        self.memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, judged.clone());
        Ok(judged)
    }

    /// What `protocol::inputs` and `protocol::template` compute for the case.
    fn computed(&self, handed: &Handed, plan: &Plan) -> Result<Computed> {
        let dir =
            tempfile::tempdir_in(self.root.path()).map_err(|e| Error::io(self.root.path(), e))?;
        let written = write_inputs_from(
            &InputsRequest {
                inputs: &handed.inputs,
                dir: dir.path(),
                container_dir: Some(INPUT_DIR),
                format: plan.task.format,
                profile: Profile::Backend,
            },
            &handed.blobs.mirror()?,
        );
        let meta = match written {
            Ok(_) => read_if_any(&dir.path().join(plan.meta_file))?,
            Err(Error::Usage(_)) => None,
            Err(e) => return Err(e),
        };
        let ctx = TemplateContext {
            profile: Profile::Backend,
            input_prefix: INPUT_DIR.into(),
            inputs: handed.inputs.clone(),
            input_data_dir: Some(INPUT_DIR.into()),
            ..TemplateContext::default()
        };
        let one = [format!("{{{{.inputs.{NAME}}}}}")];
        Ok(Computed {
            meta,
            render_one: render(&one, &ctx)
                .map(|mut v| v.remove(0))
                .map_err(|e| e.to_string()),
            render_args: render(&plan.task.args, &ctx).map_err(|e| e.to_string()),
        })
    }

    fn signature(&self, input: &TypedInput, failures: &[Failure]) -> Signature {
        let mut sig: Signature = failures
            .iter()
            .map(|f| (f.stage, f.symptom, explain(f, input).map(|d| d.id)))
            .collect();
        sig.sort();
        sig
    }

    /// Runs every case, `jobs` at a time, then groups, shrinks and reports the failures.
    pub fn explore(&self) -> Result<LiteralExploration> {
        let started = Instant::now();
        let cases: Vec<TypedInput> = (0..self.config.cases)
            .map(|i| self.case(i))
            .collect::<Result<_>>()?;
        self.prefill(&cases)?;
        let mut groups: Vec<(Signature, u32, usize)> = Vec::new();
        let mut refused = 0;
        for (i, case) in cases.iter().enumerate() {
            let judged = self.observe(case)?;
            refused += usize::from(!judged.ran);
            if judged.failures.is_empty() {
                continue;
            }
            let sig = self.signature(case, &judged.failures);
            match groups.iter_mut().find(|g| g.0 == sig) {
                Some(g) => {
                    g.2 += 1;
                    if complexity(case) < complexity(&cases[g.1 as usize]) {
                        g.1 = i as u32;
                    }
                }
                None => groups.push((sig, i as u32, 1)),
            }
        }
        let mut findings = Vec::new();
        for (sig, index, occurrences) in groups {
            let known = sig.iter().all(|s| s.2.is_some());
            let (minimal, steps) = if !known || self.config.shrink_known {
                self.shrink(index, &sig)?
            } else {
                (cases[index as usize].clone(), 0)
            };
            findings.push(self.finding(&minimal, index, occurrences, steps)?);
        }
        Ok(LiteralExploration {
            seed: self.config.seed,
            cases: self.config.cases,
            runs: self.runs(),
            refused,
            elapsed: started.elapsed(),
            findings,
        })
    }

    fn prefill(&self, cases: &[TypedInput]) -> Result<()> {
        let next = AtomicUsize::new(0);
        let fault: Mutex<Option<Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..self.config.jobs.clamp(1, cases.len().max(1)) {
                s.spawn(|| {
                    loop {
                        if fault.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                            break;
                        }
                        let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
                        if let Err(e) = self.observe(case) {
                            fault
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                        }
                    }
                });
            }
        });
        match fault.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Shrinks case `index` while its signature stays `sig`: the minimal input and the steps.
    fn shrink(&self, index: u32, sig: &Signature) -> Result<(TypedInput, usize)> {
        let started = Instant::now();
        let out_of_time = || started.elapsed() >= self.config.max_shrink_time;
        let same = |case: &TypedInput| {
            let judged = self.observe(case)?;
            Ok(self.signature(case, &judged.failures) == *sig)
        };
        shrink_tree(self.runner(index), self.tree(index)?, &out_of_time, &same)
    }

    fn finding(
        &self,
        input: &TypedInput,
        case: u32,
        occurrences: usize,
        shrink_steps: usize,
    ) -> Result<LiteralFinding> {
        let judged = self.observe(input)?;
        let explained: Vec<_> = judged.failures.iter().map(|f| explain(f, input)).collect();
        let known = explained.iter().all(Option::is_some);
        let mut limitations: Vec<String> = explained
            .iter()
            .flatten()
            .map(|d| d.id.to_owned())
            .collect();
        limitations.sort();
        limitations.dedup();
        let reason = if known {
            explained
                .iter()
                .flatten()
                .map(|d| d.reason)
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            let open: Vec<String> = judged
                .failures
                .iter()
                .zip(&explained)
                .filter(|(_, e)| e.is_none())
                .map(|(f, _)| format!("{}: {}", f.stage, f.symptom))
                .collect();
            format!("no declared limitation explains {}", open.join("; "))
        };
        Ok(LiteralFinding {
            r#type: shape_text(&input.shape),
            input: value_text(&input.value),
            format: format_text(input),
            known,
            limitations,
            reason,
            failures: judged.failures.clone(),
            occurrences,
            shrink_steps,
            case,
            seed: self.config.seed,
        })
    }
}

/// How complicated an input looks: the length of its description.
fn complexity(input: &TypedInput) -> usize {
    value_text(&input.value).len() + shape_text(&input.shape).len()
}

fn read_if_any(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}
