//! Error messages for the TOML data files (language manifests, suites) that a person can act on
//! without reading the Rust: the line and column, the field's dotted path, what was found and
//! what is accepted.
//!
//! The `toml` crate reports a byte span and serde's message (`wanted string or table`), but
//! not which field the span is in. [`Doc`] parses the text once more into its spanned tree,
//! so the path of the innermost key or value covering a span can be named, and a line:column
//! computed for any field path — also for the checks rawconf runs after deserialization.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The accepted values of a field, by dotted path; `*` matches one segment (a table key or an
/// array index).
pub type Hints<'a> = &'a [(&'a str, &'a str)];

/// A TOML text with its spanned tree (when the text parses at all).
pub struct Doc<'a> {
    text: &'a str,
    tree: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Doc<'a> {
    /// Parses `text` for locating; a syntax error leaves only line:column lookups.
    pub fn new(text: &'a str) -> Doc<'a> {
        Doc {
            text,
            tree: DeTable::parse(text).ok(),
        }
    }

    /// `line L, column C` of a byte offset (both 1-based, columns in characters).
    pub fn line_col(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {col}")
    }

    /// The dotted path (`image.bases.BASE.suite`, `case[3].inputs`) of the innermost key or
    /// value whose span covers `span`; empty at the top level. (Spans of tables opened by a
    /// `[header]` do not enclose their keys, so every key and value is considered, and the
    /// smallest covering span wins.)
    pub fn path_at(&self, span: &Range<usize>) -> String {
        let Some(tree) = &self.tree else {
            return String::new();
        };
        let mut all = Vec::new();
        collect_table(tree.get_ref(), String::new(), &mut all);
        all.into_iter()
            .filter(|(_, s)| covers(s, span))
            .min_by_key(|(_, s)| s.end - s.start)
            .map(|(p, _)| p)
            .unwrap_or_default()
    }

    /// `line L, column C: ` of the value at a dotted path (only plain `a.b[2].c` segments), or
    /// nothing when the path is not in the text (a default, a missing field).
    pub fn at(&self, path: &str) -> String {
        self.locate(path)
            .map_or_else(String::new, |s| format!("{}: ", self.line_col(s.start)))
    }

    /// The 1-based line of the key at a dotted path (as [`Doc::at`] finds it).
    pub fn line_at(&self, path: &str) -> Option<usize> {
        let start = self.locate(path)?.start.min(self.text.len());
        Some(
            self.text
                .get(..start)
                .unwrap_or(self.text)
                .matches('\n')
                .count()
                + 1,
        )
    }

    /// The span of the key at a dotted path, or of the deepest part of it that exists.
    fn locate(&self, path: &str) -> Option<Range<usize>> {
        let tree = self.tree.as_ref()?;
        let mut table = tree.get_ref();
        let mut found: Option<Range<usize>> = None;
        for segment in path.split('.') {
            let (key, index) = match segment.split_once('[') {
                Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
                None => (segment, None),
            };
            let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == key) else {
                return found;
            };
            found = Some(k.span());
            let mut value = v.get_ref();
            if let (Some(i), DeValue::Array(items)) = (index, value) {
                let Some(item) = items.get(i) else { break };
                found = Some(item.span());
                value = item.get_ref();
            }
            match value {
                DeValue::Table(t) => table = t,
                _ => break,
            }
        }
        found
    }

    /// The full message for a deserialization error: `line L, column C: field `PATH`: MESSAGE`
    /// plus `; accepted: …` when `hints` knows the field and the message does not already list
    /// the expected values. A missing field is named with its full path.
    pub fn describe(&self, e: &toml::de::Error, hints: Hints<'_>) -> String {
        let message = e.message().trim().trim_end_matches('.').to_owned();
        let Some(span) = e.span() else {
            return message;
        };
        let path = self.path_at(&span);
        let accepted = |field: &str| {
            hints
                .iter()
                .find(|(p, _)| matches(p, field))
                .map(|(_, a)| format!("; expected {a}"))
                .unwrap_or_default()
        };
        if let Some(missing) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split_once('`'))
            .map(|(name, _)| name)
        {
            let (field, place) = if path.is_empty() {
                (missing.to_owned(), "at the top level".to_owned())
            } else {
                (
                    format!("{path}.{missing}"),
                    format!("in `{path}` ({})", self.line_col(span.start)),
                )
            };
            return format!("field `{field}` is missing {place}{}", accepted(&field));
        }
        let mut out = self.line_col(span.start);
        if path.is_empty() {
            out.push_str(": ");
        } else {
            out.push_str(&format!(": field `{path}`: "));
        }
        out.push_str(&message);
        if !message.contains("expected one of") {
            out.push_str(&accepted(&path).replacen("; expected", "; accepted:", 1));
        }
        out
    }
}

/// Every key and value of a table with its dotted path and span, recursively.
fn collect_table(table: &DeTable<'_>, prefix: String, out: &mut Vec<(String, Range<usize>)>) {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        out.push((path.clone(), k.span()));
        collect_value(v, path, out);
    }
}

fn collect_value(v: &Spanned<DeValue<'_>>, path: String, out: &mut Vec<(String, Range<usize>)>) {
    out.push((path.clone(), v.span()));
    match v.get_ref() {
        DeValue::Table(t) => collect_table(t, path, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_value(item, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Whether `outer` encloses `inner`. An empty `inner` (what serde reports for a field missing
/// from the top-level table) is enclosed by nothing: it names the top level.
fn covers(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    inner.start < inner.end && outer.start <= inner.start && inner.end <= outer.end
}

/// Whether a hint pattern (`task.inputs.*`, `case[*].xfail`) matches a path.
fn matches(pattern: &str, path: &str) -> bool {
    let split = |s: &str| -> Vec<String> {
        s.replace('[', ".[")
            .split('.')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (p, q) = (split(pattern), split(path));
    p.len() == q.len()
        && p.iter().zip(&q).all(|(a, b)| {
            a == b || a == "*" || (a == "[*]" && b.starts_with('[') && b.ends_with(']'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_positions() {
        let text =
            "name = \"x\"\n[image.bases.BASE]\nsuite = 5\n[[case]]\nid = 'a'\n[[case]]\nid = 3\n";
        let doc = Doc::new(text);
        let at = text.find("5").unwrap();
        assert_eq!(doc.path_at(&(at..at + 1)), "image.bases.BASE.suite");
        assert_eq!(doc.line_col(at), "line 3, column 9");
        let at = text.rfind('3').unwrap();
        assert_eq!(doc.path_at(&(at..at + 1)), "case[1].id");
        assert_eq!(doc.at("image.bases.BASE.suite"), "line 3, column 1: ");
        assert_eq!(doc.at("case[1].id"), "line 7, column 1: ");
        assert_eq!(doc.at("nothing.here"), "");
        assert!(matches("case[*].inputs", "case[12].inputs"));
        assert!(matches("task.inputs.*", "task.inputs.a"));
        assert!(!matches("task.inputs.*", "task.inputs"));
    }
}
