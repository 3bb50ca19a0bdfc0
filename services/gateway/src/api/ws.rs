//! `GET /api/v1/ws`: live submission events over a WebSocket. The client sends
//! `{"subscribe": "submission", "id": "..."}` (and `{"unsubscribe": "submission", "id": ...}`);
//! the server sends that submission's state (`snapshot`), then each event as it happens, the
//! last being `finished`. A client that reconnects subscribes again and gets the current state.
//! Authentication as for HTTP (the `xcode_access` cookie or `Authorization`); anonymous
//! watchers see verdicts, not sources.

use std::collections::HashMap;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use xcode_proto::judge::v1 as jpb;

use crate::AppState;
use crate::api::judge::{submission_json, test_json};
use crate::auth::{Context, MaybeAuthenticated};
use crate::error::ApiError;
use crate::upstream;

/// Subscriptions one socket may hold at once.
const MAX_SUBSCRIPTIONS: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Command {
    subscribe: Option<String>,
    unsubscribe: Option<String>,
    id: String,
}

pub(crate) async fn ws(
    State(state): State<AppState>,
    MaybeAuthenticated(mut context): MaybeAuthenticated,
    headers: axum::http::HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // Browsers send cookies with a WebSocket handshake from any site, and CSRF tokens do not
    // apply: a cookie is only honoured from this site's own pages (cross-site WebSocket
    // hijacking would otherwise read a victim's sources).
    if !headers.contains_key(axum::http::header::AUTHORIZATION) && !same_origin(&headers) {
        context.access_token = None;
    }
    upgrade
        .max_message_size(16 << 10)
        .on_upgrade(move |socket| session(state, context, socket))
}

async fn session(state: AppState, context: Context, socket: WebSocket) {
    metrics::gauge!("xcode_gateway_websockets").increment(1.0);
    let (mut sink, mut incoming) = socket.split();
    let (out, mut outgoing) = mpsc::channel::<Value>(256);
    let writer = tokio::spawn(async move {
        while let Some(value) = outgoing.recv().await {
            if sink.send(Message::text(value.to_string())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut subscriptions: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    while let Some(Ok(message)) = incoming.next().await {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => break,
            _ => continue,
        };
        let command: Command = match serde_json::from_str(text.as_str()) {
            Ok(command) => command,
            Err(err) => {
                let _ = out
                    .send(error_json(
                        None,
                        "invalid_request",
                        &format!(
                            "expected {{\"subscribe\": \"submission\", \"id\": \"...\"}}: {err}"
                        ),
                    ))
                    .await;
                continue;
            }
        };
        subscriptions.retain(|_, task| !task.is_finished());
        match (command.subscribe.as_deref(), command.unsubscribe.as_deref()) {
            (Some("submission"), None) => {
                if subscriptions.contains_key(&command.id) {
                    continue;
                }
                if subscriptions.len() >= MAX_SUBSCRIPTIONS {
                    let _ = out
                        .send(error_json(
                            Some(&command.id),
                            "rate_limited",
                            &format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"),
                        ))
                        .await;
                    continue;
                }
                let task = tokio::spawn(follow(
                    state.clone(),
                    context.clone(),
                    command.id.clone(),
                    out.clone(),
                ));
                subscriptions.insert(command.id, task);
            }
            (None, Some("submission")) => {
                if let Some(task) = subscriptions.remove(&command.id) {
                    task.abort();
                }
            }
            _ => {
                let _ = out
                    .send(error_json(
                        Some(&command.id),
                        "invalid_request",
                        "subscribe or unsubscribe, to \"submission\"",
                    ))
                    .await;
            }
        }
    }
    for task in subscriptions.into_values() {
        task.abort();
    }
    drop(out);
    let _ = writer.await;
    metrics::gauge!("xcode_gateway_websockets").decrement(1.0);
}

/// No `Origin` (not a browser), or an `Origin` whose host is the `Host` the request came to.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|host| host.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host))
}

fn error_json(id: Option<&str>, code: &str, message: &str) -> Value {
    json!({ "type": "error", "id": id, "error": { "code": code, "message": message } })
}

/// Follows one submission until it is finished, sending its events as JSON.
async fn follow(state: AppState, context: Context, id: String, out: mpsc::Sender<Value>) {
    let request = match upstream::request(
        &context,
        jpb::StreamSubmissionRequest { id: id.clone() },
        None,
    ) {
        Ok(request) => request,
        Err(err) => {
            let _ = out
                .send(error_json(Some(&id), err.code, &err.message))
                .await;
            return;
        }
    };
    let mut stream = match state.execution.clone().stream_submission(request).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            let err = ApiError::from(status);
            let _ = out
                .send(error_json(Some(&id), err.code, &err.message))
                .await;
            return;
        }
    };
    loop {
        match stream.message().await {
            Ok(Some(response)) => {
                let Some(event) = response.event else {
                    continue;
                };
                let (value, last) = event_json(&event);
                if out.send(value).await.is_err() || last {
                    return;
                }
            }
            Ok(None) => return,
            Err(status) => {
                let err = ApiError::from(status);
                let _ = out
                    .send(error_json(Some(&id), err.code, &err.message))
                    .await;
                return;
            }
        }
    }
}

/// An event as JSON, and whether it is the last.
pub(crate) fn event_json(event: &jpb::SubmissionEvent) -> (Value, bool) {
    use jpb::submission_event::Event;
    let base = |kind: &str| {
        json!({
            "type": kind,
            "submission_id": event.submission_id,
            "sequence": event.sequence,
            "at": event.at.as_ref().map(crate::model::rfc3339),
        })
    };
    let mut value;
    let mut last = false;
    match &event.event {
        Some(Event::Snapshot(submission)) => {
            value = base("snapshot");
            value["submission"] = submission_json(submission);
            last = submission.status == i32::from(jpb::SubmissionStatus::Done);
        }
        Some(Event::Queued(queued)) => {
            value = base("queued");
            value["position"] = json!(queued.position);
        }
        Some(Event::Compiling(_)) => value = base("compiling"),
        Some(Event::Compiled(compiled)) => {
            value = base("compiled");
            value["ok"] = json!(compiled.ok);
            value["output"] = json!(compiled.output);
            value["cached"] = json!(compiled.cached);
            value["compile_ms"] = json!(compiled.compile_ms);
        }
        Some(Event::Test(test)) => {
            value = base("test");
            value["test"] = test_json(test);
        }
        Some(Event::Finished(submission)) => {
            value = base("finished");
            value["submission"] = submission_json(submission);
            last = true;
        }
        None => value = base("unknown"),
    }
    (value, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_count_only_from_this_site() {
        let headers = |origin: Option<&str>| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert("host", "judge.example:8080".parse().expect("a header"));
            if let Some(origin) = origin {
                headers.insert("origin", origin.parse().expect("a header"));
            }
            headers
        };
        assert!(same_origin(&headers(None)));
        assert!(same_origin(&headers(Some("https://judge.example:8080"))));
        assert!(!same_origin(&headers(Some("https://evil.example"))));
        assert!(!same_origin(&headers(Some("null"))));
    }
}
