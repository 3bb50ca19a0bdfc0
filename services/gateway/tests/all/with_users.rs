//! The gateway in front of the real users service: JSON shapes, cookies, what the metadata it
//! forwards does (the caller's token, the client address the service rate-limits by), and how
//! gRPC statuses come out. A 500 cannot be provoked from a correct service: the mapping of
//! every gRPC code, and that 5xx messages do not leak, are unit tests in `src/error.rs`; that
//! the request id goes out as metadata, one in `src/upstream.rs`.

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::helpers::{Gateway, assert_error, cookie_value, json, set_cookies};
use crate::users::{ADMIN, ADMIN_PASSWORD, PASSWORD, Users, settings};

async fn start() -> (Users, Gateway) {
    let users = Users::start().await;
    let gateway = Gateway::start(users.url.clone()).await;
    (users, gateway)
}

impl Gateway {
    fn authed(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// Registers `username` (email `username@example.com`, [`PASSWORD`]): the user.
    async fn register(&self, username: &str) -> Value {
        let response = self
            .post_json(
                "/api/v1/auth/register",
                json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": PASSWORD,
                }),
            )
            .await;
        let (status, body) = json(response).await;
        assert_eq!(status, 201, "{body}");
        body["user"].clone()
    }

    async fn login(&self, login: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            json!({ "login": login, "password": password }),
        )
        .await
    }

    /// Signs in without a second factor: the body with the tokens.
    async fn signed_in(&self, login: &str, password: &str) -> Value {
        let (status, body) = json(self.login(login, password).await).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn access(&self, login: &str, password: &str) -> String {
        text(&self.signed_in(login, password).await["access_token"])
    }

    async fn admin(&self) -> String {
        self.access(ADMIN, ADMIN_PASSWORD).await
    }

    /// An authenticated call answering 200: its body.
    async fn ok(&self, request: RequestBuilder) -> Value {
        let (status, body) = json(request.send().await.expect("sent")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The token in the newest outbox email to `to` whose subject contains `subject`.
    async fn token_from_outbox(&self, admin: &str, to: &str, subject: &str) -> String {
        let body = self
            .ok(self.authed(Method::GET, "/api/v1/admin/outbox?page_size=200", admin))
            .await;
        let email = body["emails"]
            .as_array()
            .expect("emails")
            .iter()
            .find(|email| email["to"] == to && text(&email["subject"]).contains(subject))
            .unwrap_or_else(|| panic!("no {subject:?} email to {to} in {body}"))
            .clone();
        text(&email["body"])
            .split_whitespace()
            .find(|word| word.starts_with("xev_") || word.starts_with("xpr_"))
            .unwrap_or_else(|| panic!("a token in {email}"))
            .to_owned()
    }

    /// Turns two-factor login on for the holder of `token`: the secret and the recovery codes.
    async fn enable_two_factor(&self, token: &str) -> (String, Vec<String>) {
        let enrollment = self
            .ok(self.authed(Method::POST, "/api/v1/me/2fa/enable", token))
            .await;
        let secret = text(&enrollment["secret"]);
        let body = self
            .ok(self
                .authed(Method::POST, "/api/v1/me/2fa/confirm", token)
                .json(&json!({ "code": totp_code(&secret, unix_now()) })))
            .await;
        (secret, strings(&body["recovery_codes"]))
    }
}

#[track_caller]
fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string, not {value}"))
        .to_owned()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array, not {value}"))
        .iter()
        .map(text)
        .collect()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object, not {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// RFC 3339 in UTC, as the API writes timestamps: `2025-01-31T12:00:00Z`, maybe with a
/// fraction of a second.
#[track_caller]
fn assert_timestamp(value: &Value) {
    let at = text(value);
    let bytes = at.as_bytes();
    assert!(
        at.len() >= 20
            && at.ends_with('Z')
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes[10] == b'T'
            && bytes[13] == b':'
            && bytes[16] == b':',
        "{at}"
    );
}

/// The TOTP code of `secret` at `unix` seconds, computed independently of the service.
fn totp_code(secret: &str, unix: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "t".into())
        .expect("totp")
        .generate(unix)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

const USER_FIELDS: [&str; 16] = [
    "avatar_url",
    "ban_reason",
    "banned_until",
    "bio",
    "country",
    "created_at",
    "display_name",
    "email",
    "id",
    "is_banned",
    "is_verified",
    "preferred_language",
    "role",
    "totp_enabled",
    "updated_at",
    "username",
];

/// Ready needs every service: with the users service alone, readyz names the one missing.
/// (With all of them up it answers 200: services/xcode/tests/serve.rs.)
#[tokio::test]
async fn readyz_names_the_service_that_does_not_answer() {
    let (_users, gateway) = start().await;
    let (status, body) = json(gateway.get("/readyz").await).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("xcode.problems.v1.ProblemService"),
        "{message}"
    );
}

#[tokio::test]
async fn register_answers_201_with_the_user() {
    let (_users, gateway) = start().await;
    let user = gateway.register("ada").await;
    assert_eq!(keys(&user), USER_FIELDS, "{user}");
    assert_eq!(user["username"], "ada");
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "user");
    assert_eq!(user["is_verified"], false);
    assert_eq!(user["is_banned"], false);
    assert_eq!(user["totp_enabled"], false);
    assert_eq!(user["ban_reason"], json!(null));
    assert_eq!(user["banned_until"], json!(null));
    assert_eq!(text(&user["id"]).len(), 36, "a UUID: {user}");
    assert_timestamp(&user["created_at"]);
    assert_timestamp(&user["updated_at"]);
}

#[tokio::test]
async fn grpc_statuses_become_http_errors() {
    let mut settings = settings();
    settings.auth.max_failed_logins = 2;
    settings.auth.lockout_seconds = 30;
    let users = Users::start_with(settings).await;
    let gateway = Gateway::start(users.url.clone()).await;
    let admin = gateway.admin().await;
    gateway.register("ada").await;

    // ALREADY_EXISTS and INVALID_ARGUMENT, with the service's message.
    let register = |username: &str, email: &str, password: &str| {
        gateway.post_json(
            "/api/v1/auth/register",
            json!({ "username": username, "email": email, "password": password }),
        )
    };
    let taken = register("ADA", "other@example.com", PASSWORD).await;
    let message = assert_error(taken, 409, "conflict").await;
    assert_eq!(message, "username: already taken");
    let taken = register("other", "ADA@example.com", PASSWORD).await;
    let message = assert_error(taken, 409, "conflict").await;
    assert_eq!(message, "email: already taken");
    let weak = register("other", "other@example.com", "password123").await;
    let message = assert_error(weak, 400, "invalid_argument").await;
    assert!(message.starts_with("password: too weak"), "{message}");

    // UNAUTHENTICATED, then RESOURCE_EXHAUSTED with Retry-After once the account locks.
    let message = assert_error(gateway.login("ada", "wrong").await, 401, "unauthenticated").await;
    assert_eq!(message, "wrong login or password");
    let locked = gateway.login("ada", "wrong").await;
    assert_eq!(locked.headers()["retry-after"], "30");
    assert_error(locked, 429, "rate_limited").await;

    // PERMISSION_DENIED: a banned account, and a user on an admin route.
    let grace = gateway.register("grace").await;
    let grace_token = gateway.access("grace", PASSWORD).await;
    let response = gateway
        .authed(Method::GET, "/api/v1/admin/users", &grace_token)
        .send()
        .await
        .expect("sent");
    assert_error(response, 403, "forbidden").await;
    let path = format!("/api/v1/admin/users/{}/ban", text(&grace["id"]));
    gateway
        .ok(gateway
            .authed(Method::POST, &path, &admin)
            .json(&json!({ "reason": "spam" })))
        .await;
    let message = assert_error(gateway.login("grace", PASSWORD).await, 403, "forbidden").await;
    assert!(message.contains("spam"), "{message}");

    // NOT_FOUND.
    assert_error(gateway.get("/api/v1/users/nobody").await, 404, "not_found").await;
    let response = gateway
        .authed(
            Method::POST,
            "/api/v1/admin/users/0190a5a4-8d0e-7c61-9a1e-3f5d2b6c7e80/unban",
            &admin,
        )
        .send()
        .await
        .expect("sent");
    assert_error(response, 404, "not_found").await;
    let response = gateway
        .authed(Method::POST, "/api/v1/admin/users/not-an-id/unban", &admin)
        .send()
        .await
        .expect("sent");
    assert_error(response, 400, "invalid_argument").await;

    // FAILED_PRECONDITION: confirming two-factor login that was never started.
    let response = gateway
        .authed(Method::POST, "/api/v1/me/2fa/confirm", &admin)
        .json(&json!({ "code": "000000" }))
        .send()
        .await
        .expect("sent");
    assert_error(response, 409, "failed_precondition").await;
}

#[tokio::test]
async fn login_sets_the_auth_cookies_and_returns_the_tokens() {
    let (users, gateway) = start().await;
    gateway.register("ada").await;
    let response = gateway.login("ada", PASSWORD).await;
    let cookies = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        [
            "access_expires_at",
            "access_token",
            "refresh_expires_at",
            "refresh_token",
            "user"
        ]
    );
    assert_timestamp(&body["access_expires_at"]);
    assert_timestamp(&body["refresh_expires_at"]);
    assert_eq!(body["user"]["username"], "ada");
    assert_eq!(keys(&body["user"]), USER_FIELDS);

    let header = |name: &str| {
        cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| panic!("{name} in {cookies:?}"))
    };
    let access = header("xcode_access");
    assert_eq!(
        cookie_value(&cookies, "xcode_access"),
        Some(text(&body["access_token"]))
    );
    for part in ["HttpOnly", "SameSite=Lax", "Path=/api;", "Max-Age="] {
        assert!(access.contains(part), "{part}: {access}");
    }
    assert!(!access.contains("Secure"), "cookie_secure is off: {access}");
    let refresh = header("xcode_refresh");
    assert_eq!(
        cookie_value(&cookies, "xcode_refresh"),
        Some(text(&body["refresh_token"]))
    );
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth;"] {
        assert!(refresh.contains(part), "{part}: {refresh}");
    }
    let csrf = header("xcode_csrf");
    assert!(!csrf.contains("HttpOnly"), "{csrf}");
    assert!(csrf.contains("Path=/;"), "{csrf}");
    let token = cookie_value(&cookies, "xcode_csrf").expect("a csrf token");
    assert_eq!(token.len(), 43, "32 bytes, base64url: {token}");

    // The cookies live as long as the tokens.
    let max_age = |header: &str| -> u64 {
        header
            .split("; ")
            .find_map(|part| part.strip_prefix("Max-Age="))
            .and_then(|age| age.parse().ok())
            .expect("a Max-Age")
    };
    let auth = &users.settings.auth;
    let access_age = max_age(&access);
    assert!(
        (auth.access_ttl_seconds - 2..=auth.access_ttl_seconds).contains(&access_age),
        "{access}"
    );
    assert_eq!(
        max_age(&refresh) - access_age,
        auth.refresh_ttl_seconds - auth.access_ttl_seconds
    );
    assert_eq!(max_age(&csrf), max_age(&refresh));
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let users = Users::start().await;
    let gateway = Gateway::with_settings(xcode_gateway::Settings {
        users_url: users.url.clone(),
        ..xcode_gateway::Settings::default()
    })
    .await;
    let response = gateway.login(ADMIN, ADMIN_PASSWORD).await;
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 3);
    for (name, header) in cookies {
        assert!(header.ends_with("; Secure"), "{name}: {header}");
    }
}

#[tokio::test]
async fn two_factor_login_takes_two_steps() {
    let (_users, gateway) = start().await;
    gateway.register("ada").await;
    let token = gateway.access("ada", PASSWORD).await;
    let (secret, _) = gateway.enable_two_factor(&token).await;

    let response = gateway.login("ada", PASSWORD).await;
    assert!(set_cookies(&response).is_empty());
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        ["challenge_token", "expires_at", "two_factor_required"]
    );
    assert_eq!(body["two_factor_required"], true);
    assert_timestamp(&body["expires_at"]);
    let challenge = text(&body["challenge_token"]);

    let second_step = |code: String| {
        gateway.post_json(
            "/api/v1/auth/login/2fa",
            json!({ "challenge_token": challenge, "code": code }),
        )
    };
    let response = second_step("123456".into()).await;
    assert!(set_cookies(&response).is_empty());
    assert_error(response, 401, "unauthenticated").await;
    // The confirmation spent the current step's code: the next one's.
    let response = second_step(totp_code(&secret, unix_now() + 30)).await;
    let cookies = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["totp_enabled"], true);
    assert_eq!(
        cookie_value(&cookies, "xcode_access"),
        Some(text(&body["access_token"]))
    );
}

#[tokio::test]
async fn the_token_reaches_the_service_and_the_request_id_comes_back() {
    let (_users, gateway) = start().await;
    let token = gateway.admin().await;
    let response = gateway
        .authed(Method::GET, "/api/v1/me", &token)
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "trace-me-1");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["username"], ADMIN);

    // An error from the service carries the id too; a made one is a UUID v4.
    let response = gateway
        .authed(Method::GET, "/api/v1/me", "xat_not-a-token")
        .header("x-request-id", "failing-7")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "failing-7");
    assert_error(response, 401, "unauthenticated").await;
    let response = gateway.login(ADMIN, ADMIN_PASSWORD).await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert_eq!((id.len(), id.as_bytes()[14]), (36, b'4'), "{id}");
}

/// The service counts login attempts per client address, the one the gateway forwards.
#[tokio::test]
async fn the_service_rate_limits_by_the_forwarded_client_address() {
    let mut settings = settings();
    settings.auth.logins_per_minute = 2;
    let users = Users::start_with(settings).await;
    let attempt = |gateway: &Gateway, forwarded_for: Option<&str>| {
        let mut request = gateway
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({ "login": "nobody", "password": "wrong" }));
        if let Some(forwarded_for) = forwarded_for {
            request = request.header("x-forwarded-for", forwarded_for);
        }
        request.send()
    };

    // Not trusted: the header is ignored; every attempt is 127.0.0.1's.
    let untrusting = Gateway::start(users.url.clone()).await;
    for forwarded_for in ["198.51.100.1", "198.51.100.2"] {
        let response = attempt(&untrusting, Some(forwarded_for))
            .await
            .expect("sent");
        assert_error(response, 401, "unauthenticated").await;
    }
    let response = attempt(&untrusting, Some("198.51.100.3"))
        .await
        .expect("sent");
    let message = assert_error(response, 429, "rate_limited").await;
    assert!(message.contains("this address"), "{message}");

    // Trusted: the last X-Forwarded-For address (the one our proxy appended) is the client.
    let trusting = Gateway::with_settings(xcode_gateway::Settings {
        users_url: users.url.clone(),
        trust_forwarded_for: true,
        ..xcode_gateway::Settings::default()
    })
    .await;
    for _ in 0..2 {
        let response = attempt(&trusting, Some("203.0.113.1, 198.51.100.7"))
            .await
            .expect("sent");
        assert_error(response, 401, "unauthenticated").await;
    }
    let response = attempt(&trusting, Some("198.51.100.7"))
        .await
        .expect("sent");
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_error(response, 429, "rate_limited").await;
    let response = attempt(&trusting, Some("203.0.113.1")).await.expect("sent");
    assert_error(response, 401, "unauthenticated").await;
    // Without the header: the peer, whose budget is spent.
    let response = attempt(&trusting, None).await.expect("sent");
    assert_error(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn browsers_use_the_cookies_with_the_csrf_header() {
    let (_users, gateway) = start().await;
    gateway.register("ada").await;
    let token = gateway.access("ada", PASSWORD).await;
    gateway
        .ok(gateway
            .authed(Method::PATCH, "/api/v1/me", &token)
            .json(&json!({ "display_name": "Ada Lovelace" })))
        .await;
    let login = gateway.login("ada", PASSWORD).await;
    let set = set_cookies(&login);
    let (_, tokens) = json(login).await;
    let value = |name: &str| cookie_value(&set, name).expect("the cookie");
    let csrf = value("xcode_csrf");
    let cookies = format!(
        "xcode_access={}; xcode_refresh={}; xcode_csrf={csrf}",
        value("xcode_access"),
        value("xcode_refresh")
    );

    // A read by cookie needs no CSRF header.
    let body = gateway
        .ok(gateway
            .request(Method::GET, "/api/v1/me")
            .header("cookie", &cookies))
        .await;
    assert_eq!(body["user"]["username"], "ada");

    // Only the fields sent change.
    let body = gateway
        .ok(gateway
            .request(Method::PATCH, "/api/v1/me")
            .header("cookie", &cookies)
            .header("x-csrf-token", &csrf)
            .json(&json!({ "bio": "Analyst" })))
        .await;
    assert_eq!(body["user"]["bio"], "Analyst");
    assert_eq!(body["user"]["display_name"], "Ada Lovelace");

    // Refresh by cookie renews the cookies and keeps the CSRF token other tabs use.
    let refresh = |cookies: &str| {
        gateway
            .request(Method::POST, "/api/v1/auth/refresh")
            .header("cookie", cookies)
            .header("x-csrf-token", &csrf)
            .send()
    };
    let response = refresh(&cookies).await.expect("sent");
    let renewed = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("user").is_none(), "{body}");
    assert_ne!(body["access_token"], tokens["access_token"]);
    assert_eq!(
        cookie_value(&renewed, "xcode_access"),
        Some(text(&body["access_token"]))
    );
    assert_eq!(
        cookie_value(&renewed, "xcode_refresh"),
        Some(text(&body["refresh_token"]))
    );
    assert_eq!(cookie_value(&renewed, "xcode_csrf"), Some(csrf.clone()));

    // The spent refresh cookie is refused, and cleared.
    let response = refresh(&cookies).await.expect("sent");
    let cleared = set_cookies(&response);
    assert_eq!(cleared.len(), 3, "{cleared:?}");
    assert_eq!(cookie_value(&cleared, "xcode_refresh").as_deref(), Some(""));
    assert_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn logout_clears_the_cookies() {
    let (_users, gateway) = start().await;
    let login = gateway.login(ADMIN, ADMIN_PASSWORD).await;
    let set = set_cookies(&login);
    let value = |name: &str| cookie_value(&set, name).expect("the cookie");
    let response = gateway
        .request(Method::POST, "/api/v1/auth/logout")
        .header(
            "cookie",
            format!(
                "xcode_access={}; xcode_csrf={}",
                value("xcode_access"),
                value("xcode_csrf")
            ),
        )
        .header("x-csrf-token", value("xcode_csrf"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    for (name, header) in &cookies {
        assert!(header.contains("Max-Age=0"), "{name}: {header}");
        assert_eq!(cookie_value(&cookies, name).as_deref(), Some(""));
    }
    assert!(
        cookies
            .iter()
            .any(|(_, h)| h.contains("Path=/api/v1/auth;"))
    );
    let response = gateway
        .authed(Method::GET, "/api/v1/me", &value("xcode_access"))
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthenticated").await;

    // Logout-all ends the caller's other sessions as well.
    let mut tokens = Vec::new();
    for _ in 0..3 {
        tokens.push(gateway.admin().await);
    }
    let response = gateway
        .authed(Method::POST, "/api/v1/auth/logout-all", &tokens[0])
        .send()
        .await
        .expect("sent");
    assert_eq!(set_cookies(&response).len(), 3);
    let (status, body) = json(response).await;
    assert_eq!((status, body), (200, json!({ "sessions_ended": 3 })));

    // An ended session: 401, and the browser's cookies go too.
    let response = gateway
        .authed(Method::POST, "/api/v1/auth/logout", &tokens[2])
        .send()
        .await
        .expect("sent");
    assert_eq!(set_cookies(&response).len(), 3);
    assert_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn passwords_change_and_reset() {
    let (_users, gateway) = start().await;
    let admin = gateway.admin().await;
    gateway.register("ada").await;
    let old = gateway.access("ada", PASSWORD).await;

    let change = |old_password: &str| {
        gateway
            .authed(Method::POST, "/api/v1/auth/password/change", &old)
            .json(&json!({ "old_password": old_password, "new_password": "Bernoulli numbers, note G, 1843" }))
            .send()
    };
    let response = change("wrong password").await.expect("sent");
    assert_error(response, 401, "unauthenticated").await;
    let response = change(PASSWORD).await.expect("sent");
    let cookies = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("user").is_none(), "{body}");
    let renewed = text(&body["access_token"]);
    assert_eq!(
        cookie_value(&cookies, "xcode_access"),
        Some(renewed.clone())
    );
    gateway
        .ok(gateway.authed(Method::GET, "/api/v1/me", &renewed))
        .await;
    let response = gateway
        .authed(Method::GET, "/api/v1/me", &old)
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthenticated").await;

    // Forgot and reset: 202 {} whether or not the address has an account.
    for email in ["ada@example.com", "nobody@example.com"] {
        let response = gateway
            .post_json("/api/v1/auth/password/forgot", json!({ "email": email }))
            .await;
        let (status, body) = json(response).await;
        assert_eq!((status, body), (202, json!({})));
    }
    let token = gateway
        .token_from_outbox(&admin, "ada@example.com", "Reset")
        .await;
    let response = gateway
        .post_json(
            "/api/v1/auth/password/reset",
            json!({ "token": token, "new_password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert!(response.text().await.expect("a body").is_empty());
    gateway.access("ada", PASSWORD).await;

    let response = gateway
        .post_json(
            "/api/v1/auth/resend-verification",
            json!({ "email": "ada@example.com" }),
        )
        .await;
    let (status, body) = json(response).await;
    assert_eq!((status, body), (202, json!({})));
    let token = gateway
        .token_from_outbox(&admin, "ada@example.com", "Verify")
        .await;
    let response = gateway
        .post_json("/api/v1/auth/verify-email", json!({ "token": token }))
        .await;
    let (status, body) = json(response).await;
    assert_eq!((status, &body["user"]["is_verified"]), (200, &json!(true)));
}

#[tokio::test]
async fn two_factor_settings() {
    let (_users, gateway) = start().await;
    let token = gateway.admin().await;
    let post = |path: &'static str| gateway.authed(Method::POST, path, &token);
    let body = gateway.ok(post("/api/v1/me/2fa/enable")).await;
    assert_eq!(keys(&body), ["otpauth_uri", "qr_png_base64", "secret"]);
    let secret = text(&body["secret"]);
    assert!(
        text(&body["qr_png_base64"]).starts_with("iVBORw0KGgo"),
        "a PNG, base64: {body}"
    );
    let uri = text(&body["otpauth_uri"]);
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&secret), "{uri}");

    let now = unix_now();
    let body = gateway
        .ok(post("/api/v1/me/2fa/confirm").json(&json!({ "code": totp_code(&secret, now) })))
        .await;
    assert_eq!(keys(&body), ["recovery_codes"]);
    let first = strings(&body["recovery_codes"]);
    assert_eq!(first.len(), 10);
    let body = gateway
        .ok(post("/api/v1/me/2fa/recovery-codes")
            .json(&json!({ "code": totp_code(&secret, now + 30) })))
        .await;
    let second = strings(&body["recovery_codes"]);
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|code| !first.contains(code)));

    let response = post("/api/v1/me/2fa/disable")
        .json(&json!({ "code": first[0] }))
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "unauthenticated").await;
    let response = post("/api/v1/me/2fa/disable")
        .json(&json!({ "code": second[0] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let me = gateway
        .ok(gateway.authed(Method::GET, "/api/v1/me", &token))
        .await;
    assert_eq!(me["user"]["totp_enabled"], false);
}

#[tokio::test]
async fn public_profiles() {
    let (_users, gateway) = start().await;
    gateway.register("ada").await;
    let token = gateway.access("ada", PASSWORD).await;
    let me = gateway
        .ok(gateway
            .authed(Method::PATCH, "/api/v1/me", &token)
            .json(&json!({ "display_name": "Ada Lovelace", "country": "gb" })))
        .await;
    let body = gateway
        .ok(gateway.request(Method::GET, "/api/v1/users/ADA"))
        .await;
    assert_eq!(
        body,
        json!({
            "profile": {
                "username": "ada",
                "display_name": "Ada Lovelace",
                "bio": "",
                "country": "GB",
                "avatar_url": "",
                "role": "user",
                "is_banned": false,
                "created_at": me["user"]["created_at"],
            }
        })
    );
}

#[tokio::test]
async fn administration() {
    let (_users, gateway) = start().await;
    let admin = gateway.admin().await;
    let request = |method: Method, path: &str| gateway.authed(method, path, &admin);
    let mut ids = std::collections::HashMap::new();
    for name in ["ada", "adam", "adele", "grace"] {
        let user = gateway.register(name).await;
        ids.insert(name, text(&user["id"]));
    }
    for name in ["ada", "adele", "grace"] {
        let body = gateway
            .ok(request(
                Method::POST,
                &format!("/api/v1/admin/users/{}/verify", ids[name]),
            ))
            .await;
        assert_eq!(body["user"]["is_verified"], true);
    }
    for name in ["ada", "adam", "grace"] {
        let body = gateway
            .ok(request(
                Method::POST,
                &format!("/api/v1/admin/users/{}/role", ids[name]),
            )
            .json(&json!({ "role": "setter" })))
            .await;
        assert_eq!(body["user"]["role"], "setter");
    }

    // Filters and pages reach the service.
    let list = |query: &str| {
        gateway.ok(request(
            Method::GET,
            &format!("/api/v1/admin/users?{query}"),
        ))
    };
    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|user| text(&user["username"]))
            .collect();
        names.sort_unstable();
        names
    };
    let body = list("q=ad&banned=false&verified=true&role=setter").await;
    assert_eq!(
        (names(&body), &body["total"]),
        (vec!["ada".to_owned()], &json!(1))
    );
    assert_eq!(keys(&body), ["page", "page_size", "total", "users"]);
    assert_eq!(keys(&body["users"][0]), USER_FIELDS);
    let body = list("q=ad&verified=false").await;
    assert_eq!(names(&body), ["adam"]);
    let body = list("role=setter").await;
    assert_eq!(names(&body), ["ada", "adam", "grace"]);
    let body = list("q=ad&page=2&page_size=2").await;
    assert_eq!(body["total"], 3);
    assert_eq!((&body["page"], &body["page_size"]), (&json!(2), &json!(2)));
    assert_eq!(body["users"].as_array().map(Vec::len), Some(1), "{body}");

    // Bans: until a time (any offset, answered in UTC), or until unbanned.
    let body = gateway
        .ok(request(
            Method::POST,
            &format!("/api/v1/admin/users/{}/ban", ids["adele"]),
        )
        .json(&json!({ "reason": "spam", "until": "2999-01-01T01:00:00+01:00" })))
        .await;
    assert_eq!(body["user"]["id"], ids["adele"].as_str());
    assert_eq!(body["user"]["is_banned"], true);
    assert_eq!(body["user"]["ban_reason"], "spam");
    assert_eq!(body["user"]["banned_until"], "2999-01-01T00:00:00Z");
    let body = gateway
        .ok(request(
            Method::POST,
            &format!("/api/v1/admin/users/{}/ban", ids["adam"]),
        )
        .json(&json!({ "reason": "forever" })))
        .await;
    assert_eq!(body["user"]["banned_until"], json!(null));
    assert_eq!(names(&list("q=ad&banned=true").await), ["adam", "adele"]);
    assert_eq!(names(&list("q=ad&banned=false").await), ["ada"]);
    let body = gateway
        .ok(request(
            Method::POST,
            &format!("/api/v1/admin/users/{}/unban", ids["adam"]),
        ))
        .await;
    assert_eq!(
        (&body["user"]["is_banned"], &body["user"]["ban_reason"]),
        (&json!(false), &json!(null))
    );

    let body = gateway
        .ok(request(
            Method::POST,
            &format!("/api/v1/admin/users/{}/role", ids["grace"]),
        )
        .json(&json!({ "role": "admin" })))
        .await;
    assert_eq!(body["user"]["role"], "admin");

    let response = request(
        Method::DELETE,
        &format!("/api/v1/admin/users/{}", ids["ada"]),
    )
    .send()
    .await
    .expect("sent");
    assert_eq!(response.status(), 204);
    assert_error(gateway.get("/api/v1/users/ada").await, 404, "not_found").await;

    // The audit log, by target.
    let body = gateway
        .ok(request(
            Method::GET,
            &format!("/api/v1/admin/audit?user_id={}&page=1", ids["adele"]),
        ))
        .await;
    assert_eq!(keys(&body), ["entries", "total"]);
    let entries = body["entries"].as_array().expect("entries");
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["BanUser", "VerifyUser"], "{body}");
    assert_eq!(body["total"], 2);
    let ban = &entries[0];
    assert_eq!(
        keys(ban),
        [
            "action",
            "actor_id",
            "actor_username",
            "at",
            "details",
            "id",
            "target_user_id"
        ]
    );
    assert_eq!(ban["actor_username"], ADMIN);
    assert_eq!(ban["target_user_id"], ids["adele"].as_str());
    assert_eq!(ban["details"]["reason"], "spam", "details are JSON: {ban}");
    assert!(ban["id"].is_u64(), "{ban}");
    assert_timestamp(&ban["at"]);

    // The outbox.
    let body = gateway
        .ok(request(
            Method::GET,
            "/api/v1/admin/outbox?page=1&page_size=1",
        ))
        .await;
    assert_eq!(keys(&body), ["emails", "total"]);
    assert_eq!(body["total"], 4, "one verification email per registration");
    let email = &body["emails"][0];
    assert_eq!(keys(email), ["at", "body", "id", "subject", "to"]);
    assert_eq!(email["to"], "grace@example.com", "newest first");
    assert!(text(&email["subject"]).contains("Verify"), "{email}");
    assert_timestamp(&email["at"]);
}
