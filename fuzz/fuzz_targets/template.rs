//! Fuzz target: the command template renderer (`rawconf::template::render`), both profiles.
//!
//! Input layout (text, so seeds are readable): NUL-separated fields
//! `profile \0 inputs-json \0 unique-key \0 prefix \0 arg \0 arg …`. `profile` starting with `l`
//! is flytekit-local, anything else the backend; an `inputs-json` that is not a valid
//! `LiteralMap` gives a fixed map of every primitive (so the renderer, not the JSON parser,
//! is what the fuzzer explores). Invariants: no panic, one rendered argument per argument,
//! and rendering is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rawconf::literal::LiteralMap;
use rawconf::profile::Profile;
use rawconf::template::{TemplateContext, render, sanitize_unique_key};

const DEFAULT_INPUTS: &str = r#"{"literals":{
 "a":{"scalar":{"primitive":{"floatValue":1000000}}},
 "b":{"scalar":{"primitive":{"integer":"-7"}}},
 "s":{"scalar":{"primitive":{"stringValue":"$1 {{.inputs.a}} ${x}"}}},
 "t":{"scalar":{"primitive":{"boolean":true}}},
 "d":{"scalar":{"primitive":{"datetime":"2024-02-29T23:59:59.000000001Z"}}},
 "u":{"scalar":{"primitive":{"duration":"-3.5s"}}},
 "f":{"scalar":{"blob":{"metadata":{"type":{"dimensionality":"SINGLE"}},"uri":"s3://b/k"}}}}}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fields = text.split('\0');
    let profile = match fields.next() {
        Some(p) if p.starts_with('l') => Profile::FlytekitLocal,
        _ => Profile::Backend,
    };
    let inputs_json = fields.next().unwrap_or("");
    let inputs = serde_json::from_str(inputs_json)
        .ok()
        .and_then(|v| LiteralMap::from_json(&v, "inputs").ok())
        .unwrap_or_else(|| {
            let v = serde_json::from_str(DEFAULT_INPUTS).expect("default inputs are JSON");
            LiteralMap::from_json(&v, "inputs").expect("default inputs parse")
        });
    let key = fields.next().unwrap_or("").to_owned();
    let prefix = fields.next().unwrap_or("").to_owned();
    let args: Vec<String> = fields.map(str::to_owned).collect();
    let _ = sanitize_unique_key(&key);
    let ctx = TemplateContext {
        profile,
        input_prefix: prefix.clone(),
        output_prefix: format!("{prefix}/out"),
        raw_output_prefix: format!("{prefix}/raw"),
        per_retry_unique_key: key,
        task_template_path: (!prefix.is_empty()).then(|| prefix.clone()),
        namespace: prefix.clone(),
        prev_checkpoint_prefix: String::new(),
        checkpoint_output_prefix: prefix.clone(),
        inputs,
        input_data_dir: (!prefix.is_empty()).then_some(prefix),
    };
    let first = render(&args, &ctx);
    if let Ok(rendered) = &first {
        assert_eq!(
            rendered.len(),
            args.len(),
            "one rendered argument per argument"
        );
    }
    assert_eq!(first, render(&args, &ctx), "rendering is deterministic");
});
