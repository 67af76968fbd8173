//! Fuzz target: the protobuf-JSON parsers of Flyte IDL values (`LiteralMap`, `TypedInterface`,
//! `ErrorDocument` `from_json`), the parsers behind `--inputs`, `--interface` and every adapter
//! request/result.
//!
//! Invariants: no panic on any JSON; whatever parses prints back (`to_json`) to JSON that parses
//! again to the same printed form (print ∘ parse is idempotent on printed values), and a parsed
//! `LiteralMap` encodes to protobuf (`inputs.pb`) and renders as Go JSON without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rawconf::literal::{ErrorDocument, LiteralMap, TypedInterface, to_go_json};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(m) = LiteralMap::from_json(&v, "inputs") {
        let printed = m.to_json();
        let again = LiteralMap::from_json(&printed, "inputs").expect("printed LiteralMap parses");
        assert_eq!(
            again.to_json(),
            printed,
            "LiteralMap print/parse is idempotent"
        );
        let _ = m.encode_protobuf();
        let _ = to_go_json(&printed);
    }
    if let Ok(i) = TypedInterface::from_json(&v, "interface") {
        let printed = i.to_json();
        let again =
            TypedInterface::from_json(&printed, "interface").expect("printed interface parses");
        assert_eq!(again, i, "TypedInterface print/parse round-trips");
    }
    if let Ok(e) = ErrorDocument::from_json(&v, "error") {
        let printed = e.to_json();
        let again = ErrorDocument::from_json(&printed, "error").expect("printed error parses");
        assert_eq!(again, e, "ErrorDocument print/parse round-trips");
    }
});
