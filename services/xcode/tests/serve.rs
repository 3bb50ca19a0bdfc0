//! `xcode serve` end to end: the real binary on port 0, driven over HTTP (and its gRPC port
//! for health and reflection) as clients and operators use it. The account flow runs on both
//! backends and both caches (memcached killed halfway); browsers' cookies and CSRF; bad input;
//! probes, metrics and the API description; SIGTERM and a restart on the same data; the
//! generated first-admin password.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const ADA_PASSWORD: &str = "Analytical Engine weaves algebra";
const ADA_NEW_PASSWORD: &str = "Bernoulli numbers, note G, 1843";

/// Every route of the API (docs/http-api.md).
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/verify-email"),
    ("post", "/api/v1/auth/resend-verification"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/login/2fa"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/logout-all"),
    ("post", "/api/v1/auth/password/forgot"),
    ("post", "/api/v1/auth/password/reset"),
    ("post", "/api/v1/auth/password/change"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/me/2fa/enable"),
    ("post", "/api/v1/me/2fa/confirm"),
    ("post", "/api/v1/me/2fa/disable"),
    ("post", "/api/v1/me/2fa/recovery-codes"),
    ("get", "/api/v1/users/{username}"),
    ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users/{id}/ban"),
    ("post", "/api/v1/admin/users/{id}/unban"),
    ("post", "/api/v1/admin/users/{id}/verify"),
    ("post", "/api/v1/admin/users/{id}/role"),
    ("delete", "/api/v1/admin/users/{id}"),
    ("get", "/api/v1/admin/audit"),
    ("get", "/api/v1/admin/outbox"),
    ("post", "/api/v1/admin/rejudge"),
    ("get", "/api/v1/languages"),
    ("get", "/api/v1/facets"),
    ("get", "/api/v1/problems"),
    ("post", "/api/v1/problems"),
    ("get", "/api/v1/problems/{slug}"),
    ("patch", "/api/v1/problems/{slug}"),
    ("delete", "/api/v1/problems/{slug}"),
    ("put", "/api/v1/problems/{slug}/package"),
    ("get", "/api/v1/problems/{slug}/stats"),
    ("get", "/api/v1/problems/{slug}/tests"),
    ("post", "/api/v1/run"),
    ("get", "/api/v1/submissions"),
    ("post", "/api/v1/submissions"),
    ("get", "/api/v1/submissions/{id}"),
    ("get", "/api/v1/ws"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
];

fn login_body(login: &str, password: &str) -> Value {
    json!({ "login": login, "password": password })
}

/// A password login that asks for the second factor: the challenge token.
async fn challenge(xcode: &Xcode, login: &str, password: &str) -> String {
    let body = xcode
        .post("/api/v1/auth/login", None, login_body(login, password))
        .await
        .ok(200);
    assert_eq!(body["two_factor_required"], true, "{body}");
    assert!(body.get("access_token").is_none(), "{body}");
    text(&body["challenge_token"])
}

async fn second_factor(xcode: &Xcode, challenge: &str, code: &str) -> Reply {
    xcode
        .post(
            "/api/v1/auth/login/2fa",
            None,
            json!({ "challenge_token": challenge, "code": code }),
        )
        .await
}

#[track_caller]
fn assert_tokens(body: &Value) {
    for field in [
        "access_token",
        "refresh_token",
        "access_expires_at",
        "refresh_expires_at",
    ] {
        assert!(body[field].is_string(), "{field} in {body}");
    }
}

async fn flow(backend: Backend, cache: CacheKind) {
    let mut setup = Setup::new(backend, cache).await;
    let xcode = setup.start().await;
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;

    // Register: 201, unverified; the verification token is in the outbox.
    let body = xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "username": "Ada_Lovelace", "email": "Ada@Example.com", "password": ADA_PASSWORD }),
        )
        .await
        .ok(201);
    let ada = &body["user"];
    assert_eq!(ada["username"], "Ada_Lovelace");
    assert_eq!(ada["email"], "Ada@Example.com");
    assert_eq!(ada["role"], "user");
    assert_eq!(
        (&ada["is_verified"], &ada["is_banned"], &ada["totp_enabled"]),
        (&json!(false), &json!(false), &json!(false))
    );
    assert_eq!(
        (&ada["ban_reason"], &ada["banned_until"]),
        (&Value::Null, &Value::Null)
    );
    let ada_id = text(&ada["id"]);
    let token = xcode
        .token_from_outbox(&admin, "Ada@Example.com", "Verify")
        .await;
    let body = xcode
        .post("/api/v1/auth/verify-email", None, json!({ "token": token }))
        .await
        .ok(200);
    assert_eq!(body["user"]["is_verified"], true, "{body}");
    xcode
        .post("/api/v1/auth/verify-email", None, json!({ "token": token }))
        .await
        .error_with(401, "unauthenticated", "used already");

    // Login by username (any case) or email; GET /me.
    let session = xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("ada_lovelace", ADA_PASSWORD),
        )
        .await
        .ok(200);
    assert_tokens(&session);
    assert_eq!(session["user"]["id"], ada_id.as_str());
    let first_access = text(&session["access_token"]);
    let by_mail = xcode.access("ADA@example.COM", ADA_PASSWORD).await;
    let me = xcode.get("/api/v1/me", Some(&by_mail)).await.ok(200);
    assert_eq!(me["user"]["id"], ada_id.as_str());
    assert_eq!(me["user"]["is_verified"], true);

    // Two-factor: enroll (a PNG QR code), confirm with the current code, ten recovery codes.
    let enrollment = xcode
        .post_empty("/api/v1/me/2fa/enable", Some(&first_access))
        .await
        .ok(200);
    let secret = text(&enrollment["secret"]);
    let uri = text(&enrollment["otpauth_uri"]);
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    let png = base64::engine::general_purpose::STANDARD
        .decode(text(&enrollment["qr_png_base64"]))
        .expect("base64");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    xcode
        .post(
            "/api/v1/me/2fa/confirm",
            Some(&first_access),
            json!({ "code": "abcdef" }),
        )
        .await
        .error_with(400, "invalid_argument", "code");
    let now = unix_now();
    let body = xcode
        .post(
            "/api/v1/me/2fa/confirm",
            Some(&first_access),
            json!({ "code": totp_code(&secret, now) }),
        )
        .await
        .ok(200);
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(text)
        .collect();
    assert_eq!(codes.len(), 10, "{body}");
    let me = xcode.get("/api/v1/me", Some(&first_access)).await.ok(200);
    assert_eq!(me["user"]["totp_enabled"], true);

    // Password login now asks for a second factor.
    let body = xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("Ada_Lovelace", ADA_PASSWORD),
        )
        .await;
    assert!(body.set_cookies().is_empty(), "no session yet");
    let body = body.ok(200);
    let keys: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 3, "{body}");
    assert!(body["expires_at"].is_string(), "{body}");
    let pending = text(&body["challenge_token"]);
    second_factor(&xcode, &pending, "123456")
        .await
        .error(401, "unauthenticated");
    // The next step's code (the confirmation spent this one's).
    let with_totp = second_factor(&xcode, &pending, &totp_code(&secret, now + 30))
        .await
        .ok(200);
    assert_tokens(&with_totp);
    assert_eq!(with_totp["user"]["totp_enabled"], true);

    // A recovery code works once.
    let pending = challenge(&xcode, "Ada_Lovelace", ADA_PASSWORD).await;
    assert_tokens(&second_factor(&xcode, &pending, &codes[0]).await.ok(200));
    let pending = challenge(&xcode, "Ada_Lovelace", ADA_PASSWORD).await;
    second_factor(&xcode, &pending, &codes[0])
        .await
        .error(401, "unauthenticated");

    if cache == CacheKind::Memcached {
        // The cache dies: every answer stays right (the database is the truth).
        setup.kill_memcached();
    }

    // Refresh: rotation; reuse of the spent token ends the rotated session too.
    let old_access = text(&with_totp["access_token"]);
    let old_refresh = text(&with_totp["refresh_token"]);
    let rotated = xcode
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": old_refresh }),
        )
        .await
        .ok(200);
    assert_tokens(&rotated);
    assert!(rotated.get("user").is_none(), "{rotated}");
    let rotated_access = text(&rotated["access_token"]);
    assert_ne!(rotated_access, old_access);
    xcode
        .get("/api/v1/me", Some(&old_access))
        .await
        .error(401, "unauthenticated");
    xcode.get("/api/v1/me", Some(&rotated_access)).await.ok(200);
    xcode
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": old_refresh }),
        )
        .await
        .error_with(401, "unauthenticated", "used already");
    xcode
        .get("/api/v1/me", Some(&rotated_access))
        .await
        .error(401, "unauthenticated");
    xcode
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": text(&rotated["refresh_token"]) }),
        )
        .await
        .error(401, "unauthenticated");

    // Forgot and reset: 202 either way; a weak new password is refused without spending the
    // token; the reset ends every session.
    xcode.get("/api/v1/me", Some(&first_access)).await.ok(200);
    for email in ["ada@EXAMPLE.com", "nobody@example.com"] {
        let body = xcode
            .post(
                "/api/v1/auth/password/forgot",
                None,
                json!({ "email": email }),
            )
            .await
            .ok(202);
        assert_eq!(body, json!({}));
    }
    let reset = xcode
        .token_from_outbox(&admin, "Ada@Example.com", "Reset")
        .await;
    xcode
        .post(
            "/api/v1/auth/password/reset",
            None,
            json!({ "token": reset, "new_password": "password123" }),
        )
        .await
        .error_with(400, "invalid_argument", "password");
    let body = xcode
        .post(
            "/api/v1/auth/password/reset",
            None,
            json!({ "token": reset, "new_password": ADA_NEW_PASSWORD }),
        )
        .await
        .ok(204);
    assert_eq!(body, Value::Null, "204 has no body");
    xcode
        .post(
            "/api/v1/auth/password/reset",
            None,
            json!({ "token": reset, "new_password": ADA_NEW_PASSWORD }),
        )
        .await
        .error_with(401, "unauthenticated", "used already");
    for old in [&first_access, &by_mail] {
        xcode
            .get("/api/v1/me", Some(old))
            .await
            .error(401, "unauthenticated");
    }
    xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("Ada_Lovelace", ADA_PASSWORD),
        )
        .await
        .error_with(401, "unauthenticated", "wrong login or password");
    let pending = challenge(&xcode, "Ada_Lovelace", ADA_NEW_PASSWORD).await;
    let session = second_factor(&xcode, &pending, &codes[1]).await.ok(200);
    let access = text(&session["access_token"]);

    // Profile: PATCH /me; GET /me and the public profile show it.
    let body = xcode
        .patch(
            "/api/v1/me",
            Some(&access),
            json!({
                "display_name": "Ada, Countess of Lovelace",
                "bio": "Wrote the first program.",
                "country": "gb",
                "avatar_url": "https://example.com/ada.png",
                "preferred_language": "cpp",
            }),
        )
        .await
        .ok(200);
    assert_eq!(body["user"]["country"], "GB");
    let me = xcode.get("/api/v1/me", Some(&access)).await.ok(200)["user"].clone();
    assert_eq!(me["display_name"], "Ada, Countess of Lovelace");
    assert_eq!(me["bio"], "Wrote the first program.");
    assert_eq!(me["country"], "GB");
    assert_eq!(me["avatar_url"], "https://example.com/ada.png");
    assert_eq!(me["preferred_language"], "cpp");
    let profile = xcode.get("/api/v1/users/ada_lovelace", None).await.ok(200);
    assert_eq!(
        profile,
        json!({
            "profile": {
                "username": "Ada_Lovelace",
                "display_name": "Ada, Countess of Lovelace",
                "bio": "Wrote the first program.",
                "country": "GB",
                "avatar_url": "https://example.com/ada.png",
                "role": "user",
                "is_banned": false,
                "created_at": me["created_at"],
            }
        })
    );

    // A user is not an admin.
    xcode
        .get("/api/v1/admin/users", Some(&access))
        .await
        .error_with(403, "forbidden", "admins only");

    // Ban: the sessions end at once, login is refused with the reason; unban lets them back.
    let body = xcode
        .post(
            &format!("/api/v1/admin/users/{ada_id}/ban"),
            Some(&admin),
            json!({ "reason": "spamming the forum" }),
        )
        .await
        .ok(200);
    assert_eq!(body["user"]["is_banned"], true);
    assert_eq!(body["user"]["ban_reason"], "spamming the forum");
    assert_eq!(body["user"]["banned_until"], Value::Null);
    xcode
        .get("/api/v1/me", Some(&access))
        .await
        .error(401, "unauthenticated");
    xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("Ada_Lovelace", ADA_NEW_PASSWORD),
        )
        .await
        .error_with(403, "forbidden", "spamming the forum");
    let listed = xcode
        .get("/api/v1/admin/users?banned=true", Some(&admin))
        .await
        .ok(200);
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["users"][0]["id"], ada_id.as_str());
    let body = xcode
        .post_empty(&format!("/api/v1/admin/users/{ada_id}/unban"), Some(&admin))
        .await
        .ok(200);
    assert_eq!(body["user"]["is_banned"], false);
    challenge(&xcode, "Ada_Lovelace", ADA_NEW_PASSWORD).await;
    let listed = xcode
        .get("/api/v1/admin/users?banned=true", Some(&admin))
        .await
        .ok(200);
    assert_eq!(listed["total"], 0, "{listed}");

    // The audit log has the admin's actions on Ada, newest first.
    let audit = xcode
        .get(
            &format!("/api/v1/admin/audit?user_id={ada_id}"),
            Some(&admin),
        )
        .await
        .ok(200);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert_eq!(actions, ["UnbanUser", "BanUser"], "{audit}");
    let ban = &audit["entries"][1];
    assert_eq!(ban["actor_username"], ADMIN);
    assert_eq!(ban["target_user_id"], ada_id.as_str());
    assert_eq!(ban["details"]["reason"], "spamming the forum", "{ban}");

    // Logout ends one session; logout-all every one.
    let a = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let b = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let reply = xcode.post_empty("/api/v1/auth/logout", Some(&a)).await;
    assert_eq!(reply.set_cookies().len(), 3, "the cookies are cleared");
    assert_eq!(reply.ok(204), Value::Null);
    xcode
        .get("/api/v1/me", Some(&a))
        .await
        .error(401, "unauthenticated");
    xcode
        .post_empty("/api/v1/auth/logout", Some(&a))
        .await
        .error(401, "unauthenticated");
    let body = xcode
        .post_empty("/api/v1/auth/logout-all", Some(&b))
        .await
        .ok(200);
    let ended = body["sessions_ended"].as_u64().expect("a count");
    assert!(ended >= 2, "{body}");
    for token in [&admin, &b] {
        xcode
            .get("/api/v1/me", Some(token))
            .await
            .error(401, "unauthenticated");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_sqlite_with_the_in_process_cache() {
    flow(Backend::Sqlite, CacheKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_sqlite_with_memcached_killed_halfway() {
    flow(Backend::Sqlite, CacheKind::Memcached).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_postgres_with_the_in_process_cache() {
    flow(Backend::Postgres, CacheKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_on_postgres_with_memcached_killed_halfway() {
    flow(Backend::Postgres, CacheKind::Memcached).await;
}

/// The cookies a response sets, as the `Cookie` header a browser sends back.
fn cookie_header(set_cookies: &[(String, String)]) -> String {
    set_cookies
        .iter()
        .map(|(name, header)| format!("{name}={}", cookie_value(header)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn find_cookie<'a>(set_cookies: &'a [(String, String)], name: &str) -> &'a str {
    set_cookies
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, header)| header.as_str())
        .unwrap_or_else(|| panic!("{name} in {set_cookies:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_sign_in_with_cookies_and_send_the_csrf_header() {
    let mut setup = Setup::sqlite();
    let xcode = setup.start().await;
    xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "username": "grace", "email": "grace@example.com", "password": ADA_PASSWORD }),
        )
        .await
        .ok(201);
    let login = xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("grace", ADA_PASSWORD),
        )
        .await;
    let set = login.set_cookies();
    let body = login.ok(200);
    assert_eq!(set.len(), 3, "{set:?}");
    let access = find_cookie(&set, "xcode_access");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/api;", "Secure"] {
        assert!(access.contains(part), "{part}: {access}");
    }
    assert_eq!(cookie_value(access), text(&body["access_token"]));
    let refresh = find_cookie(&set, "xcode_refresh");
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/v1/auth;",
        "Secure",
    ] {
        assert!(refresh.contains(part), "{part}: {refresh}");
    }
    assert_eq!(cookie_value(refresh), text(&body["refresh_token"]));
    let csrf_header = find_cookie(&set, "xcode_csrf");
    assert!(
        !csrf_header.contains("HttpOnly"),
        "scripts read it: {csrf_header}"
    );
    let csrf = cookie_value(csrf_header);
    assert_eq!(csrf.len(), 43, "32 bytes, base64url: {csrf}");
    let cookies = cookie_header(&set);

    // Reads by cookie alone.
    let me = Reply::of(
        xcode
            .request(Method::GET, "/api/v1/me", None)
            .header("cookie", &cookies),
    )
    .await
    .ok(200);
    assert_eq!(me["user"]["username"], "grace");

    // Writes by cookie need the CSRF header.
    let patch = || {
        xcode
            .request(Method::PATCH, "/api/v1/me", None)
            .header("cookie", &cookies)
            .json(&json!({ "bio": "Compilers" }))
    };
    Reply::of(patch()).await.error(403, "csrf");
    Reply::of(patch().header("x-csrf-token", "a-guess"))
        .await
        .error(403, "csrf");
    let body = Reply::of(patch().header("x-csrf-token", &csrf))
        .await
        .ok(200);
    assert_eq!(body["user"]["bio"], "Compilers");

    // Refresh by cookie: CSRF-checked too; new cookies, the same CSRF token.
    let refresh = || {
        xcode
            .request(Method::POST, "/api/v1/auth/refresh", None)
            .header("cookie", &cookies)
    };
    Reply::of(refresh()).await.error(403, "csrf");
    let reply = Reply::of(refresh().header("x-csrf-token", &csrf)).await;
    let renewed = reply.set_cookies();
    let body = reply.ok(200);
    assert_tokens(&body);
    let new_access = cookie_value(find_cookie(&renewed, "xcode_access"));
    assert_eq!(new_access, text(&body["access_token"]));
    assert_eq!(cookie_value(find_cookie(&renewed, "xcode_csrf")), csrf);
    let new_cookies = cookie_header(&renewed);
    Reply::of(
        xcode
            .request(Method::GET, "/api/v1/me", None)
            .header("cookie", &cookies),
    )
    .await
    .error(401, "unauthenticated");
    Reply::of(
        xcode
            .request(Method::GET, "/api/v1/me", None)
            .header("cookie", &new_cookies),
    )
    .await
    .ok(200);
    // The spent refresh cookie: 401, and the browser's cookies are cleared.
    let reply = Reply::of(refresh().header("x-csrf-token", &csrf)).await;
    let cleared = reply.set_cookies();
    assert_eq!(cookie_value(find_cookie(&cleared, "xcode_refresh")), "");
    reply.error(401, "unauthenticated");

    // Logout by cookie (the reuse ended the session): 401, cookies cleared.
    let reply = Reply::of(
        xcode
            .request(Method::POST, "/api/v1/auth/logout", None)
            .header("cookie", &new_cookies)
            .header("x-csrf-token", &csrf),
    )
    .await;
    let cleared = reply.set_cookies();
    assert_eq!(cleared.len(), 3, "{cleared:?}");
    for (name, header) in &cleared {
        assert!(header.contains("Max-Age=0"), "{name}: {header}");
    }
    reply.error(401, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_with_the_right_status() {
    let mut setup = Setup::sqlite();
    setup
        .set("XCODE__AUTH__VERIFY_EMAIL_TTL_SECONDS", "1")
        .set("XCODE__AUTH__MAX_FAILED_LOGINS", "3");
    let xcode = setup.start().await;
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let register = |username: &str, email: &str, password: &str| {
        xcode.post(
            "/api/v1/auth/register",
            None,
            json!({ "username": username, "email": email, "password": password }),
        )
    };

    // The first registration's verification token expires while the rest runs.
    register("Grace_Hopper", "Grace@Example.com", ADA_PASSWORD)
        .await
        .ok(201);
    let started = std::time::Instant::now();
    let expiring = xcode
        .token_from_outbox(&admin, "Grace@Example.com", "Verify")
        .await;

    for email in [
        "",
        "grace",
        "grace@",
        "@example.com",
        "grace@example",
        "a..b@example.com",
        "grâce@example.com",
        "grace@exa mple.com",
    ] {
        register("someone", email, ADA_PASSWORD)
            .await
            .error_with(400, "invalid_argument", "email");
    }
    for password in [
        "short",
        "password123",
        "qwertyuiop",
        "aaaaaaaaaaaa",
        "someone@example.com",
        &"x".repeat(300),
    ] {
        register("someone", "someone@example.com", password)
            .await
            .error_with(400, "invalid_argument", "password");
    }
    // Taken, whatever the case (and `_`/`-` look alike).
    for (username, email, field) in [
        ("grace_hopper", "other@example.com", "username"),
        ("GRACE-HOPPER", "other@example.com", "username"),
        ("other_name", "GRACE@example.COM", "email"),
    ] {
        register(username, email, ADA_PASSWORD)
            .await
            .error_with(409, "conflict", field);
    }
    // Nothing that looks like SQL, markup, a path or another script's letters.
    for username in [
        "ada'; DROP TABLE users; --",
        "Robert'); --",
        "<script>",
        "../etc",
        "аdmin", // Cyrillic а
        "ädä",
        "ada\u{200b}",
        "Admin",
        "adm1n",
        "ab",
        &"a".repeat(33),
    ] {
        register(username, "someone@example.com", ADA_PASSWORD)
            .await
            .error_with(400, "invalid_argument", "username");
    }
    // SQL in other places is only text.
    xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("' OR '1'='1", "' OR '1'='1"),
        )
        .await
        .error(401, "unauthenticated");
    xcode
        .get("/api/v1/users/x'%20OR%201=1%20--", None)
        .await
        .error(404, "not_found");
    let listed = xcode
        .get(
            "/api/v1/admin/users?q=%27%3B%20DROP%20TABLE%20users%3B%20--",
            Some(&admin),
        )
        .await
        .ok(200);
    assert_eq!(listed["total"], 0, "{listed}");
    let grace = xcode.access("grace_hopper", ADA_PASSWORD).await;
    let sql = "Robert'); DROP TABLE users; --";
    let body = xcode
        .patch("/api/v1/me", Some(&grace), json!({ "bio": sql }))
        .await
        .ok(200);
    assert_eq!(body["user"]["bio"], sql);
    let listed = xcode.get("/api/v1/admin/users", Some(&admin)).await.ok(200);
    assert_eq!(listed["total"], 2, "the admin and Grace, still: {listed}");

    // Field limits: each obeyed and violated.
    let patch = |body: Value| xcode.patch("/api/v1/me", Some(&grace), body);
    patch(json!({ "display_name": "x".repeat(64) }))
        .await
        .ok(200);
    patch(json!({ "display_name": "x".repeat(65) }))
        .await
        .error_with(400, "invalid_argument", "display_name");
    patch(json!({ "bio": "x".repeat(2000) })).await.ok(200);
    patch(json!({ "bio": "x".repeat(2001) }))
        .await
        .error_with(400, "invalid_argument", "bio");
    patch(json!({ "country": "Germany" }))
        .await
        .error_with(400, "invalid_argument", "country");
    patch(json!({ "avatar_url": "javascript:alert(1)" }))
        .await
        .error_with(400, "invalid_argument", "avatar_url");
    patch(json!({ "nickname": "grace" }))
        .await
        .error_with(400, "invalid_request", "nickname");

    // Bodies the gateway cannot read.
    let big = xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("grace_hopper", &"x".repeat(65 * 1024)),
        )
        .await;
    big.error(413, "payload_too_large");
    Reply::of(
        xcode
            .request(Method::POST, "/api/v1/auth/login", None)
            .header("content-type", "application/json")
            .body("{\"login\": \"grace\", "),
    )
    .await
    .error(400, "invalid_request");
    Reply::of(
        xcode
            .request(Method::POST, "/api/v1/auth/login", None)
            .header("content-type", "text/plain")
            .body(login_body("grace_hopper", ADA_PASSWORD).to_string()),
    )
    .await
    .error(400, "invalid_request");

    // Wrong TOTP codes (two: the third failure in a row would lock the account).
    let enrollment = xcode
        .post_empty("/api/v1/me/2fa/enable", Some(&grace))
        .await
        .ok(200);
    let secret = text(&enrollment["secret"]);
    xcode
        .post(
            "/api/v1/me/2fa/confirm",
            Some(&grace),
            json!({ "code": "000000x" }),
        )
        .await
        .error(400, "invalid_argument");
    let now = unix_now();
    xcode
        .post(
            "/api/v1/me/2fa/confirm",
            Some(&grace),
            json!({ "code": totp_code(&secret, now) }),
        )
        .await
        .ok(200);
    xcode
        .post_empty("/api/v1/me/2fa/enable", Some(&grace))
        .await
        .error(409, "failed_precondition");
    let pending = challenge(&xcode, "grace_hopper", ADA_PASSWORD).await;
    for wrong in ["12345", "not a code"] {
        second_factor(&xcode, &pending, wrong)
            .await
            .error(401, "unauthenticated");
    }
    second_factor(&xcode, &pending, &totp_code(&secret, now + 30))
        .await
        .ok(200);
    second_factor(&xcode, "xct_forged", &totp_code(&secret, now + 30))
        .await
        .error(401, "unauthenticated");

    // Brute force: the third wrong password in a row locks the account, for the right
    // password too.
    register("lovelace", "lovelace@example.com", ADA_PASSWORD)
        .await
        .ok(201);
    for _ in 0..2 {
        xcode
            .post(
                "/api/v1/auth/login",
                None,
                login_body("lovelace", "wrong password!"),
            )
            .await
            .error(401, "unauthenticated");
    }
    for password in ["wrong password!", ADA_PASSWORD] {
        let reply = xcode
            .post("/api/v1/auth/login", None, login_body("lovelace", password))
            .await;
        let retry_after: u64 = reply.headers["retry-after"]
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("seconds");
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        reply.error(429, "rate_limited");
    }

    // Not an admin: 403 on every admin route; nobody at all: 401.
    let grace_id = text(&xcode.get("/api/v1/me", Some(&grace)).await.ok(200)["user"]["id"]);
    let lovelace_id = text(
        &xcode
            .get("/api/v1/admin/users?q=lovelace", Some(&admin))
            .await
            .ok(200)["users"][0]["id"],
    );
    assert_ne!(grace_id, lovelace_id);
    let admin_routes = [
        (Method::GET, "/api/v1/admin/users".to_owned(), None),
        (
            Method::POST,
            format!("/api/v1/admin/users/{lovelace_id}/ban"),
            Some(json!({ "reason": "x" })),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{lovelace_id}/unban"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{lovelace_id}/verify"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{grace_id}/role"),
            Some(json!({ "role": "admin" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/admin/users/{lovelace_id}"),
            None,
        ),
        (Method::GET, "/api/v1/admin/audit".to_owned(), None),
        (Method::GET, "/api/v1/admin/outbox".to_owned(), None),
    ];
    for (method, path, body) in &admin_routes {
        for (token, status, code) in [
            (Some(grace.as_str()), 403, "forbidden"),
            (None, 401, "unauthenticated"),
        ] {
            let mut request = xcode.request(method.clone(), path, token);
            if let Some(body) = body {
                request = request.json(body);
            }
            let reply = Reply::of(request).await;
            assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
            reply.error(status, code);
        }
    }
    let me = xcode.get("/api/v1/me", Some(&grace)).await.ok(200);
    assert_eq!(me["user"]["role"], "user", "the role change was refused");

    // The verification token has expired by now.
    let left = Duration::from_millis(1100).saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    xcode
        .post(
            "/api/v1/auth/verify-email",
            None,
            json!({ "token": expiring }),
        )
        .await
        .error_with(401, "unauthenticated", "expired");
}

#[tokio::test(flavor = "multi_thread")]
async fn probes_metrics_openapi_reflection_and_health() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let mut setup = Setup::sqlite();
    let xcode = setup.start().await;

    let body = xcode.get("/readyz", None).await.ok(200);
    assert_eq!(body, json!({ "status": "ready" }));
    assert_eq!(
        xcode.get("/healthz", None).await.ok(200),
        json!({ "status": "ok" })
    );

    xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let response = xcode
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .expect("a response");
    assert_eq!(response.status(), 200);
    let metrics = response.text().await.expect("a body");
    for name in [
        "xcode_gateway_http_requests_total{",
        "xcode_gateway_http_request_duration_seconds_bucket{",
        "xcode_users_logins_total{",
    ] {
        assert!(
            metrics.lines().any(|line| line.starts_with(name)),
            "{name} in {metrics}"
        );
    }
    assert!(
        metrics.contains(r#"route="/api/v1/auth/login""#),
        "{metrics}"
    );

    let document = xcode.get("/api/v1/openapi.json", None).await.ok(200);
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    for (method, path) in ROUTES {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }

    let channel = tonic::transport::Channel::from_shared(xcode.grpc.clone())
        .expect("a URI")
        .connect()
        .await
        .expect("connects to the gRPC port");
    let mut reflection = ServerReflectionClient::new(channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let response = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection")
        .into_inner()
        .message()
        .await
        .expect("a response")
        .expect("not the end");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("not a service list: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for name in [
        "xcode.users.v1.AuthUserAdminService",
        "grpc.health.v1.Health",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }

    let status = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "xcode.users.v1.AuthUserAdminService".into(),
        })
        .await
        .expect("a health check")
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_cleanly_and_the_data_survive_a_restart() {
    let mut setup = Setup::sqlite();
    setup.without_admin();
    let xcode = setup.start().await;
    let first_stderr = xcode.stderr();
    assert!(first_stderr.contains("First start"), "{first_stderr}");
    let admin_password = printed_admin_password(&first_stderr)
        .unwrap_or_else(|| panic!("a password in {first_stderr}"));
    xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "username": "grace", "email": "grace@example.com", "password": ADA_PASSWORD }),
        )
        .await
        .ok(201);
    // A session open across the restart.
    let access = xcode.access("grace", ADA_PASSWORD).await;

    let status = xcode.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0), "{status}");

    let xcode = setup.start().await;
    let stderr = xcode.stderr();
    assert!(!stderr.contains("First start"), "{stderr}");
    assert!(!stderr.contains(&admin_password), "{stderr}");
    let me = xcode.get("/api/v1/me", Some(&access)).await.ok(200);
    assert_eq!(me["user"]["username"], "grace");
    xcode.access("grace", ADA_PASSWORD).await;
    xcode.access("admin", &admin_password).await;
    let status = xcode.terminate(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_start_prints_the_generated_admin_password() {
    let mut setup = Setup::sqlite();
    setup.without_admin();
    let xcode = setup.start().await;
    let stderr = xcode.stderr();
    let password =
        printed_admin_password(&stderr).unwrap_or_else(|| panic!("a password in {stderr}"));
    assert!(password.len() >= 10, "{password}");
    let body = xcode
        .post("/api/v1/auth/login", None, login_body("admin", &password))
        .await
        .ok(200);
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["email"], "admin@xcode.localhost");
    let admin = text(&body["access_token"]);
    xcode.get("/api/v1/admin/users", Some(&admin)).await.ok(200);
    xcode
        .post(
            "/api/v1/auth/login",
            None,
            login_body("admin", "not the password"),
        )
        .await
        .error(401, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread")]
async fn half_open_connections_do_not_keep_the_server_alive_after_sigterm() {
    use tokio::io::AsyncWriteExt as _;
    let mut setup = Setup::sqlite();
    let xcode = setup.start().await;
    let http = xcode.http.trim_start_matches("http://").to_owned();
    let grpc = xcode.grpc.trim_start_matches("http://").to_owned();
    // A request whose headers never end, a body shorter than announced, and a gRPC connection
    // that never says a word.
    let mut slow_headers = tokio::net::TcpStream::connect(&http)
        .await
        .expect("connect");
    slow_headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut short_body = tokio::net::TcpStream::connect(&http)
        .await
        .expect("connect");
    short_body
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"lo",
        )
        .await
        .expect("write");
    let silent = tokio::net::TcpStream::connect(&grpc)
        .await
        .expect("connect");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Within the grace (10 s) and a margin, not never.
    xcode.terminate(Duration::from_secs(20)).await;
    drop((slow_headers, short_body, silent));
}

#[tokio::test(flavor = "multi_thread")]
async fn users_judge_and_gateway_run_as_separate_processes_on_postgres_and_memcached() {
    let mut setup = Setup::new(Backend::Postgres, CacheKind::Memcached).await;
    let xcode = setup.start_split().await;
    xcode.get("/readyz", None).await.ok(200);
    let user = xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({"username": "split", "email": "split@example.com", "password": "violet Tram crosses 9 bridges"}),
        )
        .await
        .ok(201);
    assert_eq!(user["user"]["username"], "split");
    let token = xcode
        .access("split@example.com", "violet Tram crosses 9 bridges")
        .await;
    let me = xcode.get("/api/v1/me", Some(&token)).await.ok(200);
    assert_eq!(me["user"]["email"], "split@example.com");
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let found = xcode
        .get("/api/v1/admin/users?q=split", Some(&admin))
        .await
        .ok(200);
    // The judge process (its queue in process) judges what the gateway submits.
    let id = text(&found["users"][0]["id"]);
    xcode
        .post_empty(&format!("/api/v1/admin/users/{id}/verify"), Some(&admin))
        .await
        .ok(200);
    let submitted = xcode
        .post(
            "/api/v1/submissions",
            Some(&token),
            json!({ "problem": "fizzbuzz", "language": "python3", "source": "print(1)" }),
        )
        .await
        .ok(202);
    let id = text(&submitted["id"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let body = xcode
            .get(&format!("/api/v1/submissions/{id}"), Some(&token))
            .await
            .ok(200);
        if body["status"] == "done" {
            assert_eq!(body["verdict"], "WA", "{body}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An idle browser's access cookie has expired (its Max-Age is the access lifetime); logging
/// out must still end the session its refresh cookie holds.
#[tokio::test(flavor = "multi_thread")]
async fn logout_after_the_access_cookie_expired_still_ends_the_session() {
    let mut setup = Setup::sqlite();
    let xcode = setup.start().await;
    xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "username": "idle", "email": "idle@example.com", "password": ADA_PASSWORD }),
        )
        .await
        .ok(201);
    let login = xcode
        .post("/api/v1/auth/login", None, login_body("idle", ADA_PASSWORD))
        .await;
    let set = login.set_cookies();
    let body = login.ok(200);
    let refresh = cookie_value(find_cookie(&set, "xcode_refresh"));
    let csrf = cookie_value(find_cookie(&set, "xcode_csrf"));
    // What the browser still sends: the refresh and CSRF cookies, no access cookie.
    let cookies = format!("xcode_refresh={refresh}; xcode_csrf={csrf}");
    let without_csrf = Reply::of(
        xcode
            .request(Method::POST, "/api/v1/auth/logout", None)
            .header("cookie", &cookies),
    )
    .await;
    without_csrf.error(403, "csrf");
    let logout = Reply::of(
        xcode
            .request(Method::POST, "/api/v1/auth/logout", None)
            .header("cookie", &cookies)
            .header("x-csrf-token", &csrf),
    )
    .await;
    assert_eq!(logout.status, 204, "{:?}", logout.body);
    // The session is over: neither its access token nor its refresh token works.
    xcode
        .get("/api/v1/me", Some(&text(&body["access_token"])))
        .await
        .error(401, "unauthenticated");
    xcode
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh }),
        )
        .await
        .error(401, "unauthenticated");
}
