//! `inputs.yaml` as ghodss/yaml writes it: `json.Marshal`, then the JSON text is parsed as YAML
//! by go-yaml v2 and re-emitted (`ghodss/yaml` `Marshal` → `JSONToYAML`).
//!
//! Consequences reproduced here:
//! * a JSON number that looks like an integer and fits int64/uint64 stays as written (`3` for the
//!   float 3.0, `0` for -0.0 because `-0` parses as the int 0); any other number becomes a
//!   float64 and is re-printed with `strconv.FormatFloat(f, 'g', -1, 64)` (`0.00005` → `5e-05`,
//!   `100000000000000000000` → `1e+20`);
//! * go-yaml's reader rejects characters YAML forbids even inside quotes (DEL, C1 controls other
//!   than NEL, U+FFFE/U+FFFF), which `json.Marshal` leaves raw: `error converting JSON to YAML:
//!   yaml: control characters are not allowed`;
//! * mapping keys are sorted with go-yaml's "natural" order (`sorter.go` `keyList.Less`: at the
//!   first differing rune a letter sorts after a non-letter, and digit runs compare numerically);
//! * sequences inside a mapping are not indented (`key:\n- a`), nested mappings indent by 2.
//!
//! Strings follow go-yaml v2's `encode.go` `stringv` and its port of libyaml's emitter
//! (`emitterc.go`): a string that would resolve to another type when plain (`resolve.go`: YAML
//! 1.1 booleans, nulls, ints in any base, floats, timestamps, base-60 floats) is double-quoted;
//! one with a line feed asks for a literal block (`|-`); otherwise plain is asked for. The
//! emitter's scalar analysis then downgrades plain → single-quoted → double-quoted (indicators,
//! leading/trailing spaces, characters it does not print raw: controls, tab, NEL, BOM and
//! everything outside the BMP), and long lines are folded at spaces past column 80 (keys
//! never). This is checked byte for byte against ghodss/yaml + go-yaml v2.4.0 by
//! `tests/go_oracle.rs` (trial `go-oracle/inputs-json-yaml`).

use super::varmap::VarValue;
use super::yaml_scalar::{Style, is_break, is_printable, natural_cmp, select_style};
use crate::protocol::goformat::{format_g, format_json, parse_float};

/// go-yaml's emitter folds plain and quoted scalars at spaces once a line is past this column.
const BEST_WIDTH: usize = 80;

/// Emit like ghodss/yaml; `Err` is Go's error text (`error marshaling into JSON: …`).
pub fn marshal(v: &VarValue) -> Result<String, String> {
    super::gojson::marshal(v).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    let v = &v.plain();
    if has_forbidden_char(v) {
        return Err(
            "error converting JSON to YAML: yaml: control characters are not allowed".into(),
        );
    }
    let mut e = Emitter {
        indention: true,
        ..Emitter::default()
    };
    match v {
        VarValue::Map(m) if m.is_empty() => e.put_str("{}"),
        VarValue::List(l) if l.is_empty() => e.put_str("[]"),
        VarValue::Map(_) | VarValue::List(_) => block(v, 0, &mut e),
        scalar => e.scalar(scalar, 0, false),
    }
    if e.column != 0 {
        e.put('\n');
    }
    Ok(e.out)
}

/// Characters go-yaml's reader refuses in its input (`readerc.go`), for every string of the
/// tree (keys too). `json.Marshal` escapes only C0 controls, so these arrive raw.
fn has_forbidden_char(v: &VarValue) -> bool {
    // C0 controls are absent: json.Marshal escapes them, so the reader never sees them raw.
    let bad = |s: &str| {
        s.chars().any(|c| {
            let c = c as u32;
            c >= 0x20
                && !((0x20..=0x7E).contains(&c)
                    || c == 0x85
                    || (0xA0..=0xD7FF).contains(&c)
                    || (0xE000..=0xFFFD).contains(&c)
                    || c >= 0x10000)
        })
    };
    match v {
        VarValue::String(s) | VarValue::Time(s) => bad(s),
        VarValue::List(l) => l.iter().any(has_forbidden_char),
        VarValue::Map(m) => m.iter().any(|(k, x)| bad(k) || has_forbidden_char(x)),
        _ => false,
    }
}

/// What go-yaml's scanner makes of a JSON string that holds a raw NEL (U+0085, which
/// `json.Marshal` leaves unescaped): inside a double-quoted scalar NEL is a line break, so it is
/// folded with the blanks around it — one break becomes a space, n breaks n-1 line feeds.
fn fold_nel(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_owned();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let mut breaks = 0;
        while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\u{85}') {
            breaks += usize::from(chars[i] == '\u{85}');
            i += 1;
        }
        if breaks == 0 {
            // A run of blanks only (or no run): kept as is.
            out.extend(&chars[start..i]);
            if i < chars.len() {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        // Blanks after the last break are dropped too, as are those before the first.
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
    }
    out
}

/// The output and the emitter state that decides breaks and folding.
#[derive(Default)]
struct Emitter {
    out: String,
    /// Characters (not bytes) since the last line break.
    column: usize,
    /// Only indentation (and `-` indicators) on this line so far: the next entry need not
    /// start a new line (libyaml's `indention`).
    indention: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        if c == '\n' {
            self.column = 0;
            self.indention = true;
        } else {
            self.column += 1;
            self.indention &= c == ' ';
        }
    }

    fn put_str(&mut self, s: &str) {
        s.chars().for_each(|c| self.put(c));
    }

    /// `:` and `|` end the indentation; `-` is part of it (a collection in a sequence item
    /// starts on the item's line).
    /// `?:` is a complex key's `:`, which (like `-` and `?`) keeps the line's indention.
    fn indicator(&mut self, s: &str) {
        let indention = self.indention;
        let keeps = matches!(s, "-" | "?" | "?:");
        self.put_str(if s == "?:" { ":" } else { s });
        self.indention = indention && keeps;
    }

    /// libyaml's `write_indent`: a new line unless at its start, then spaces up to `indent`.
    fn indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent {
            self.put('\n');
        }
        while self.column < indent {
            self.put(' ');
        }
    }

    /// A line break inside a scalar: `\n` as is; LS/PS are written raw but end the line too.
    fn line_break(&mut self, c: char) {
        if c == '\n' {
            self.put('\n');
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }

    /// A non-collection value; `indent` is the indentation of continuation lines.
    fn scalar(&mut self, v: &VarValue, indent: usize, simple_key: bool) {
        match v {
            VarValue::Null => self.put_str("null"),
            VarValue::Bool(b) => self.put_str(if *b { "true" } else { "false" }),
            VarValue::Int(i) => self.put_str(&i.to_string()),
            VarValue::Float(x) => self.put_str(&number_text(&format_json(*x).unwrap_or_default())),
            VarValue::String(s) | VarValue::Time(s) => self.string(s, indent, simple_key),
            VarValue::Map(_) => self.put_str("{}"),
            VarValue::List(_) => self.put_str("[]"),
            // `marshal` works on the plain tree.
            VarValue::Proto(x) => self.scalar(x, indent, simple_key),
        }
    }

    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        let folded = fold_nel(s);
        let s = folded.as_str();
        let style = select_style(s, simple_key);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::Single => self.single(s, indent, allow_breaks),
            Style::Double => self.double(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('\'');
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let fold = allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                    && chars.get(i + 1) != Some(&' ');
                if fold {
                    self.indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put('\n');
                }
                self.line_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                spaces = false;
                breaks = false;
            }
        }
        self.put('\'');
    }

    fn double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        // go-yaml's `is_bom(value, i)` looks at the start of the text, not at `i`: after a
        // leading BOM every character is escaped (`"\uFEFF\x61"` for BOM + `a`).
        let bom = s.starts_with('\u{feff}');
        self.put('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                let esc = match c {
                    '\0' => "\\0".to_string(),
                    '\x07' => "\\a".into(),
                    '\x08' => "\\b".into(),
                    '\t' => "\\t".into(),
                    '\n' => "\\n".into(),
                    '\x0b' => "\\v".into(),
                    '\x0c' => "\\f".into(),
                    '\r' => "\\r".into(),
                    '\x1b' => "\\e".into(),
                    '"' => "\\\"".into(),
                    '\\' => "\\\\".into(),
                    '\u{85}' => "\\N".into(),
                    '\u{a0}' => "\\_".into(),
                    '\u{2028}' => "\\L".into(),
                    '\u{2029}' => "\\P".into(),
                    c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
                    c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
                    c => format!("\\U{:08X}", c as u32),
                };
                self.put_str(&esc);
                spaces = false;
            } else if c == ' ' {
                let fold = allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1;
                if fold {
                    self.indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.put('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        let chars: Vec<char> = s.chars().collect();
        self.indicator("|");
        // Block scalar hints: an indentation indicator when the text starts with a space or a
        // break, then the chomping indicator from how the text ends.
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.put('2');
        }
        let n = chars.len();
        match (chars.last(), n.checked_sub(2).map(|i| chars[i])) {
            (Some(&last), _) if !is_break(last) => self.put('-'),
            (None, _) => self.put('-'),
            (Some(_), None) => self.put('+'),
            (Some(_), Some(prev)) if is_break(prev) => self.put('+'),
            _ => {}
        }
        self.put('\n');
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.line_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.indent(indent);
                    breaks = false;
                }
                self.put(c);
            }
        }
    }
}

fn block(v: &VarValue, indent: usize, e: &mut Emitter) {
    match v {
        VarValue::Map(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| natural_cmp(a, b));
            for k in keys {
                let x = &m[k];
                e.indent(indent);
                if !is_simple_key(k) {
                    // go-yaml's complex key: `? key`, then `: value` at the mapping's indent,
                    // the value placed like a sequence item's.
                    e.indicator("?");
                    e.put(' ');
                    e.string(k, indent + 2, false);
                    e.indent(indent);
                    e.indicator("?:");
                    item(x, indent, e);
                    continue;
                }
                e.string(k, indent + 2, true);
                e.indicator(":");
                match x {
                    VarValue::Map(mm) if !mm.is_empty() => block(x, indent + 2, e),
                    // A sequence in a mapping is not indented.
                    VarValue::List(l) if !l.is_empty() => block(x, indent, e),
                    _ => {
                        e.put(' ');
                        e.scalar(x, indent + 2, false);
                    }
                }
            }
        }
        VarValue::List(items) => {
            for x in items {
                e.indent(indent);
                e.indicator("-");
                item(x, indent, e);
            }
        }
        _ => {}
    }
}

/// A sequence item after its `-` (or a complex key's value after its `:`).
fn item(x: &VarValue, indent: usize, e: &mut Emitter) {
    match x {
        // A collection in a sequence item starts on the item's line: its first indent only
        // pads after the `-`.
        VarValue::Map(mm) if !mm.is_empty() => block(x, indent + 2, e),
        VarValue::List(l) if !l.is_empty() => block(x, indent + 2, e),
        _ => {
            e.put(' ');
            e.scalar(x, indent + 2, false);
        }
    }
}

/// go-yaml's `yaml_emitter_check_simple_key` for a string key: at most 128 bytes and no line
/// break (LF, CR, NEL, LS, PS).
fn is_simple_key(k: &str) -> bool {
    k.len() <= 128
        && !k
            .chars()
            .any(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
}

/// A JSON number re-read by go-yaml v2 (`resolve.go`: int, then uint, then float) and printed.
fn number_text(json: &str) -> String {
    if let Ok(i) = json.parse::<i64>() {
        return i.to_string();
    }
    if json.parse::<u64>().is_ok() {
        return json.to_string();
    }
    parse_float(json)
        .map(format_g)
        .unwrap_or_else(|_| json.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn yaml_numbers_and_order() {
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), VarValue::Float(3.0));
        m.insert("a10".to_string(), VarValue::Float(0.00005));
        m.insert("a9".to_string(), VarValue::Float(-0.0));
        m.insert("d".to_string(), VarValue::Null);
        m.insert("s".to_string(), VarValue::String("true".into()));
        let y = marshal(&VarValue::Map(m)).unwrap();
        assert_eq!(y, "a9: 0\na10: 5e-05\nb: 3\nd: null\ns: \"true\"\n");
    }

    fn one(s: &str) -> String {
        let mut m = BTreeMap::new();
        m.insert("k".to_string(), VarValue::String(s.into()));
        marshal(&VarValue::Map(m)).unwrap()
    }

    /// Each case was a difference from ghodss/yaml + go-yaml v2.4.0 found by
    /// tests/go_oracle.rs; the expected bytes are Go's.
    #[test]
    fn yaml_strings_like_go_yaml() {
        let cases: &[(&str, &str)] = &[
            ("a<b>&c", "k: a<b>&c\n"),
            ("C:\\x", "k: C:\\x\n"),
            ("-_9b", "k: -_9b\n"),
            ("-", "k: '-'\n"),
            ("__1", "k: __1\n"),
            ("1_000", "k: \"1_000\"\n"),
            ("<<", "k: <<\n"),
            ("a:", "k: 'a:'\n"),
            ("1:20", "k: \"1:20\"\n"),
            ("2001-12-14", "k: \"2001-12-14\"\n"),
            ("?]:\n'>*", "k: |-\n  ?]:\n  '>*\n"),
            ("\n", "k: |2+\n\n"),
            ("a\n", "k: |\n  a\n"),
            ("\u{1F574}", "k: \"\\U0001F574\"\n"),
            ("\u{feff}a", "k: \"\\uFEFF\\x61\"\n"),
            ("\u{85}", "k: ' '\n"),
            ("\u{2028}", "k: '\u{2028}'\n"),
        ];
        for (s, want) in cases {
            assert_eq!(one(s), *want, "{s:?}");
        }
        assert_eq!(
            marshal(&VarValue::String("a\u{7f}".into())).unwrap_err(),
            "error converting JSON to YAML: yaml: control characters are not allowed"
        );
    }

    #[test]
    fn yaml_folds_long_plain_lines_at_80() {
        let long = "qmdgbdu fhwzug lxzziplst zffzyjso e vyltlwyiuob ycpy cxulivvoisv aymylvbsqfqs o zwmlmanzdt";
        let mut inner = BTreeMap::new();
        inner.insert("é3".to_string(), VarValue::String(long.into()));
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), VarValue::Map(inner));
        assert_eq!(
            marshal(&VarValue::Map(m)).unwrap(),
            "a:\n  é3: qmdgbdu fhwzug lxzziplst zffzyjso e vyltlwyiuob ycpy cxulivvoisv aymylvbsqfqs\n    o zwmlmanzdt\n"
        );
    }
}
