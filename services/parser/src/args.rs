use crate::ParseConfig;
use clap::Args;
use mammoflow_events::ReportGenerated;

/// The parser stage's settings; each flag has an environment variable.
#[derive(Debug, Clone, Args)]
pub struct ParserArgs {
    /// Longest AI report text the parser reads; a longer one is stored unparsed, with a warning,
    /// and goes to a full human read.
    #[arg(long, env = "MAMMOFLOW_MAX_REPORT_BYTES", default_value_t = ReportGenerated::MAX_TEXT_BYTES)]
    pub max_report_bytes: usize,
    /// Confidence (0-1) of the parsed BI-RADS assessment below which the study goes to a full
    /// human read.
    #[arg(long, env = "MAMMOFLOW_MIN_PARSE_CONFIDENCE", default_value_t = crate::DEFAULT_MIN_CONFIDENCE,
          value_parser = unit_interval)]
    pub min_parse_confidence: f32,
    /// Consumer loops of the parser group in this process (at most the topic's partitions help).
    #[arg(long, env = "MAMMOFLOW_PARSER_WORKERS", default_value_t = 2)]
    pub parser_workers: usize,
}

impl ParserArgs {
    pub fn config(&self) -> ParseConfig {
        ParseConfig { max_report_bytes: self.max_report_bytes, min_confidence: self.min_parse_confidence }
    }
}

fn unit_interval(s: &str) -> Result<f32, String> {
    let value: f32 = s.parse().map_err(|e| format!("{s:?} is not a number: {e}"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is outside 0-1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        parser: ParserArgs,
    }

    #[test]
    fn defaults_and_bounds() {
        let cli = Cli::try_parse_from(["x"]);
        assert!(matches!(&cli, Ok(c) if c.parser.max_report_bytes == 64 * 1024
            && c.parser.min_parse_confidence == 0.5 && c.parser.parser_workers == 2), "{cli:?}");
        assert!(Cli::try_parse_from(["x", "--min-parse-confidence", "1.5"]).is_err());
        assert!(Cli::try_parse_from(["x", "--min-parse-confidence", "nan"]).is_err());
        let cli = Cli::try_parse_from(["x", "--min-parse-confidence", "0.7", "--max-report-bytes", "100"]);
        assert!(matches!(&cli, Ok(c) if c.parser.config().min_confidence == 0.7
            && c.parser.config().max_report_bytes == 100), "{cli:?}");
    }
}
