//! `xcode watch ID`: follows a submission's verdicts live over the gateway's WebSocket
//! (`/api/v1/ws`), one line per event, until the final verdict. A small client of the public
//! API, as any other would be.

use anyhow::{Context as _, bail};
use clap::Args;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The submission's id (from `POST /api/v1/submissions`).
    id: String,
    /// Where the gateway listens.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An access token (to see your source and compile output); also $XCODE_TOKEN.
    #[arg(long, env = "XCODE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the events as JSON lines, as they arrive.
    #[arg(long)]
    json: bool,
}

pub fn watch(args: WatchArgs) -> anyhow::Result<bool> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(follow(args))
}

async fn follow(args: WatchArgs) -> anyhow::Result<bool> {
    let base = args.url.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}/api/v1/ws")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}/api/v1/ws")
    } else {
        bail!("--url must start with http:// or https://");
    };
    let mut request = ws.clone().into_client_request()?;
    if let Some(token) = &args.token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .with_context(|| format!("connecting to {ws}"))?;
    socket
        .send(Message::text(
            json!({ "subscribe": "submission", "id": args.id }).to_string(),
        ))
        .await?;
    while let Some(message) = socket.next().await {
        let Message::Text(text) = message? else {
            continue;
        };
        let event: Value = serde_json::from_str(text.as_str())?;
        if args.json {
            println!("{event}");
        } else {
            println!("{}", describe(&event));
            if event["type"] == "snapshot" && event["submission"]["status"] == "done" {
                // Judged before we connected: its tests and verdict, as the live events
                // would have shown them.
                let submission = &event["submission"];
                for test in submission["tests"].as_array().into_iter().flatten() {
                    println!(
                        "{}",
                        describe(&serde_json::json!({"type": "test", "test": test}))
                    );
                }
                println!(
                    "{}",
                    describe(&serde_json::json!({"type": "finished", "submission": submission}))
                );
            }
        }
        match event["type"].as_str() {
            Some("error") => return Ok(false),
            Some("finished") => return Ok(true),
            Some("snapshot") if event["submission"]["status"] == "done" => return Ok(true),
            _ => {}
        }
    }
    bail!("the server closed the connection before the verdict")
}

/// One line for a person.
fn describe(event: &Value) -> String {
    let submission = &event["submission"];
    let verdict = |submission: &Value| {
        let mut line = submission["verdict"].as_str().unwrap_or("-").to_owned();
        if let (Some(score), Some(max)) = (
            submission["score"].as_f64(),
            submission["max_score"].as_f64(),
        ) {
            line.push_str(&format!(" {score}/{max}"));
        }
        line
    };
    match event["type"].as_str().unwrap_or("") {
        "snapshot" => format!(
            "{} {} {} on {}: {} ({} tests judged so far)",
            submission["id"].as_str().unwrap_or(""),
            submission["user"].as_str().unwrap_or(""),
            submission["language"].as_str().unwrap_or(""),
            submission["problem"].as_str().unwrap_or(""),
            submission["status"].as_str().unwrap_or(""),
            submission["tests"].as_array().map_or(0, Vec::len),
        ),
        "queued" => "queued".into(),
        "compiling" => "compiling".into(),
        "compiled" => format!(
            "compiled{} in {} ms{}",
            if event["ok"] == true {
                ""
            } else {
                " with errors"
            },
            event["compile_ms"],
            if event["cached"] == true {
                " (cached)"
            } else {
                ""
            }
        ),
        "test" => {
            let test = &event["test"];
            format!(
                "test {:>3} {:<24} {:<4} {:>6} ms {:>8} KiB",
                test["index"].as_u64().unwrap_or(0) + 1,
                test["name"].as_str().unwrap_or(""),
                test["verdict"].as_str().unwrap_or(""),
                test["time_ms"],
                test["memory_bytes"].as_u64().unwrap_or(0) / 1024,
            )
        }
        "finished" => format!("verdict {}", verdict(submission)),
        "error" => format!(
            "error: {}",
            event["error"]["message"].as_str().unwrap_or("unknown")
        ),
        other => format!("{other}: {event}"),
    }
}
