//! JSON Schemas of every event, generated from the Rust types. `schemas/*.json` in the
//! repository are checked against these by a test, so the published contract cannot drift.

use crate::{DeadLetter, Envelope, Event, ReportGenerated, ReportParsed, StudyArrived, StudyReady, TriageAssigned};
use std::path::Path;

fn schema_of<E: Event>() -> (String, serde_json::Value) {
    let schema = schemars::schema_for!(Envelope<E>);
    (format!("{}.json", E::topic()), schema.to_value())
}

/// `(file name, schema)` for every topic.
pub fn all_schemas() -> Vec<(String, serde_json::Value)> {
    vec![
        schema_of::<StudyArrived>(),
        schema_of::<StudyReady>(),
        schema_of::<ReportGenerated>(),
        schema_of::<ReportParsed>(),
        schema_of::<TriageAssigned>(),
        schema_of::<DeadLetter>(),
    ]
}

/// Pretty JSON with a trailing newline: the checked-in form.
pub fn render(schema: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Writes every schema into `dir` (used by `mammoflow schemas --write`).
pub fn write_all(dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    all_schemas()
        .into_iter()
        .map(|(name, schema)| {
            std::fs::write(dir.join(&name), render(&schema))?;
            Ok(name)
        })
        .collect()
}
