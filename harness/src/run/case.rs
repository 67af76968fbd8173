//! One language × case, start to finish: the runtime executes it, the suite's judge looks at
//! the result, the golden step blesses or checks the record, and the expected failures decide
//! the outcome.

use super::{RunPlan, reproduce, trial_id};
use crate::judge::outcome::{Outcome, decide};
use crate::report::CaseResult;
use crate::runtime::{Attempt, Execution, NotRun, Runtime};
use crate::spec::expect::Expectations;
use crate::spec::language::Language;
use crate::spec::suite::Case;

/// Runs one language × case to a result (never an `Err`: harness faults become
/// `harness-error` results, and a runtime that did not run the case gives `unavailable`,
/// `timeout` or `harness-error` with its reason).
pub async fn run_case<R: Runtime>(
    plan: &RunPlan,
    runtime: &R,
    expectations: &Expectations,
    lang: &Language,
    image: &str,
    case: &Case,
    run_id: &str,
) -> CaseResult {
    run_case_faulted(plan, runtime, expectations, lang, image, case, run_id)
        .await
        .0
}

/// [`run_case`], also handing back the harness fault behind a `harness-error` result, so that
/// the run can tell a fault of the environment (which stops the run) from one of the case.
pub(super) async fn run_case_faulted<R: Runtime>(
    plan: &RunPlan,
    runtime: &R,
    expectations: &Expectations,
    lang: &Language,
    image: &str,
    case: &Case,
    run_id: &str,
) -> (CaseResult, Option<crate::Error>) {
    let id = trial_id(&lang.name, &plan.suite.name, &case.id);
    let started = std::time::Instant::now();
    let mut result = CaseResult {
        id: id.clone(),
        language: lang.name.clone(),
        suite: plan.suite.name.clone(),
        case: case.id.clone(),
        inputs: case.inputs.to_json(),
        outcome: Outcome::HarnessError,
        reason: String::new(),
        duration_ms: 0,
        record: None,
        judgement: None,
        area: None,
        stdout: String::new(),
        stderr: String::new(),
        reproduce: reproduce(plan, &lang.name, &case.id),
        notes: Vec::new(),
        declared: None,
    };
    let execution = Execution {
        language: lang,
        image,
        task: &case.task,
        inputs: &case.inputs,
        blobs: &case.blobs,
        profile: plan.profile,
        run_id,
        identity: case.identity.as_ref(),
        prior: &case.prior,
    };
    let not_run = |mut result: CaseResult, outcome: Outcome, n: NotRun| {
        result.outcome = outcome;
        result.reason = n.reason;
        result.stdout = String::from_utf8_lossy(&n.stdout).into_owned();
        result.stderr = String::from_utf8_lossy(&n.stderr).into_owned();
        result.duration_ms = n.duration.as_millis() as u64;
        result
    };
    let mut executed = match runtime.attempt(&execution, &id).await {
        Ok(Attempt::Executed(e)) => e,
        Ok(Attempt::Unsupported(n)) => return (not_run(result, Outcome::Unavailable, n), None),
        Ok(Attempt::TimedOut(n)) => return (not_run(result, Outcome::Timeout, n), None),
        Ok(Attempt::Broken(n)) => return (not_run(result, Outcome::HarnessError, n), None),
        Err(e) => {
            result.reason = e.to_string();
            result.duration_ms = started.elapsed().as_millis() as u64;
            return (result, Some(e));
        }
    };
    // The suite's judge, then its golden: a fault in either (a language the judge cannot
    // judge, a golden that cannot be read or written) is the harness's, not the runtime's.
    let golden = plan.golden_step();
    let judged = crate::judge::judge(plan.suite.judge, &golden, lang, case, &executed)
        .and_then(|judged| Ok((judged, golden.settle(&case.id, &lang.name, &mut executed)?)));
    let (judged, settled) = match judged {
        Ok(v) => v,
        Err(e) => {
            result.reason = e.to_string();
            result.duration_ms = started.elapsed().as_millis() as u64;
            return (result, Some(e));
        }
    };
    result.notes.extend(settled.notes);
    let expected = expectations.find(
        plan.profile,
        &lang.name,
        &format!("{}/{}", plan.suite.name, case.id),
    );
    let (outcome, reason) = if executed.record.timed_out && !case.expect_timeout {
        (
            Outcome::Timeout,
            format!("killed after {:?}", case.task.timeout),
        )
    } else {
        decide(&judged.problems, settled.diff.as_deref(), expected)
    };
    result.outcome = outcome;
    result.reason = reason;
    result.judgement = judged.judgement;
    result.area = judged.area;
    result.stdout = String::from_utf8_lossy(&executed.stdout).into_owned();
    result.stderr = String::from_utf8_lossy(&executed.stderr).into_owned();
    result.record = Some(executed.record);
    result.duration_ms = executed.duration.as_millis() as u64;
    (result, None)
}
