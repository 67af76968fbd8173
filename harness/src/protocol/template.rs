//! Stage 1 of a case: render the container's command/args templates (protocol.md §3 and §5).
//!
//! In: a [`TemplateContext`] (prefixes, keys, the input [`LiteralMap`], the [`Profile`]) and the
//! argument list. Out: the rendered list (same length) or a [`TemplateError`].
//!
//! **backend** (`flyteplugins/go/tasks/pluginmachinery/core/template/template.go`): every argument
//! is rendered on its own by ten case-insensitive RE2 regexes, in the order Input → OutputPrefix →
//! InputPrefix → RawOutputDataPrefix → PrevCheckpointPrefix → CheckpointOutputPrefix →
//! PerRetryUniqueKey → TaskTemplatePath → Namespace → Inputs. All but the last use Go's
//! `ReplaceAllString`, so a `$` in the *value* is template syntax (`$0` is the placeholder itself,
//! `$1`/`${name}` are empty, `$$` is `$`); input values are inserted literally
//! (`ReplaceAllStringFunc`). Because Namespace and Inputs run last, a prefix value containing
//! `{{.Namespace}}` or `{{.Inputs.x}}` is substituted too. With an empty input map, input
//! placeholders stay as they are; otherwise an unknown name is an error whose text is Go's
//! `ErrorCollection` (`"0: input template [<placeholder>]: requested input is not found [x]\r\n"`).
//!
//! **flytekit-local** (`flytekit/core/container_task.py`, `_render_command_and_volume_binding`):
//! only a *whole* argument that is the lowercase `{{.inputs.x}}` (whitespace allowed inside the
//! braces) or that starts with `<input_data_dir>/` is replaced, by Python's `str()` of the value,
//! or `None` for an unknown name; a blob referenced by template is an `AssertionError`, a blob by
//! path stays the path (the runtime bind-mounts it). Other templates are left verbatim.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::protocol::goformat::{format_v, proto_text_duration, timestamp_string};
use crate::protocol::literal::{Literal, LiteralMap, Primitive, Scalar};
use crate::protocol::profile::Profile;
use crate::protocol::pyformat::py_str;

/// Everything a template can refer to. Prefixes are plain strings (local directories or remote
/// URIs, whatever the runtime under test uses).
#[derive(Debug, Clone, Default)]
pub struct TemplateContext {
    /// Whose rendering rules apply.
    pub profile: Profile,
    /// `{{.InputPrefix}}`; `{{.Input}}` is `<input_prefix>/inputs.pb`.
    pub input_prefix: String,
    /// `{{.OutputPrefix}}`.
    pub output_prefix: String,
    /// `{{.RawOutputDataPrefix}}`.
    pub raw_output_prefix: String,
    /// The task execution's generated name; `{{.PerRetryUniqueKey}}` is its sanitized form.
    pub per_retry_unique_key: String,
    /// `{{.TaskTemplatePath}}`; `None` makes a reference to it an error (the backend's
    /// "sub task template error" case).
    pub task_template_path: Option<String>,
    /// `{{.Namespace}}`.
    pub namespace: String,
    /// `{{.PrevCheckpointPrefix}}` (rendered as the two characters `""` when empty).
    pub prev_checkpoint_prefix: String,
    /// `{{.CheckpointOutputPrefix}}`.
    pub checkpoint_output_prefix: String,
    /// The task's input literals.
    pub inputs: LiteralMap,
    /// flytekit-local only: the task's `input_data_dir` (path form `<dir>/<name>`); `None` is
    /// flytekit's `""`, which turns every argument starting with `/` into a path reference.
    pub input_data_dir: Option<String>,
}

/// Why rendering failed. `Display` is the implementation's own error text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// Index of the argument that failed.
    pub index: usize,
    /// The backend's Go error text (or flytekit's Python exception text).
    pub message: String,
}

/// Render an argument list under the context's profile.
pub fn render(args: &[String], ctx: &TemplateContext) -> Result<Vec<String>, TemplateError> {
    match ctx.profile {
        Profile::Backend => {
            let key = sanitize_unique_key(&ctx.per_retry_unique_key);
            args.iter()
                .enumerate()
                .map(|(index, a)| {
                    render_backend(a, ctx, &key).map_err(|message| TemplateError { index, message })
                })
                .collect()
        }
        Profile::FlytekitLocal => args
            .iter()
            .enumerate()
            .map(|(index, a)| {
                render_local(a, ctx).map_err(|message| TemplateError { index, message })
            })
            .collect(),
    }
}

/// Go RE2's `\s` is ASCII `[\t\n\f\r ]` (Rust's is Unicode), and `{` must be escaped for Rust.
fn backend_regex(keyword: &str) -> Regex {
    Regex::new(&format!(
        r"(?i)\{{\{{[\t\n\f\r ]*[.$]{keyword}[\t\n\f\r ]*\}}\}}"
    ))
    .expect("valid regex")
}

static INPUT_FILE: LazyLock<Regex> = LazyLock::new(|| backend_regex("Input"));
static INPUT_PREFIX: LazyLock<Regex> = LazyLock::new(|| backend_regex("InputPrefix"));
static OUTPUT_PREFIX: LazyLock<Regex> = LazyLock::new(|| backend_regex("OutputPrefix"));
static RAW_OUTPUT: LazyLock<Regex> = LazyLock::new(|| backend_regex("RawOutputDataPrefix"));
static PER_RETRY: LazyLock<Regex> = LazyLock::new(|| backend_regex("PerRetryUniqueKey"));
static TASK_TEMPLATE: LazyLock<Regex> = LazyLock::new(|| backend_regex("TaskTemplatePath"));
static PREV_CHECKPOINT: LazyLock<Regex> = LazyLock::new(|| backend_regex("PrevCheckpointPrefix"));
static CURR_CHECKPOINT: LazyLock<Regex> = LazyLock::new(|| backend_regex("CheckpointOutputPrefix"));
static NAMESPACE: LazyLock<Regex> = LazyLock::new(|| backend_regex("Namespace"));
static INPUT_VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\{\{[\t\n\f\r ]*[.$]Inputs\.(?P<input_name>[^}\t\n\f\r ]+)[\t\n\f\r ]*\}\}")
        .expect("valid regex")
});

/// `PerRetryUniqueKey`: a leading run of non-`[a-zA-Z_]` becomes one `a`, then every run of
/// `[^a-zA-Z0-9_]` becomes `_`.
pub fn sanitize_unique_key(name: &str) -> String {
    static LEAD: LazyLock<Regex> = LazyLock::new(|| Regex::new("^[^a-zA-Z_]+").expect("valid"));
    static REST: LazyLock<Regex> = LazyLock::new(|| Regex::new("[^a-zA-Z0-9_]+").expect("valid"));
    let s = LEAD.replace_all(name, "a");
    REST.replace_all(&s, "_").into_owned()
}

/// Go's `Regexp.ReplaceAllString`: `value` is a template in which `$name`/`${name}` refer to
/// capture groups (the backend's regexes have only group 0, the whole match), `$$` is `$`, and
/// a malformed reference leaves the `$` as text (Go `regexp.go` `expand`/`extract`).
fn go_replace_all(re: &Regex, s: &str, value: &str) -> String {
    re.replace_all(s, |caps: &Captures| go_expand(value, caps))
        .into_owned()
}

fn go_expand(template: &str, caps: &Captures) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let brace = rest.starts_with('{');
        let body = if brace { &rest[1..] } else { rest };
        let name_len: usize = body
            .char_indices()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .map(|(_, c)| c.len_utf8())
            .sum();
        if name_len == 0 || (brace && !body[name_len..].starts_with('}')) {
            out.push('$');
            continue;
        }
        let name = &body[..name_len];
        rest = &body[name_len + usize::from(brace)..];
        let num = if name.bytes().all(|b| b.is_ascii_digit())
            && !(name.len() > 1 && name.starts_with('0'))
        {
            name.parse::<usize>().ok()
        } else {
            None
        };
        let m = match num {
            Some(n) => caps.get(n),
            None => caps.name(name),
        };
        if let Some(m) = m {
            out.push_str(m.as_str());
        }
    }
    out.push_str(rest);
    out
}

fn render_backend(arg: &str, ctx: &TemplateContext, key: &str) -> Result<String, String> {
    let input_path = if ctx.input_prefix.is_empty() {
        "inputs.pb".to_string()
    } else {
        format!("{}/inputs.pb", ctx.input_prefix.trim_end_matches('/'))
    };
    let mut val = go_replace_all(&INPUT_FILE, arg, &input_path);
    val = go_replace_all(&OUTPUT_PREFIX, &val, &ctx.output_prefix);
    val = go_replace_all(&INPUT_PREFIX, &val, &ctx.input_prefix);
    val = go_replace_all(&RAW_OUTPUT, &val, &ctx.raw_output_prefix);
    let prev = if ctx.prev_checkpoint_prefix.is_empty() {
        "\"\""
    } else {
        ctx.prev_checkpoint_prefix.as_str()
    };
    val = go_replace_all(&PREV_CHECKPOINT, &val, prev);
    val = go_replace_all(&CURR_CHECKPOINT, &val, &ctx.checkpoint_output_prefix);
    val = go_replace_all(&PER_RETRY, &val, key);
    if TASK_TEMPLATE.is_match(&val) {
        let path = ctx.task_template_path.as_deref().ok_or_else(|| {
            "task template path is not available (rawconf: pass --task-template-path)".to_string()
        })?;
        val = go_replace_all(&TASK_TEMPLATE, &val, path);
    }
    val = go_replace_all(&NAMESPACE, &val, &ctx.namespace);
    if ctx.inputs.literals.is_empty() {
        return Ok(val);
    }
    let mut errors: Vec<String> = Vec::new();
    let out = INPUT_VAR.replace_all(&val, |caps: &Captures| {
        let placeholder = &caps[0];
        let name = &caps["input_name"];
        match input_value(name, &ctx.inputs) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("input template [{placeholder}]: {e}"));
                String::new()
            }
        }
    });
    if errors.is_empty() {
        Ok(out.into_owned())
    } else {
        Err(errors
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{i}: {e}\r\n"))
            .collect())
    }
}

fn input_value(name: &str, inputs: &LiteralMap) -> Result<String, String> {
    let lit = inputs
        .literals
        .get(name)
        .ok_or_else(|| format!("requested input is not found [{name}]"))?;
    serialize_literal(lit).map_err(|e| format!("failed to bind a value to inputName [{name}]: {e}"))
}

/// The backend's `serializeLiteral`: a literal's text in a command line.
pub fn serialize_literal(l: &Literal) -> Result<String, String> {
    match l {
        Literal::Collection(items) => {
            let parts = items
                .iter()
                .map(serialize_literal)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("[{}]", parts.join(",")))
        }
        Literal::Map(_) => Err("received an unexpected primitive type [*core.Literal_Map]".into()),
        Literal::Scalar(Scalar::Blob(b)) => Ok(b.uri.clone()),
        Literal::Scalar(Scalar::NoneType) => {
            Err("received an unexpected scalar type [*core.Scalar_NoneType]".into())
        }
        Literal::Scalar(Scalar::Binary(b)) if b.tag == "msgpack" => {
            crate::protocol::msgpack::go_v(&b.value)
        }
        Literal::Scalar(Scalar::Binary(b)) => Err(format!("unsupported binary tag [{}]", b.tag)),
        // A union is not unwrapped, even with a value (protocol-2.md §4).
        Literal::Scalar(Scalar::Generic(_)) => {
            Err("received an unexpected scalar type [*core.Scalar_Generic]".into())
        }
        Literal::Scalar(Scalar::Union(_)) => {
            Err("received an unexpected scalar type [*core.Scalar_Union]".into())
        }
        Literal::Scalar(Scalar::StructuredDataset(_)) => {
            Err("received an unexpected scalar type [*core.Scalar_StructuredDataset]".into())
        }
        Literal::Scalar(Scalar::Error(_)) => {
            Err("received an unexpected scalar type [*core.Scalar_Error]".into())
        }
        Literal::Scalar(Scalar::Primitive(p)) => Ok(match p {
            Primitive::Integer(i) => i.to_string(),
            Primitive::Float(x) => format_v(*x),
            Primitive::String(s) => s.clone(),
            Primitive::Boolean(b) => b.to_string(),
            Primitive::Datetime(t) => timestamp_string(t.seconds, t.nanos),
            Primitive::Duration(d) => proto_text_duration(d.seconds, d.nanos),
        }),
    }
}

/// flytekit's AssertionError text for a blob referenced by template syntax.
pub const LOCAL_BLOB_TEMPLATE_ERROR: &str = "AssertionError: FlyteFile and FlyteDirectory commands should not use the template syntax like this: {{.inputs.infile}}\nPlease use a path-like syntax, such as: /var/inputs/infile.\nThis requirement is due to how Flyte Propeller processes template syntax inputs.";

/// Python's `os.path.normpath` for the absolute or relative POSIX paths a task declares.
fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let initial = if p.starts_with("//") && !p.starts_with("///") {
        2
    } else if p.starts_with('/') {
        1
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && parts.is_empty()) || parts.last() == Some(&"..") {
            parts.push(comp);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let s = format!("{}{}", "/".repeat(initial), parts.join("/"));
    if s.is_empty() { ".".into() } else { s }
}

static LOCAL_TEMPLATE: LazyLock<Regex> = LazyLock::new(|| {
    // Python's str `\s` also covers U+001C..U+001F; `$` may match before a final newline.
    Regex::new(r"^\{\{[\s\x1c-\x1f]*\.inputs\.(.*?)[\s\x1c-\x1f]*\}\}\n?\z").expect("valid regex")
});

fn render_local(arg: &str, ctx: &TemplateContext) -> Result<String, String> {
    let dir = ctx
        .input_data_dir
        .as_deref()
        .map(normpath)
        .unwrap_or_default();
    let path_prefix = format!("{dir}/");
    let (key, by_path) = if let Some(rest) = arg.strip_prefix(&path_prefix) {
        let rest = rest.strip_suffix('\n').unwrap_or(rest);
        if !rest.is_empty() && !rest.contains('\n') {
            (Some(rest.to_string()), true)
        } else {
            (None, false)
        }
    } else {
        (None, false)
    };
    let (key, by_path) = match key {
        Some(k) => (Some(k), by_path),
        None => (
            LOCAL_TEMPLATE.captures(arg).map(|c| c[1].to_string()),
            false,
        ),
    };
    // flytekit tests the key for truth (`if k:`): an empty name (`{{.inputs.}}`) leaves the
    // argument as it is, where any other unknown name becomes `None`.
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(arg.to_string());
    };
    match ctx.inputs.literals.get(&key) {
        None => Ok("None".into()),
        Some(Literal::Scalar(Scalar::Blob(_))) if by_path => Ok(format!("{dir}/{key}")),
        Some(Literal::Scalar(Scalar::Blob(_))) => Err(LOCAL_BLOB_TEMPLATE_ERROR.into()),
        Some(l) => Ok(py_str(l)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_key_and_dollar() {
        assert_eq!(
            sanitize_unique_key("per-retry-unique-key"),
            "per_retry_unique_key"
        );
        assert_eq!(
            sanitize_unique_key("33 per retry-unique-key"),
            "aper_retry_unique_key"
        );
        let ctx = TemplateContext {
            output_prefix: "s3://b/$1x/${name}".into(),
            ..Default::default()
        };
        assert_eq!(
            render(&["{{.OutputPrefix}}".into()], &ctx).unwrap(),
            ["s3://b//"]
        );
        assert_eq!(normpath("/var/inputs/"), "/var/inputs");
    }
}
