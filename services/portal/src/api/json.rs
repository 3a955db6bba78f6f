//! JSON shapes of the API's resources (documented in `openapi.yaml`).

use mammoflow_store::dead_letters::DeadLetter;
use mammoflow_store::reads::ReadRow;
use mammoflow_store::worklists::{QueueStats, WorklistItem};
use serde_json::{json, Value};

use crate::study_view::StudyView;

pub fn queue(q: &QueueStats) -> Value {
    json!({"queue": q.queue, "title": q.title, "pending": q.pending, "claimed": q.claimed,
           "oldest_age_seconds": q.oldest_age_seconds, "overdue": q.overdue})
}

pub fn item(i: &WorklistItem) -> Value {
    json!({"id": i.id, "queue": i.queue, "study_uid": i.study_uid, "read_role": i.read_role.as_str(),
           "priority": i.priority, "due_at": i.due_at, "status": i.status.as_str(),
           "lease_holder": i.lease_holder, "lease_expires_at": i.lease_expires_at,
           "policy_version": i.policy_version, "model_version": i.model_version, "parser_version": i.parser_version,
           "rule_fired": i.rule_fired, "reason": i.reason, "flags": i.flags,
           "created_at": i.created_at, "completed_at": i.completed_at, "completed_by": i.completed_by})
}

pub fn read(r: &ReadRow) -> Value {
    json!({"id": r.id, "study_uid": r.study_uid, "worklist_item_id": r.worklist_item_id, "reader": r.reader,
           "role": r.role.as_str(), "birads_right": r.birads_right.map(|b| b.code()), "birads_left": r.birads_left.map(|b| b.code()),
           "density": r.density.map(|d| d.code()), "findings": r.findings, "free_text": r.free_text,
           "parsed": r.parsed, "parser_version": r.parser_version, "submitted_at": r.submitted_at})
}

pub fn dead_letter(d: &DeadLetter) -> Value {
    json!({"id": d.id, "consumer_group": d.consumer_group, "topic": d.topic, "partition": d.partition, "offset": d.offset,
           "key": d.key, "event_id": d.event_id, "event_type": d.event_type,
           "payload": String::from_utf8_lossy(&d.payload), "reason": d.reason, "error_kind": d.error_kind,
           "created_at": d.created_at, "seen_count": d.seen_count, "replayed_at": d.replayed_at, "replay_count": d.replay_count})
}

pub fn study(s: &StudyView) -> Value {
    let st = &s.study;
    json!({
        "study_uid": st.study_uid, "site": st.site, "patient_key": st.patient_key, "accession_number": st.accession_number,
        "manufacturer": st.manufacturer, "device_model": st.model, "software_versions": st.software_versions,
        "patient_age": st.patient_age, "status": st.status.as_str(), "status_reason": st.status_reason,
        "problems": st.problems, "stored_at": st.created_at,
        "views": s.views.iter().map(|(v, _)| json!({"view": v.code(), "thumbnail": format!("/api/v1/studies/{}/views/{}.png", st.study_uid, v.code())})).collect::<Vec<_>>(),
        "ai_reports": s.ai_reports.iter().map(|r| json!({
            "id": r.report.id, "model_version": r.report.model_version, "shadow": r.report.shadow,
            "text": r.report.report_text, "probabilities": r.report.probabilities, "generated_at": r.report.generated_at,
            "device": r.report.device, "parsed": r.parsed.as_ref().map(|p| json!({
                "parser_version": p.parser_version, "structured": p.structured, "warnings": p.warnings, "confidence": p.confidence})),
        })).collect::<Vec<_>>(),
        "worklist_items": s.items.iter().map(item).collect::<Vec<_>>(),
        "reads": s.reads.iter().map(read).collect::<Vec<_>>(),
        "withheld_reads": s.withheld_reads,
        "outcomes": s.outcomes.iter().map(|o| json!({"side": o.side, "kind": o.kind, "result": o.result, "pathology": o.pathology, "outcome_date": o.outcome_date})).collect::<Vec<_>>(),
        "history": s.history.iter().map(|e| json!({"at": e.at, "actor": e.actor, "action": e.action, "details": e.details})).collect::<Vec<_>>(),
    })
}
