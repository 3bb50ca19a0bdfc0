//! Submission events on the bus: `xcode.judge.events.v1.<submission_id>`, protobuf
//! `SubmissionEvent` payloads.

use bytes::Bytes;
use prost::Message as _;
use xcode_kit::bus::Bus;
use xcode_proto::judge::v1::SubmissionEvent;

pub const SUBJECT_PREFIX: &str = "xcode.judge.events.v1.";

pub fn subject(submission_id: &str) -> String {
    format!("{SUBJECT_PREFIX}{submission_id}")
}

/// Publishes an event; a bus that is down only costs live watchers their live view (the
/// stored state is the truth, and streams poll it when quiet).
pub async fn publish(bus: &dyn Bus, event: &SubmissionEvent) {
    let mut event = event.clone();
    event.at = Some(crate::convert::timestamp(crate::convert::now_ms()));
    let payload = Bytes::from(event.encode_to_vec());
    if let Err(err) = bus.publish(&subject(&event.submission_id), payload).await {
        tracing::warn!(error = %err, submission = event.submission_id, "event not published");
    }
}

pub fn decode(payload: &[u8]) -> Option<SubmissionEvent> {
    SubmissionEvent::decode(payload).ok()
}
