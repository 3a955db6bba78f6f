//! The checked-in schemas match the Rust types, and every example event validates against its
//! schema and decodes into its type.

use mammoflow_events::schema::{all_schemas, render, write_all};
use mammoflow_events::*;
use std::path::PathBuf;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

#[test]
fn checked_in_schemas_match_generated() {
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        write_all(&schemas_dir()).expect("write schemas");
    }
    for (name, schema) in all_schemas() {
        let path = schemas_dir().join(&name);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == render(&schema),
            "{} differs from the schema generated from the Rust types; \
             run `UPDATE_SCHEMAS=1 cargo test -p mammoflow-events` and review the diff",
            path.display()
        );
    }
}

fn decode_example(name: &str, bytes: &[u8]) -> Result<(), String> {
    let limits = EventLimits::default();
    let topic = name.trim_end_matches(".json");
    let result = match topic {
        t if t == StudyArrived::topic() => decode::<StudyArrived>(bytes, &limits).map(|_| ()),
        t if t == StudyReady::topic() => decode::<StudyReady>(bytes, &limits).map(|_| ()),
        t if t == ReportGenerated::topic() => decode::<ReportGenerated>(bytes, &limits).map(|_| ()),
        t if t == ReportParsed::topic() => decode::<ReportParsed>(bytes, &limits).map(|_| ()),
        t if t == TriageAssigned::topic() => decode::<TriageAssigned>(bytes, &limits).map(|_| ()),
        t if t == DEAD_LETTER_TOPIC => decode::<DeadLetter>(bytes, &limits).map(|_| ()),
        other => return Err(format!("no event type for example {other}")),
    };
    result.map_err(|e| e.to_string())
}

#[test]
fn every_topic_has_a_valid_example() {
    let examples = schemas_dir().join("examples");
    for (name, schema) in all_schemas() {
        let path = examples.join(&name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let instance: serde_json::Value = serde_json::from_slice(&bytes).expect("example is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = validator.iter_errors(&instance).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        decode_example(&name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn schema_rejects_what_the_decoder_rejects() {
    let (_, schema) = all_schemas().into_iter().next().expect("arrived schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let bytes = std::fs::read(schemas_dir().join("examples").join(format!("{}.json", StudyArrived::topic())))
        .expect("example");
    let mut instance: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    instance["payload"]["unexpected"] = serde_json::json!(1);
    assert!(!validator.is_valid(&instance));
    assert!(decode::<StudyArrived>(instance.to_string().as_bytes(), &EventLimits::default()).is_err());
}
