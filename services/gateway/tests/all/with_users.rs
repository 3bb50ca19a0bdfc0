//! The gateway in front of a users service (the in-test mock): JSON shapes, cookies, the
//! metadata it forwards, and how gRPC statuses come out.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Gateway, assert_error, cookie_value, json, set_cookies};
use crate::mock_users::{Mock, Running};

async fn start() -> (Running, Gateway) {
    let users = Mock::start().await;
    let gateway = Gateway::start(users.url.clone()).await;
    (users, gateway)
}

#[tokio::test]
async fn readyz_is_200_when_the_users_service_serves() {
    let (_users, gateway) = start().await;
    let (status, body) = json(gateway.get("/readyz").await).await;
    assert_eq!((status, body), (200, json!({ "status": "ready" })));
}

#[tokio::test]
async fn register_answers_201_with_the_user() {
    let (_users, gateway) = start().await;
    let response = gateway
        .post_json(
            "/api/v1/auth/register",
            json!({ "username": "ada", "email": "ada@example.com", "password": "pw" }),
        )
        .await;
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let user = &body["user"];
    assert_eq!(user["username"], "ada");
    assert_eq!(user["role"], "user");
    assert_eq!(user["is_verified"], false);
    assert_eq!(user["ban_reason"], json!(null));
    assert_eq!(user["banned_until"], json!(null));
    assert_eq!(user["created_at"], "2023-11-14T22:13:20Z");
    for field in [
        "id",
        "email",
        "display_name",
        "bio",
        "country",
        "avatar_url",
        "preferred_language",
        "is_banned",
        "totp_enabled",
        "updated_at",
    ] {
        assert!(user.get(field).is_some(), "{field} in {user}");
    }
}

#[tokio::test]
async fn grpc_statuses_become_http_errors() {
    let (_users, gateway) = start().await;
    let register = |username: &'static str| {
        gateway.post_json(
            "/api/v1/auth/register",
            json!({ "username": username, "email": "x@example.com", "password": "pw" }),
        )
    };
    let message = assert_error(register("taken").await, 409, "conflict").await;
    assert_eq!(message, "username is taken");
    let message = assert_error(register("weak").await, 400, "invalid_argument").await;
    assert_eq!(message, "password: too weak");
    let message = assert_error(register("crash").await, 500, "internal").await;
    assert!(!message.contains("10.1.2.3"), "leaked: {message}");

    let login = |login: &'static str| {
        gateway.post_json(
            "/api/v1/auth/login",
            json!({ "login": login, "password": "wrong" }),
        )
    };
    assert_error(login("ada").await, 401, "unauthenticated").await;
    assert_error(login("banned").await, 403, "forbidden").await;
    let limited = login("spammer").await;
    assert_eq!(limited.headers()["retry-after"], "30");
    assert_error(limited, 429, "rate_limited").await;

    assert_error(gateway.get("/api/v1/users/nobody").await, 404, "not_found").await;
    let response = gateway
        .request(Method::POST, "/api/v1/me/2fa/confirm")
        .bearer_auth("good")
        .json(&json!({ "code": "000000" }))
        .send()
        .await
        .expect("sent");
    assert_error(response, 409, "failed_precondition").await;
    // UNIMPLEMENTED is the service's fault, not the client's.
    let response = gateway
        .request(Method::POST, "/api/v1/admin/users/x/verify")
        .bearer_auth("good")
        .send()
        .await
        .expect("sent");
    assert_error(response, 500, "internal").await;
}

#[tokio::test]
async fn login_sets_the_auth_cookies_and_returns_the_tokens() {
    let (_users, gateway) = start().await;
    let response = gateway
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "ada", "password": "right" }),
        )
        .await;
    let cookies = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], "access-1");
    assert_eq!(body["refresh_token"], "refresh-1");
    assert_eq!(body["access_expires_at"], "2100-01-01T00:00:00Z");
    assert_eq!(body["refresh_expires_at"], "2100-01-02T00:00:00Z");
    assert_eq!(body["user"]["username"], "ada");

    let header = |name: &str| {
        cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| panic!("{name} in {cookies:?}"))
    };
    let access = header("xcode_access");
    assert!(access.starts_with("xcode_access=access-1;"), "{access}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/api;", "Max-Age="] {
        assert!(access.contains(part), "{part}: {access}");
    }
    assert!(!access.contains("Secure"), "cookie_secure is off: {access}");
    let refresh = header("xcode_refresh");
    assert!(refresh.starts_with("xcode_refresh=refresh-1;"), "{refresh}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth;"] {
        assert!(refresh.contains(part), "{part}: {refresh}");
    }
    let csrf = header("xcode_csrf");
    assert!(!csrf.contains("HttpOnly"), "{csrf}");
    assert!(csrf.contains("Path=/;"), "{csrf}");
    let token = cookie_value(&cookies, "xcode_csrf").expect("a csrf token");
    assert_eq!(token.len(), 43, "32 bytes, base64url: {token}");

    // The refresh cookie lasts longer than the access cookie.
    let max_age = |header: &str| -> i64 {
        header
            .split("; ")
            .find_map(|part| part.strip_prefix("Max-Age="))
            .and_then(|age| age.parse().ok())
            .expect("a Max-Age")
    };
    assert!(max_age(&access) > 0);
    assert_eq!(max_age(&refresh) - max_age(&access), 86_400);
}

#[tokio::test]
async fn secure_cookies_when_configured() {
    let users = Mock::start().await;
    let gateway = Gateway::with_settings(xcode_gateway::Settings {
        users_url: users.url.clone(),
        ..xcode_gateway::Settings::default()
    })
    .await;
    let response = gateway
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "ada", "password": "right" }),
        )
        .await;
    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 3);
    for (name, header) in cookies {
        assert!(header.ends_with("; Secure"), "{name}: {header}");
    }
}

#[tokio::test]
async fn two_factor_login_takes_two_steps() {
    let (_users, gateway) = start().await;
    let response = gateway
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "two-factor", "password": "right" }),
        )
        .await;
    assert!(set_cookies(&response).is_empty());
    let (status, body) = json(response).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "two_factor_required": true,
            "challenge_token": "challenge-1",
            "expires_at": "2100-01-01T00:00:00Z",
        })
    );
    let response = gateway
        .post_json(
            "/api/v1/auth/login/2fa",
            json!({ "challenge_token": "challenge-1", "code": "123456" }),
        )
        .await;
    let cookies = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], "access-2fa");
    assert_eq!(body["user"]["totp_enabled"], true);
    assert_eq!(
        cookie_value(&cookies, "xcode_access").as_deref(),
        Some("access-2fa")
    );
}

#[tokio::test]
async fn metadata_reaches_the_service() {
    let (users, gateway) = start().await;
    let response = gateway
        .request(Method::GET, "/api/v1/me")
        .bearer_auth("good")
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["username"], "ada");
    let call = users.mock.last("GetMe");
    assert_eq!(call.authorization.as_deref(), Some("Bearer good"));
    assert_eq!(call.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(call.request_id.as_deref(), Some("trace-me-1"));

    // A generated request id is forwarded as well, the same one the client gets back.
    let response = gateway
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "ada", "password": "right" }),
        )
        .await;
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let call = users.mock.last("Login");
    assert_eq!(call.request_id.as_deref(), Some(id.as_str()));
    assert_eq!(call.authorization, None, "login is anonymous");
}

#[tokio::test]
async fn forwarded_for_is_used_only_when_trusted() {
    let users = Mock::start().await;
    let untrusting = Gateway::start(users.url.clone()).await;
    untrusting
        .request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({ "login": "ada", "password": "right" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        users.mock.last("Login").client_ip.as_deref(),
        Some("127.0.0.1")
    );

    let trusting = Gateway::with_settings(xcode_gateway::Settings {
        users_url: users.url.clone(),
        trust_forwarded_for: true,
        ..xcode_gateway::Settings::default()
    })
    .await;
    trusting
        .request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", "203.0.113.1, 198.51.100.7")
        .json(&json!({ "login": "ada", "password": "right" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        users.mock.last("Login").client_ip.as_deref(),
        Some("198.51.100.7")
    );
}

#[tokio::test]
async fn browsers_use_the_cookies_with_the_csrf_header() {
    let (users, gateway) = start().await;
    let cookies = "xcode_access=good; xcode_refresh=refresh-1; xcode_csrf=csrf-1";

    // A read by cookie needs no CSRF header.
    let response = gateway
        .request(Method::GET, "/api/v1/me")
        .header("cookie", cookies)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        users.mock.last("GetMe").authorization.as_deref(),
        Some("Bearer good")
    );

    let response = gateway
        .request(Method::PATCH, "/api/v1/me")
        .header("cookie", cookies)
        .header("x-csrf-token", "csrf-1")
        .json(&json!({ "bio": "Analyst" }))
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!((status, &body["user"]["bio"]), (200, &json!("Analyst")));
    let call = users.mock.last("UpdateProfile");
    assert!(
        call.request.contains(r#"bio: Some("Analyst")"#),
        "{}",
        call.request
    );
    assert!(
        call.request.contains("display_name: None"),
        "{}",
        call.request
    );

    // Refresh by cookie renews the cookies and keeps the CSRF token other tabs use.
    let response = gateway
        .request(Method::POST, "/api/v1/auth/refresh")
        .header("cookie", cookies)
        .header("x-csrf-token", "csrf-1")
        .send()
        .await
        .expect("sent");
    let set = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], "access-2");
    assert!(body.get("user").is_none(), "{body}");
    assert_eq!(
        cookie_value(&set, "xcode_access").as_deref(),
        Some("access-2")
    );
    assert_eq!(cookie_value(&set, "xcode_csrf").as_deref(), Some("csrf-1"));
    assert!(
        users
            .mock
            .last("Refresh")
            .request
            .contains("refresh_token: \"refresh-1\"")
    );

    // A spent refresh cookie is cleared.
    let response = gateway
        .request(Method::POST, "/api/v1/auth/refresh")
        .header("cookie", "xcode_refresh=refresh-0; xcode_csrf=csrf-1")
        .header("x-csrf-token", "csrf-1")
        .send()
        .await
        .expect("sent");
    let set = set_cookies(&response);
    assert_eq!(cookie_value(&set, "xcode_refresh").as_deref(), Some(""));
    assert_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn logout_clears_the_cookies() {
    let (_users, gateway) = start().await;
    let response = gateway
        .request(Method::POST, "/api/v1/auth/logout")
        .header("cookie", "xcode_access=good; xcode_csrf=c")
        .header("x-csrf-token", "c")
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
        .request(Method::POST, "/api/v1/auth/logout-all")
        .bearer_auth("good")
        .send()
        .await
        .expect("sent");
    assert_eq!(set_cookies(&response).len(), 3);
    let (status, body) = json(response).await;
    assert_eq!((status, body), (200, json!({ "sessions_ended": 3 })));

    // An expired session: 401, and the browser's cookies go too.
    let response = gateway
        .request(Method::POST, "/api/v1/auth/logout")
        .bearer_auth("expired")
        .send()
        .await
        .expect("sent");
    assert_eq!(set_cookies(&response).len(), 3);
    assert_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn password_change_renews_the_session() {
    let (_users, gateway) = start().await;
    let response = gateway
        .request(Method::POST, "/api/v1/auth/password/change")
        .bearer_auth("good")
        .json(&json!({ "old_password": "a", "new_password": "b" }))
        .send()
        .await
        .expect("sent");
    let cookies = set_cookies(&response);
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], "access-changed");
    assert_eq!(
        cookie_value(&cookies, "xcode_access").as_deref(),
        Some("access-changed")
    );

    let response = gateway
        .post_json(
            "/api/v1/auth/password/forgot",
            json!({ "email": "ada@example.com" }),
        )
        .await;
    let (status, body) = json(response).await;
    assert_eq!((status, body), (202, json!({})));
    let response = gateway
        .post_json(
            "/api/v1/auth/password/reset",
            json!({ "token": "t", "new_password": "n" }),
        )
        .await;
    assert_eq!(response.status(), 204);
    let response = gateway
        .post_json(
            "/api/v1/auth/resend-verification",
            json!({ "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn two_factor_settings() {
    let (_users, gateway) = start().await;
    let post = |path: &'static str| gateway.request(Method::POST, path).bearer_auth("good");
    let (status, body) = json(post("/api/v1/me/2fa/enable").send().await.expect("sent")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["secret"], "JBSWY3DPEHPK3PXP");
    assert_eq!(body["qr_png_base64"], "iVBORw==");
    assert!(
        body["otpauth_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://"))
    );

    let response = post("/api/v1/me/2fa/confirm")
        .json(&json!({ "code": "123456" }))
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(
        (status, body),
        (200, json!({ "recovery_codes": ["aaaa-bbbb", "cccc-dddd"] }))
    );
    let response = post("/api/v1/me/2fa/disable")
        .json(&json!({ "code": "123456" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn public_profiles() {
    let (_users, gateway) = start().await;
    let (status, body) = json(gateway.get("/api/v1/users/ada").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "profile": {
                "username": "ada",
                "display_name": "Ada Lovelace",
                "bio": "",
                "country": "",
                "avatar_url": "",
                "role": "admin",
                "is_banned": false,
                "created_at": "1970-01-01T00:00:00Z",
            }
        })
    );
}

#[tokio::test]
async fn administration() {
    let (users, gateway) = start().await;
    let admin = |method: Method, path: &str| gateway.request(method, path).bearer_auth("good");

    let response = admin(
        Method::GET,
        "/api/v1/admin/users?q=ad&banned=false&verified=true&role=setter&page=2&page_size=10",
    )
    .send()
    .await
    .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!((&body["page"], &body["page_size"]), (&json!(2), &json!(10)));
    assert_eq!(body["users"][1]["username"], "grace");
    let request = users.mock.last("ListUsers").request;
    for part in [
        r#"query: "ad""#,
        "banned: Some(false)",
        "verified: Some(true)",
        "role: Setter",
        "page: 2",
        "page_size: 10",
    ] {
        assert!(request.contains(part), "{part} in {request}");
    }

    let response = admin(Method::POST, "/api/v1/admin/users/u-1/ban")
        .json(&json!({ "reason": "spam", "until": "2030-01-01T01:00:00+01:00" }))
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], "u-1");
    assert_eq!(body["user"]["ban_reason"], "spam");
    assert_eq!(body["user"]["banned_until"], "2030-01-01T00:00:00Z");

    let response = admin(Method::POST, "/api/v1/admin/users/u-2/ban")
        .json(&json!({ "reason": "forever" }))
        .send()
        .await
        .expect("sent");
    let (_, body) = json(response).await;
    assert_eq!(body["user"]["banned_until"], json!(null));

    let response = admin(Method::POST, "/api/v1/admin/users/u-3/role")
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!((status, &body["user"]["role"]), (200, &json!("admin")));

    let response = admin(Method::DELETE, "/api/v1/admin/users/u-4")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    assert!(users.mock.last("DeleteUser").request.contains("u-4"));

    let response = admin(Method::GET, "/api/v1/admin/audit?user_id=user-id&page=1")
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "entries": [{
                "id": 1,
                "at": "1970-01-01T00:00:00Z",
                "actor_id": "admin-id",
                "actor_username": "root",
                "action": "BanUser",
                "target_user_id": "user-id",
                "details": { "reason": "spam" },
            }],
            "total": 1,
        })
    );
    assert!(
        users
            .mock
            .last("ListAuditLog")
            .request
            .contains(r#"target_user_id: "user-id""#)
    );

    let response = admin(Method::GET, "/api/v1/admin/outbox")
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["emails"][0],
        json!({
            "id": 9,
            "at": "1970-01-01T00:00:00Z",
            "to": "ada@example.com",
            "subject": "Verify your email",
            "body": "token: abc",
        })
    );
    assert_eq!(body["total"], 1);
}
