//! The OpenAPI 3.1 description of the HTTP API, served at `/api/v1/openapi.json`. It is built
//! from one table of operations, so every route has its request, success and error responses
//! in the same shape; the integration tests check that it lists every route and that every
//! path it lists is routed.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

/// The document, built once.
pub(crate) fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    /// A signed-in user: Bearer token or the access cookie.
    User,
    /// A signed-in admin.
    Admin,
}

struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    access: Access,
    parameters: Vec<Value>,
    /// The JSON request body's schema, and whether the body may be left out.
    body: Option<(Value, bool)>,
    /// Status, description, JSON schema (none for an empty body).
    success: (u16, &'static str, Option<Value>),
    /// Error statuses besides the ones every operation of its kind has.
    errors: &'static [u16],
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": description,
        "schema": { "type": "string" },
    })
}

fn query_parameter(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "schema": schema,
    })
}

fn page_parameters() -> Vec<Value> {
    vec![
        query_parameter(
            "page",
            "1-based page number (default 1).",
            json!({ "type": "integer", "minimum": 0 }),
        ),
        query_parameter(
            "page_size",
            "Rows per page (default 50, at most 200).",
            json!({ "type": "integer", "minimum": 0 }),
        ),
    ]
}

fn user_body() -> Value {
    object(json!({ "user": schema("User") }), &["user"])
}

fn recovery_codes() -> Value {
    object(
        json!({ "recovery_codes": { "type": "array", "items": { "type": "string" } } }),
        &["recovery_codes"],
    )
}

fn empty_object() -> Value {
    json!({ "type": "object", "additionalProperties": false })
}

fn code_body() -> Option<(Value, bool)> {
    Some((
        object(
            json!({ "code": { "type": "string", "description": "A current 6-digit TOTP code (or a recovery code where accepted)." } }),
            &["code"],
        ),
        false,
    ))
}

fn strings(names: &[&str]) -> Value {
    let properties: Map<String, Value> = names
        .iter()
        .map(|name| ((*name).to_owned(), json!({ "type": "string" })))
        .collect();
    Value::Object(properties)
}

#[allow(clippy::too_many_lines)] // One table, one row per route.
fn operations() -> Vec<Operation> {
    use Access::{Admin, Public, User};
    let user_id = || vec![path_parameter("id", "The account's id (a UUID).")];
    vec![
        Operation {
            method: "post",
            path: "/api/v1/auth/register",
            id: "register",
            tag: "auth",
            summary: "Create an unverified account and email a verification link",
            access: Public,
            parameters: vec![],
            body: Some((
                object(
                    strings(&["username", "email", "password"]),
                    &["username", "email", "password"],
                ),
                false,
            )),
            success: (201, "The new account.", Some(user_body())),
            errors: &[409, 429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/verify-email",
            id: "verifyEmail",
            tag: "auth",
            summary: "Verify an email address with the token from the verification email",
            access: Public,
            parameters: vec![],
            body: Some((object(strings(&["token"]), &["token"]), false)),
            success: (200, "The verified account.", Some(user_body())),
            errors: &[401, 404, 429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/resend-verification",
            id: "resendVerification",
            tag: "auth",
            summary: "Send a new verification email (the same answer whether or not the address has an unverified account)",
            access: Public,
            parameters: vec![],
            body: Some((object(strings(&["email"]), &["email"]), false)),
            success: (202, "Accepted.", Some(empty_object())),
            errors: &[429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/login",
            id: "login",
            tag: "auth",
            summary: "Sign in with a username or email and a password; sets the auth cookies",
            access: Public,
            parameters: vec![],
            body: Some((
                object(
                    json!({
                        "login": { "type": "string", "description": "A username or an email address." },
                        "password": { "type": "string" },
                    }),
                    &["login", "password"],
                ),
                false,
            )),
            success: (
                200,
                "Signed in (tokens, and the cookies xcode_access, xcode_refresh, xcode_csrf), or a two-factor challenge to answer at /api/v1/auth/login/2fa.",
                Some(json!({ "oneOf": [schema("SignedIn"), schema("TwoFactorChallenge")] })),
            ),
            errors: &[401, 403, 429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/login/2fa",
            id: "loginTwoFactor",
            tag: "auth",
            summary: "Complete a two-factor login with a TOTP code or a recovery code",
            access: Public,
            parameters: vec![],
            body: Some((
                object(
                    strings(&["challenge_token", "code"]),
                    &["challenge_token", "code"],
                ),
                false,
            )),
            success: (
                200,
                "Signed in; sets the auth cookies.",
                Some(schema("SignedIn")),
            ),
            errors: &[401, 403, 429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/refresh",
            id: "refresh",
            tag: "auth",
            summary: "Exchange a refresh token (from the body, or else the xcode_refresh cookie with X-CSRF-Token) for a new pair",
            access: Public,
            parameters: vec![csrf_parameter()],
            body: Some((
                object(json!({ "refresh_token": { "type": "string" } }), &[]),
                true,
            )),
            success: (
                200,
                "New tokens; the cookies are renewed.",
                Some(schema("Tokens")),
            ),
            errors: &[401, 403, 429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/logout",
            id: "logout",
            tag: "auth",
            summary: "End the caller's session (by its access token; once that has expired, by the refresh token from the body or the xcode_refresh cookie) and clear the auth cookies",
            access: User,
            parameters: vec![],
            body: Some((
                object(json!({ "refresh_token": { "type": "string" } }), &[]),
                true,
            )),
            success: (204, "Signed out.", None),
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/logout-all",
            id: "logoutAll",
            tag: "auth",
            summary: "End every session of the caller and clear the auth cookies",
            access: User,
            parameters: vec![],
            body: None,
            success: (
                200,
                "How many sessions ended.",
                Some(object(
                    json!({ "sessions_ended": { "type": "integer", "minimum": 0 } }),
                    &["sessions_ended"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/password/forgot",
            id: "forgotPassword",
            tag: "auth",
            summary: "Email a password reset link (the same answer whether or not the address has an account)",
            access: Public,
            parameters: vec![],
            body: Some((object(strings(&["email"]), &["email"]), false)),
            success: (202, "Accepted.", Some(empty_object())),
            errors: &[429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/password/reset",
            id: "resetPassword",
            tag: "auth",
            summary: "Set a new password with a reset token; every session of the account ends",
            access: Public,
            parameters: vec![],
            body: Some((
                object(
                    strings(&["token", "new_password"]),
                    &["token", "new_password"],
                ),
                false,
            )),
            success: (204, "Password changed.", None),
            errors: &[401, 404, 429],
        },
        Operation {
            method: "post",
            path: "/api/v1/auth/password/change",
            id: "changePassword",
            tag: "auth",
            summary: "Change the caller's password; the caller's other sessions end",
            access: User,
            parameters: vec![],
            body: Some((
                object(
                    strings(&["old_password", "new_password"]),
                    &["old_password", "new_password"],
                ),
                false,
            )),
            success: (
                200,
                "New tokens for this session; the cookies are renewed.",
                Some(schema("Tokens")),
            ),
            errors: &[429],
        },
        Operation {
            method: "get",
            path: "/api/v1/me",
            id: "getMe",
            tag: "me",
            summary: "The caller's own account",
            access: User,
            parameters: vec![],
            body: None,
            success: (200, "The account.", Some(user_body())),
            errors: &[],
        },
        Operation {
            method: "patch",
            path: "/api/v1/me",
            id: "updateMe",
            tag: "me",
            summary: "Change the profile fields present in the body (an empty string clears one)",
            access: User,
            parameters: vec![],
            body: Some((
                object(
                    strings(&[
                        "display_name",
                        "bio",
                        "country",
                        "avatar_url",
                        "preferred_language",
                    ]),
                    &[],
                ),
                false,
            )),
            success: (200, "The updated account.", Some(user_body())),
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/v1/me/2fa/enable",
            id: "enableTwoFactor",
            tag: "me",
            summary: "Start TOTP enrollment: a new secret, its otpauth:// URI and a QR code (not active until confirmed)",
            access: User,
            parameters: vec![],
            body: None,
            success: (
                200,
                "The secret to enroll.",
                Some(object(
                    json!({
                        "secret": { "type": "string", "description": "Base32, for manual entry." },
                        "otpauth_uri": { "type": "string" },
                        "qr_png_base64": { "type": "string", "contentEncoding": "base64", "contentMediaType": "image/png" },
                    }),
                    &["secret", "otpauth_uri", "qr_png_base64"],
                )),
            ),
            errors: &[409],
        },
        Operation {
            method: "post",
            path: "/api/v1/me/2fa/confirm",
            id: "confirmTwoFactor",
            tag: "me",
            summary: "Activate TOTP with a current code; returns ten single-use recovery codes, shown once",
            access: User,
            parameters: vec![],
            body: code_body(),
            success: (200, "The recovery codes.", Some(recovery_codes())),
            errors: &[409],
        },
        Operation {
            method: "post",
            path: "/api/v1/me/2fa/disable",
            id: "disableTwoFactor",
            tag: "me",
            summary: "Turn TOTP off with a current code or a recovery code",
            access: User,
            parameters: vec![],
            body: code_body(),
            success: (204, "Two-factor authentication is off.", None),
            errors: &[409],
        },
        Operation {
            method: "post",
            path: "/api/v1/me/2fa/recovery-codes",
            id: "regenerateRecoveryCodes",
            tag: "me",
            summary: "Replace the recovery codes (needs a current code)",
            access: User,
            parameters: vec![],
            body: code_body(),
            success: (200, "The new recovery codes.", Some(recovery_codes())),
            errors: &[409],
        },
        Operation {
            method: "get",
            path: "/api/v1/users/{username}",
            id: "getUser",
            tag: "users",
            summary: "A public profile",
            access: Public,
            parameters: vec![path_parameter("username", "The account's username.")],
            body: None,
            success: (
                200,
                "The profile.",
                Some(object(
                    json!({ "profile": schema("PublicProfile") }),
                    &["profile"],
                )),
            ),
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/v1/admin/users",
            id: "listUsers",
            tag: "admin",
            summary: "Search accounts",
            access: Admin,
            parameters: [
                vec![
                    query_parameter(
                        "q",
                        "Case-insensitive substring of username, email or display name.",
                        json!({ "type": "string" }),
                    ),
                    query_parameter(
                        "banned",
                        "Only banned (true) or not banned (false) accounts.",
                        json!({ "type": "boolean" }),
                    ),
                    query_parameter(
                        "verified",
                        "Only verified (true) or unverified (false) accounts.",
                        json!({ "type": "boolean" }),
                    ),
                    query_parameter("role", "Only accounts with this role.", schema("Role")),
                ],
                page_parameters(),
            ]
            .concat(),
            body: None,
            success: (
                200,
                "One page of accounts.",
                Some(object(
                    json!({
                        "users": { "type": "array", "items": schema("User") },
                        "total": { "type": "integer", "minimum": 0 },
                        "page": { "type": "integer", "minimum": 1 },
                        "page_size": { "type": "integer", "minimum": 1 },
                    }),
                    &["users", "total", "page", "page_size"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/v1/admin/users/{id}/ban",
            id: "banUser",
            tag: "admin",
            summary: "Ban an account (it loses every session) until unbanned or until `until`",
            access: Admin,
            parameters: user_id(),
            body: Some((
                object(
                    json!({
                        "reason": { "type": "string" },
                        "until": { "type": ["string", "null"], "format": "date-time", "description": "RFC 3339; absent: until unbanned." },
                    }),
                    &["reason"],
                ),
                false,
            )),
            success: (200, "The banned account.", Some(user_body())),
            errors: &[404],
        },
        Operation {
            method: "post",
            path: "/api/v1/admin/users/{id}/unban",
            id: "unbanUser",
            tag: "admin",
            summary: "Lift a ban",
            access: Admin,
            parameters: user_id(),
            body: None,
            success: (200, "The account.", Some(user_body())),
            errors: &[404],
        },
        Operation {
            method: "post",
            path: "/api/v1/admin/users/{id}/verify",
            id: "verifyUser",
            tag: "admin",
            summary: "Mark an account's email verified without a token",
            access: Admin,
            parameters: user_id(),
            body: None,
            success: (200, "The account.", Some(user_body())),
            errors: &[404],
        },
        Operation {
            method: "post",
            path: "/api/v1/admin/users/{id}/role",
            id: "setRole",
            tag: "admin",
            summary: "Change an account's role",
            access: Admin,
            parameters: user_id(),
            body: Some((object(json!({ "role": schema("Role") }), &["role"]), false)),
            success: (200, "The account.", Some(user_body())),
            errors: &[404],
        },
        Operation {
            method: "delete",
            path: "/api/v1/admin/users/{id}",
            id: "deleteUser",
            tag: "admin",
            summary: "Delete an account",
            access: Admin,
            parameters: user_id(),
            body: None,
            success: (204, "Deleted.", None),
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/v1/admin/audit",
            id: "listAuditLog",
            tag: "admin",
            summary: "The audit log of administrative actions, newest first",
            access: Admin,
            parameters: [
                page_parameters(),
                vec![query_parameter(
                    "user_id",
                    "Only entries about this account.",
                    json!({ "type": "string" }),
                )],
            ]
            .concat(),
            body: None,
            success: (
                200,
                "One page of entries.",
                Some(object(
                    json!({
                        "entries": { "type": "array", "items": schema("AuditEntry") },
                        "total": { "type": "integer", "minimum": 0 },
                    }),
                    &["entries", "total"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/api/v1/admin/outbox",
            id: "listOutbox",
            tag: "admin",
            summary: "Emails that were not sent by SMTP (none is configured): what users would have received",
            access: Admin,
            parameters: page_parameters(),
            body: None,
            success: (
                200,
                "One page of emails.",
                Some(object(
                    json!({
                        "emails": { "type": "array", "items": schema("OutboxEmail") },
                        "total": { "type": "integer", "minimum": 0 },
                    }),
                    &["emails", "total"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/api/v1/openapi.json",
            id: "openapi",
            tag: "ops",
            summary: "This document",
            access: Public,
            parameters: vec![],
            body: None,
            success: (200, "OpenAPI 3.1.", Some(json!({ "type": "object" }))),
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/healthz",
            id: "healthz",
            tag: "ops",
            summary: "Liveness: 200 while the process lives",
            access: Public,
            parameters: vec![],
            body: None,
            success: (
                200,
                "Alive.",
                Some(object(json!({ "status": { "const": "ok" } }), &["status"])),
            ),
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/readyz",
            id: "readyz",
            tag: "ops",
            summary: "Readiness: 200 when the users service reports SERVING, else 503",
            access: Public,
            parameters: vec![],
            body: None,
            success: (
                200,
                "Ready.",
                Some(object(
                    json!({ "status": { "const": "ready" } }),
                    &["status"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/metrics",
            id: "metrics",
            tag: "ops",
            summary: "Prometheus metrics (text exposition format)",
            access: Public,
            parameters: vec![],
            body: None,
            success: (200, "Metrics, as text/plain.", None),
            errors: &[],
        },
    ]
}

fn csrf_parameter() -> Value {
    json!({
        "name": "X-CSRF-Token",
        "in": "header",
        "required": false,
        "description": "The value of the xcode_csrf cookie. Required when the request authenticates by cookie (no Authorization header) with POST, PUT, PATCH or DELETE; else 403 `csrf`.",
        "schema": { "type": "string" },
    })
}

/// The error responses operations refer to: status, name, description.
const ERRORS: [(u16, &str, &str); 10] = [
    (
        400,
        "BadRequest",
        "The request cannot be read (`invalid_request`) or a value is rejected (`invalid_argument`).",
    ),
    (
        401,
        "Unauthenticated",
        "No, an expired or a revoked token; or a wrong password or code (`unauthenticated`).",
    ),
    (
        403,
        "Forbidden",
        "Banned or not allowed (`forbidden`), or a cookie-authenticated request without a matching X-CSRF-Token (`csrf`).",
    ),
    (
        404,
        "NotFound",
        "No such account, token or route (`not_found`).",
    ),
    (
        405,
        "MethodNotAllowed",
        "The route does not take that method (`method_not_allowed`).",
    ),
    (
        409,
        "Conflict",
        "Already taken (`conflict`) or not possible in the account's state (`failed_precondition`).",
    ),
    (
        413,
        "PayloadTooLarge",
        "The body is larger than the gateway accepts (`payload_too_large`).",
    ),
    (
        429,
        "RateLimited",
        "Too many attempts (`rate_limited`); retry after `Retry-After` seconds.",
    ),
    (
        503,
        "Unavailable",
        "A service does not answer (`unavailable`).",
    ),
    (
        500,
        "Internal",
        "An internal error (`internal`); the X-Request-Id identifies it in the logs.",
    ),
];

fn error_response(status: u16) -> Value {
    let name = ERRORS
        .iter()
        .find(|(code, _, _)| *code == status)
        .map_or("Internal", |(_, name, _)| name);
    json!({ "$ref": format!("#/components/responses/{name}") })
}

fn error_responses() -> Value {
    let responses: Map<String, Value> = ERRORS
        .iter()
        .map(|(status, name, description)| {
            let mut response = json!({
                "description": description,
                "content": { "application/json": { "schema": schema("Error") } },
            });
            if *status == 429 {
                response["headers"] = json!({
                    "Retry-After": {
                        "description": "Seconds to wait.",
                        "schema": { "type": "integer", "minimum": 1 },
                    },
                });
            }
            ((*name).to_owned(), response)
        })
        .collect();
    Value::Object(responses)
}

fn operation(op: &Operation) -> Value {
    let mut responses = Map::new();
    let (status, description, body) = &op.success;
    let mut success = json!({ "description": description });
    if let Some(body) = body {
        success["content"] = json!({ "application/json": { "schema": body } });
    }
    if op.path == "/metrics" {
        success["content"] = json!({ "text/plain": { "schema": { "type": "string" } } });
    }
    responses.insert(status.to_string(), success);

    let mut errors: Vec<u16> = op.errors.to_vec();
    if op.body.is_some() || !op.parameters.is_empty() {
        errors.push(400);
    }
    if op.body.is_some() {
        errors.push(413);
    }
    if op.access != Access::Public {
        errors.extend([401, 403]);
    }
    if op.tag != "ops" {
        errors.extend([500, 503]);
    }
    if op.path == "/readyz" {
        errors.push(503);
    }
    errors.sort_unstable();
    errors.dedup();
    for status in errors {
        responses.insert(status.to_string(), error_response(status));
    }

    let mut parameters = op.parameters.clone();
    if op.access != Access::Public && op.method != "get" {
        parameters.push(csrf_parameter());
    }
    let mut value = json!({
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": responses,
    });
    if !parameters.is_empty() {
        value["parameters"] = Value::Array(parameters);
    }
    if let Some((body, optional)) = &op.body {
        value["requestBody"] = json!({
            "required": !optional,
            "content": { "application/json": { "schema": body } },
        });
    }
    match op.access {
        Access::Public => {}
        Access::User => value["security"] = json!([{ "bearer": [] }, { "cookie": [] }]),
        Access::Admin => {
            value["security"] = json!([{ "bearer": [] }, { "cookie": [] }]);
            value["description"] =
                json!("Needs the admin role; the action lands in the audit log.");
        }
    }
    value
}

fn timestamp(description: &str) -> Value {
    json!({ "type": ["string", "null"], "format": "date-time", "description": description })
}

fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "enum": [
                                "invalid_request", "invalid_argument", "unauthenticated", "forbidden",
                                "csrf", "not_found", "method_not_allowed", "conflict",
                                "failed_precondition", "payload_too_large", "rate_limited",
                                "unavailable", "internal"
                            ],
                        },
                        "message": { "type": "string" },
                    },
                },
            },
        },
        "Role": { "type": "string", "enum": ["user", "setter", "admin"] },
        "User": {
            "type": "object",
            "description": "An account as its owner and admins see it.",
            "required": [
                "id", "username", "email", "display_name", "bio", "country", "avatar_url",
                "preferred_language", "role", "is_verified", "is_banned", "ban_reason",
                "banned_until", "totp_enabled", "created_at", "updated_at"
            ],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "username": { "type": "string" },
                "email": { "type": "string", "format": "email" },
                "display_name": { "type": "string" },
                "bio": { "type": "string" },
                "country": { "type": "string", "description": "ISO 3166-1 alpha-2, or empty." },
                "avatar_url": { "type": "string" },
                "preferred_language": { "type": "string", "description": "A language id (`cpp`, `python3`, ...), or empty." },
                "role": schema("Role"),
                "is_verified": { "type": "boolean" },
                "is_banned": { "type": "boolean" },
                "ban_reason": { "type": ["string", "null"], "description": "Null unless banned." },
                "banned_until": timestamp("RFC 3339; null unless banned for a limited time."),
                "totp_enabled": { "type": "boolean" },
                "created_at": timestamp("RFC 3339, UTC."),
                "updated_at": timestamp("RFC 3339, UTC."),
            },
        },
        "PublicProfile": {
            "type": "object",
            "description": "What anyone may see of an account.",
            "required": ["username", "display_name", "bio", "country", "avatar_url", "role", "is_banned", "created_at"],
            "properties": {
                "username": { "type": "string" },
                "display_name": { "type": "string" },
                "bio": { "type": "string" },
                "country": { "type": "string" },
                "avatar_url": { "type": "string" },
                "role": schema("Role"),
                "is_banned": { "type": "boolean" },
                "created_at": timestamp("RFC 3339, UTC."),
            },
        },
        "Tokens": {
            "type": "object",
            "required": ["access_token", "refresh_token", "access_expires_at", "refresh_expires_at"],
            "properties": {
                "access_token": { "type": "string", "description": "Send as `Authorization: Bearer <access_token>`." },
                "refresh_token": { "type": "string", "description": "Single-use; exchange at /api/v1/auth/refresh." },
                "access_expires_at": timestamp("RFC 3339, UTC."),
                "refresh_expires_at": timestamp("RFC 3339, UTC."),
            },
        },
        "SignedIn": {
            "allOf": [
                schema("Tokens"),
                {
                    "type": "object",
                    "required": ["user"],
                    "properties": { "user": schema("User") },
                },
            ],
        },
        "TwoFactorChallenge": {
            "type": "object",
            "required": ["two_factor_required", "challenge_token", "expires_at"],
            "properties": {
                "two_factor_required": { "const": true },
                "challenge_token": { "type": "string", "description": "Short-lived and single-use." },
                "expires_at": timestamp("RFC 3339, UTC."),
            },
        },
        "AuditEntry": {
            "type": "object",
            "required": ["id", "at", "actor_id", "actor_username", "action", "target_user_id", "details"],
            "properties": {
                "id": { "type": "integer", "minimum": 0 },
                "at": timestamp("RFC 3339, UTC."),
                "actor_id": { "type": ["string", "null"], "description": "Null for actions of the system itself." },
                "actor_username": { "type": ["string", "null"] },
                "action": { "type": "string", "description": "The RPC's name: `BanUser`, `SetRole`, ..." },
                "target_user_id": { "type": ["string", "null"] },
                "details": { "description": "What changed, as JSON." },
            },
        },
        "OutboxEmail": {
            "type": "object",
            "required": ["id", "at", "to", "subject", "body"],
            "properties": {
                "id": { "type": "integer", "minimum": 0 },
                "at": timestamp("RFC 3339, UTC."),
                "to": { "type": "string" },
                "subject": { "type": "string" },
                "body": { "type": "string", "description": "Plain text, with the links and tokens." },
            },
        },
    })
}

/// Problems, runs, submissions and their live events (docs/http-api.md, "Judging").
fn judge_operations() -> Vec<Operation> {
    use Access::{Admin, Public, User};
    let slug = || vec![path_parameter("slug", "The problem's slug (`sum-of-two`).")];
    let limits = object(
        json!({
            "time_limit_ms": { "type": "integer", "minimum": 0 },
            "memory_limit_bytes": { "type": "integer", "minimum": 0 },
            "output_limit_bytes": { "type": "integer", "minimum": 0 },
        }),
        &[],
    );
    let page = |items: &str, schema_name: &str| {
        object(
            json!({
                items: { "type": "array", "items": schema(schema_name) },
                "total": { "type": "integer", "minimum": 0 },
                "page": { "type": "integer", "minimum": 1 },
            }),
            &[items, "total", "page"],
        )
    };
    let problem = || object(json!({ "problem": schema("Problem") }), &["problem"]);
    let string = || json!({ "type": "string" });
    let mut list_problems = vec![
        query_parameter("category", "Only this category.", string()),
        query_parameter(
            "difficulty",
            "easy, medium or hard.",
            json!({ "type": "string", "enum": ["easy", "medium", "hard"] }),
        ),
        query_parameter(
            "tag",
            "A tag, or several separated by commas (all must match).",
            string(),
        ),
        query_parameter(
            "q",
            "Case-insensitive text in the title, slug or statement.",
            string(),
        ),
        query_parameter(
            "status",
            "solved or unsolved by the caller (signed in).",
            json!({ "type": "string", "enum": ["solved", "unsolved"] }),
        ),
        query_parameter(
            "mine",
            "Only problems the caller edits, drafts included (setters, admins).",
            json!({ "type": "boolean" }),
        ),
    ];
    list_problems.extend(page_parameters());
    let mut list_submissions = vec![
        query_parameter("user", "A username.", string()),
        query_parameter("problem", "A problem's slug.", string()),
        query_parameter("verdict", "AC, WA, TLE, MLE, OLE, RE, CE or IE.", string()),
        query_parameter("language", "A language id.", string()),
    ];
    list_submissions.extend(page_parameters());
    vec![
        Operation {
            method: "get",
            path: "/api/v1/languages",
            id: "listLanguages",
            tag: "judge",
            summary: "The languages the judge runs, with a template each",
            access: Public,
            parameters: vec![],
            body: None,
            success: (
                200,
                "The languages.",
                Some(object(
                    json!({ "languages": { "type": "array", "items": schema("Language") } }),
                    &["languages"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/api/v1/problems",
            id: "listProblems",
            tag: "problems",
            summary: "Problems the caller may see, filtered and paged (by rating, then slug)",
            access: Public,
            parameters: list_problems,
            body: None,
            success: (
                200,
                "One page of problems.",
                Some(page("problems", "ProblemSummary")),
            ),
            errors: &[400, 401, 403],
        },
        Operation {
            method: "post",
            path: "/api/v1/problems",
            id: "createProblem",
            tag: "problems",
            summary: "Creates a draft problem (setters and admins); tests come with a package",
            access: User,
            parameters: vec![],
            body: Some((
                object(
                    json!({
                        "slug": string(), "title": string(), "statement_markdown": string(),
                        "difficulty": { "type": "string", "enum": ["easy", "medium", "hard"] },
                        "rating": { "type": "integer" }, "category": string(),
                        "tags": { "type": "array", "items": string() }, "limits": limits.clone(),
                        "languages": { "type": "array", "items": string() },
                        "sources_visible_after_solve": { "type": "boolean" },
                    }),
                    &["slug", "title"],
                ),
                false,
            )),
            success: (201, "The problem, a draft.", Some(problem())),
            errors: &[403, 409],
        },
        Operation {
            method: "get",
            path: "/api/v1/problems/{slug}",
            id: "getProblem",
            tag: "problems",
            summary: "A problem: statement (Markdown and sanitized HTML), limits, samples",
            access: Public,
            parameters: slug(),
            body: None,
            success: (200, "The problem.", Some(problem())),
            errors: &[404],
        },
        Operation {
            method: "patch",
            path: "/api/v1/problems/{slug}",
            id: "updateProblem",
            tag: "problems",
            summary: "Changes the fields given; `visibility: public` publishes (needs tests)",
            access: User,
            parameters: slug(),
            body: Some((
                object(
                    json!({
                        "title": string(), "statement_markdown": string(),
                        "difficulty": { "type": "string", "enum": ["easy", "medium", "hard"] },
                        "rating": { "type": "integer" }, "category": string(),
                        "tags": { "type": "array", "items": string() }, "limits": limits,
                        "visibility": { "type": "string", "enum": ["draft", "public"] },
                        "sources_visible_after_solve": { "type": "boolean" },
                    }),
                    &[],
                ),
                false,
            )),
            success: (200, "The problem.", Some(problem())),
            errors: &[403, 404, 409],
        },
        Operation {
            method: "delete",
            path: "/api/v1/problems/{slug}",
            id: "deleteProblem",
            tag: "problems",
            summary: "Deletes a problem and its submissions (its author, admins)",
            access: User,
            parameters: slug(),
            body: None,
            success: (204, "Deleted.", None),
            errors: &[403, 404],
        },
        Operation {
            method: "put",
            path: "/api/v1/problems/{slug}/package",
            id: "uploadPackage",
            tag: "problems",
            summary: "Replaces the tests, validator and limits with a package archive (the body: zip, tar.gz or tar; native or ICPC/Kattis), validated first",
            access: User,
            parameters: vec![
                path_parameter("slug", "The problem's slug."),
                query_parameter(
                    "update_metadata",
                    "Take the title, statement and limits from the package too (default true).",
                    json!({ "type": "boolean" }),
                ),
                query_parameter(
                    "format",
                    "native or kattis (default: told apart by the files).",
                    json!({ "type": "string", "enum": ["native", "kattis"] }),
                ),
            ],
            body: None,
            success: (
                200,
                "The problem with its new package.",
                Some(object(
                    json!({
                        "problem": schema("Problem"),
                        "tests": { "type": "integer", "minimum": 1 },
                        "warnings": { "type": "array", "items": string() },
                    }),
                    &["problem", "tests", "warnings"],
                )),
            ),
            errors: &[400, 403, 404, 413],
        },
        Operation {
            method: "get",
            path: "/api/v1/problems/{slug}/stats",
            id: "getProblemStats",
            tag: "problems",
            summary: "Submissions, acceptance rate and solvers; counts by verdict and by language",
            access: Public,
            parameters: slug(),
            body: None,
            success: (200, "The counts.", Some(schema("ProblemStats"))),
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/v1/problems/{slug}/tests",
            id: "listTests",
            tag: "problems",
            summary: "Every test with its group and sizes, hidden ones included (the problem's editors)",
            access: User,
            parameters: slug(),
            body: None,
            success: (
                200,
                "The tests.",
                Some(object(
                    json!({ "tests": { "type": "array", "items": schema("TestInfo") } }),
                    &["tests"],
                )),
            ),
            errors: &[403, 404],
        },
        Operation {
            method: "get",
            path: "/api/v1/facets",
            id: "listFacets",
            tag: "problems",
            summary: "Categories and tags of public problems, with counts (for filter menus)",
            access: Public,
            parameters: vec![],
            body: None,
            success: (
                200,
                "Categories and tags.",
                Some(object(
                    json!({
                        "categories": { "type": "array", "items": schema("Facet") },
                        "tags": { "type": "array", "items": schema("Facet") },
                    }),
                    &["categories", "tags"],
                )),
            ),
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/v1/run",
            id: "run",
            tag: "judge",
            summary: "Runs a program once on an input, without a problem (the editor's Run button)",
            access: User,
            parameters: vec![],
            body: Some((
                object(
                    json!({
                        "language": string(), "source": string(), "stdin": string(),
                        "time_limit_ms": { "type": "integer", "minimum": 0, "maximum": 15000 },
                        "memory_limit_bytes": { "type": "integer", "minimum": 0 },
                    }),
                    &["language", "source"],
                ),
                false,
            )),
            success: (200, "How the run ended.", Some(schema("RunResult"))),
            errors: &[403],
        },
        Operation {
            method: "post",
            path: "/api/v1/submissions",
            id: "submit",
            tag: "judge",
            summary: "Queues a submission (verified, unbanned accounts); its id at once, the verdict later (GET it, or follow /api/v1/ws)",
            access: User,
            parameters: vec![],
            body: Some((
                object(
                    json!({ "problem": string(), "language": string(), "source": string() }),
                    &["problem", "language", "source"],
                ),
                false,
            )),
            success: (
                202,
                "Queued.",
                Some(object(
                    json!({ "id": string(), "status": { "type": "string", "enum": ["queued"] } }),
                    &["id", "status"],
                )),
            ),
            errors: &[403, 404, 409, 429],
        },
        Operation {
            method: "get",
            path: "/api/v1/submissions",
            id: "listSubmissions",
            tag: "judge",
            summary: "Submissions, newest first (without sources and per-test results)",
            access: Public,
            parameters: list_submissions,
            body: None,
            success: (
                200,
                "One page of submissions.",
                Some(page("submissions", "Submission")),
            ),
            errors: &[400, 404],
        },
        Operation {
            method: "get",
            path: "/api/v1/submissions/{id}",
            id: "getSubmission",
            tag: "judge",
            summary: "A submission with its per-test results (its source for its author, the problem's editors and admins)",
            access: Public,
            parameters: vec![path_parameter("id", "The submission's id.")],
            body: None,
            success: (200, "The submission.", Some(schema("Submission"))),
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/v1/ws",
            id: "events",
            tag: "judge",
            summary: "WebSocket of live submission events: send {\"subscribe\": \"submission\", \"id\": ...}; get a snapshot, then queued/compiling/compiled/test events and finished",
            access: Public,
            parameters: vec![],
            body: None,
            success: (101, "Switching to the WebSocket protocol.", None),
            errors: &[400],
        },
        Operation {
            method: "post",
            path: "/api/v1/admin/rejudge",
            id: "rejudge",
            tag: "admin",
            summary: "Judges again one submission or every submission of a problem",
            access: Admin,
            parameters: vec![],
            body: Some((
                object(
                    json!({ "submission_id": string(), "problem": string() }),
                    &[],
                ),
                false,
            )),
            success: (
                202,
                "Queued again.",
                Some(object(
                    json!({ "queued": { "type": "integer", "minimum": 1 } }),
                    &["queued"],
                )),
            ),
            errors: &[404],
        },
    ]
}

fn judge_schemas() -> Value {
    let string = || json!({ "type": "string" });
    let verdict = || json!({ "type": ["string", "null"], "enum": ["AC", "WA", "TLE", "MLE", "OLE", "RE", "CE", "IE", null] });
    json!({
        "Language": {
            "type": "object",
            "required": ["id", "name", "version", "extension", "template"],
            "properties": { "id": string(), "name": string(), "version": string(), "extension": string(), "template": string() },
        },
        "ProblemSummary": {
            "type": "object",
            "required": ["slug", "title", "difficulty", "rating", "category", "tags", "kind", "visibility", "acceptance_rate", "solved"],
            "properties": {
                "slug": string(), "title": string(),
                "difficulty": { "type": ["string", "null"], "enum": ["easy", "medium", "hard", null] },
                "rating": { "type": "integer" }, "category": string(),
                "tags": { "type": "array", "items": string() },
                "kind": { "type": "string", "enum": ["standard", "interactive", "scoring"] },
                "visibility": { "type": "string", "enum": ["draft", "public"] },
                "acceptance_rate": { "type": "number" },
                "solved": { "type": "boolean", "description": "The caller has an accepted submission." },
            },
        },
        "Problem": {
            "description": "A ProblemSummary's fields and these.",
            "type": "object",
            "required": ["slug", "statement_markdown", "statement_html", "limits", "samples", "test_count"],
            "properties": {
                "id": string(), "slug": string(), "title": string(),
                "statement_markdown": string(),
                "statement_html": { "type": "string", "description": "Sanitized: no scripts, no event handlers." },
                "limits": { "type": "object" },
                "samples": { "type": "array", "items": { "type": "object", "properties": { "name": string(), "input": string(), "answer": string() } } },
                "languages": { "type": "array", "items": string() },
                "max_score": { "type": "number" },
                "test_count": { "type": "integer" },
                "author": string(),
            },
        },
        "ProblemStats": {
            "type": "object",
            "required": ["submissions", "accepted", "acceptance_rate", "solvers", "by_verdict", "by_language"],
            "properties": {
                "submissions": { "type": "integer" }, "accepted": { "type": "integer" },
                "acceptance_rate": { "type": "number" }, "solvers": { "type": "integer" },
                "by_verdict": { "type": "object", "additionalProperties": { "type": "integer" } },
                "by_language": { "type": "object", "additionalProperties": { "type": "integer" } },
            },
        },
        "TestInfo": {
            "type": "object",
            "properties": { "name": string(), "group": string(), "is_sample": { "type": "boolean" }, "input_bytes": { "type": "integer" }, "answer_bytes": { "type": "integer" } },
        },
        "Facet": { "type": "object", "properties": { "name": string(), "problems": { "type": "integer" } } },
        "TestResult": {
            "type": "object",
            "required": ["index", "name", "group", "verdict", "time_ms", "memory_bytes"],
            "properties": {
                "index": { "type": "integer" },
                "name": { "type": "string", "description": "Hidden tests are `#N` for contestants." },
                "group": string(), "verdict": verdict(),
                "time_ms": { "type": "integer", "description": "Deterministic, from fuel." },
                "memory_bytes": { "type": "integer" },
            },
        },
        "Submission": {
            "type": "object",
            "required": ["id", "problem", "user", "language", "status", "verdict", "tests"],
            "properties": {
                "id": string(), "problem": string(), "user": string(), "language": string(),
                "status": { "type": "string", "enum": ["queued", "judging", "done"] },
                "verdict": verdict(),
                "score": { "type": ["number", "null"] }, "max_score": { "type": ["number", "null"] },
                "source": { "type": ["string", "null"] },
                "compile_output": string(),
                "tests": { "type": "array", "items": schema("TestResult") },
                "groups": { "type": "array", "items": { "type": "object" } },
                "max_time_ms": { "type": "integer" }, "max_memory_bytes": { "type": "integer" },
                "created_at": { "type": ["string", "null"], "format": "date-time" },
                "judged_at": { "type": ["string", "null"], "format": "date-time" },
            },
        },
        "RunResult": {
            "type": "object",
            "required": ["status", "exit_code", "stdout", "stderr", "time_ms", "memory_bytes"],
            "properties": {
                "status": { "type": "string", "enum": ["exited", "time_limit_exceeded", "memory_limit_exceeded", "output_limit_exceeded", "runtime_error", "compile_error"] },
                "exit_code": { "type": ["integer", "null"] },
                "stdout": string(), "stderr": string(),
                "stdout_base64": { "type": "string", "description": "Only when stdout is not UTF-8." },
                "stderr_base64": { "type": "string", "description": "Only when stderr is not UTF-8." },
                "stdout_truncated": { "type": "boolean" }, "stderr_truncated": { "type": "boolean" },
                "trap": { "type": ["string", "null"] }, "compile_output": string(),
                "time_ms": { "type": "integer" }, "memory_bytes": { "type": "integer" }, "wall_ms": { "type": "integer" },
            },
        },
    })
}

fn merged_schemas() -> Value {
    let mut all = schemas();
    if let (Value::Object(all), Value::Object(judge)) = (&mut all, judge_schemas()) {
        all.extend(judge);
    }
    all
}

fn build() -> Value {
    let mut paths = Map::new();
    for op in operations().into_iter().chain(judge_operations()) {
        let item = paths
            .entry(op.path)
            .or_insert_with(|| Value::Object(Map::new()));
        item[op.method] = operation(&op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Xcode HTTP API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The public HTTP/JSON API of the Xcode online judge (docs/http-api.md). Every error is `{\"error\": {\"code\", \"message\"}}`; every response carries `X-Request-Id`.",
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "auth", "description": "Registration, sessions and passwords." },
            { "name": "me", "description": "The caller's own account." },
            { "name": "users", "description": "Public profiles." },
            { "name": "admin", "description": "Administration (role admin)." },
            { "name": "problems", "description": "Problems, their packages and statistics." },
            { "name": "judge", "description": "Runs, submissions and their live verdicts." },
            { "name": "ops", "description": "Health, metrics and this document." },
        ],
        "paths": paths,
        "components": {
            "schemas": merged_schemas(),
            "responses": error_responses(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The access token from login, refresh or password change.",
                },
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "xcode_access",
                    "description": "Set by login for browsers. POST, PUT, PATCH and DELETE authenticated by this cookie must send X-CSRF-Token equal to the xcode_csrf cookie.",
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let document = document();
        let mut references = Vec::new();
        collect_references(document, &mut references);
        assert!(!references.is_empty());
        for reference in references {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{reference} is local"));
            assert!(
                document.pointer(pointer).is_some(),
                "{reference} does not resolve"
            );
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let mut ids: Vec<_> = operations().iter().map(|op| op.id).collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }

    fn collect_references(value: &Value, references: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(reference)) => references.push(reference.clone()),
                        _ => collect_references(value, references),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_references(v, references)),
            _ => {}
        }
    }
}
