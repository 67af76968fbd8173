//! rawconf's integration tests: **one** test binary, with one module per area (as ripgrep
//! does), so the crate is linked once, helpers live once (`support/`) and every trial shares
//! one pool of threads instead of each binary running after the last.
//!
//! Every trial is a libtest-mimic trial named like a path (`python/ellipse/unit`,
//! `hermetic/suite-all-backend`, `protocol/bad_template_fails`), so a filter selects across
//! areas: `cargo test python/ellipse/unit`, `cargo test --test integration -- hostile`,
//! `cargo nextest run -E 'test(/^go-oracle/)'`. Names are unique; a duplicate fails the run
//! before anything starts.
//!
//! Modules whose trials hold a container or a whole suite for minutes come first: the pool
//! takes trials in order, and the many short ones then fill the gaps instead of the long ones
//! trailing at the end.

mod support;

mod adapter;
mod cli;
mod conformance;
mod explore;
mod faults;
mod flyte2;
mod go_oracle;
mod hostile;
mod images;
mod languages;
mod oracle;
mod podman;
mod properties;
mod protocol;
mod reports;
mod runtime;
mod structure;
mod warm;
mod workflow;

/// Turns plain test functions (they panic on failure, as `#[test]` functions do) into trials
/// named `<area>/<function>`; libtest-mimic reports a panic as the trial's failure.
#[macro_export]
macro_rules! unit_trials {
    ($area:literal; $($f:ident),* $(,)?) => {
        vec![$(libtest_mimic::Trial::test(concat!($area, "/", stringify!($f)), || {
            $f();
            Ok(())
        })),*]
    };
}

fn main() {
    let args = support::arguments();
    let areas: [fn() -> Vec<libtest_mimic::Trial>; 18] = [
        // Long first: whole suites, property runs, adapters' virtualenvs and Flyte's runtimes.
        hostile::trials,
        warm::trials,
        properties::trials,
        flyte2::trials,
        adapter::trials,
        go_oracle::trials,
        images::trials,
        cli::trials,
        faults::trials,
        runtime::trials,
        conformance::trials,
        protocol::trials,
        reports::trials,
        explore::trials,
        languages::trials,
        oracle::trials,
        structure::trials,
        workflow::trials,
    ];
    let trials: Vec<_> = areas.into_iter().flat_map(|area| area()).collect();
    support::refuse_duplicate_names(&trials);
    support::announce_ignored(&trials);
    libtest_mimic::run(&args, trials).exit();
}
