//! What is normative when a runtime is judged on a suite other than `ellipse`.
//!
//! The ellipse suite has an oracle (π·a·b at the language's precision, the `metadata` text).
//! The other suites — `protocol` above all — have none: each case's golden, recorded by the
//! reference runtime, *is* the expected behaviour, and this module adds the two rules around it
//! that a vendor's runtime needs:
//!
//! 1. **Departures from the normative profile.** Under a profile other than `backend`, the
//!    case's result is also compared with the `backend` golden's result. A difference is a
//!    problem, so a case where flytekit's local executor departs from Flyte's backend fails
//!    unless the suite declares it as an expected failure, with the reason
//!    (`[case.xfail]`): every departure is written down, none is silent.
//! 2. **Error messages are not normative for independent runtimes.** An error's `code` and
//!    `kind` are part of the protocol; its exact text is Go's (`strconv.ParseFloat: parsing
//!    "1.5\r": invalid syntax`), which an independent implementation cannot be expected to copy.
//!    For a `cmd:` runtime, a result that differs from the golden *only* in `error.message` is
//!    compared as if the messages were equal and the difference becomes a note
//!    ([`relax_message`]), shown in every report; `--strict-messages` turns this off. The
//!    reference runtime always keeps byte-exact goldens. The same holds for where a blob
//!    output is stored ([`relax_blob_uris`]): its type is normative, its URI is the runtime's.

use serde_json::Value;

use crate::judge::golden;
use crate::protocol::profile::Profile;
use crate::protocol::record::Record;

/// The problems of a non-ellipse case's result under `profile`: none under `backend` (the
/// golden decides); otherwise whether the result departs from the `backend` golden's.
pub fn departures(
    profile: Profile,
    golden_root: &std::path::Path,
    suite: &str,
    case: &str,
    language: &str,
    record: &Record,
) -> Vec<String> {
    if profile == Profile::Backend {
        return Vec::new();
    }
    let path = golden::path(
        golden_root,
        Profile::Backend.as_str(),
        suite,
        case,
        language,
    );
    let golden = match golden::read(&path) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return vec![format!(
                "no backend golden at {} to compare the result with",
                path.display()
            )];
        }
        Err(e) => return vec![e.to_string()],
    };
    let Some(golden) = serde_json::from_str::<Value>(&golden).ok() else {
        return vec![format!("{}: not a JSON record", path.display())];
    };
    let Some(normative) = golden.get("result").cloned() else {
        return vec![format!("{}: not a JSON record", path.display())];
    };
    // A case that belongs to an execution is judged on what happened around the container
    // too: attempts, cache status, prior runs.
    let around = |v: Option<Value>| v.unwrap_or(Value::Null);
    let normative_around = around(golden.get("execution").cloned());
    let actual_around = around(
        record
            .execution
            .as_ref()
            .map(|e| serde_json::to_value(e).expect("records serialize")),
    );
    if normative == record.result && normative_around == actual_around {
        return Vec::new();
    }
    let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("values serialize");
    let (want, got) = if normative_around.is_null() && actual_around.is_null() {
        (pretty(&normative), pretty(&record.result))
    } else {
        (
            pretty(&serde_json::json!({"result": normative, "execution": normative_around})),
            pretty(&serde_json::json!({"result": record.result, "execution": actual_around})),
        )
    };
    let diff = similar::TextDiff::from_lines(&want, &got)
        .unified_diff()
        .context_radius(2)
        .header("backend", profile.as_str())
        .to_string();
    vec![format!(
        "the result departs from the backend's (the normative profile)\n{diff}"
    )]
}

/// For a `cmd:` runtime without `--strict-messages`: wherever `record` and the golden both hold
/// an error whose `code`, `kind` and `origin` agree but whose `message`s differ — the result,
/// and for a case of an execution each attempt and each prior run (by position) — copies the
/// golden's message into `record` (so the golden comparison judges the rest) and returns a note
/// per place saying what the runtime wrote instead. Everything else is left alone.
pub fn relax_message(golden: &str, record: &mut Record) -> Vec<String> {
    let Ok(golden) = serde_json::from_str::<Value>(golden) else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    let mut relax = |place: &str, want: Option<&Value>, got: &mut Value| {
        if let Some((expected, actual)) = want.and_then(|w| relax_error(w, got)) {
            notes.push(format!(
                "error message{place} differs from the reference's (not normative; `--strict-messages` makes it a failure): expected {expected:?}, got {actual:?}"
            ));
        }
    };
    relax("", golden.get("result"), &mut record.result);
    if let Some(execution) = record.execution.as_mut() {
        let want = golden.get("execution");
        let attempt = |w: Option<&Value>, i: usize| {
            w.and_then(|w| w.get("attempts"))
                .and_then(|a| a.get(i))
                .and_then(|a| a.get("result"))
                .cloned()
        };
        for (i, a) in execution.attempts.iter_mut().enumerate() {
            relax(
                &format!(" in attempt {}", i + 1),
                attempt(want, i).as_ref(),
                &mut a.result,
            );
        }
        for (j, p) in execution.prior.iter_mut().enumerate() {
            let w = want.and_then(|w| w.get("prior")).and_then(|p| p.get(j));
            let place = format!(" in prior run {}", j + 1);
            relax(&place, w.and_then(|w| w.get("result")), &mut p.result);
            for (i, a) in p.attempts.iter_mut().enumerate() {
                relax(
                    &format!("{place}, attempt {}", i + 1),
                    attempt(w, i).as_ref(),
                    &mut a.result,
                );
            }
        }
    }
    notes
}

/// One result's error message relaxed to the golden's (see [`relax_message`]): the expected
/// and the actual message when they were the only difference.
fn relax_error(want: &Value, got: &mut Value) -> Option<(String, String)> {
    let want = want.get("error")?.as_object()?;
    let got = got.get_mut("error")?.as_object_mut()?;
    let without_message = |m: &serde_json::Map<String, Value>| {
        let mut m = m.clone();
        m.remove("message");
        m
    };
    if without_message(want) != without_message(got) || want.get("message") == got.get("message") {
        return None;
    }
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let (expected, actual) = (text(want.get("message")), text(got.get("message")));
    match want.get("message") {
        Some(m) => got.insert("message".to_owned(), m.clone()),
        None => got.remove("message"),
    };
    Some((expected, actual))
}

/// Like [`relax_message`], for blob outputs: where a runtime stores a blob (its URI) is its own
/// business — the backend's raw output prefix, flytekit's sandbox — so for a `cmd:` runtime a
/// blob output whose type matches the golden's but whose URI differs is compared as if the URI
/// were the golden's, and the difference becomes a note. One note per such output.
pub fn relax_blob_uris(golden: &str, record: &mut Record) -> Vec<String> {
    let mut notes = Vec::new();
    let Ok(golden) = serde_json::from_str::<Value>(golden) else {
        return notes;
    };
    let (Some(want), Some(got)) = (
        golden
            .pointer("/result/outputs/literals")
            .and_then(Value::as_object),
        record
            .result
            .pointer_mut("/outputs/literals")
            .and_then(Value::as_object_mut),
    ) else {
        return notes;
    };
    for (name, w) in want {
        let (Some(w_blob), Some(g_blob)) = (
            w.pointer("/scalar/blob"),
            got.get_mut(name)
                .and_then(|g| g.pointer_mut("/scalar/blob")),
        ) else {
            continue;
        };
        if w_blob.get("metadata") != g_blob.get("metadata")
            || w_blob.get("uri") == g_blob.get("uri")
        {
            continue;
        }
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
        let (expected, actual) = (text(w_blob.get("uri")), text(g_blob.get("uri")));
        if let Some(uri) = w_blob.get("uri") {
            g_blob["uri"] = uri.clone();
        }
        notes.push(format!(
            "blob output `{name}` is stored at {actual:?}, the reference's at {expected:?} (not normative: where a runtime keeps a blob is its own; `--strict-messages` makes it a failure)"
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(result: Value) -> Record {
        Record {
            argv: Vec::new(),
            input_files: Default::default(),
            input_files_omitted: None,
            exit_code: Some(0),
            timed_out: false,
            files: Default::default(),
            files_omitted: None,
            result,
            execution: None,
        }
    }

    fn golden_with(result: Value) -> String {
        record(result).to_golden()
    }

    #[test]
    fn a_message_only_difference_becomes_a_note() {
        let golden = golden_with(serde_json::json!({"error": {
            "code": "OutputUploadFailed", "kind": "RECOVERABLE", "message": "Go text"}}));
        let mut r = record(serde_json::json!({"error": {
            "code": "OutputUploadFailed", "kind": "RECOVERABLE", "message": "my text"}}));
        let note = relax_message(&golden, &mut r).pop().expect("a note");
        assert!(
            note.contains("\"Go text\"") && note.contains("\"my text\""),
            "{note}"
        );
        assert_eq!(r.result["error"]["message"], "Go text");
    }

    #[test]
    fn messages_in_attempts_and_prior_runs_are_relaxed_too() {
        use crate::protocol::record::{AttemptRecord, ExecutionRecord, PriorRecord};
        let error =
            |m: &str| serde_json::json!({"error": {"code": "c", "kind": "USER", "message": m}});
        let execution = |m: &str| ExecutionRecord {
            cache_status: "CACHE_MISS".into(),
            attempts: vec![
                AttemptRecord {
                    exit_code: Some(1),
                    result: error(m),
                },
                AttemptRecord {
                    exit_code: Some(0),
                    result: serde_json::json!({"outputs": {}}),
                },
            ],
            prior: vec![PriorRecord {
                cache_status: "CACHE_MISS".into(),
                attempts: vec![AttemptRecord {
                    exit_code: Some(1),
                    result: error(m),
                }],
                result: error(m),
            }],
        };
        let mut golden = record(serde_json::json!({"outputs": {}}));
        golden.execution = Some(execution("Go text"));
        let mut r = record(serde_json::json!({"outputs": {}}));
        r.execution = Some(execution("/tmp/x/my text"));
        let notes = relax_message(&golden.to_golden(), &mut r);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("in attempt 1"), "{notes:?}");
        assert!(notes[2].contains("in prior run 1, attempt 1"), "{notes:?}");
        assert_eq!(
            r.to_golden(),
            golden.to_golden(),
            "compared as the golden's messages"
        );
    }

    #[test]
    fn a_different_code_or_kind_is_left_for_the_golden_to_fail() {
        let golden = golden_with(serde_json::json!({"error": {
            "code": "OutputUploadFailed", "kind": "RECOVERABLE", "message": "a"}}));
        for other in [
            serde_json::json!({"error": {"code": "UnknownError", "kind": "RECOVERABLE", "message": "b"}}),
            serde_json::json!({"error": {"code": "OutputUploadFailed", "message": "b"}}),
            serde_json::json!({"outputs": {}}),
        ] {
            let mut r = record(other.clone());
            assert!(relax_message(&golden, &mut r).is_empty());
            assert_eq!(r.result, other, "record untouched");
        }
    }

    #[test]
    fn the_backend_profile_has_no_departures() {
        let r = record(serde_json::json!({"outputs": {}}));
        let none = std::path::Path::new("/nonexistent");
        assert!(departures(Profile::Backend, none, "protocol", "x", "probe", &r).is_empty());
        let problems = departures(Profile::FlytekitLocal, none, "protocol", "x", "probe", &r);
        assert!(problems[0].contains("no backend golden"), "{problems:?}");
    }

    #[test]
    fn blob_uris_are_notes_types_are_not() {
        let blob = |uri: &str, dim: &str| {
            serde_json::json!({"outputs": {"literals": {"f": {"scalar": {"blob": {
                "metadata": {"type": {"dimensionality": dim}}, "uri": uri
            }}}}}})
        };
        let golden = golden_with(blob("file://{host-output-dir}/f", "SINGLE"));
        let mut same_type = record(blob("/tmp/sandbox/f", "SINGLE"));
        let notes = relax_blob_uris(&golden, &mut same_type);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("/tmp/sandbox/f"), "{notes:?}");
        assert_eq!(
            same_type.to_golden(),
            golden,
            "compared as the golden's URI"
        );
        let mut other_type = record(blob("/tmp/sandbox/f", "MULTIPART"));
        assert!(relax_blob_uris(&golden, &mut other_type).is_empty());
        assert_ne!(
            other_type.to_golden(),
            golden,
            "a different blob type still differs"
        );
    }
}
