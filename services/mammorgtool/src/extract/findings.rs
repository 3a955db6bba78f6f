//! Findings: type, status, side, descriptors, locations and size.

use mammoflow_domain::{FindingStatus, FindingType, Side};

use super::values::{tokens, Tok};
use crate::context::{assertion, side_in_section, side_of};
use crate::doc::{Doc, Sentence};
use crate::lang::Lang;
use crate::lexicon::{DescClass, Hit, Term};

/// A finding before the final dedup, spans in normalised bytes.
#[derive(Debug, Clone)]
pub(crate) struct RawFinding {
    pub ftype: FindingType,
    pub side: Option<Side>,
    pub status: FindingStatus,
    pub descriptors: Vec<&'static str>,
    pub locations: Vec<String>,
    pub size_mm: Option<f32>,
    pub span: (usize, usize),
    /// Written as "associated" with the lesion described before it.
    pub associated: bool,
}

pub(crate) fn extract(doc: &Doc) -> Vec<RawFinding> {
    let mut out: Vec<RawFinding> = Vec::new();
    for sent in &doc.sentences {
        let first_here = out.len();
        let mut claimed = Vec::new();
        for idx in sent.hits.clone() {
            let h = doc.hits[idx];
            let (ftype, builtin, negated_inside) = match h.term {
                Term::Finding(t) => (t, None, false),
                Term::FindingWith(t, d, _) => (t, Some(d), false),
                Term::FindingNeg(t) => (t, None, true),
                _ => continue,
            };
            let a = assertion(doc, sent, &h);
            if a.historical && !a.negated && !negated_inside {
                continue;
            }
            // A finding named in a conditional ("if a cyst is confirmed") is uncertain.
            let mut status = if a.negated || negated_inside {
                FindingStatus::Negative
            } else if a.uncertain || a.hypothetical {
                FindingStatus::Uncertain
            } else {
                FindingStatus::Positive
            };
            let stated_enlarged = matches!(h.term, Term::FindingWith(_, "enlarged", _));
            if ftype == FindingType::LymphNode && !stated_enlarged && node_is_normal(doc, sent, &h) {
                status = FindingStatus::Negative;
            }
            let mut side = side_of(doc, sent, &h, &mut claimed, true);
            if side.is_none() && status != FindingStatus::Negative {
                side = side_in_section(doc, sent);
            }
            let (cs, _) = doc.clause(sent, h.start);
            let associated = doc.hits_in(sent, cs, h.start).any(|(_, x)| x.term == Term::Assoc);
            out.push(RawFinding {
                ftype,
                side,
                status,
                descriptors: builtin.into_iter().collect(),
                locations: Vec::new(),
                size_mm: None,
                span: (h.start, h.end),
                associated,
            });
        }
        if out.len() > first_here {
            attach_modifiers(doc, sent, &mut out[first_here..]);
        }
    }
    out
}

fn node_is_normal(doc: &Doc, sent: &Sentence, h: &Hit) -> bool {
    let (cs, ce) = doc.clause(sent, h.start);
    doc.hits_in(sent, cs, ce).any(|(_, x)| matches!(x.term, Term::NodeNormal | Term::Desc("benign", _)))
}

/// Gives each descriptor, location and size of the sentence to the nearest compatible finding
/// of its clause.
fn attach_modifiers(doc: &Doc, sent: &Sentence, found: &mut [RawFinding]) {
    let text = doc.text();
    let hits = &doc.hits[sent.hits.clone()];
    for (k, h) in hits.iter().enumerate() {
        let (class, item) = match h.term {
            Term::Desc(name, class) => (class, Modifier::Desc(name)),
            Term::Loc(name) => (DescClass::Any, Modifier::Loc(name.to_string())),
            Term::Clock => match clock_before(text, h.start) {
                Some(loc) => (DescClass::Any, Modifier::Loc(loc)),
                None => continue,
            },
            Term::Unit(tenths) => {
                let Some((mm, _)) = size_before(text, h.start, tenths) else { continue };
                let nipple = hits.get(k + 1).is_some_and(|n| n.term == Term::FromNipple && doc.words_between(h.end, n.start) <= 1)
                    || (doc.lang == Lang::Zh && nipple_distance_zh(doc, hits, k));
                if nipple {
                    (DescClass::Any, Modifier::Loc(format!("nipple_distance_{}mm", mm.round() as u32)))
                } else {
                    (DescClass::Shape, Modifier::Size(mm))
                }
            }
            _ => continue,
        };
        let (cs, ce) = doc.clause(sent, h.start);
        let best = found
            .iter_mut()
            .filter(|f| f.span.0 >= cs && f.span.1 <= ce && fits(class, &item, f.ftype))
            .min_by_key(|f| {
                // Distance in bytes; a finding after the modifier wins ties ("irregular mass").
                if f.span.0 >= h.end {
                    (f.span.0 - h.end) * 2
                } else {
                    (h.start.saturating_sub(f.span.1)) * 2 + 1
                }
            });
        let Some(f) = best else { continue };
        let mstart = match (&item, h.term) {
            (Modifier::Size(_), Term::Unit(_)) => size_before(text, h.start, 10).map_or(h.start, |x| x.1),
            _ => h.start,
        };
        f.span = (f.span.0.min(mstart), f.span.1.max(h.end));
        match item {
            Modifier::Desc(d) => {
                if !f.descriptors.contains(&d) {
                    f.descriptors.push(d);
                }
            }
            Modifier::Loc(l) => {
                if !f.locations.contains(&l) {
                    f.locations.push(l);
                }
            }
            Modifier::Size(mm) => {
                if f.size_mm.is_none() {
                    f.size_mm = Some(mm);
                }
            }
        }
    }
}

/// 距乳头约3cm: in Chinese the distance follows its cue, with at most 约 and the number
/// between.
fn nipple_distance_zh(doc: &Doc, hits: &[Hit], k: usize) -> bool {
    let Some(prev) = k.checked_sub(1).and_then(|i| hits.get(i)) else { return false };
    let gap = &doc.text()[prev.end..hits[k].start];
    prev.term == Term::FromNipple && gap.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ' ' | '约' | '为'))
}

enum Modifier {
    Desc(&'static str),
    Loc(String),
    Size(f32),
}

fn fits(class: DescClass, item: &Modifier, t: FindingType) -> bool {
    match item {
        Modifier::Size(_) => !matches!(t, FindingType::Implant | FindingType::PostSurgicalChange | FindingType::NippleRetraction),
        _ => class.fits(t),
    }
}

/// The last number that ends right before `pos` (spaces allowed), and where it starts.
fn number_before(text: &str, pos: usize) -> Option<(f32, usize)> {
    let b = text.as_bytes();
    let mut e = pos;
    while e > 0 && b[e - 1] == b' ' {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && (b[s - 1].is_ascii_digit() || b[s - 1] == b'.') {
        s -= 1;
    }
    while s < e && b[s] == b'.' {
        s += 1;
    }
    if s == e {
        return None;
    }
    text[s..e].parse::<f32>().ok().map(|v| (v, s))
}

/// Largest dimension of "1.2 x 0.8 cm" / "12 mm" ending at a unit, in millimetres.
fn size_before(text: &str, unit_start: usize, tenths_per_unit: u32) -> Option<(f32, usize)> {
    let (mut best, mut s) = number_before(text, unit_start)?;
    // Walk back over "A x B x" chains.
    loop {
        let head = text[..s].trim_end();
        let Some(rest) = head.strip_suffix('x').or_else(|| head.strip_suffix(" by")) else { break };
        match number_before(text, rest.len()) {
            Some((v, ns)) => {
                best = best.max(v);
                s = ns;
            }
            None => break,
        }
    }
    // Round to 0.1 mm so "1.2 cm" is exactly 12, not 12.000001.
    let mm = ((f64::from(best) * f64::from(tenths_per_unit)).round() / 10.0) as f32;
    (mm > 0.0 && mm < 500.0).then_some((mm, s))
}

/// "10 o'clock", "10:30 o'clock" → "clock_10", "clock_10_30".
fn clock_before(text: &str, pos: usize) -> Option<String> {
    let head = text[..pos].trim_end();
    let mut toks: Vec<Tok> = Vec::new();
    let from = head.len().saturating_sub(8);
    let from = (from..=head.len()).find(|&i| head.is_char_boundary(i)).unwrap_or(head.len());
    for t in tokens(head, from, head.len()) {
        toks.push(t.tok);
    }
    let (hour, half) = match toks.as_slice() {
        [.., Tok::Num(h), Tok::Punct(b':'), Tok::Num(m)] => (h.parse::<u32>().ok()?, *m == "30"),
        [.., Tok::Num(h)] => (h.parse::<u32>().ok()?, false),
        _ => return None,
    };
    if !(1..=12).contains(&hour) {
        return None;
    }
    Some(if half { format!("clock_{hour}_30") } else { format!("clock_{hour}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_the_largest_dimension() {
        let t = "a 1.2 x 0.8 cm mass";
        let unit = t.find("cm").unwrap_or(0);
        assert_eq!(size_before(t, unit, 100).map(|x| x.0), Some(12.0));
        let t = "measuring 7mm";
        assert_eq!(size_before(t, t.len() - 2, 10).map(|x| x.0), Some(7.0));
    }

    #[test]
    fn clock_positions() {
        assert_eq!(clock_before("at 10 ", 6).as_deref(), Some("clock_10"));
        assert_eq!(clock_before("at 2:30 ", 8).as_deref(), Some("clock_2_30"));
        assert_eq!(clock_before("at 14 ", 6), None);
    }
}
