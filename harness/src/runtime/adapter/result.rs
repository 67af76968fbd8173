//! The result an adapter prints on stdout, parsed strictly.
//!
//! Strict, because a vendor's typo (`"outptus"`, `"floatvalue"`) must show up as a harness
//! error naming the field — not as a silently missing part that makes a case pass or fail for
//! the wrong reason. Every error names the JSON path of the field and what was expected.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

use super::AdapterProblem;
use crate::protocol::literal::json::kind;
use crate::protocol::literal::{ContainerError, LiteralMap};
use crate::protocol::outputs::Collected;
use crate::protocol::record::FileContent;

/// Every field a version-1 result may have.
pub const RESULT_FIELDS: &[&str] = &[
    "version",
    "outputs",
    "error",
    "exitCode",
    "timedOut",
    "stdout",
    "stderr",
    "argv",
    "files",
    "inputFiles",
];

/// The fields a version-2 result adds to [`RESULT_FIELDS`].
pub const RESULT_FIELDS_V2: &[&str] = &["attempts", "cacheStatus"];

/// A parsed result. `None` means the adapter did not report that part.
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterResult {
    /// The protocol's normative output: the outputs or the task's error.
    pub collected: Collected,
    /// The container's exit code (`Some(None)`: reported as `null`, killed).
    pub exit_code: Option<Option<i64>>,
    /// Whether the runtime killed the container at the task's timeout.
    pub timed_out: Option<bool>,
    /// The container's stdout.
    pub stdout: Option<String>,
    /// The container's stderr.
    pub stderr: Option<String>,
    /// The rendered argv (command then args).
    pub argv: Option<Vec<String>>,
    /// The output directory the container left.
    pub files: Option<BTreeMap<String, FileContent>>,
    /// The input directory the runtime wrote.
    pub input_files: Option<BTreeMap<String, FileContent>>,
    /// Version 2: the attempts and the cache status.
    pub around: Option<super::v2::Around>,
}

fn field(path: impl Into<String>, message: impl Into<String>) -> AdapterProblem {
    AdapterProblem::Field {
        path: path.into(),
        message: message.into(),
    }
}

/// Parses an adapter's whole stdout as one version-1 result.
pub fn parse_result(stdout: &[u8]) -> Result<AdapterResult, AdapterProblem> {
    parse_result_for(stdout, 1)
}

/// Parses an adapter's whole stdout as one result to a request of `version` (1 or 2).
pub fn parse_result_for(stdout: &[u8], version: u32) -> Result<AdapterResult, AdapterProblem> {
    let value: Value = serde_json::from_slice(stdout).map_err(|e| AdapterProblem::NotJson {
        error: e.to_string(),
        excerpt: excerpt(stdout),
    })?;
    let Value::Object(map) = &value else {
        return Err(field(
            "$",
            format!(
                "expected a JSON object with `outputs` or `error`, found {}",
                kind(&value)
            ),
        ));
    };
    let known =
        |k: &str| RESULT_FIELDS.contains(&k) || (version >= 2 && RESULT_FIELDS_V2.contains(&k));
    if let Some(unknown) = map.keys().find(|k| !known(k)) {
        let mut fields = RESULT_FIELDS.to_vec();
        if version >= 2 {
            fields.extend(RESULT_FIELDS_V2);
        }
        return Err(field(
            unknown.as_str(),
            format!(
                "unknown field (a version-{version} result has: {})",
                fields.join(", ")
            ),
        ));
    }
    match map.get("version") {
        None => {}
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(version)) => {}
        Some(other) => {
            return Err(field(
                "version",
                format!("expected {version} (the request's version), found {other}"),
            ));
        }
    }
    let collected = match (map.get("outputs"), map.get("error")) {
        (Some(o), None) => Collected::Outputs(
            LiteralMap::from_json(o, "outputs").map_err(|e| field(e.path, e.message))?,
        ),
        (None, Some(e)) => Collected::Error(
            ContainerError::from_json(e, "error").map_err(|e| field(e.path, e.message))?,
        ),
        (Some(_), Some(_)) => {
            return Err(field(
                "$",
                "both `outputs` and `error` are set; expected exactly one",
            ));
        }
        (None, None) => {
            return Err(field(
                "$",
                "missing `outputs` (a flyteidl.core.LiteralMap) or `error` (a flyteidl.core.ContainerError); expected exactly one",
            ));
        }
    };
    let exit_code = match map.get("exitCode") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(n)) => Some(Some(n.as_i64().ok_or_else(|| {
            field(
                "exitCode",
                format!("expected an integer or null, found {n}"),
            )
        })?)),
        Some(other) => {
            return Err(field(
                "exitCode",
                format!("expected an integer or null, found {}", kind(other)),
            ));
        }
    };
    let timed_out = match map.get("timedOut") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(field(
                "timedOut",
                format!("expected a boolean, found {}", kind(other)),
            ));
        }
    };
    let around = if version >= 2 {
        Some(super::v2::parse_around(
            map,
            &collected.to_json(),
            exit_code,
        )?)
    } else {
        None
    };
    Ok(AdapterResult {
        around,
        collected,
        exit_code,
        timed_out,
        stdout: optional_string(map.get("stdout"), "stdout")?,
        stderr: optional_string(map.get("stderr"), "stderr")?,
        argv: map.get("argv").map(argv).transpose()?,
        files: map.get("files").map(|v| files(v, "files")).transpose()?,
        input_files: map
            .get("inputFiles")
            .map(|v| files(v, "inputFiles"))
            .transpose()?,
    })
}

fn optional_string(v: Option<&Value>, path: &str) -> Result<Option<String>, AdapterProblem> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(field(
            path,
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

fn argv(v: &Value) -> Result<Vec<String>, AdapterProblem> {
    let Value::Array(items) = v else {
        return Err(field(
            "argv",
            format!("expected an array of strings, found {}", kind(v)),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, x)| match x {
            Value::String(s) => Ok(s.clone()),
            other => Err(field(
                format!("argv[{i}]"),
                format!("expected a string, found {}", kind(other)),
            )),
        })
        .collect()
}

const FILE_CONTENT: &str = "expected a string (UTF-8 content) or an object {\"base64\": …}, {\"symlink\": …}, {\"special\": …} or {\"truncated\": N, \"base64\": …}";

fn files(v: &Value, path: &str) -> Result<BTreeMap<String, FileContent>, AdapterProblem> {
    let Value::Object(map) = v else {
        return Err(field(
            path,
            format!(
                "expected an object mapping relative paths to contents, found {}",
                kind(v)
            ),
        ));
    };
    map.iter()
        .map(|(name, content)| {
            if !crate::protocol::record::is_listing_path(name) {
                return Err(field(
                    format!("{path}.{name}"),
                    "expected a relative path inside the directory (plain components joined by `/`: no leading `/`, no empty, `.` or `..` component)",
                ));
            }
            Ok((
                name.clone(),
                file_content(content, &format!("{path}.{name}"))?,
            ))
        })
        .collect()
}

fn file_content(v: &Value, path: &str) -> Result<FileContent, AdapterProblem> {
    let b64 = |v: Option<&Value>, path: String| -> Result<String, AdapterProblem> {
        match v {
            Some(Value::String(s)) => {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| {
                        field(
                            path.clone(),
                            format!("expected standard base64 with padding: {e}"),
                        )
                    })?;
                Ok(s.clone())
            }
            _ => Err(field(path, "expected a base64 string")),
        }
    };
    match v {
        Value::String(s) => Ok(FileContent::Text(s.clone())),
        Value::Object(m) => {
            let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
            keys.sort_unstable();
            match keys.as_slice() {
                ["base64"] => Ok(FileContent::Binary {
                    base64: b64(m.get("base64"), format!("{path}.base64"))?,
                }),
                ["symlink"] => match m.get("symlink") {
                    Some(Value::String(s)) => Ok(FileContent::Symlink { symlink: s.clone() }),
                    _ => Err(field(format!("{path}.symlink"), "expected a string")),
                },
                ["special"] => match m.get("special") {
                    Some(Value::String(s)) => Ok(FileContent::Special { special: s.clone() }),
                    _ => Err(field(format!("{path}.special"), "expected a string")),
                },
                ["base64", "truncated"] => Ok(FileContent::Truncated {
                    truncated: m.get("truncated").and_then(Value::as_u64).ok_or_else(|| {
                        field(format!("{path}.truncated"), "expected a byte count")
                    })?,
                    base64: b64(m.get("base64"), format!("{path}.base64"))?,
                }),
                _ => Err(field(path, FILE_CONTENT)),
            }
        }
        other => Err(field(
            path,
            format!("{FILE_CONTENT}, found {}", kind(other)),
        )),
    }
}

/// The first bytes of a non-JSON stdout, for the error message.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "(stdout was empty)".to_owned();
    }
    let mut s: String = trimmed.chars().take(120).collect();
    if trimmed.chars().count() > 120 {
        s.push('…');
    }
    format!("stdout began with `{}`", s.replace('\n', "⏎"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> String {
        parse_result(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn both_result_forms_parse() {
        let r = parse_result(
            br#"{"outputs":{"literals":{"x":{"scalar":{"primitive":{"floatValue":3}}}}},"exitCode":0,"files":{"x":"3","y":{"base64":"/w=="}}}"#,
        )
        .unwrap();
        assert!(matches!(r.collected, Collected::Outputs(ref m) if m.literals.contains_key("x")));
        assert_eq!(r.exit_code, Some(Some(0)));
        assert_eq!(r.files.unwrap()["y"].bytes(), Some(vec![0xff]));
        let r = parse_result(br#"{"error":{"code":"X","kind":"RECOVERABLE"},"exitCode":null}"#)
            .unwrap();
        assert!(matches!(r.collected, Collected::Error(ref e) if e.code == "X"));
        assert_eq!(r.exit_code, Some(None));
        assert_eq!(r.argv, None);
    }

    #[test]
    fn errors_name_the_field_and_the_expectation() {
        let cases = [
            ("[]", "`$`", "expected a JSON object"),
            ("{}", "`$`", "missing `outputs`"),
            (
                r#"{"outputs":{"literals":{}},"error":{}}"#,
                "`$`",
                "both `outputs` and `error`",
            ),
            (
                r#"{"outputs":{"literals":{"area":{"scalar":{"primitive":{"floatValue":"x"}}}}}}"#,
                "`outputs.literals.area.scalar.primitive.floatValue`",
                "",
            ),
            (r#"{"outptus":{}}"#, "`outptus`", "unknown field"),
            (
                r#"{"error":{},"exitCode":"1"}"#,
                "`exitCode`",
                "expected an integer or null",
            ),
            (
                r#"{"error":{},"argv":["a",1]}"#,
                "`argv[1]`",
                "expected a string",
            ),
            (
                r#"{"error":{},"files":{"area":{"base64":"***"}}}"#,
                "`files.area.base64`",
                "base64",
            ),
            (
                r#"{"error":{},"files":{"area":3}}"#,
                "`files.area`",
                "expected a string (UTF-8 content)",
            ),
            (
                r#"{"error":{},"files":{"../../etc/cron.d/x":"boom"}}"#,
                "`files.../../etc/cron.d/x`",
                "expected a relative path inside the directory",
            ),
            (
                r#"{"error":{},"inputFiles":{"/abs":"x"}}"#,
                "`inputFiles./abs`",
                "no leading `/`",
            ),
            (r#"{"error":{},"version":2}"#, "`version`", "expected 1"),
        ];
        for (json, path, what) in cases {
            let p = problem(json);
            assert!(p.contains(path) && p.contains(what), "{json} → {p}");
        }
    }

    #[test]
    fn non_json_is_quoted() {
        let p = problem("hello\nworld");
        assert!(
            p.contains("not one JSON document") && p.contains("hello⏎world"),
            "{p}"
        );
        let p = problem("{\"error\":{}} trailing");
        assert!(p.contains("trailing characters"), "{p}");
        assert!(problem("").contains("(stdout was empty)"));
    }
}
