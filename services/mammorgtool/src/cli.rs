//! Library entry points of `mammoflow parse` and `mammoflow eval` (the main binary calls
//! these; this crate's own `mammorgtool` binary is a thin wrapper for testing by hand).

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::metrics::{evaluate_with, EvalError, EvalItem, EvalOptions, EvalReport, Metric};
use crate::schema::{to_mammorg, MammoRgReport};
use crate::{LexiconError, Parser, ParserConfig, DEFAULT_MAX_REPORT_BYTES};

/// Output shape of `parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputSchema {
    /// The mammoflow contract ([`crate::ParsedReport`]).
    #[default]
    Native,
    /// The official MammoRGTool shape ([`MammoRgReport`]).
    MammoRgTool,
}

#[derive(Debug, Clone)]
pub struct ParseCliOptions {
    pub schema: OutputSchema,
    /// Add each field's evidence (span, text, rule).
    pub explain: bool,
    pub max_report_bytes: usize,
}

impl Default for ParseCliOptions {
    fn default() -> Self {
        ParseCliOptions { schema: OutputSchema::Native, explain: false, max_report_bytes: DEFAULT_MAX_REPORT_BYTES }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseCliSummary {
    pub reports: usize,
    /// JSON Lines input lines that were not `{"id":..,"text":..}` objects (an error object is
    /// written in their place).
    pub bad_lines: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("{path}:{line}: {msg}")]
    Input { path: String, line: usize, msg: String },
    #[error("reference has no report with id {0}")]
    MissingId(String),
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Reads one plain-text report, or JSON Lines of `{"id": .., "text": ..}`, and writes one JSON
/// object per report.
pub fn run_parse_cli(mut input: impl BufRead, mut out: impl Write, opts: &ParseCliOptions) -> Result<ParseCliSummary, CliError> {
    let parser = Parser::with_config(ParserConfig { max_report_bytes: opts.max_report_bytes })?;
    let mut all = String::new();
    input.read_to_string(&mut all)?;
    let mut summary = ParseCliSummary::default();
    let first = all.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let jsonl = serde_json::from_str::<Value>(first.trim()).is_ok_and(|v| v.get("text").is_some());
    if !jsonl {
        write_one(&parser, Value::Null, &all, opts, &mut out)?;
        summary.reports = 1;
        return Ok(summary);
    }
    for (n, line) in all.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.get("text").is_some_and(Value::is_string) => {
                let id = v.get("id").cloned().unwrap_or(Value::Null);
                write_one(&parser, id, v["text"].as_str().unwrap_or(""), opts, &mut out)?;
                summary.reports += 1;
            }
            other => {
                let msg = match other {
                    Err(e) => e.to_string(),
                    Ok(_) => "expected an object with a string \"text\"".into(),
                };
                serde_json::to_writer(&mut out, &serde_json::json!({"line": n + 1, "error": msg}))?;
                out.write_all(b"\n")?;
                summary.bad_lines += 1;
            }
        }
    }
    Ok(summary)
}

fn write_one(parser: &Parser, id: Value, text: &str, opts: &ParseCliOptions, out: &mut impl Write) -> Result<(), CliError> {
    let parsed = parser.parse_with_id(id.clone(), text, opts.explain);
    match opts.schema {
        OutputSchema::Native => serde_json::to_writer(&mut *out, &parsed)?,
        OutputSchema::MammoRgTool => {
            let mut v = serde_json::to_value(to_mammorg(&parsed.report, id, text))?;
            if opts.explain {
                v["Evidence"] = serde_json::to_value(&parsed.evidence)?;
            }
            serde_json::to_writer(&mut *out, &v)?;
        }
    }
    out.write_all(b"\n")?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct EvalCliOptions {
    pub metrics: EvalOptions,
    /// Where to write the JSON result, besides the table on `out`.
    pub json_out: Option<PathBuf>,
}

/// Loads one JSON Lines file of reports in any accepted form: `{"id", "text"}` (parsed on the
/// fly), a parsed report or simulator truth (`birads`/`findings` keys), or the official
/// MammoRGTool shape (`Breast_assessment`).
pub fn load_eval_items(path: &Path, parser: &Parser) -> Result<Vec<EvalItem>, CliError> {
    let text = std::fs::read_to_string(path)?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |msg: String| CliError::Input { path: path.display().to_string(), line: n + 1, msg };
        let v: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        items.push(item_from_json(v, parser).map_err(bad)?);
    }
    Ok(items)
}

fn item_from_json(v: Value, parser: &Parser) -> Result<EvalItem, String> {
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    let text = v.get("text").and_then(Value::as_str).map(str::to_string);
    if v.get("Breast_assessment").is_some() {
        let m: MammoRgReport = serde_json::from_value(v).map_err(|e| e.to_string())?;
        let text = text.or_else(|| (!m.text.is_empty()).then(|| m.text.clone()));
        return Ok(EvalItem { id, text, structured: m });
    }
    if v.get("birads").is_some() || v.get("findings").is_some() {
        let r: mammoflow_domain::StructuredReport = serde_json::from_value(v).map_err(|e| e.to_string())?;
        let structured = to_mammorg(&r, id.clone(), text.as_deref().unwrap_or(""));
        return Ok(EvalItem { id, text, structured });
    }
    let Some(t) = text else { return Err("no text, structured report or MammoRGTool object".into()) };
    let parsed = parser.parse(&t);
    Ok(EvalItem { id: id.clone(), structured: to_mammorg(&parsed.report, id, &t), text: Some(t) })
}

/// `mammoflow eval --pred P --ref R`: pairs by id when every line has one, else by line.
pub fn run_eval_cli(pred_path: &Path, ref_path: &Path, mut out: impl Write, opts: &EvalCliOptions) -> Result<EvalReport, CliError> {
    let parser = Parser::new()?;
    let pred = load_eval_items(pred_path, &parser)?;
    let refs = load_eval_items(ref_path, &parser)?;
    let by_id = pred.iter().chain(&refs).all(|i| !i.id.is_null());
    let refs = if by_id {
        let mut index: HashMap<String, EvalItem> = refs.into_iter().map(|i| (i.id.to_string(), i)).collect();
        pred.iter().map(|p| index.remove(&p.id.to_string()).ok_or_else(|| CliError::MissingId(p.id.to_string()))).collect::<Result<Vec<_>, _>>()?
    } else {
        refs
    };
    let report = evaluate_with(&pred, &refs, &opts.metrics)?;
    write_table(&report, &mut out)?;
    if let Some(p) = &opts.json_out {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(report)
}

fn write_table(r: &EvalReport, out: &mut impl Write) -> std::io::Result<()> {
    let fmt = |x: Option<f64>| x.map_or("   n/a".to_string(), |v| format!("{v:6.4}"));
    writeln!(out, "reports: {}   seed: {}   versions: {}", r.n_reports, r.seed, r.metric_versions.join(", "))?;
    writeln!(out, "{:<28} {:>7} {:>7} {:>7}", "metric", "value", "ci_low", "ci_high")?;
    let rows: [(&str, Option<Metric>); 9] = [
        ("density_f1", Some(r.density_f1)),
        ("birads_f1", Some(r.birads_f1)),
        ("finding_f1 (v2026-04)", Some(r.finding_f1)),
        ("relation_f1 (v2026-04)", Some(r.relation_f1)),
        ("finding_f1 (v2026-08)", Some(r.finding_f1_v2026_08)),
        ("relation_f1 (v2026-08)", Some(r.relation_f1_v2026_08)),
        ("bleu1", r.bleu1),
        ("bleu4", r.bleu4),
        ("rouge_l", r.rouge_l),
    ];
    for (name, m) in rows {
        if let Some(m) = m {
            writeln!(out, "{name:<28} {} {} {}", fmt(m.value), fmt(m.ci_low), fmt(m.ci_high))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_gives_one_line_and_jsonl_one_per_report() {
        let mut out = Vec::new();
        let s = run_parse_cli("Impression: BI-RADS 2.".as_bytes(), &mut out, &ParseCliOptions::default()).expect("runs");
        assert_eq!(s.reports, 1);
        let v: Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["birads"]["overall"], "2");

        let input = "{\"id\": 7, \"text\": \"BI-RADS 4A right.\"}\nnot json\n{\"id\": \"b\", \"text\": \"BI-RADS 1\"}\n";
        let mut out = Vec::new();
        let opts = ParseCliOptions { schema: OutputSchema::MammoRgTool, explain: true, ..Default::default() };
        let s = run_parse_cli(input.as_bytes(), &mut out, &opts).expect("runs");
        assert_eq!((s.reports, s.bad_lines), (2, 1));
        let lines: Vec<Value> = String::from_utf8_lossy(&out).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        assert_eq!(lines[0]["id"], 7);
        assert_eq!(lines[0]["Breast_assessment"]["Right_breast"]["BI-RADS"], "BI-RADS 4A");
        assert!(lines[0]["Evidence"].as_array().is_some_and(|a| !a.is_empty()));
        assert_eq!(lines[1]["line"], 2);
    }
}
