use tokio_util::sync::CancellationToken;

/// A token cancelled on SIGTERM or ctrl-c. Services finish the message in hand, commit, exit.
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM; ctrl-c only");
                    let _ = ctrl_c.await;
                    trigger.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => tracing::info!("ctrl-c: shutting down"),
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        trigger.cancel();
    });
    token
}
