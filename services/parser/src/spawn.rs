use crate::{ParserArgs, ParserHandler, ParserMetrics};
use mammoflow_runtime::Platform;
use mammorgtool::LexiconError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Starts `parser_workers` consumer loops of the parser group on `platform`, sharing one compiled
/// lexicon. `metrics` are registered once per process (see [`ParserMetrics::register`]), so the
/// stage can be restarted. Fails only if the lexicon cannot be compiled.
pub fn spawn_parser(
    platform: &Platform,
    args: &ParserArgs,
    metrics: &ParserMetrics,
    shutdown: &CancellationToken,
) -> Result<Vec<JoinHandle<()>>, LexiconError> {
    let handler = ParserHandler::new(&args.config(), metrics.clone())?;
    Ok((0..args.parser_workers.max(1))
        .map(|worker| platform.spawn_consumer(&format!("parser-{worker}"), handler.clone(), shutdown.clone()))
        .collect())
}
