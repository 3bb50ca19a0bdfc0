//! What the gateway decides on its own, with the users service unreachable: health, metrics,
//! request ids, JSON errors for unreadable requests, CSRF, and 503 when a call cannot be made.

use reqwest::Method;
use serde_json::json;
use xcode_gateway::Settings;

use crate::helpers::{Gateway, assert_error, closed_port, json};

#[tokio::test]
async fn healthz_is_ok_while_the_process_lives() {
    let gateway = Gateway::without_users().await;
    let (status, body) = json(gateway.get("/healthz").await).await;
    assert_eq!((status, body), (200, json!({ "status": "ok" })));
}

#[tokio::test]
async fn readyz_is_503_when_the_users_service_is_unreachable() {
    let gateway = Gateway::without_users().await;
    assert_error(gateway.get("/readyz").await, 503, "unavailable").await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let gateway = Gateway::without_users().await;
    assert_eq!(gateway.get("/healthz").await.status(), 200);
    assert_eq!(gateway.get("/api/v1/users/someone").await.status(), 503);
    let response = gateway.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
    );
    let text = response.text().await.expect("a body");
    let has = |needle: &str| text.lines().any(|line| line.contains(needle));
    assert!(has("xcode_gateway_http_requests_total{"), "{text}");
    assert!(
        has(r#"route="/healthz""#) && has(r#"status="200""#),
        "{text}"
    );
    assert!(has(r#"route="/api/v1/users/{username}""#), "{text}");
    assert!(!has("someone"), "raw paths are not labels: {text}");
    assert!(
        has("xcode_gateway_http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let gateway = Gateway::without_users().await;
    for path in ["/nope", "/api/v1/nope", "/api/v2/me", "/api/v1/me/extra"] {
        assert_error(gateway.get(path).await, 404, "not_found").await;
    }
}

#[tokio::test]
async fn wrong_methods_are_json_405() {
    let gateway = Gateway::without_users().await;
    assert_error(
        gateway.get("/api/v1/auth/login").await,
        405,
        "method_not_allowed",
    )
    .await;
    let response = gateway
        .request(Method::DELETE, "/api/v1/me")
        .send()
        .await
        .expect("a response");
    assert_error(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn unreadable_bodies_are_400_invalid_request() {
    let gateway = Gateway::without_users().await;
    let send = |body: &'static str, content_type: &'static str| {
        gateway
            .request(Method::POST, "/api/v1/auth/login")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let malformed = send("{\"login\": ", "application/json")
        .await
        .expect("sent");
    assert_error(malformed, 400, "invalid_request").await;

    let missing = send(r#"{"login": "ada"}"#, "application/json")
        .await
        .expect("sent");
    let message = assert_error(missing, 400, "invalid_request").await;
    assert!(message.contains("password"), "{message}");

    let wrong_type = send(r#"{"login": 1, "password": "x"}"#, "application/json")
        .await
        .expect("sent");
    assert_error(wrong_type, 400, "invalid_request").await;

    let unknown_field = send(
        r#"{"login": "ada", "password": "x", "remember": true}"#,
        "application/json",
    )
    .await
    .expect("sent");
    let message = assert_error(unknown_field, 400, "invalid_request").await;
    assert!(message.contains("remember"), "{message}");

    let not_json = send(r#"{"login": "ada", "password": "x"}"#, "text/plain")
        .await
        .expect("sent");
    let message = assert_error(not_json, 400, "invalid_request").await;
    assert!(message.contains("application/json"), "{message}");

    let no_body = gateway
        .request(Method::POST, "/api/v1/auth/register")
        .send()
        .await
        .expect("sent");
    assert_error(no_body, 400, "invalid_request").await;
}

#[tokio::test]
async fn unknown_query_values_are_400_invalid_request() {
    let gateway = Gateway::without_users().await;
    for query in [
        "banned=maybe",
        "verified=1",
        "role=root",
        "page=first",
        "page_size=-5",
        "sort=name",
    ] {
        let response = gateway
            .request(Method::GET, &format!("/api/v1/admin/users?{query}"))
            .bearer_auth("token")
            .send()
            .await
            .expect("sent");
        assert_error(response, 400, "invalid_request").await;
    }
    // Blank values are "not given", so this one reaches the (unreachable) service.
    let response = gateway
        .request(
            Method::GET,
            "/api/v1/admin/users?q=&banned=&verified=&role=&page=&page_size=",
        )
        .bearer_auth("token")
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;

    let response = gateway
        .request(Method::POST, "/api/v1/admin/users/some-id/ban")
        .bearer_auth("token")
        .json(&json!({ "reason": "spam", "until": "next tuesday" }))
        .send()
        .await
        .expect("sent");
    let message = assert_error(response, 400, "invalid_request").await;
    assert!(message.contains("until"), "{message}");

    let response = gateway
        .request(Method::POST, "/api/v1/admin/users/some-id/role")
        .bearer_auth("token")
        .json(&json!({ "role": "root" }))
        .send()
        .await
        .expect("sent");
    assert_error(response, 400, "invalid_request").await;
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let gateway = Gateway::without_users().await;
    let password = "x".repeat(64 * 1024);
    let response = gateway
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "ada", "password": password }),
        )
        .await;
    let message = assert_error(response, 413, "payload_too_large").await;
    assert!(message.contains("65536"), "{message}");

    let small = Gateway::with_settings(Settings {
        users_url: format!("http://127.0.0.1:{}", closed_port()),
        max_body_bytes: 100,
        ..Settings::default()
    })
    .await;
    let response = small
        .request(Method::POST, "/api/v1/auth/refresh")
        .header("content-type", "application/json")
        .body(format!(r#"{{"refresh_token": "{}"}}"#, "r".repeat(200)))
        .send()
        .await
        .expect("sent");
    assert_error(response, 413, "payload_too_large").await;
    // Just under the limit is read (and then fails on the unreachable service).
    let response = small
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "a", "password": "b" }),
        )
        .await;
    assert_error(response, 503, "unavailable").await;
}

#[tokio::test]
async fn calls_to_an_unreachable_service_are_503() {
    let gateway = Gateway::without_users().await;
    let response = gateway
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "ada", "email": "ada@example.com", "password": "correct horse battery" }),
        )
        .await;
    let message = assert_error(response, 503, "unavailable").await;
    assert!(!message.contains("127.0.0.1"), "no internals: {message}");

    let response = gateway
        .request(Method::GET, "/api/v1/me")
        .bearer_auth("token")
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;
}

#[tokio::test]
async fn authenticated_routes_need_credentials() {
    let gateway = Gateway::without_users().await;
    assert_error(gateway.get("/api/v1/me").await, 401, "unauthenticated").await;
    let response = gateway
        .request(Method::GET, "/api/v1/me")
        .header("authorization", "Basic YWRhOnB3")
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthenticated").await;
    let response = gateway
        .request(Method::POST, "/api/v1/auth/refresh")
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn cookie_authenticated_writes_need_the_csrf_header() {
    let gateway = Gateway::without_users().await;
    let cookies = "xcode_access=tok; xcode_refresh=ref; xcode_csrf=the-csrf-token";
    let post = |path: &'static str| {
        gateway
            .request(Method::POST, path)
            .header("cookie", cookies)
    };

    let response = post("/api/v1/auth/logout").send().await.expect("sent");
    assert_error(response, 403, "csrf").await;
    let response = post("/api/v1/auth/logout")
        .header("x-csrf-token", "a-guess")
        .send()
        .await
        .expect("sent");
    assert_error(response, 403, "csrf").await;
    let response = gateway
        .request(Method::PATCH, "/api/v1/me")
        .header("cookie", cookies)
        .json(&json!({ "bio": "hi" }))
        .send()
        .await
        .expect("sent");
    assert_error(response, 403, "csrf").await;
    let response = gateway
        .request(Method::DELETE, "/api/v1/admin/users/some-id")
        .header("cookie", cookies)
        .send()
        .await
        .expect("sent");
    assert_error(response, 403, "csrf").await;
    // The refresh cookie is a credential too.
    let response = post("/api/v1/auth/refresh").send().await.expect("sent");
    assert_error(response, 403, "csrf").await;
    // Without the csrf cookie no header can match.
    let response = gateway
        .request(Method::POST, "/api/v1/auth/logout")
        .header("cookie", "xcode_access=tok")
        .header("x-csrf-token", "")
        .send()
        .await
        .expect("sent");
    assert_error(response, 403, "csrf").await;

    // A matching header passes the check (then the service is unreachable).
    let response = post("/api/v1/auth/logout")
        .header("x-csrf-token", "the-csrf-token")
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;
    let response = post("/api/v1/auth/refresh")
        .header("x-csrf-token", "the-csrf-token")
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;
    // Reads need no header.
    let response = gateway
        .request(Method::GET, "/api/v1/me")
        .header("cookie", cookies)
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;
    // A Bearer header is no cookie credential: no CSRF check.
    let response = post("/api/v1/auth/logout")
        .bearer_auth("tok")
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;
    // Nor is a refresh token in the body.
    let response = post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": "ref" }))
        .send()
        .await
        .expect("sent");
    assert_error(response, 503, "unavailable").await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let gateway = Gateway::without_users().await;
    let response = gateway
        .request(Method::GET, "/healthz")
        .header("x-request-id", "client-chosen-42")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "client-chosen-42");

    let made = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .expect("ASCII")
            .to_owned()
    };
    let first = made(&gateway.get("/healthz").await);
    let second = made(&gateway.get("/nope").await);
    for id in [&first, &second] {
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.as_bytes()[14], b'4', "a UUID v4: {id}");
    }
    assert_ne!(first, second);

    // Errors carry it too.
    let response = gateway
        .request(Method::GET, "/api/v1/me")
        .header("x-request-id", "failing-7")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "failing-7");
}

#[tokio::test]
async fn a_bad_users_url_fails_at_startup() {
    let settings = Settings {
        users_url: "not a url".into(),
        ..Settings::default()
    };
    assert!(xcode_gateway::app(&settings).is_err());
}
