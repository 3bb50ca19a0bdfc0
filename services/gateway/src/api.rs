//! The `/api/v1` routes: each handler reads its JSON, calls one RPC and shapes the answer.
//! docs/http-api.md describes them and [`crate::openapi`] documents them.

mod account;
mod admin;
mod auth;
pub(crate) mod judge;
mod ws;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};

use crate::AppState;

/// Largest body of a run or a submission.
pub(crate) const CODE_BODY_BYTES: usize = 20 << 20;

pub(crate) fn routes(max_package_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register", post(auth::register))
        .route("/api/v1/auth/verify-email", post(auth::verify_email))
        .route(
            "/api/v1/auth/resend-verification",
            post(auth::resend_verification),
        )
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/login/2fa", post(auth::login_two_factor))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/logout-all", post(auth::logout_all))
        .route("/api/v1/auth/password/forgot", post(auth::forgot_password))
        .route("/api/v1/auth/password/reset", post(auth::reset_password))
        .route("/api/v1/auth/password/change", post(auth::change_password))
        .route("/api/v1/me", get(account::me).patch(account::update_me))
        .route("/api/v1/me/2fa/enable", post(account::enable_two_factor))
        .route("/api/v1/me/2fa/confirm", post(account::confirm_two_factor))
        .route("/api/v1/me/2fa/disable", post(account::disable_two_factor))
        .route(
            "/api/v1/me/2fa/recovery-codes",
            post(account::regenerate_recovery_codes),
        )
        .route("/api/v1/users/{username}", get(account::profile))
        .route("/api/v1/admin/users", get(admin::list_users))
        .route("/api/v1/admin/users/{id}", delete(admin::delete_user))
        .route("/api/v1/admin/users/{id}/ban", post(admin::ban))
        .route("/api/v1/admin/users/{id}/unban", post(admin::unban))
        .route("/api/v1/admin/users/{id}/verify", post(admin::verify))
        .route("/api/v1/admin/users/{id}/role", post(admin::set_role))
        .route("/api/v1/admin/audit", get(admin::audit_log))
        .route("/api/v1/admin/outbox", get(admin::outbox))
        .route("/api/v1/admin/rejudge", post(judge::rejudge))
        .route("/api/v1/languages", get(judge::languages))
        .route("/api/v1/facets", get(judge::facets))
        .route(
            "/api/v1/problems",
            get(judge::list_problems).post(judge::create_problem),
        )
        .route(
            "/api/v1/problems/{slug}",
            get(judge::get_problem)
                .patch(judge::update_problem)
                .delete(judge::delete_problem),
        )
        .route(
            "/api/v1/problems/{slug}/package",
            put(judge::upload_package).layer(DefaultBodyLimit::max(max_package_bytes)),
        )
        .route("/api/v1/problems/{slug}/stats", get(judge::problem_stats))
        .route("/api/v1/problems/{slug}/tests", get(judge::list_tests))
        // Sources (up to 64 KiB, checked by the judge with a clear message) and inputs need
        // more than the default body limit.
        .route(
            "/api/v1/run",
            post(judge::run).layer(DefaultBodyLimit::max(CODE_BODY_BYTES)),
        )
        .route(
            "/api/v1/submissions",
            get(judge::list_submissions)
                .post(judge::submit)
                .layer(DefaultBodyLimit::max(CODE_BODY_BYTES)),
        )
        .route("/api/v1/submissions/{id}", get(judge::get_submission))
        .route("/api/v1/ws", get(ws::ws))
}
