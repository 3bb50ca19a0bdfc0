//! `/api/v1/admin/*`: user administration, the audit log and the email outbox. The users
//! service checks the caller's role on every call; the gateway only forwards the token.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use xcode_proto::users::v1 as pb;

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::model::{AuditEntry, OutboxEmail, Role, User, parse_rfc3339, required};
use crate::upstream;

/// The page size when none is asked for, and the largest (users.proto).
const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 200;

/// Query values arrive as text and are checked here, so a wrong one is named in the error;
/// an empty value (`?banned=`) means "not given".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListUsersQuery {
    q: Option<String>,
    banned: Option<String>,
    verified: Option<String>,
    role: Option<String>,
    page: Option<String>,
    page_size: Option<String>,
}

pub(crate) async fn list_users(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Query(query): Query<ListUsersQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let role = match given(query.role.as_deref()) {
        None => pb::Role::Unspecified,
        Some(name) => Role::parse(name)
            .ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "role must be user, setter or admin, not {name:?}"
                ))
            })?
            .to_proto(),
    };
    let page = Page::parse(query.page.as_deref(), query.page_size.as_deref())?;
    let request = pb::ListUsersRequest {
        query: query.q.unwrap_or_default().trim().to_owned(),
        banned: flag("banned", query.banned.as_deref())?,
        verified: flag("verified", query.verified.as_deref())?,
        role: role as i32,
        page: page.page,
        page_size: page.page_size,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.list_users(request).await
    })
    .await?;
    let users: Vec<User> = response.users.into_iter().map(User::from).collect();
    Ok(axum::Json(json!({
        "users": users,
        "total": response.total,
        "page": page.page,
        "page_size": page.page_size,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Ban {
    reason: String,
    /// RFC 3339; absent or null: until unbanned.
    until: Option<String>,
}

pub(crate) async fn ban(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(user_id): Path<String>,
    Json(body): Json<Ban>,
) -> Result<axum::Json<Value>, ApiError> {
    let until = match given(body.until.as_deref()) {
        Some(until) => Some(parse_rfc3339("until", until)?),
        None => None,
    };
    let request = pb::BanUserRequest {
        user_id,
        reason: body.reason,
        until,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.ban_user(request).await
    })
    .await?;
    user_body(response.user)
}

pub(crate) async fn unban(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(user_id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::UnbanUserRequest { user_id };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.unban_user(request).await
    })
    .await?;
    user_body(response.user)
}

pub(crate) async fn verify(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(user_id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::VerifyUserRequest { user_id };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.verify_user(request).await
    })
    .await?;
    user_body(response.user)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetRole {
    role: Role,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(user_id): Path<String>,
    Json(body): Json<SetRole>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::SetRoleRequest {
        user_id,
        role: body.role.to_proto() as i32,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.set_role(request).await
    })
    .await?;
    user_body(response.user)
}

pub(crate) async fn delete_user(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let request = pb::DeleteUserRequest { user_id };
    upstream::users(&state, &context, request, |mut users, request| async move {
        users.delete_user(request).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    page: Option<String>,
    page_size: Option<String>,
    user_id: Option<String>,
}

pub(crate) async fn audit_log(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Query(query): Query<AuditQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page = Page::parse(query.page.as_deref(), query.page_size.as_deref())?;
    let request = pb::ListAuditLogRequest {
        page: page.page,
        page_size: page.page_size,
        target_user_id: given(query.user_id.as_deref())
            .unwrap_or_default()
            .to_owned(),
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.list_audit_log(request).await
    })
    .await?;
    let entries: Vec<AuditEntry> = response.entries.into_iter().map(AuditEntry::from).collect();
    Ok(axum::Json(
        json!({ "entries": entries, "total": response.total }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutboxQuery {
    page: Option<String>,
    page_size: Option<String>,
}

pub(crate) async fn outbox(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Query(query): Query<OutboxQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let page = Page::parse(query.page.as_deref(), query.page_size.as_deref())?;
    let request = pb::ListOutboxRequest {
        page: page.page,
        page_size: page.page_size,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.list_outbox(request).await
    })
    .await?;
    let emails: Vec<OutboxEmail> = response.emails.into_iter().map(OutboxEmail::from).collect();
    Ok(axum::Json(
        json!({ "emails": emails, "total": response.total }),
    ))
}

fn user_body(user: Option<pb::User>) -> Result<axum::Json<Value>, ApiError> {
    let user = User::from(required(user, "User")?);
    Ok(axum::Json(json!({ "user": user })))
}

/// A page as the service will serve it: 1-based, 50 rows unless asked, at most 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    page: u32,
    page_size: u32,
}

impl Page {
    fn parse(page: Option<&str>, page_size: Option<&str>) -> Result<Self, ApiError> {
        let page = number("page", page)?.unwrap_or(1).max(1);
        let page_size = match number("page_size", page_size)? {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(size) => size.min(MAX_PAGE_SIZE),
        };
        Ok(Self { page, page_size })
    }
}

/// A value that is present and not blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

fn flag(name: &str, value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match given(value) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::invalid_request(format!(
            "{name} must be true or false, not {other:?}"
        ))),
    }
}

fn number(name: &str, value: Option<&str>) -> Result<Option<u32>, ApiError> {
    given(value)
        .map(|text| {
            text.parse::<u32>().map_err(|_| {
                ApiError::invalid_request(format!("{name} must be a whole number, not {text:?}"))
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_and_clamp() {
        let page = |p, s| Page::parse(p, s).expect("valid");
        assert_eq!(
            page(None, None),
            Page {
                page: 1,
                page_size: 50
            }
        );
        assert_eq!(
            page(Some(""), Some("")),
            Page {
                page: 1,
                page_size: 50
            }
        );
        assert_eq!(
            page(Some("0"), Some("0")),
            Page {
                page: 1,
                page_size: 50
            }
        );
        assert_eq!(
            page(Some("3"), Some("20")),
            Page {
                page: 3,
                page_size: 20
            }
        );
        assert_eq!(
            page(None, Some("1000")),
            Page {
                page: 1,
                page_size: 200
            }
        );
        let error = Page::parse(Some("-1"), None).expect_err("negative");
        assert_eq!(error.code, "invalid_request");
        assert!(error.message.contains("page"), "{}", error.message);
        assert!(Page::parse(None, Some("ten")).is_err());
    }

    #[test]
    fn flags_are_true_false_or_absent() {
        assert_eq!(flag("banned", None).expect("absent"), None);
        assert_eq!(flag("banned", Some("")).expect("blank"), None);
        assert_eq!(flag("banned", Some("true")).expect("true"), Some(true));
        assert_eq!(flag("banned", Some("false")).expect("false"), Some(false));
        let error = flag("verified", Some("yes")).expect_err("not a flag");
        assert!(error.message.contains("verified"), "{}", error.message);
    }
}
