//! Drawing and shrinking cases: each generated case has its own seed, so it can be drawn again
//! from scratch and simplified by proptest while a failure keeps its signature.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

use super::explorer::{Explorer, case_seed, gate_waits};
use crate::error::{Error, Result};
use crate::explore::strategy::{CaseInput, case_input, significant_digits};

impl Explorer<'_> {
    fn case_runner(&self, index: u32) -> TestRunner {
        TestRunner::new(Config {
            cases: 1,
            max_shrink_iters: self.config.max_shrink_iters,
            // No wall-clock limit: `shrink` keeps its own budget, without the gate's waits.
            max_shrink_time: 0,
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
        let mut runner = self.case_runner(index);
        let tree = self.tree(index)?;
        let original = tree.current();
        let steps = Cell::new(0usize);
        let error: RefCell<Option<Error>> = RefCell::new(None);
        let (started, waited) = (Instant::now(), gate_waits());
        let budget = self.config.max_shrink_time;
        let outcome = runner.run_one(tree, |case| {
            let spent = started.elapsed().saturating_sub(gate_waits() - waited);
            // The first call is the original case, run (and memoized) before: always judged.
            if error.borrow().is_some() || (steps.get() > 0 && spent >= budget) {
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
