//! Events between services: publish on a subject, subscribe to subjects (NATS wildcards: `*`
//! one token, `>` the rest). Delivery is at most once, as NATS core's: a subscriber that is
//! not there, or too slow, misses messages. Work that must not be lost (judge jobs) goes
//! through a durable queue, which comes with the judge service (issue 6).
//!
//! Two implementations behave the same (one test suite, `tests/bus.rs`): [`InProcessBus`] (the
//! one-process default) and [`Nats`]. Subjects are dot-separated tokens of printable ASCII
//! without spaces, `*` or `>` (which only subscriptions use, as whole tokens).

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::mpsc;

/// Messages a subscriber may fall behind by before it misses some (in-process bus).
pub const SUBSCRIBER_BUFFER: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub payload: Bytes,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("invalid subject `{subject}`: {reason}")]
    InvalidSubject {
        subject: String,
        reason: &'static str,
    },
    #[error("bus: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait Bus: Send + Sync + fmt::Debug {
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<(), BusError>;
    /// Messages published from now on to subjects matching `pattern`, in the order each
    /// publisher published them. Dropping the subscription ends it.
    async fn subscribe(&self, pattern: &str) -> Result<Subscription, BusError>;
}

/// A stream of [`Message`]s.
pub struct Subscription(Pin<Box<dyn Stream<Item = Message> + Send>>);

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Subscription")
    }
}

impl Subscription {
    /// The next message; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<Message> {
        std::future::poll_fn(|cx| self.0.as_mut().poll_next(cx)).await
    }
}

impl Stream for Subscription {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.0.as_mut().poll_next(cx)
    }
}

/// Checks a subject (`wildcards` false) or a subscription pattern.
fn check(subject: &str, wildcards: bool) -> Result<(), BusError> {
    let invalid = |reason| {
        Err(BusError::InvalidSubject {
            subject: subject.to_owned(),
            reason,
        })
    };
    if subject.is_empty() {
        return invalid("empty");
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return invalid("an empty token");
        }
        if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return invalid("spaces or characters outside printable ASCII");
        }
        let wildcard = *token == "*" || *token == ">";
        if !wildcard && token.contains(['*', '>']) {
            return invalid("`*` and `>` only as whole tokens");
        }
        if wildcard && !wildcards {
            return invalid("wildcards only in subscriptions");
        }
        if *token == ">" && i + 1 != tokens.len() {
            return invalid("`>` only as the last token");
        }
    }
    Ok(())
}

/// Whether `subject` matches `pattern` (both checked).
fn matches(pattern: &str, subject: &str) -> bool {
    let mut subject_tokens = subject.split('.');
    for token in pattern.split('.') {
        match (token, subject_tokens.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (token, Some(other)) if token == other => {}
            _ => return false,
        }
    }
    subject_tokens.next().is_none()
}

// ------------------------------------------------------------------------------------------

/// The in-process bus: subscribers in this process, each with a bounded buffer
/// ([`SUBSCRIBER_BUFFER`]); a subscriber whose buffer is full misses the message.
#[derive(Clone, Default)]
pub struct InProcessBus(Arc<Mutex<Vec<Subscriber>>>);

/// A subscription's pattern and where its messages go.
type Subscriber = (String, mpsc::Sender<Message>);

impl InProcessBus {
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for InProcessBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subscribers = self.0.lock().map_or(0, |list| list.len());
        f.debug_struct("InProcessBus")
            .field("subscribers", &subscribers)
            .finish()
    }
}

#[async_trait::async_trait]
impl Bus for InProcessBus {
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<(), BusError> {
        check(subject, false)?;
        let mut subscribers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        subscribers.retain(|(_, sender)| !sender.is_closed());
        for (pattern, sender) in subscribers.iter() {
            if matches(pattern, subject) {
                // Full: this subscriber misses it, as a slow NATS consumer would.
                let _ = sender.try_send(Message {
                    subject: subject.to_owned(),
                    payload: payload.clone(),
                });
            }
        }
        Ok(())
    }

    async fn subscribe(&self, pattern: &str) -> Result<Subscription, BusError> {
        check(pattern, true)?;
        let (sender, receiver) = mpsc::channel(SUBSCRIBER_BUFFER);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((pattern.to_owned(), sender));
        Ok(Subscription(Box::pin(ReceiverStream(receiver))))
    }
}

struct ReceiverStream(mpsc::Receiver<Message>);

impl Stream for ReceiverStream {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.0.poll_recv(cx)
    }
}

// ------------------------------------------------------------------------------------------

/// NATS core over `async-nats`, which reconnects by itself and subscribes again after a
/// reconnection (messages published while a subscriber is disconnected are missed).
#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
}

impl fmt::Debug for Nats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nats")
            .field("state", &self.client.connection_state())
            .finish()
    }
}

impl Nats {
    /// Connects to `url` (`nats://host:port`), retrying in the background if the server is
    /// not there yet: a service starts while NATS restarts.
    pub async fn connect(url: &str) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(url)
            .await
            .map_err(|e| BusError::Unavailable(format!("cannot connect to {url}: {e}")))?;
        Ok(Self { client })
    }

    /// The connection, for what core publish/subscribe does not cover (JetStream).
    pub fn client(&self) -> async_nats::Client {
        self.client.clone()
    }

    /// Waits until everything published so far reached the server.
    pub async fn flush(&self) -> Result<(), BusError> {
        self.client
            .flush()
            .await
            .map_err(|e| BusError::Unavailable(e.to_string()))
    }
}

#[async_trait::async_trait]
impl Bus for Nats {
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<(), BusError> {
        check(subject, false)?;
        self.client
            .publish(subject.to_owned(), payload)
            .await
            .map_err(|e| BusError::Unavailable(e.to_string()))
    }

    async fn subscribe(&self, pattern: &str) -> Result<Subscription, BusError> {
        check(pattern, true)?;
        let subscriber = self
            .client
            .subscribe(pattern.to_owned())
            .await
            .map_err(|e| BusError::Unavailable(e.to_string()))?;
        // The server must know of the subscription before `subscribe` returns, as in-process:
        // a message published right after it is delivered.
        self.flush().await?;
        Ok(Subscription(Box::pin(NatsStream(subscriber))))
    }
}

struct NatsStream(async_nats::Subscriber);

impl Stream for NatsStream {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        Pin::new(&mut self.0).poll_next(cx).map(|message| {
            message.map(|message| Message {
                subject: message.subject.to_string(),
                payload: message.payload,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_patterns() {
        assert!(check("xcode.judge.events.v1.42", false).is_ok());
        assert!(check("xcode.*.events.>", true).is_ok());
        for bad in ["", "a..b", ".a", "a.", "a b", "a.*", "a.>", "é"] {
            assert!(check(bad, false).is_err(), "{bad:?}");
        }
        for bad in ["a.>.b", "a*.b", "a.b>", "x y"] {
            assert!(check(bad, true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wildcards_match_as_nats_does() {
        assert!(matches("a.b.c", "a.b.c"));
        assert!(!matches("a.b.c", "a.b"));
        assert!(!matches("a.b", "a.b.c"));
        assert!(matches("a.*.c", "a.x.c"));
        assert!(!matches("a.*.c", "a.x.y.c"));
        assert!(matches("a.>", "a.b"));
        assert!(matches("a.>", "a.b.c.d"));
        assert!(!matches("a.>", "a"));
        assert!(matches(">", "anything.at.all"));
        assert!(matches("*", "one"));
        assert!(!matches("*", "one.two"));
    }
}
