//! A gateway of the test's own on port 0, stopped when dropped.

use std::net::SocketAddr;

use reqwest::{Method, Response};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use xcode_gateway::Settings;

pub struct Gateway {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

impl Gateway {
    /// A gateway whose users service is at `users_url`.
    pub async fn start(users_url: String) -> Self {
        Self::with_settings(Settings {
            users_url,
            cookie_secure: false,
            request_timeout_seconds: 5,
            ..Settings::default()
        })
        .await
    }

    /// A gateway whose users service is not running: its port is closed.
    pub async fn without_users() -> Self {
        Self::start(format!("http://127.0.0.1:{}", closed_port())).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("port 0");
        let address = listener.local_addr().expect("an address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            xcode_gateway::run(settings, listener, shutdown)
                .await
                .expect("the gateway serves");
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Self {
            address,
            client,
            _stop: stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("a response")
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .expect("a response")
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// The response's status and JSON body.
pub async fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: not JSON ({e}; {content_type}): {text}"));
    assert!(
        content_type.starts_with("application/json"),
        "{status}: content type {content_type}"
    );
    (status, body)
}

/// Asserts an error response: status, `error.code`, and a non-empty message.
pub async fn assert_error(response: Response, status: u16, code: &str) -> String {
    let (actual, body) = json(response).await;
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("a message: {body}"));
    assert!(!message.is_empty(), "{body}");
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only `error`: {body}"
    );
    message.to_owned()
}

/// The `Set-Cookie` headers of a response, by cookie name.
pub fn set_cookies(response: &Response) -> Vec<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(|value| {
            let name = value.split('=').next().unwrap_or_default().to_owned();
            (name, value.to_owned())
        })
        .collect()
}

/// The value of cookie `name` in `Set-Cookie` headers.
pub fn cookie_value(cookies: &[(String, String)], name: &str) -> Option<String> {
    cookies.iter().find(|(n, _)| n == name).map(|(_, header)| {
        header
            .split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, value)| value.to_owned())
            .unwrap_or_default()
    })
}
