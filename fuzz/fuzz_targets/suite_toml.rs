//! Fuzz target: the suite parser (`Suite::from_text`: `[task]`, `[[case]]` with typed inputs,
//! task overrides, `xfail` globs, `[[limitation]]`) from arbitrary text, then every parsed
//! case's command rendered under both profiles, as a run would.
//!
//! Invariants: no panic; an error names the suite path.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rawconf::profile::Profile;
use rawconf::suite::Suite;
use rawconf::template::{TemplateContext, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Suite::from_text(Path::new("tests/suites/fuzz.toml"), text) {
        Ok(suite) => {
            for case in suite.cases.iter().take(32) {
                for profile in [Profile::Backend, Profile::FlytekitLocal] {
                    let ctx = TemplateContext {
                        profile,
                        inputs: case.inputs.clone(),
                        input_prefix: "/var/inputs".into(),
                        output_prefix: "/var/outputs".into(),
                        ..Default::default()
                    };
                    let _ = render(&case.task.args, &ctx);
                }
            }
        }
        Err(e) => {
            assert!(
                e.to_string().contains("fuzz.toml"),
                "error names the file: {e}"
            );
        }
    }
});
