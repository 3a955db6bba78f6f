use prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

/// The parser stage's own metrics; the consumer loop's (consumed, dead-lettered, lag) are the bus's.
#[derive(Debug, Clone)]
pub struct ParserMetrics {
    /// Reports by outcome: `parsed`, `human_read`, `not_generated`, `already_parsed`.
    pub reports: IntCounterVec,
    /// Time to parse one report's text.
    pub parse_seconds: Histogram,
    /// Reasons studies were sent to a full human read, by short kind.
    pub human_read_reasons: IntCounterVec,
}

impl ParserMetrics {
    /// Registers the metrics on `registry`; call once per registry (a second call fails).
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let reports = IntCounterVec::new(
            Opts::new("mammoflow_parser_reports_total", "Generated reports handled by the parser, by outcome"),
            &["outcome"],
        )?;
        let parse_seconds = Histogram::with_opts(
            HistogramOpts::new("mammoflow_parser_parse_seconds", "Parsing one AI report's text")
                .buckets(vec![0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05]),
        )?;
        let human_read_reasons = IntCounterVec::new(
            Opts::new("mammoflow_parser_human_read_reasons_total", "Reasons studies were sent to a full human read"),
            &["reason"],
        )?;
        registry.register(Box::new(reports.clone()))?;
        registry.register(Box::new(parse_seconds.clone()))?;
        registry.register(Box::new(human_read_reasons.clone()))?;
        Ok(ParserMetrics { reports, parse_seconds, human_read_reasons })
    }
}
