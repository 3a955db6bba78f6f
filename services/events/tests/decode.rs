//! Bad input gets a typed, permanent error with a clear reason.

use mammoflow_domain::DicomUid;
use mammoflow_events::*;

fn arrived() -> Envelope<StudyArrived> {
    Envelope::new(
        "test",
        StudyArrived {
            study_instance_uid: DicomUid::new("1.2.826.0.1.3680043.10.1").expect("uid"),
            site: "site-a".into(),
            patient_key: "pk-1".into(),
            accession_number: Some("A1".into()),
            instances: vec![InstanceRef { uri: "/data/a/RCC.dcm".into(), sop_instance_uid: None }],
            source: None,
        },
    )
}

#[test]
fn round_trips() {
    let env = arrived();
    let decoded = decode::<StudyArrived>(&env.to_json_bytes(), &EventLimits::default()).expect("decode");
    assert_eq!(decoded, env);
    assert_eq!(decoded.key(), "1.2.826.0.1.3680043.10.1");
    assert_eq!(StudyArrived::topic(), "mammo.study.arrived.v1");
}

#[test]
fn rejects_bad_input_with_kinds() {
    let limits = EventLimits { max_event_bytes: 1024 };
    let kind = |bytes: &[u8]| decode::<StudyArrived>(bytes, &limits).map(|_| ()).map_err(|e| e.kind());
    assert_eq!(kind(b"{not json"), Err("malformed"));
    assert_eq!(kind(&vec![b' '; 2048]), Err("too_large"));

    let mut v = serde_json::to_value(arrived()).expect("json");
    v["schema_version"] = 2.into();
    assert_eq!(kind(v.to_string().as_bytes()), Err("unsupported_version"));

    let mut v = serde_json::to_value(arrived()).expect("json");
    v["event_type"] = "mammo.study.ready".into();
    assert_eq!(kind(v.to_string().as_bytes()), Err("wrong_type"));

    let mut v = serde_json::to_value(arrived()).expect("json");
    v["payload"].as_object_mut().expect("obj").remove("site");
    assert_eq!(kind(v.to_string().as_bytes()), Err("invalid_payload"));

    let mut v = serde_json::to_value(arrived()).expect("json");
    v["payload"]["instances"] = serde_json::json!([]);
    let err = decode::<StudyArrived>(v.to_string().as_bytes(), &limits).expect_err("empty");
    assert!(err.to_string().contains("instances is empty"), "{err}");

    let mut v = serde_json::to_value(arrived()).expect("json");
    v["payload"]["study_instance_uid"] = "1.2.abc".into();
    assert_eq!(kind(v.to_string().as_bytes()), Err("invalid_payload"));
}

#[test]
fn peek_reads_header_of_an_invalid_payload() {
    let mut v = serde_json::to_value(arrived()).expect("json");
    v["payload"] = serde_json::json!({"garbage": true});
    let bytes = v.to_string().into_bytes();
    let raw = peek(&bytes).expect("header readable");
    assert_eq!(raw.event_type, "mammo.study.arrived");
}
