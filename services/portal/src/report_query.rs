//! The query string of the program-period and audit pages (and their JSON twins), checked once:
//! window, program, cell dimensions, minimum volume and which model's reports to audit.

use chrono::{Days, NaiveDate, Utc};
use mammoflow_audit::Dimension;
use mammoflow_reports::{AuditRequest, Program, MAX_WINDOW_DAYS};
use serde::Deserialize;

use crate::error::{FieldError, PortalError};

pub use mammoflow_reports::DEFAULT_MIN_VOLUME;

/// Days a window covers when the query names no `from`.
const DEFAULT_DAYS: u64 = 30;

/// As it arrives: every field optional and text, so a bad value gets a field message instead of
/// a bare 400.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub program: Option<String>,
    /// Comma-separated dimensions (`site,model_version`).
    pub by: Option<String>,
    pub min_volume: Option<String>,
    /// A model version to audit instead of the champion.
    pub model: Option<String>,
}

impl ReportQuery {
    /// The checked request. Without `to` the window ends with `default_end` (inclusive); without
    /// `from` it covers the 30 days before `to`.
    pub fn audit_request(&self, default_end: Option<NaiveDate>) -> Result<AuditRequest, PortalError> {
        let mut errors = Vec::new();
        let date = |field: &str, value: &Option<String>, errors: &mut Vec<FieldError>| {
            value.as_deref().filter(|v| !v.trim().is_empty()).and_then(|v| {
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .map_err(|_| errors.push(FieldError::new(field, format!("{v:?} is not a date (YYYY-MM-DD)"))))
                    .ok()
            })
        };
        let to = date("to", &self.to, &mut errors)
            .unwrap_or_else(|| default_end.unwrap_or_else(|| Utc::now().date_naive()) + Days::new(1));
        let from = date("from", &self.from, &mut errors).unwrap_or(to - Days::new(DEFAULT_DAYS));
        if from >= to || (to - from).num_days() > MAX_WINDOW_DAYS {
            errors.push(FieldError::new("from", format!("the window must run forward and span at most {MAX_WINDOW_DAYS} days")));
        }
        let program = match self.program.as_deref().filter(|p| !p.is_empty()) {
            None => Program::Us,
            Some(p) => p.parse().unwrap_or_else(|e: mammoflow_reports::ReportError| {
                errors.push(FieldError::new("program", e.to_string()));
                Program::Us
            }),
        };
        let by = self
            .by
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|d| !d.trim().is_empty())
            .filter_map(|d| d.parse::<Dimension>().map_err(|e| errors.push(FieldError::new("by", e.to_string()))).ok())
            .collect();
        let min_volume = match self.min_volume.as_deref().filter(|v| !v.is_empty()) {
            None => DEFAULT_MIN_VOLUME,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new("min_volume", format!("{v:?} is not a whole number from 1 to 100000")));
                    DEFAULT_MIN_VOLUME
                }
            },
        };
        let model = self.model.as_deref().map(str::trim).filter(|m| !m.is_empty()).map(str::to_string);
        if model.as_ref().is_some_and(|m| m.len() > 128) {
            errors.push(FieldError::new("model", "at most 128 characters"));
        }
        if !errors.is_empty() {
            return Err(PortalError::Invalid(errors));
        }
        Ok(AuditRequest { from, to, by, min_volume, program, model })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> ReportQuery {
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        ReportQuery { from: get("from"), to: get("to"), program: get("program"), by: get("by"), min_volume: get("min_volume"), model: get("model") }
    }

    #[test]
    fn defaults_cover_thirty_days_to_the_given_end() {
        let end = NaiveDate::from_ymd_opt(2026, 3, 31);
        let r = q(&[]).audit_request(end).unwrap();
        assert_eq!((r.from.to_string(), r.to.to_string()), ("2026-03-02".into(), "2026-04-01".into()));
        assert_eq!((r.program, r.min_volume, r.by.len(), r.model), (Program::Us, DEFAULT_MIN_VOLUME, 0, None));
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = q(&[("from", "2026-13-01"), ("program", "mars"), ("by", "site,colour"), ("min_volume", "0")])
            .audit_request(None)
            .unwrap_err();
        let PortalError::Invalid(fields) = e else { panic!("{e}") };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["from", "program", "by", "min_volume"]);
        assert!(q(&[("from", "2026-02-01"), ("to", "2026-01-01")]).audit_request(None).is_err());
    }

    #[test]
    fn dimensions_and_model_pass_through() {
        let r = q(&[("from", "2026-01-01"), ("to", "2026-02-01"), ("by", "site, model_version"), ("program", "eu"), ("model", "demo-challenger")])
            .audit_request(None)
            .unwrap();
        assert_eq!(r.by, vec![Dimension::Site, Dimension::ModelVersion]);
        assert_eq!((r.program, r.model.as_deref()), (Program::Eu, Some("demo-challenger")));
    }
}
