//! Splits a report into plain and highlighted pieces from the parser's evidence spans, so the
//! template can mark the clinical terms while escaping every piece.

use mammoflow_domain::{FindingStatus, StructuredReport};

/// A piece of report text; `mark` is the CSS class of a highlighted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub mark: Option<&'static str>,
}

/// `text` cut at the findings' evidence spans (character ranges). Overlapping or out-of-range
/// spans are skipped rather than trusted.
pub fn segments(text: &str, parsed: Option<&StructuredReport>) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<([usize; 2], &'static str)> = parsed
        .map(|p| p.findings.iter().filter_map(|f| Some((f.span?, class(f.status)))).collect())
        .unwrap_or_default();
    spans.sort_by_key(|(s, _)| (s[0], s[1]));
    let mut out = Vec::new();
    let mut at = 0;
    for ([start, end], mark) in spans {
        if start < at || start >= end || end > chars.len() {
            continue;
        }
        if start > at {
            out.push(Segment { text: chars[at..start].iter().collect(), mark: None });
        }
        out.push(Segment { text: chars[start..end].iter().collect(), mark: Some(mark) });
        at = end;
    }
    if at < chars.len() {
        out.push(Segment { text: chars[at..].iter().collect(), mark: None });
    }
    out
}

fn class(status: FindingStatus) -> &'static str {
    match status {
        FindingStatus::Positive => "positive",
        FindingStatus::Negative => "negative",
        FindingStatus::Uncertain => "uncertain",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_parsers_evidence_and_keeps_every_character() {
        let text = "Right breast: spiculated mass. No calcifications.";
        let parsed = mammorgtool::parse(text);
        let pieces = segments(text, Some(&parsed.report));
        assert_eq!(pieces.iter().map(|s| s.text.as_str()).collect::<String>(), text);
        assert!(pieces.iter().any(|s| s.mark == Some("positive") && s.text.contains("mass")), "{pieces:?}");
    }

    #[test]
    fn bad_spans_are_ignored() {
        let mut report = StructuredReport::default();
        report.findings.push(serde_json::from_value(serde_json::json!({"type": "mass", "side": null, "status": "positive", "span": [5, 500]})).expect("finding"));
        assert_eq!(segments("short", Some(&report)), vec![Segment { text: "short".into(), mark: None }]);
    }
}
