#![allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod common;

use mammoflow_domain::View;
use mammoflow_store::studies::{
    self, InsertOutcome, InstanceRole, NewInstance, NewStudy, StudyStatus,
};
use serde_json::json;
use uuid::Uuid;

fn study(uid: &str, status: StudyStatus, reason: Option<&str>) -> NewStudy {
    NewStudy {
        study_uid: uid.into(),
        site: "site-a".into(),
        patient_key: "pk-123".into(),
        accession_number: Some("ACC1".into()),
        manufacturer: Some("PhantomCo".into()),
        model: Some("Phantom 1".into()),
        software_versions: Some("1.0\\2.1".into()),
        patient_age: Some("052Y".into()),
        study_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 14),
        status,
        status_reason: reason.map(str::to_string),
        problems: json!([]),
        correlation_id: Uuid::now_v7(),
        arrived_event_id: Uuid::now_v7(),
    }
}

fn instances() -> Vec<NewInstance> {
    let mut out: Vec<NewInstance> = View::ALL
        .iter()
        .enumerate()
        .map(|(i, v)| NewInstance {
            sop_instance_uid: Some(format!("1.2.3.4.{i}")),
            series_uid: Some("1.2.3.9".into()),
            view: Some(*v),
            uri: format!("file:///studies/s1/{v}.dcm"),
            role: InstanceRole::Standard,
            note: None,
            header: json!({"Modality": "MG", "ViewPosition": v.projection()}),
        })
        .collect();
    out.push(NewInstance {
        sop_instance_uid: None,
        series_uid: None,
        view: None,
        uri: "file:///studies/s1/broken.dcm".into(),
        role: InstanceRole::Unreadable,
        note: Some("not a DICOM file: missing DICM preamble".into()),
        header: json!({}),
    });
    out
}

#[tokio::test]
async fn insert_ingested_twice_stores_one_study() {
    let db = common::db("studies").await;
    let pool = db.pool();
    let first = study("1.2.826.0.1.1", StudyStatus::Ready, None);

    let mut tx = pool.begin().await.unwrap();
    assert_eq!(
        studies::insert_ingested(&mut tx, &first, &instances())
            .await
            .unwrap(),
        InsertOutcome::Inserted
    );
    tx.commit().await.unwrap();

    // A duplicate arrival with different content changes nothing.
    let mut second = study(
        "1.2.826.0.1.1",
        StudyStatus::Ineligible,
        Some("missing LMLO"),
    );
    second.site = "site-b".into();
    let mut tx = pool.begin().await.unwrap();
    let outcome = studies::insert_ingested(&mut tx, &second, &instances()[..2])
        .await
        .unwrap();
    assert_eq!(outcome, InsertOutcome::AlreadyExists);
    tx.commit().await.unwrap();

    let row = studies::get(pool, "1.2.826.0.1.1")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(row.status, StudyStatus::Ready);
    assert_eq!(row.site, "site-a");
    assert_eq!(row.arrived_event_id, first.arrived_event_id);
    assert_eq!(row.software_versions.as_deref(), Some("1.0\\2.1"));
    assert_eq!(row.study_date, chrono::NaiveDate::from_ymd_opt(2026, 3, 14));
    assert_eq!(studies::list(pool, 10).await.unwrap().len(), 1);

    let stored = studies::instances(pool, "1.2.826.0.1.1").await.unwrap();
    assert_eq!(stored.len(), 5, "instances of the duplicate were not added");
    let views: Vec<Option<View>> = stored.iter().map(|i| i.view).collect();
    assert_eq!(
        views,
        [
            Some(View::Rcc),
            Some(View::Lcc),
            Some(View::Rmlo),
            Some(View::Lmlo),
            None
        ]
    );
    assert_eq!(stored[4].role, InstanceRole::Unreadable);
    assert_eq!(stored[4].sop_instance_uid, None);
    assert_eq!(stored[0].header["ViewPosition"], "CC");
    assert!(studies::get(pool, "9.9").await.unwrap().is_none());
    db.drop_database().await.unwrap();
}

#[tokio::test]
async fn ineligible_studies_need_a_reason_and_views_are_unique() {
    let db = common::db("ineligible").await;
    let pool = db.pool();

    let mut tx = pool.begin().await.unwrap();
    let err = studies::insert_ingested(&mut tx, &study("1.5", StudyStatus::Ineligible, None), &[])
        .await
        .unwrap_err();
    assert_eq!(err.sqlstate().as_deref(), Some("23514"));
    assert!(err.to_string().contains("study 1.5"), "{err}");
    tx.rollback().await.unwrap();

    // Two images claiming the same standard view are refused as a whole.
    let mut twice = instances();
    twice[1].view = Some(View::Rcc);
    let mut tx = pool.begin().await.unwrap();
    let err = studies::insert_ingested(&mut tx, &study("1.6", StudyStatus::Ready, None), &twice)
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    tx.rollback().await.unwrap();
    assert!(studies::get(pool, "1.6").await.unwrap().is_none());

    let problems = json!([{"kind": "missing_view", "view": "LMLO"}]);
    let mut s = study("1.7", StudyStatus::Ineligible, Some("missing view LMLO"));
    s.problems = problems.clone();
    let mut tx = pool.begin().await.unwrap();
    studies::insert_ingested(&mut tx, &s, &instances()[..3])
        .await
        .unwrap();
    studies::insert_ingested(
        &mut tx,
        &study("1.8", StudyStatus::Ready, None),
        &instances(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        studies::get(pool, "1.7").await.unwrap().unwrap().problems,
        problems
    );

    assert!(
        studies::update_status(pool, "1.8", StudyStatus::Inferred, None)
            .await
            .unwrap()
    );
    assert!(
        !studies::update_status(pool, "nope", StudyStatus::Inferred, None)
            .await
            .unwrap()
    );
    let counts = studies::count_by_status(pool).await.unwrap();
    assert_eq!(
        counts,
        [("ineligible".to_string(), 1), ("inferred".to_string(), 1)]
    );
    db.drop_database().await.unwrap();
}
