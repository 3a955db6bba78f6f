//! MammoRGTool clinical-efficacy metrics (density F1, BI-RADS F1 with completeness, finding F1,
//! relation F1; `reference/mammorg.md`) per audit cell. The metrics are **not** reimplemented:
//! each cell is scored by `mammorgtool::metrics::evaluate_with`, the implementation
//! `mammoflow eval` uses, so the audit and the offline evaluation always agree.

use std::collections::BTreeMap;

use mammorgtool::metrics::{evaluate_with, EvalItem, EvalOptions, EvalReport};

use crate::error::AuditError;
use crate::group::{group_by, Cell, MinVolume};

/// Scores every cell of `records` grouped by `key`: `pair` gives each record's (AI prediction,
/// radiologist reference) in mammorgtool's structured shape. Cells below `min` are
/// [`Cell::TooFew`]. Bootstrap intervals come from `opts` (seeded), per cell.
pub fn clinical_efficacy_by<R, K: Ord>(
    records: &[R],
    key: impl Fn(&R) -> K,
    pair: impl Fn(&R) -> (&EvalItem, &EvalItem),
    min: MinVolume,
    opts: &EvalOptions,
) -> Result<BTreeMap<K, Cell<EvalReport>>, AuditError> {
    let mut out = BTreeMap::new();
    for (k, rs) in group_by(records, key) {
        if rs.len() < min.0 {
            out.insert(k, Cell::TooFew { n: rs.len(), min: min.0 });
            continue;
        }
        let (pred, refs): (Vec<EvalItem>, Vec<EvalItem>) = rs.iter().map(|r| {
            let (p, rf) = pair(r);
            (p.clone(), rf.clone())
        }).unzip();
        out.insert(k, Cell::Figures(evaluate_with(&pred, &refs, opts)?));
    }
    Ok(out)
}
