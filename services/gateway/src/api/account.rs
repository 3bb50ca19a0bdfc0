//! `/api/v1/me*` (the caller's own account and two-factor settings) and
//! `/api/v1/users/{username}` (public profiles).

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};
use xcode_proto::users::v1 as pb;

use crate::AppState;
use crate::auth::{Authenticated, Context};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::model::{PublicProfile, User, required};
use crate::upstream;

pub(crate) async fn me(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::users(
        &state,
        &context,
        pb::GetMeRequest {},
        |mut users, request| async move { users.get_me(request).await },
    )
    .await?;
    let user = User::from(required(response.user, "GetMeResponse.user")?);
    Ok(axum::Json(json!({ "user": user })))
}

/// Only the fields present change; an empty string clears one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateProfile {
    display_name: Option<String>,
    bio: Option<String>,
    country: Option<String>,
    avatar_url: Option<String>,
    preferred_language: Option<String>,
}

pub(crate) async fn update_me(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<UpdateProfile>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::UpdateProfileRequest {
        display_name: body.display_name,
        bio: body.bio,
        country: body.country,
        avatar_url: body.avatar_url,
        preferred_language: body.preferred_language,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.update_profile(request).await
    })
    .await?;
    let user = User::from(required(response.user, "UpdateProfileResponse.user")?);
    Ok(axum::Json(json!({ "user": user })))
}

pub(crate) async fn enable_two_factor(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::users(
        &state,
        &context,
        pb::BeginTotpEnrollmentRequest {},
        |mut users, request| async move { users.begin_totp_enrollment(request).await },
    )
    .await?;
    Ok(axum::Json(json!({
        "secret": response.secret,
        "otpauth_uri": response.otpauth_uri,
        "qr_png_base64": STANDARD.encode(&response.qr_png),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Code {
    code: String,
}

pub(crate) async fn confirm_two_factor(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<Code>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::ConfirmTotpRequest { code: body.code };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.confirm_totp(request).await
    })
    .await?;
    Ok(axum::Json(
        json!({ "recovery_codes": response.recovery_codes }),
    ))
}

pub(crate) async fn disable_two_factor(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<Code>,
) -> Result<StatusCode, ApiError> {
    let request = pb::DisableTotpRequest { code: body.code };
    upstream::users(&state, &context, request, |mut users, request| async move {
        users.disable_totp(request).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn regenerate_recovery_codes(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<Code>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::RegenerateRecoveryCodesRequest { code: body.code };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.regenerate_recovery_codes(request).await
    })
    .await?;
    Ok(axum::Json(
        json!({ "recovery_codes": response.recovery_codes }),
    ))
}

pub(crate) async fn profile(
    State(state): State<AppState>,
    context: Context,
    Path(username): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = pb::GetUserRequest { username };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.get_user(request).await
    })
    .await?;
    let profile = PublicProfile::from(required(response.profile, "GetUserResponse.profile")?);
    Ok(axum::Json(json!({ "profile": profile })))
}
