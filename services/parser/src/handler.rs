use crate::metrics::ParserMetrics;
use crate::outcome::{not_generated_event, parse_generated};
use crate::reasons::HumanReadReason;
use mammoflow_bus::{Handler, HandlerError, MessageMeta};
use mammoflow_events::{Envelope, Event, GenerationOutcome, NotGeneratedKind, ReportGenerated, ReportParsed};
use mammoflow_store::parsed_reports::{insert_for_ai_report, AiParseInsert, NewParse};
use mammoflow_store::studies::{update_status, StudyStatus};
use mammoflow_store::{outbox, Tx};
use mammorgtool::{LexiconError, Parser, ParserConfig, PARSER_VERSION};
use std::sync::Arc;
use std::time::Instant;

/// Kafka consumer group (and inbox scope) of the parser stage.
pub const CONSUMER_GROUP: &str = "mammoflow-parser";
/// The `producer` of the events this stage emits.
pub const PRODUCER: &str = "parser";
/// Default BI-RADS confidence below which a study goes to a full human read.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.5;

#[derive(Debug, Clone)]
pub struct ParseConfig {
    /// Longer report texts are stored unparsed, with a warning, and go to a human read.
    pub max_report_bytes: usize,
    /// See [`crate::human_read_reasons`].
    pub min_confidence: f32,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig { max_report_bytes: ReportGenerated::MAX_TEXT_BYTES, min_confidence: DEFAULT_MIN_CONFIDENCE }
    }
}

#[derive(Debug, Clone)]
pub struct ParserHandler {
    /// Compiled once and shared by every consumer loop (it is `Sync`).
    parser: Arc<Parser>,
    min_confidence: f32,
    metrics: ParserMetrics,
}

impl ParserHandler {
    /// Compiles the lexicon; fails only if its automaton cannot be built.
    pub fn new(config: &ParseConfig, metrics: ParserMetrics) -> Result<Self, LexiconError> {
        let parser = Parser::with_config(ParserConfig { max_report_bytes: config.max_report_bytes })?;
        Ok(ParserHandler { parser: Arc::new(parser), min_confidence: config.min_confidence, metrics })
    }

    async fn handle_generated(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<ReportGenerated>,
        text: &str,
        malignancy_probability: Option<f32>,
    ) -> Result<(), HandlerError> {
        let generated = &envelope.payload;
        let uid = generated.study_instance_uid.as_str();
        let model = generated.model.version.as_str();
        // Parsed inline: linear in the text, ~10 µs for a typical report and a few ms at the size
        // limit, less than handing it to a blocking thread would cost.
        let started = Instant::now();
        let outcome = parse_generated(&self.parser, text, self.min_confidence);
        self.metrics.parse_seconds.observe(started.elapsed().as_secs_f64());

        let warnings = outcome
            .warnings_json()
            .map_err(|e| HandlerError::permanent("encode", format!("parser warnings of study {uid}: {e}")))?;
        let parse = NewParse {
            parser_version: PARSER_VERSION,
            structured: &outcome.parsed.report,
            warnings: &warnings,
            confidence: outcome.confidence,
        };
        match insert_for_ai_report(tx, uid, model, &parse).await? {
            AiParseInsert::Inserted(_) => {}
            AiParseInsert::AlreadyParsed => {
                // Another report.generated for a report already parsed by this parser version:
                // the first one was stored and emitted; repeating it would double the event.
                tracing::info!(study = uid, model, event = %envelope.event_id, "report already parsed; nothing changed");
                self.metrics.reports.with_label_values(&["already_parsed"]).inc();
                return Ok(());
            }
            AiParseInsert::NoAiReport => {
                // Inference stores the report in the transaction that queues this event, so a
                // missing one is an event that contradicts the database: retrying cannot help.
                return Err(HandlerError::permanent(
                    "no_ai_report",
                    format!("study {uid} has no stored (non-shadow) report from model {model} to attach the parse to"),
                ));
            }
        }

        let status_reason = outcome
            .needs_human_read()
            .then(|| outcome.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "));
        // The AI report references the study, so it exists; false would mean it vanished.
        if !update_status(&mut **tx, uid, StudyStatus::Parsed, status_reason.as_deref()).await? {
            return Err(HandlerError::permanent("no_study", format!("study {uid} is not stored")));
        }
        enqueue(tx, envelope, outcome.event(generated, malignancy_probability)).await?;
        if outcome.needs_human_read() {
            self.metrics.reports.with_label_values(&["human_read"]).inc();
            self.count_reasons(&outcome.reasons);
            tracing::warn!(study = uid, model, reasons = status_reason.as_deref().unwrap_or(""),
                "AI report stored; study routed to a full human read");
        } else {
            self.metrics.reports.with_label_values(&["parsed"]).inc();
        }
        Ok(())
    }

    async fn handle_not_generated(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<ReportGenerated>,
        kind: NotGeneratedKind,
        reason: &str,
    ) -> Result<(), HandlerError> {
        // Nothing to parse or store; the inference stage already set the study's status and
        // reason. Triage still needs the event to put the study on a human-read queue.
        let (event, reason) = not_generated_event(&envelope.payload, kind, reason);
        enqueue(tx, envelope, event).await?;
        self.metrics.reports.with_label_values(&["not_generated"]).inc();
        self.count_reasons(std::slice::from_ref(&reason));
        tracing::info!(study = envelope.payload.study_instance_uid.as_str(), %reason,
            "no AI report; passed on for a full human read");
        Ok(())
    }

    fn count_reasons(&self, reasons: &[HumanReadReason]) {
        for reason in reasons {
            self.metrics.human_read_reasons.with_label_values(&[reason.kind.as_str()]).inc();
        }
    }
}

/// Queues `parsed` in the handler's transaction, in the correlation chain of `cause`.
async fn enqueue(tx: &mut Tx<'_>, cause: &Envelope<ReportGenerated>, parsed: ReportParsed) -> Result<(), HandlerError> {
    let out = Envelope::caused_by(cause, PRODUCER, parsed);
    outbox::enqueue(tx, &ReportParsed::topic(), out.key(), out.event_id, &out.to_json_bytes()).await?;
    Ok(())
}

impl Handler for ParserHandler {
    type Event = ReportGenerated;

    fn consumer_group(&self) -> &str {
        CONSUMER_GROUP
    }

    async fn handle(
        &self,
        tx: &mut Tx<'_>,
        envelope: &Envelope<ReportGenerated>,
        _meta: &MessageMeta,
    ) -> Result<(), HandlerError> {
        match &envelope.payload.outcome {
            GenerationOutcome::Generated { text, malignancy_probability, .. } => {
                self.handle_generated(tx, envelope, text, *malignancy_probability).await
            }
            GenerationOutcome::NotGenerated { kind, reason } => {
                self.handle_not_generated(tx, envelope, *kind, reason).await
            }
        }
    }
}
