//! Graceful shutdown: servers take a future that completes when they should stop accepting
//! work and finish what is in flight. In binaries that future is [`signal`] (SIGINT or
//! SIGTERM, what Kubernetes sends); tests pass their own.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// One shutdown signal shared by several servers of a process: each takes a
/// [`Shutdown::wait`] future, and [`Trigger::fire`] (or dropping the trigger) completes all.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

#[derive(Debug)]
pub struct Trigger(watch::Sender<bool>);

pub fn channel() -> (Trigger, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (Trigger(sender), Shutdown(receiver))
}

impl Trigger {
    pub fn fire(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.0.clone();
        async move {
            // An error means the trigger is gone: shut down too.
            let _ = receiver.wait_for(|fired| *fired).await;
        }
    }
}

/// Runs `server` to its end, except that once `stopping` completes it gets at most `grace` to
/// finish: a client holding a half-sent request open must not keep the process alive. `None`
/// when the grace ran out (the server and its connections are dropped).
pub async fn bounded<T>(
    server: impl Future<Output = T>,
    stopping: impl Future<Output = ()>,
    grace: Duration,
) -> Option<T> {
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => return Some(result),
        () = stopping => {}
    }
    match tokio::time::timeout(grace, server).await {
        Ok(result) => Some(result),
        Err(_) => {
            tracing::warn!(
                ?grace,
                "connections still open after the grace period: closing them"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_server_gets_its_grace_and_no_more() {
        let (trigger, stop) = channel();
        trigger.fire();
        let quick = bounded(async { 7 }, stop.wait(), Duration::from_secs(5)).await;
        assert_eq!(quick, Some(7));
        let stuck = bounded(
            std::future::pending::<()>(),
            stop.wait(),
            Duration::from_secs(5),
        );
        assert_eq!(stuck.await, None);
        let finishing = bounded(
            async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "done"
            },
            stop.wait(),
            Duration::from_secs(5),
        );
        assert_eq!(finishing.await, Some("done"));
    }
}
