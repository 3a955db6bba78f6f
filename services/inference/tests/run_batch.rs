//! The demo checkpoint on simulated DICOM: a batch yields one result per study, and a study
//! whose pixels cannot be read fails alone while the rest of its batch is reported.
#![allow(clippy::unwrap_used)]

use mammoflow_dicom::{simulate, SimulationOptions};
use mammoflow_domain::View;
use mammoflow_inference::{demo_checkpoint_dir, load_model, run_batch, study_view_paths, StudyFailure, StudyPaths};
use mammorg::GenerationConfig;
use std::time::Duration;

#[test]
fn an_unreadable_study_fails_alone_and_the_batch_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimulationOptions { studies: 3, seed: 11, rows: 96, cols: 80, ..SimulationOptions::default() };
    let written = simulate(&options, dir.path()).unwrap();
    // Study 1 loses the end of its pixel data (ingest would have refused it; here it reaches the
    // model as if the file changed after ingest).
    let broken = &written[1].files[&View::Rcc];
    let bytes = std::fs::read(broken).unwrap();
    std::fs::write(broken, &bytes[..bytes.len() - 1000]).unwrap();

    assert!(study_view_paths(&written[0].folder).is_ok());
    let model = load_model(&demo_checkpoint_dir(), None, "cpu").unwrap();
    assert!(model.reference.version.starts_with("mammorg-tiny-"), "{}", model.reference.version);
    let batch: Vec<(StudyPaths, Duration)> = written
        .iter()
        .map(|s| (mammorg::VIEW_ORDER.map(|v| s.files[&v].clone()), Duration::from_millis(5)))
        .collect();
    let cfg = GenerationConfig { max_new_tokens: 64, use_kv_cache: true };
    let results = run_batch(&model.checkpoint, &cfg, &batch);

    assert_eq!(results.len(), 3);
    assert!(matches!(&results[1], Err(StudyFailure::UnreadableImages(_))), "{:?}", results[1]);
    for i in [0, 2] {
        let study = results[i].as_ref().unwrap();
        assert!(!study.text.trim().is_empty());
        assert!(study.stage1.is_finite());
        assert_eq!(study.timings.batch_size, 2, "the two readable studies ran together");
        assert_eq!(study.timings.queue_ms, 5);
    }
}

#[test]
fn a_folder_without_four_views_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimulationOptions { studies: 1, seed: 3, rows: 96, cols: 80, ..SimulationOptions::default() };
    let study = simulate(&options, dir.path()).unwrap().remove(0);
    std::fs::remove_file(&study.files[&View::Lcc]).unwrap();
    let err = study_view_paths(&study.folder).unwrap_err();
    assert!(err.contains("missing standard view"), "{err}");
}

#[test]
fn an_unknown_device_is_a_clear_error() {
    let err = load_model(&demo_checkpoint_dir(), None, "tpu").unwrap_err();
    assert!(err.to_string().contains("expected `cpu`, `cuda` or `cuda:N`"), "{err}");
}
