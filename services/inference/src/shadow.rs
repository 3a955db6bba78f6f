//! Storing a challenger's report in shadow: the report and, in the same transaction, its parse
//! by the same parser and rules as the parser stage. No event announces a shadow report, so the
//! parser stage never sees it; parsing here lets the audit judge the challenger on the same
//! exams as the champion (`mammoflow audit --model VERSION`).

use std::sync::Arc;

use mammoflow_parser::{parse_generated, DEFAULT_MIN_CONFIDENCE};
use mammoflow_store::ai_reports;
use mammoflow_store::parsed_reports::{insert_for_shadow_report, NewParse};
use mammoflow_store::{StoreError, Tx};
use mammorgtool::{LexiconError, Parser, PARSER_VERSION};

use crate::handler::stored_report;
use crate::model::LoadedModel;
use crate::run::StudyGeneration;

#[derive(Debug, thiserror::Error)]
pub enum ShadowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("encoding the shadow report of study {uid}: {source}")]
    Encode { uid: String, source: serde_json::Error },
}

/// Writes shadow reports with their parse.
#[derive(Debug, Clone)]
pub struct ShadowStore {
    parser: Arc<Parser>,
}

impl ShadowStore {
    pub fn new() -> Result<Self, LexiconError> {
        Ok(ShadowStore { parser: Arc::new(Parser::new()?) })
    }

    /// Stores `study`'s report by `model` for `uid` in shadow with its parse; `false` when this
    /// model had already reported on the study (nothing changed).
    pub async fn store(&self, tx: &mut Tx<'_>, uid: &str, model: &LoadedModel, study: &StudyGeneration) -> Result<bool, ShadowError> {
        let encode = |source| ShadowError::Encode { uid: uid.to_string(), source };
        let report = stored_report(uid, model, study, None).map_err(encode)?;
        if ai_reports::insert(tx, &report).await?.is_none() {
            return Ok(false);
        }
        let outcome = parse_generated(&self.parser, &study.text, DEFAULT_MIN_CONFIDENCE);
        let warnings = outcome.warnings_json().map_err(encode)?;
        let parse = NewParse { parser_version: PARSER_VERSION, structured: &outcome.parsed.report, warnings: &warnings, confidence: outcome.confidence };
        insert_for_shadow_report(tx, uid, &model.reference.version, &parse).await?;
        Ok(true)
    }
}
