//! A study folder on disk → its four standard views, for `mammoflow generate`.

use crate::run::StudyPaths;
use mammoflow_dicom::{read_header, select_standard_views, HeaderLimits};
use std::path::{Path, PathBuf};

/// Reads the headers of every file in `dir` (not recursing) and picks the four standard views
/// with the same rule as ingest. Files that are not DICOM are skipped; any other problem is
/// reported in words.
pub fn study_view_paths(dir: &Path) -> Result<StudyPaths, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    files.sort();
    let limits = HeaderLimits::default();
    let (mut headers, mut paths) = (Vec::new(), Vec::new());
    for file in files {
        if let Ok(header) = read_header(&file, &limits) {
            headers.push(header);
            paths.push(file);
        }
    }
    let selection = select_standard_views(&headers);
    if !selection.is_eligible() {
        let problems: Vec<String> = selection.problems.iter().map(ToString::to_string).collect();
        return Err(format!("{}: {}", dir.display(), problems.join("; ")));
    }
    let pick = |view| {
        selection.views.get(&view).map(|s| paths[s.index].clone()).ok_or_else(|| format!("{}: no {} view", dir.display(), view.code()))
    };
    let [a, b, c, d] = mammorg::VIEW_ORDER.map(pick);
    Ok([a?, b?, c?, d?])
}
