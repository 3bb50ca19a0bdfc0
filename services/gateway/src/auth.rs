//! Who is calling: the access token (an `Authorization: Bearer` header, or the `xcode_access`
//! cookie browsers get), the client's IP and the request id, all forwarded to the services as
//! gRPC metadata ([`crate::upstream`]).
//!
//! Browsers authenticate by cookie, which other sites can make them send; so a request that
//! authenticates by cookie with an unsafe method must echo the `xcode_csrf` cookie (which only
//! our own pages can read) in the `X-CSRF-Token` header: the double-submit-cookie pattern.
//! A `Bearer` header cannot be sent cross-site without our consent, so it needs no such proof.

use std::net::{IpAddr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponseParts, ResponseParts};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::AppState;
use crate::error::ApiError;

pub(crate) const ACCESS_COOKIE: &str = "xcode_access";
pub(crate) const REFRESH_COOKIE: &str = "xcode_refresh";
pub(crate) const CSRF_COOKIE: &str = "xcode_csrf";
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
pub(crate) const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request's caller as the services see it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    pub(crate) client_ip: Option<IpAddr>,
    pub(crate) request_id: Option<String>,
    /// Set for [`Authenticated`] requests only.
    pub(crate) access_token: Option<String>,
}

impl FromRequestParts<AppState> for Context {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Self {
            client_ip: client_ip(parts, state.trust_forwarded_for),
            request_id: parts
                .headers
                .get(REQUEST_ID_HEADER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            access_token: None,
        })
    }
}

/// A request with an access token; CSRF-checked when the token came from the cookie.
/// Rejects with 401 when there is no token (before any call to a service).
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub(crate) Context);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = access_token(&parts.method, &parts.headers)?;
        let mut context = Context::from_request_parts(parts, state).await?;
        context.access_token = Some(token);
        Ok(Self(context))
    }
}

/// A request with or without credentials: an access token when it has one (CSRF-checked as
/// for [`Authenticated`]), anonymous otherwise.
#[derive(Debug, Clone)]
pub(crate) struct MaybeAuthenticated(pub(crate) Context);

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut context = Context::from_request_parts(parts, state).await?;
        let has_cookie = CookieJar::from_headers(&parts.headers)
            .get(ACCESS_COOKIE)
            .is_some_and(|cookie| !cookie.value().is_empty());
        if parts.headers.contains_key(header::AUTHORIZATION) || has_cookie {
            context.access_token = Some(access_token(&parts.method, &parts.headers)?);
        }
        Ok(Self(context))
    }
}

/// The token of the `Authorization` header, or else of the access cookie (CSRF-checked).
pub(crate) fn access_token(method: &Method, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return bearer_token(value).ok_or_else(|| {
            ApiError::unauthenticated("the Authorization header must be `Bearer <access token>`")
        });
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(ACCESS_COOKIE).filter(|c| !c.value().is_empty()) else {
        return Err(ApiError::unauthenticated(
            "sign in: send `Authorization: Bearer <access token>` or the xcode_access cookie",
        ));
    };
    if is_unsafe(method) {
        check_csrf(headers, &jar)?;
    }
    Ok(cookie.value().to_owned())
}

fn bearer_token(value: &HeaderValue) -> Option<String> {
    let value = value.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Methods that change something, which a cross-site request must not be able to do.
pub(crate) fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// `X-CSRF-Token` must equal the `xcode_csrf` cookie.
pub(crate) fn check_csrf(headers: &HeaderMap, jar: &CookieJar) -> Result<(), ApiError> {
    let Some(cookie) = jar.get(CSRF_COOKIE).filter(|c| !c.value().is_empty()) else {
        return Err(ApiError::csrf(
            "the xcode_csrf cookie is missing; sign in again",
        ));
    };
    let Some(header) = headers
        .get(CSRF_HEADER)
        .map(HeaderValue::as_bytes)
        .filter(|value| !value.is_empty())
    else {
        return Err(ApiError::csrf(
            "requests authenticated by cookie must send the X-CSRF-Token header (the value of the xcode_csrf cookie)",
        ));
    };
    if !constant_time_eq(cookie.value().as_bytes(), header) {
        return Err(ApiError::csrf(
            "the X-CSRF-Token header does not match the xcode_csrf cookie",
        ));
    }
    Ok(())
}

/// Compares without an early exit, so the time taken tells nothing of where a guess differs
/// (only whether the lengths do, and a token's length is no secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    difference == 0
}

/// The peer's address, or the last `X-Forwarded-For` address (the one our proxy appended)
/// when trusted.
fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded_for
        .then(|| {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .and_then(|last| last.trim().parse::<IpAddr>().ok())
        })
        .flatten();
    forwarded
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip())
        })
        .map(|ip| ip.to_canonical())
}

/// A fresh CSRF token: 32 random bytes, base64url.
fn new_csrf_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `Set-Cookie` headers for a response.
#[derive(Debug, Default)]
pub(crate) struct SetCookies(Vec<HeaderValue>);

/// When a token expires, in seconds since 1970.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expiry(pub(crate) i64);

impl SetCookies {
    /// The cookies of a signed-in browser. A CSRF token the browser already has is kept
    /// (other tabs may be sending it), except at sign-in, which starts over.
    pub(crate) fn signed_in(
        state: &AppState,
        headers: &HeaderMap,
        access: (&str, Expiry),
        refresh: (&str, Expiry),
        new_csrf: bool,
    ) -> Self {
        let secure = state.cookie_secure;
        let existing = CookieJar::from_headers(headers)
            .get(CSRF_COOKIE)
            .map(|cookie| cookie.value().to_owned())
            .filter(|value| !new_csrf && is_cookie_value(value) && !value.is_empty());
        let csrf = existing.unwrap_or_else(new_csrf_token);
        let now = unix_now();
        let access_age = (access.1.0 - now).max(0);
        let refresh_age = (refresh.1.0 - now).max(0);
        let mut cookies = Self::default();
        cookies.push(Cookie {
            name: ACCESS_COOKIE,
            value: access.0,
            path: "/api",
            max_age: access_age,
            http_only: true,
            same_site: "Lax",
            secure,
        });
        cookies.push(Cookie {
            name: REFRESH_COOKIE,
            value: refresh.0,
            path: "/api/v1/auth",
            max_age: refresh_age,
            http_only: true,
            same_site: "Strict",
            secure,
        });
        cookies.push(Cookie {
            name: CSRF_COOKIE,
            value: &csrf,
            path: "/",
            max_age: refresh_age,
            http_only: false,
            same_site: "Lax",
            secure,
        });
        cookies
    }

    /// Expires every auth cookie.
    pub(crate) fn signed_out(state: &AppState) -> Self {
        let secure = state.cookie_secure;
        let mut cookies = Self::default();
        for (name, path, http_only, same_site) in [
            (ACCESS_COOKIE, "/api", true, "Lax"),
            (REFRESH_COOKIE, "/api/v1/auth", true, "Strict"),
            (CSRF_COOKIE, "/", false, "Lax"),
        ] {
            cookies.push(Cookie {
                name,
                value: "",
                path,
                max_age: 0,
                http_only,
                same_site,
                secure,
            });
        }
        cookies
    }

    fn push(&mut self, cookie: Cookie<'_>) {
        match HeaderValue::try_from(cookie.to_string()) {
            Ok(value) => self.0.push(value),
            Err(_) => tracing::error!(name = cookie.name, "cookie value is not a valid header"),
        }
    }
}

impl IntoResponseParts for SetCookies {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        for value in self.0 {
            parts.headers_mut().append(header::SET_COOKIE, value);
        }
        Ok(parts)
    }
}

struct Cookie<'a> {
    name: &'static str,
    value: &'a str,
    path: &'static str,
    max_age: i64,
    http_only: bool,
    same_site: &'static str,
    secure: bool,
}

impl std::fmt::Display for Cookie<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}=", self.name)?;
        // Tokens are URL-safe already; anything else is percent-encoded, which the cookie
        // parser on the way back in decodes.
        for byte in self.value.bytes() {
            if is_cookie_octet(byte) && byte != b'%' {
                write!(f, "{}", char::from(byte))?;
            } else {
                write!(f, "%{byte:02X}")?;
            }
        }
        write!(f, "; Path={}; Max-Age={}", self.path, self.max_age)?;
        if self.max_age == 0 {
            write!(f, "; Expires=Thu, 01 Jan 1970 00:00:00 GMT")?;
        }
        if self.http_only {
            write!(f, "; HttpOnly")?;
        }
        write!(f, "; SameSite={}", self.same_site)?;
        if self.secure {
            write!(f, "; Secure")?;
        }
        Ok(())
    }
}

/// RFC 6265 `cookie-octet`.
fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

fn is_cookie_value(value: &str) -> bool {
    value
        .bytes()
        .all(|byte| is_cookie_octet(byte) && byte != b'%')
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        headers
    }

    #[test]
    fn bearer_header_wins_and_skips_csrf() {
        let headers = headers(&[
            ("authorization", "Bearer abc.def"),
            ("cookie", "xcode_access=other"),
        ]);
        assert_eq!(
            access_token(&Method::POST, &headers).expect("a token"),
            "abc.def"
        );
    }

    #[test]
    fn malformed_authorization_is_401() {
        for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "token"] {
            let error =
                access_token(&Method::GET, &headers(&[("authorization", value)])).expect_err(value);
            assert_eq!(error.code, "unauthenticated", "{value}");
        }
    }

    #[test]
    fn no_credentials_is_401() {
        let error = access_token(&Method::GET, &HeaderMap::new()).expect_err("no token");
        assert_eq!(error.status.as_u16(), 401);
    }

    #[test]
    fn cookie_reads_need_no_csrf_but_writes_do() {
        let cookie = [("cookie", "xcode_access=tok; xcode_csrf=secret")];
        assert_eq!(
            access_token(&Method::GET, &headers(&cookie)).expect("a GET"),
            "tok"
        );
        let error = access_token(&Method::POST, &headers(&cookie)).expect_err("no header");
        assert_eq!((error.status.as_u16(), error.code), (403, "csrf"));

        let wrong = [cookie[0], ("x-csrf-token", "guess")];
        let error = access_token(&Method::DELETE, &headers(&wrong)).expect_err("wrong header");
        assert_eq!(error.code, "csrf");

        let right = [cookie[0], ("x-csrf-token", "secret")];
        assert_eq!(
            access_token(&Method::PATCH, &headers(&right)).expect("matching header"),
            "tok"
        );
    }

    #[test]
    fn csrf_needs_the_cookie_too() {
        let only_header = [("cookie", "xcode_access=tok"), ("x-csrf-token", "anything")];
        let error = access_token(&Method::POST, &headers(&only_header)).expect_err("no cookie");
        assert_eq!(error.code, "csrf");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn csrf_tokens_are_32_random_bytes() {
        let token = new_csrf_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).expect("base64url").len(), 32);
        assert_ne!(token, new_csrf_token());
        assert!(is_cookie_value(&token));
    }

    #[test]
    fn cookies_are_formatted() {
        let cookie = Cookie {
            name: ACCESS_COOKIE,
            value: "a b;c",
            path: "/api",
            max_age: 900,
            http_only: true,
            same_site: "Lax",
            secure: true,
        };
        assert_eq!(
            cookie.to_string(),
            "xcode_access=a%20b%3Bc; Path=/api; Max-Age=900; HttpOnly; SameSite=Lax; Secure"
        );
        let parsed = CookieJar::from_headers(&headers(&[("cookie", "xcode_access=a%20b%3Bc")]));
        assert_eq!(
            parsed.get(ACCESS_COOKIE).map(|c| c.value().to_owned()),
            Some("a b;c".to_owned())
        );
    }
}
