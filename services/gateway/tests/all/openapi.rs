//! `/api/v1/openapi.json` describes every route, and every route it describes is routed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Gateway, json};

/// Every route of the API (docs/http-api.md), with its method.
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

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(gateway: &Gateway) -> Value {
    let (status, document) = json(gateway.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    document
}

/// The (method, path) pairs the document lists.
fn documented(document: &Value) -> Vec<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("a path item").keys() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            operations.push((method.clone(), path.clone()));
        }
    }
    operations
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route() {
    let gateway = Gateway::without_users().await;
    let document = document(&gateway).await;
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    let listed = documented(&document);
    for (method, path) in ROUTES {
        assert!(
            listed.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is not documented"
        );
    }
    assert_eq!(listed.len(), ROUTES.len(), "documented: {listed:?}");

    let error = &document["components"]["schemas"]["Error"];
    assert_eq!(error["required"], json!(["error"]));
    assert!(error["properties"]["error"]["properties"]["code"]["enum"].is_array());
    for schema in ["User", "PublicProfile", "Tokens", "TwoFactorChallenge"] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}

#[tokio::test]
async fn every_operation_has_a_success_and_an_error_response() {
    let gateway = Gateway::without_users().await;
    let document = document(&gateway).await;
    for (method, path) in documented(&document) {
        let operation = &document["paths"][&path][&method];
        assert!(operation["summary"].is_string(), "{method} {path}");
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|status| status.starts_with('2') || status == "101"),
            "{method} {path} has no success response"
        );
        let api = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
        if api {
            let error = &responses["503"];
            assert_eq!(
                error["$ref"], "#/components/responses/Unavailable",
                "{method} {path}"
            );
        }
        if operation.get("requestBody").is_some() {
            assert!(
                responses.contains_key("400") && responses.contains_key("413"),
                "{method} {path}"
            );
        }
        if operation.get("security").is_some() {
            assert!(responses.contains_key("401"), "{method} {path}");
        }
    }
}

#[tokio::test]
async fn every_documented_route_is_routed() {
    let gateway = Gateway::without_users().await;
    let document = document(&gateway).await;
    for (method, path) in documented(&document) {
        let concrete = path
            .replace("{username}", "ada")
            .replace("{slug}", "sum-of-two")
            .replace("{id}", "0190a5a4-8d0e-7c61-9a1e-3f5d2b6c7e80");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
        let response = gateway
            .request(method.clone(), &concrete)
            .header("authorization", "Bearer test-token")
            .json(&json!({}))
            .send()
            .await
            .expect("a response");
        let status = response.status().as_u16();
        // With the users service down nothing answers 404 but the router, nor 405.
        assert!(
            status != 404 && status != 405,
            "{method} {concrete}: {status} {}",
            response.text().await.unwrap_or_default()
        );
    }
}
