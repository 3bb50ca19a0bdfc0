//! `/api/v1/auth/*`: registration, email verification, sessions and passwords. Responses
//! that start or renew a session carry the tokens in the body (for API clients) and in
//! cookies (for browsers); ending one clears the cookies.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;
use xcode_proto::users::v1 as pb;
use xcode_proto::users::v1::login_response::Result as LoginResult;

use crate::AppState;
use crate::auth::{
    ACCESS_COOKIE, Authenticated, Context, Expiry, REFRESH_COOKIE, SetCookies, access_token,
    check_csrf,
};
use crate::error::ApiError;
use crate::extract::{Json, OptionalJson};
use crate::model::{Tokens, TwoFactorChallenge, User, required};
use crate::upstream;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Register {
    username: String,
    email: String,
    password: String,
}

pub(crate) async fn register(
    State(state): State<AppState>,
    context: Context,
    Json(body): Json<Register>,
) -> Result<impl IntoResponse, ApiError> {
    let request = pb::RegisterRequest {
        username: body.username,
        email: body.email,
        password: body.password,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.register(request).await
    })
    .await?;
    let user = User::from(required(response.user, "RegisterResponse.user")?);
    Ok((StatusCode::CREATED, axum::Json(json!({ "user": user }))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyEmail {
    token: String,
}

pub(crate) async fn verify_email(
    State(state): State<AppState>,
    context: Context,
    Json(body): Json<VerifyEmail>,
) -> Result<impl IntoResponse, ApiError> {
    let request = pb::VerifyEmailRequest { token: body.token };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.verify_email(request).await
    })
    .await?;
    let user = User::from(required(response.user, "VerifyEmailResponse.user")?);
    Ok(axum::Json(json!({ "user": user })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Email {
    email: String,
}

pub(crate) async fn resend_verification(
    State(state): State<AppState>,
    context: Context,
    Json(body): Json<Email>,
) -> Result<impl IntoResponse, ApiError> {
    let request = pb::ResendVerificationRequest { email: body.email };
    upstream::users(&state, &context, request, |mut users, request| async move {
        users.resend_verification(request).await
    })
    .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(json!({}))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    login: String,
    password: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    context: Context,
    headers: HeaderMap,
    Json(body): Json<Login>,
) -> Result<Response, ApiError> {
    let request = pb::LoginRequest {
        login: body.login,
        password: body.password,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.login(request).await
    })
    .await?;
    match required(response.result, "LoginResponse.result")? {
        LoginResult::SignedIn(signed_in) => signed_in_response(&state, &headers, signed_in),
        LoginResult::TwoFactor(challenge) => {
            Ok(axum::Json(TwoFactorChallenge::from(challenge)).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginTwoFactor {
    challenge_token: String,
    code: String,
}

pub(crate) async fn login_two_factor(
    State(state): State<AppState>,
    context: Context,
    headers: HeaderMap,
    Json(body): Json<LoginTwoFactor>,
) -> Result<Response, ApiError> {
    let request = pb::LoginTwoFactorRequest {
        challenge_token: body.challenge_token,
        code: body.code,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.login_two_factor(request).await
    })
    .await?;
    let signed_in = required(response.signed_in, "LoginTwoFactorResponse.signed_in")?;
    signed_in_response(&state, &headers, signed_in)
}

/// A new session: tokens and account in the body, tokens and a new CSRF token in cookies.
fn signed_in_response(
    state: &AppState,
    headers: &HeaderMap,
    signed_in: pb::SignedIn,
) -> Result<Response, ApiError> {
    let tokens = required(signed_in.tokens, "SignedIn.tokens")?;
    let user = required(signed_in.user, "SignedIn.user")?;
    let cookies = session_cookies(state, headers, &tokens, true)?;
    Ok((cookies, axum::Json(Tokens::new(&tokens, Some(user)))).into_response())
}

/// Tokens of a session that goes on: the body, and cookies keeping the browser's CSRF token.
fn renewed_response(
    state: &AppState,
    headers: &HeaderMap,
    tokens: Option<pb::Tokens>,
) -> Result<Response, ApiError> {
    let tokens = required(tokens, "Tokens")?;
    let cookies = session_cookies(state, headers, &tokens, false)?;
    Ok((cookies, axum::Json(Tokens::new(&tokens, None))).into_response())
}

fn session_cookies(
    state: &AppState,
    headers: &HeaderMap,
    tokens: &pb::Tokens,
    new_csrf: bool,
) -> Result<SetCookies, ApiError> {
    let access = required(tokens.access_expires_at, "Tokens.access_expires_at")?;
    let refresh = required(tokens.refresh_expires_at, "Tokens.refresh_expires_at")?;
    Ok(SetCookies::signed_in(
        state,
        headers,
        (&tokens.access_token, Expiry(access.seconds)),
        (&tokens.refresh_token, Expiry(refresh.seconds)),
        new_csrf,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Refresh {
    refresh_token: Option<String>,
}

/// The refresh token comes from the body, or else from the `xcode_refresh` cookie, which
/// (like every cookie credential) needs the CSRF header.
pub(crate) async fn refresh(
    State(state): State<AppState>,
    context: Context,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<Refresh>,
) -> Result<Response, ApiError> {
    let from_body = body
        .and_then(|body| body.refresh_token)
        .filter(|token| !token.is_empty());
    let (refresh_token, by_cookie) = match from_body {
        Some(token) => (token, false),
        None => {
            let jar = CookieJar::from_headers(&headers);
            let Some(cookie) = jar.get(REFRESH_COOKIE).filter(|c| !c.value().is_empty()) else {
                return Err(ApiError::unauthenticated(
                    "no refresh token: send {\"refresh_token\": ...} or the xcode_refresh cookie",
                ));
            };
            check_csrf(&headers, &jar)?;
            (cookie.value().to_owned(), true)
        }
    };
    let request = pb::RefreshRequest { refresh_token };
    let result = upstream::users(&state, &context, request, |mut users, request| async move {
        users.refresh(request).await
    })
    .await;
    match result {
        Ok(response) => renewed_response(&state, &headers, response.tokens),
        // A spent or revoked refresh cookie is of no more use to the browser.
        Err(error) if by_cookie && error.status == StatusCode::UNAUTHORIZED => {
            Ok((SetCookies::signed_out(&state), error).into_response())
        }
        Err(error) => Err(error),
    }
}

/// Ends the session: the caller's, by its access token; or, when the access token has expired
/// already (an idle browser no longer has the cookie), the session of the refresh token (the
/// `xcode_refresh` cookie, or `{"refresh_token": ...}`), so that logging out always ends it.
/// Cookie-authenticated requests need the CSRF header. The cookies are cleared in any case.
pub(crate) async fn logout(
    State(state): State<AppState>,
    mut context: Context,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<Refresh>,
) -> Result<Response, ApiError> {
    let cookies = SetCookies::signed_out(&state);
    let jar = CookieJar::from_headers(&headers);
    let from_body = body
        .and_then(|body| body.refresh_token)
        .filter(|token| !token.is_empty());
    let refresh_cookie = jar
        .get(REFRESH_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty());
    let access = if headers.contains_key(axum::http::header::AUTHORIZATION) {
        Some(access_token(&Method::POST, &headers)?)
    } else {
        let access_cookie = jar
            .get(ACCESS_COOKIE)
            .map(|cookie| cookie.value().to_owned())
            .filter(|value| !value.is_empty());
        if access_cookie.is_some() || (refresh_cookie.is_some() && from_body.is_none()) {
            check_csrf(&headers, &jar)?;
        }
        access_cookie
    };
    let refresh_token = from_body.or(refresh_cookie).unwrap_or_default();
    if access.is_none() && refresh_token.is_empty() {
        let error = ApiError::unauthenticated(
            "sign in: send `Authorization: Bearer <access token>`, the xcode_access cookie, or a refresh token",
        );
        return Ok((cookies, error).into_response());
    }
    context.access_token = access;
    let result = upstream::users(
        &state,
        &context,
        pb::LogoutRequest { refresh_token },
        |mut users, request| async move { users.logout(request).await },
    )
    .await;
    match result {
        Ok(_) => Ok((cookies, StatusCode::NO_CONTENT).into_response()),
        // The session is gone already: the browser's cookies go too.
        Err(error) if error.status == StatusCode::UNAUTHORIZED => {
            Ok((cookies, error).into_response())
        }
        Err(error) => Err(error),
    }
}

pub(crate) async fn logout_all(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
) -> Result<Response, ApiError> {
    let result = upstream::users(
        &state,
        &context,
        pb::LogoutAllRequest {},
        |mut users, request| async move { users.logout_all(request).await },
    )
    .await;
    let cookies = SetCookies::signed_out(&state);
    match result {
        Ok(response) => Ok((
            cookies,
            axum::Json(json!({ "sessions_ended": response.sessions_ended })),
        )
            .into_response()),
        Err(error) if error.status == StatusCode::UNAUTHORIZED => {
            Ok((cookies, error).into_response())
        }
        Err(error) => Err(error),
    }
}

/// Answers 202 whether or not the address has an account, so it tells nobody which do.
pub(crate) async fn forgot_password(
    State(state): State<AppState>,
    context: Context,
    Json(body): Json<Email>,
) -> Result<impl IntoResponse, ApiError> {
    let request = pb::RequestPasswordResetRequest { email: body.email };
    upstream::users(&state, &context, request, |mut users, request| async move {
        users.request_password_reset(request).await
    })
    .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(json!({}))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetPassword {
    token: String,
    new_password: String,
}

pub(crate) async fn reset_password(
    State(state): State<AppState>,
    context: Context,
    Json(body): Json<ResetPassword>,
) -> Result<StatusCode, ApiError> {
    let request = pb::ResetPasswordRequest {
        token: body.token,
        new_password: body.new_password,
    };
    upstream::users(&state, &context, request, |mut users, request| async move {
        users.reset_password(request).await
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePassword {
    old_password: String,
    new_password: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    headers: HeaderMap,
    Json(body): Json<ChangePassword>,
) -> Result<Response, ApiError> {
    let request = pb::ChangePasswordRequest {
        old_password: body.old_password,
        new_password: body.new_password,
    };
    let response = upstream::users(&state, &context, request, |mut users, request| async move {
        users.change_password(request).await
    })
    .await?;
    renewed_response(&state, &headers, response.tokens)
}
