//! The judge's work queue: submissions waiting for a worker. On NATS it is the JetStream
//! work-queue stream `XCODE_JUDGE` (subject `xcode.judge.jobs.v1`) with one durable pull
//! consumer that every worker pulls from, so each job goes to one worker; in process it is a
//! channel with the same rules. In both a job that is not acked (its worker died, or gave it
//! back) is delivered again, and the same submission queued twice within the duplicate window
//! is queued once.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer, stream};
use futures::StreamExt as _;
use tokio::sync::mpsc;

pub const STREAM: &str = "XCODE_JUDGE";
pub const SUBJECT: &str = "xcode.judge.jobs.v1";
pub const CONSUMER: &str = "judge-workers";

/// How often a worker judging a job tells the queue it is alive: well within the shortest
/// ack wait a deployment would configure.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// Deliveries of one job before it is given up (the submission then ends as IE).
pub const MAX_DELIVER: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the judge queue is unavailable: {0}")]
    Unavailable(String),
    #[error("the judge queue is closed")]
    Closed,
}

/// A job as a worker holds it.
pub struct Job {
    pub submission_id: String,
    /// 1 for the first delivery.
    pub delivered: u64,
    handle: Handle,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("submission_id", &self.submission_id)
            .field("delivered", &self.delivered)
            .finish()
    }
}

enum Handle {
    Nats(Box<jetstream::Message>),
    Local(Option<LocalAck>),
}

impl Job {
    /// Done with it: it is not delivered again.
    pub async fn ack(mut self) -> Result<(), QueueError> {
        match &mut self.handle {
            Handle::Nats(message) => message.double_ack().await.map_err(unavailable),
            Handle::Local(ack) => {
                if let Some(ack) = ack.take() {
                    ack.done();
                }
                Ok(())
            }
        }
    }

    /// Still working on it: resets the redelivery timer.
    pub async fn progress(&self) -> Result<(), QueueError> {
        match &self.handle {
            Handle::Nats(message) => message
                .ack_with(AckKind::Progress)
                .await
                .map_err(unavailable),
            Handle::Local(_) => Ok(()),
        }
    }

    /// Gives it back, to be delivered again after `delay`.
    pub async fn retry(mut self, delay: Duration) -> Result<(), QueueError> {
        match &mut self.handle {
            Handle::Nats(message) => message
                .ack_with(AckKind::Nak(Some(delay)))
                .await
                .map_err(unavailable),
            Handle::Local(ack) => {
                if let Some(ack) = ack.take() {
                    ack.redeliver_after(delay);
                }
                Ok(())
            }
        }
    }
}

fn unavailable(error: impl fmt::Display) -> QueueError {
    QueueError::Unavailable(error.to_string())
}

#[async_trait::async_trait]
pub trait JobQueue: Send + Sync + fmt::Debug {
    /// `nats` or `in-process`.
    fn backend(&self) -> &'static str;
    /// Queues a judging of `submission_id`; `key` tells judgings of one submission apart (a
    /// rejudge is a new one), the same key twice is queued once.
    async fn enqueue(&self, submission_id: &str, key: &str) -> Result<(), QueueError>;
    /// The next job, waiting up to `wait`; `None` when none came.
    async fn next(&self, wait: Duration) -> Result<Option<Job>, QueueError>;
    /// Jobs waiting, when known.
    async fn depth(&self) -> Option<u64>;
}

// ---- NATS JetStream ----

#[derive(Clone)]
pub struct NatsQueue {
    context: jetstream::Context,
    consumer: consumer::PullConsumer,
    subject: String,
}

impl fmt::Debug for NatsQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsQueue").finish_non_exhaustive()
    }
}

impl NatsQueue {
    /// The stream and its consumer, created when missing.
    /// `ack_wait`: how long a worker may hold a job without a sign of life before it goes to
    /// another worker. An existing consumer is updated to it.
    /// `namespace` (letters, digits, `_`) keeps deployments sharing one NATS apart: stream
    /// `XCODE_JUDGE_<NAMESPACE>` on `<namespace>.xcode.judge.jobs.v1`; empty: the names above.
    pub async fn open(
        client: async_nats::Client,
        ack_wait: Duration,
        namespace: &str,
    ) -> Result<Self, QueueError> {
        if !namespace
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(QueueError::Unavailable(format!(
                "nats_namespace {namespace:?}: letters, digits and `_` only"
            )));
        }
        let (name, subject) = if namespace.is_empty() {
            (STREAM.to_owned(), SUBJECT.to_owned())
        } else {
            (
                format!("{STREAM}_{}", namespace.to_ascii_uppercase()),
                format!("{namespace}.{SUBJECT}"),
            )
        };
        let context = jetstream::new(client);
        let stream = context
            .get_or_create_stream(stream::Config {
                name,
                subjects: vec![subject.clone()],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                duplicate_window: Duration::from_secs(120),
                ..stream::Config::default()
            })
            .await
            .map_err(unavailable)?;
        let consumer = stream
            .create_consumer(consumer::pull::Config {
                durable_name: Some(CONSUMER.into()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                max_deliver: i64::try_from(MAX_DELIVER + 1).unwrap_or(i64::MAX),
                ..consumer::pull::Config::default()
            })
            .await
            .map_err(unavailable)?;
        Ok(Self {
            context,
            consumer,
            subject,
        })
    }
}

#[async_trait::async_trait]
impl JobQueue for NatsQueue {
    fn backend(&self) -> &'static str {
        "nats"
    }

    async fn enqueue(&self, submission_id: &str, key: &str) -> Result<(), QueueError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", key);
        let ack = self
            .context
            .publish_with_headers(
                self.subject.clone(),
                headers,
                submission_id.to_owned().into(),
            )
            .await
            .map_err(unavailable)?;
        tokio::time::timeout(Duration::from_secs(5), ack)
            .await
            .map_err(|_| QueueError::Unavailable("no acknowledgement from JetStream".into()))?
            .map_err(unavailable)?;
        Ok(())
    }

    async fn next(&self, wait: Duration) -> Result<Option<Job>, QueueError> {
        let mut batch = self
            .consumer
            .fetch()
            .max_messages(1)
            .expires(wait)
            .messages()
            .await
            .map_err(unavailable)?;
        match batch.next().await {
            None => Ok(None),
            Some(Err(err)) => Err(unavailable(err)),
            Some(Ok(message)) => {
                let delivered = message
                    .info()
                    .map_or(1, |info| u64::try_from(info.delivered).unwrap_or(1));
                let submission_id = String::from_utf8_lossy(&message.payload).into_owned();
                Ok(Some(Job {
                    submission_id,
                    delivered,
                    handle: Handle::Nats(Box::new(message)),
                }))
            }
        }
    }

    async fn depth(&self) -> Option<u64> {
        let mut consumer = self.consumer.clone();
        let info = consumer.info().await.ok()?;
        Some(info.num_pending + u64::try_from(info.num_ack_pending).unwrap_or(0))
    }
}

// ---- In process ----

/// The embedded queue: the same delivery rules as JetStream's work queue in one process.
#[derive(Debug, Clone)]
pub struct LocalQueue(Arc<Local>);

#[derive(Debug)]
struct Local {
    sender: mpsc::UnboundedSender<(String, String, u64)>,
    receiver: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, String, u64)>>,
    /// Keys queued or held: the same key again is a duplicate.
    keys: Mutex<HashSet<String>>,
}

struct LocalAck {
    queue: Arc<Local>,
    submission_id: String,
    key: String,
    delivered: u64,
    finished: bool,
}

impl LocalAck {
    fn done(mut self) {
        self.finished = true;
        lock(&self.queue.keys).remove(&self.key);
    }

    fn redeliver_after(mut self, delay: Duration) {
        self.finished = true;
        let queue = Arc::clone(&self.queue);
        let job = (
            std::mem::take(&mut self.submission_id),
            std::mem::take(&mut self.key),
            self.delivered,
        );
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = queue.sender.send(job);
        });
    }
}

impl Drop for LocalAck {
    /// A job dropped unacked (its worker panicked or stopped) is delivered again.
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.queue.sender.send((
                std::mem::take(&mut self.submission_id),
                std::mem::take(&mut self.key),
                self.delivered,
            ));
        }
    }
}

impl Default for LocalQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalQueue {
    pub fn new() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Self(Arc::new(Local {
            sender,
            receiver: tokio::sync::Mutex::new(receiver),
            keys: Mutex::new(HashSet::new()),
        }))
    }
}

#[async_trait::async_trait]
impl JobQueue for LocalQueue {
    fn backend(&self) -> &'static str {
        "in-process"
    }

    async fn enqueue(&self, submission_id: &str, key: &str) -> Result<(), QueueError> {
        if !lock(&self.0.keys).insert(key.to_owned()) {
            return Ok(());
        }
        self.0
            .sender
            .send((submission_id.to_owned(), key.to_owned(), 0))
            .map_err(|_| QueueError::Closed)?;
        Ok(())
    }

    async fn next(&self, wait: Duration) -> Result<Option<Job>, QueueError> {
        let received =
            tokio::time::timeout(wait, async { self.0.receiver.lock().await.recv().await }).await;
        match received {
            Err(_) => Ok(None),
            Ok(None) => Err(QueueError::Closed),
            Ok(Some((submission_id, key, delivered))) => Ok(Some(Job {
                submission_id: submission_id.clone(),
                delivered: delivered + 1,
                handle: Handle::Local(Some(LocalAck {
                    queue: Arc::clone(&self.0),
                    submission_id,
                    key,
                    delivered: delivered + 1,
                    finished: false,
                })),
            })),
        }
    }

    async fn depth(&self) -> Option<u64> {
        Some(lock(&self.0.keys).len() as u64)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_queue_redelivers_what_was_not_acked_and_drops_duplicates() {
        let queue = LocalQueue::new();
        queue.enqueue("a", "a.1").await.expect("enqueue");
        queue.enqueue("a", "a.1").await.expect("duplicate");
        let job = queue
            .next(Duration::from_secs(1))
            .await
            .expect("ok")
            .expect("a job");
        assert_eq!((job.submission_id.as_str(), job.delivered), ("a", 1));
        drop(job);
        let job = queue
            .next(Duration::from_secs(1))
            .await
            .expect("ok")
            .expect("again");
        assert_eq!((job.submission_id.as_str(), job.delivered), ("a", 2));
        job.ack().await.expect("ack");
        assert!(
            queue
                .next(Duration::from_millis(50))
                .await
                .expect("ok")
                .is_none()
        );
        queue
            .enqueue("a", "a.1")
            .await
            .expect("after ack a key is new again");
        assert!(
            queue
                .next(Duration::from_secs(1))
                .await
                .expect("ok")
                .is_some()
        );
    }
}
