//! What the protocol leaves open, put into one spelling before a record is judged: the
//! `inputs.pb` bytes (judged as the message they encode) and a rendered Duration's spacing.

use serde_json::Value;

use super::{FileContent, Record};

impl Record {
    /// Puts what the protocol leaves open into one spelling, so that it never decides a verdict:
    /// the input dir's `inputs.pb` becomes the canonical encoding of the message it holds
    /// ([`crate::protocol::literal::canonical_literal_map`]: any field or map-entry order, any NaN
    /// payload). Bytes that do not decode as exactly that message are kept as they are. Both
    /// runtimes call this on every record they make; goldens hold the canonical form.
    ///
    /// Also: a rendered `google.protobuf.Duration` (`seconds:1 nanos:500000000`, docs/protocol.md
    /// R3.3-8) gets one space between its fields wherever it appears (argv, output file texts,
    /// result strings). protobuf-go's text format inserts a second space there at random, on
    /// purpose, so a Go runtime would otherwise fail the case run to run.
    pub fn canonicalise(&mut self) {
        if let Some(content) = self.input_files.get_mut("inputs.pb")
            && let Some(canonical) = content
                .bytes()
                .and_then(|b| crate::protocol::literal::canonical_literal_map(&b))
        {
            *content = FileContent::from_bytes(canonical);
        }
        let one_space = |s: &mut String| {
            if let std::borrow::Cow::Owned(fixed) = DURATION_FIELDS.replace_all(s, "$1 nanos:") {
                *s = fixed;
            }
        };
        self.texts_mut(one_space);
    }
}

/// The two fields of a Duration in protobuf text format with more than one space between them.
static DURATION_FIELDS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(seconds:-?[0-9]+)  +nanos:").expect("a valid regex")
});

/// How a record spells the host directory a local runtime collected outputs from (flytekit's
/// local blob outputs are `file://<host dir>/<name>`): the directory is a fresh temp dir per
/// run, so it is replaced by this placeholder to keep goldens stable.
pub const HOST_OUTPUT_DIR: &str = "{host-output-dir}";

/// Replaces `from` by `to` in every string inside `v` (object keys untouched). `from` empty
/// does nothing.
pub fn replace_in_strings(v: &mut Value, from: &str, to: &str) {
    if from.is_empty() {
        return;
    }
    super::strings_mut(v, &|s: &mut String| replace(s, from, to));
}

fn replace(s: &mut String, from: &str, to: &str) {
    if s.contains(from) {
        *s = s.replace(from, to);
    }
}

/// Rewrites, in every string of `record` (argv, output file texts, the result), the
/// run-specific values an adapter's request carried (`context.outputPrefix`, …, as `from`) into
/// the reference runtime's canonical ones (`to`), so a golden that shows a rendered
/// `{{.OutputPrefix}}` judges every runtime alike. Pairs are applied in the order given: put
/// longer values first when one is a prefix of another.
pub fn canonical_context(record: &mut Record, pairs: &[(String, String)]) {
    for (from, to) in pairs {
        if from.is_empty() {
            continue;
        }
        record.texts_mut(|s| replace(s, from, to));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn what_the_protocol_leaves_open_is_canonicalised() {
        let go_duration = "seconds:1  nanos:500000000";
        let mut r = Record {
            argv: vec![format!("<{go_duration}>")],
            input_files: BTreeMap::from([(
                "inputs.pb".to_owned(),
                // {"b": 3, "a": NaN (Go's payload)}: entries out of key order.
                FileContent::from_bytes(
                    [
                        &b"\x0a\x09\x0a\x01b\x12\x04\x0a\x02\x0a\x00"[..],
                        b"\x0a\x11\x0a\x01a\x12\x0c\x0a\x0a\x0a\x08",
                    ]
                    .concat(),
                ),
            )]),
            input_files_omitted: None,
            exit_code: Some(0),
            timed_out: false,
            files: BTreeMap::from([("argv".to_owned(), FileContent::Text(go_duration.into()))]),
            files_omitted: None,
            result: serde_json::json!({"outputs": {"x": [go_duration]}}),
            execution: None,
        };
        r.canonicalise();
        let one = "seconds:1 nanos:500000000";
        assert_eq!(r.argv, [format!("<{one}>")]);
        assert_eq!(r.files["argv"], FileContent::Text(one.into()));
        assert_eq!(r.result["outputs"]["x"][0], one);
        // Not a full map (the NaN entry is cut short): kept byte for byte.
        assert!(
            r.input_files["inputs.pb"]
                .bytes()
                .unwrap()
                .starts_with(b"\x0a\x09\x0a\x01b")
        );
    }

    #[test]
    fn strings_are_replaced_everywhere_but_in_keys() {
        let mut v = serde_json::json!({"/w/x": ["/w/x/f", {"u": "file:///w/x"}], "n": 1});
        replace_in_strings(&mut v, "/w/x", HOST_OUTPUT_DIR);
        assert_eq!(
            v,
            serde_json::json!({"/w/x": ["{host-output-dir}/f", {"u": "file://{host-output-dir}"}], "n": 1})
        );
    }
}
