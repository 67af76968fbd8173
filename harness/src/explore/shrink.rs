//! Drawing and shrinking cases: each generated case has its own seed, so it can be drawn again
//! from scratch and simplified by proptest while a failure keeps its signature.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use super::explorer::{Explorer, case_seed, gate_waits};
use crate::error::{Error, Result};
use crate::explore::strategy::{CaseInput, case_input, significant_digits};

/// The runner that draws (and shrinks) case `index` of a run seeded `seed`: one case, its own
/// seed, no wall-clock limit of proptest's ([`shrink_tree`] keeps the budget), nothing persisted.
pub(super) fn case_runner(seed: u64, index: u32, max_shrink_iters: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: 1,
        max_shrink_iters,
        max_shrink_time: 0,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(case_seed(seed, index)),
        ..Config::default()
    })
}

/// Simplifies `tree` with proptest while `same` says a candidate still fails the same way; the
/// minimal value and the steps tried. Once `out_of_time` says so, every further step counts as a
/// pass without running, so proptest stops and keeps the smallest case so far. The first
/// candidate is the original (already run and memoized by the callers): always judged. An
/// error of `same` stops the shrink and is returned.
pub(super) fn shrink_tree<T: std::fmt::Debug>(
    mut runner: TestRunner,
    tree: Box<dyn ValueTree<Value = T>>,
    out_of_time: &dyn Fn() -> bool,
    same: &dyn Fn(&T) -> Result<bool>,
) -> Result<(T, usize)> {
    let original = tree.current();
    let steps = Cell::new(0usize);
    let error: RefCell<Option<Error>> = RefCell::new(None);
    let outcome = runner.run_one(tree, |case| {
        if error.borrow().is_some() || (steps.get() > 0 && out_of_time()) {
            return Ok(());
        }
        steps.set(steps.get() + 1);
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

impl Explorer<'_> {
    fn case_runner(&self, index: u32) -> TestRunner {
        case_runner(self.config.seed, index, self.config.max_shrink_iters)
    }

    fn tree(&self, index: u32) -> Result<Box<dyn ValueTree<Value = CaseInput>>> {
        let mut runner = self.case_runner(index);
        case_input()
            .new_tree(&mut runner)
            .map(|t| Box::new(t) as Box<dyn ValueTree<Value = CaseInput>>)
            .map_err(|e| Error::Internal(format!("the input strategy rejected case {index}: {e}")))
    }

    /// The generated cases of this run, in order (the same for every language).
    pub fn generated(&self) -> Result<Vec<CaseInput>> {
        (0..self.config.cases)
            .map(|i| self.tree(i).map(|t| t.current()))
            .collect()
    }

    /// Shrinks generated case `index` while `same` holds; returns the minimal case and the number
    /// of steps tried. Once `max_shrink_time` of this thread's own work is spent (waits at the
    /// gate not counted), every further step counts as a pass without running, so proptest
    /// stops simplifying and keeps the smallest case so far.
    pub(super) fn shrink(
        &self,
        index: u32,
        same: &dyn Fn(&CaseInput) -> Result<bool>,
    ) -> Result<(CaseInput, usize)> {
        let (started, waited) = (Instant::now(), gate_waits());
        let budget = self.config.max_shrink_time;
        let out_of_time = || started.elapsed().saturating_sub(gate_waits() - waited) >= budget;
        shrink_tree(
            self.case_runner(index),
            self.tree(index)?,
            &out_of_time,
            same,
        )
    }
}

/// How complicated a case looks to a reader: built pairs last, then by significant digits, then
/// by the size of the decimal exponents.
pub(super) fn complexity(case: &CaseInput) -> (bool, usize, i32) {
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
