//! Per-cell computation: group records by any key, then compute a figure set per cell, with a
//! minimum-volume rule. Small cells are where audit figures mislead (screening.md §4: "show CIs
//! and gate on minimum n"; BCSC reports sensitivity only from ≥1,000 exams and ≥10 cancers), so a
//! cell below the minimum shows "too few" instead of numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The figures of one cell, or the reason they are withheld.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell<T> {
    Figures(T),
    /// `n` records, fewer than the minimum `min`.
    TooFew { n: usize, min: usize },
}

impl<T> Cell<T> {
    pub fn figures(&self) -> Option<&T> {
        match self {
            Cell::Figures(t) => Some(t),
            Cell::TooFew { .. } => None,
        }
    }
}

/// Minimum number of records (exams) a cell needs before its figures are shown. 0 shows all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinVolume(pub usize);

/// Groups `records` by `key`, keeping input order inside each cell. Cells are ordered by key, so
/// period keys (`2025-03`, `2025-W11`) come out in time order.
pub fn group_by<'a, R, K: Ord>(records: &'a [R], key: impl Fn(&R) -> K) -> BTreeMap<K, Vec<&'a R>> {
    let mut groups: BTreeMap<K, Vec<&'a R>> = BTreeMap::new();
    for r in records {
        groups.entry(key(r)).or_default().push(r);
    }
    groups
}

/// Applies `compute` to every cell with at least `min` records; the others become
/// [`Cell::TooFew`].
pub fn per_cell<'a, K: Ord, R, T>(
    groups: BTreeMap<K, Vec<&'a R>>,
    min: MinVolume,
    mut compute: impl FnMut(&[&'a R]) -> T,
) -> BTreeMap<K, Cell<T>> {
    groups
        .into_iter()
        .map(|(k, rs)| {
            let cell = if rs.len() < min.0 { Cell::TooFew { n: rs.len(), min: min.0 } } else { Cell::Figures(compute(&rs)) };
            (k, cell)
        })
        .collect()
}

/// [`group_by`] then [`per_cell`].
pub fn compute_by<'a, R, K: Ord, T>(
    records: &'a [R],
    key: impl Fn(&R) -> K,
    min: MinVolume,
    compute: impl FnMut(&[&'a R]) -> T,
) -> BTreeMap<K, Cell<T>> {
    per_cell(group_by(records, key), min, compute)
}
