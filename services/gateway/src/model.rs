//! The JSON the API answers with, converted from the services' protobuf messages.
//! Timestamps are RFC 3339 strings in UTC; strings a message leaves empty because they do not
//! apply (a ban reason of an account that is not banned) are `null`.

use prost_types::Timestamp;
use serde::{Deserialize, Serialize};
use xcode_proto::users::v1 as pb;

use crate::error::ApiError;

/// An account as its owner and admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) bio: String,
    pub(crate) country: String,
    pub(crate) avatar_url: String,
    pub(crate) preferred_language: String,
    pub(crate) role: Role,
    pub(crate) is_verified: bool,
    pub(crate) is_banned: bool,
    pub(crate) ban_reason: Option<String>,
    pub(crate) banned_until: Option<String>,
    pub(crate) totp_enabled: bool,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

impl From<pb::User> for User {
    fn from(user: pb::User) -> Self {
        Self {
            role: Role::from_proto(user.role),
            ban_reason: (user.is_banned && !user.ban_reason.is_empty()).then_some(user.ban_reason),
            banned_until: user
                .banned_until
                .filter(|_| user.is_banned)
                .map(|until| rfc3339(&until)),
            created_at: user.created_at.map(|at| rfc3339(&at)),
            updated_at: user.updated_at.map(|at| rfc3339(&at)),
            id: user.id,
            username: user.username,
            email: user.email,
            display_name: user.display_name,
            bio: user.bio,
            country: user.country,
            avatar_url: user.avatar_url,
            preferred_language: user.preferred_language,
            is_verified: user.is_verified,
            is_banned: user.is_banned,
            totp_enabled: user.totp_enabled,
        }
    }
}

/// What anyone may see of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PublicProfile {
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) bio: String,
    pub(crate) country: String,
    pub(crate) avatar_url: String,
    pub(crate) role: Role,
    pub(crate) is_banned: bool,
    pub(crate) created_at: Option<String>,
}

impl From<pb::PublicProfile> for PublicProfile {
    fn from(profile: pb::PublicProfile) -> Self {
        Self {
            role: Role::from_proto(profile.role),
            created_at: profile.created_at.map(|at| rfc3339(&at)),
            username: profile.username,
            display_name: profile.display_name,
            bio: profile.bio,
            country: profile.country,
            avatar_url: profile.avatar_url,
            is_banned: profile.is_banned,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Role {
    User,
    Setter,
    Admin,
}

impl Role {
    /// ROLE_UNSPECIFIED (or a role newer than this gateway) reads as the least privileged.
    pub(crate) fn from_proto(role: i32) -> Self {
        match pb::Role::try_from(role) {
            Ok(pb::Role::Setter) => Self::Setter,
            Ok(pb::Role::Admin) => Self::Admin,
            Ok(pb::Role::User | pb::Role::Unspecified) | Err(_) => Self::User,
        }
    }

    pub(crate) fn to_proto(self) -> pb::Role {
        match self {
            Self::User => pb::Role::User,
            Self::Setter => pb::Role::Setter,
            Self::Admin => pb::Role::Admin,
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "user" => Some(Self::User),
            "setter" => Some(Self::Setter),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A session's tokens, and the account when signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Tokens {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) access_expires_at: Option<String>,
    pub(crate) refresh_expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<User>,
}

impl Tokens {
    pub(crate) fn new(tokens: &pb::Tokens, user: Option<pb::User>) -> Self {
        Self {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            access_expires_at: tokens.access_expires_at.as_ref().map(rfc3339),
            refresh_expires_at: tokens.refresh_expires_at.as_ref().map(rfc3339),
            user: user.map(User::from),
        }
    }
}

/// The second step of a login with two-factor authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TwoFactorChallenge {
    pub(crate) two_factor_required: bool,
    pub(crate) challenge_token: String,
    pub(crate) expires_at: Option<String>,
}

impl From<pb::TwoFactorChallenge> for TwoFactorChallenge {
    fn from(challenge: pb::TwoFactorChallenge) -> Self {
        Self {
            two_factor_required: true,
            challenge_token: challenge.challenge_token,
            expires_at: challenge.expires_at.map(|at| rfc3339(&at)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AuditEntry {
    pub(crate) id: u64,
    pub(crate) at: Option<String>,
    /// `null` for actions of the system itself.
    pub(crate) actor_id: Option<String>,
    pub(crate) actor_username: Option<String>,
    pub(crate) action: String,
    pub(crate) target_user_id: Option<String>,
    /// What changed: the JSON the service recorded (a string if it is not JSON).
    pub(crate) details: serde_json::Value,
}

impl From<pb::AuditEntry> for AuditEntry {
    fn from(entry: pb::AuditEntry) -> Self {
        let details = match entry.details.as_str() {
            "" => serde_json::Value::Null,
            text => serde_json::from_str(text)
                .unwrap_or_else(|_| serde_json::Value::String(entry.details.clone())),
        };
        Self {
            id: entry.id,
            at: entry.at.map(|at| rfc3339(&at)),
            actor_id: non_empty(entry.actor_id),
            actor_username: non_empty(entry.actor_username),
            action: entry.action,
            target_user_id: non_empty(entry.target_user_id),
            details,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct OutboxEmail {
    pub(crate) id: u64,
    pub(crate) at: Option<String>,
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) body: String,
}

impl From<pb::OutboxEmail> for OutboxEmail {
    fn from(email: pb::OutboxEmail) -> Self {
        Self {
            id: email.id,
            at: email.at.map(|at| rfc3339(&at)),
            to: email.to,
            subject: email.subject,
            body: email.body,
        }
    }
}

/// RFC 3339 in UTC (`2025-01-31T12:00:00Z`, with a fraction when there is one).
pub(crate) fn rfc3339(timestamp: &Timestamp) -> String {
    timestamp.to_string()
}

/// Parses an RFC 3339 timestamp from a request (any offset).
pub(crate) fn parse_rfc3339(field: &str, value: &str) -> Result<Timestamp, ApiError> {
    value.parse().map_err(|_| {
        ApiError::invalid_request(format!(
            "{field} must be an RFC 3339 timestamp such as 2030-01-31T12:00:00Z, not {value:?}"
        ))
    })
}

/// A message field the service must set but did not: the service is broken, not the request.
pub(crate) fn required<T>(value: Option<T>, what: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| {
        tracing::error!(what, "the users service left out a required field");
        ApiError::internal()
    })
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos: 0 })
    }

    fn proto_user() -> pb::User {
        pb::User {
            id: "0190a5a4-8d0e-7c61-9a1e-3f5d2b6c7e80".into(),
            username: "ada".into(),
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            bio: "".into(),
            country: "GB".into(),
            avatar_url: "".into(),
            preferred_language: "python3".into(),
            role: pb::Role::Setter as i32,
            is_verified: true,
            is_banned: false,
            ban_reason: "".into(),
            banned_until: None,
            totp_enabled: true,
            created_at: at(1_700_000_000),
            updated_at: Some(Timestamp {
                seconds: 1_700_000_001,
                nanos: 500_000_000,
            }),
        }
    }

    #[test]
    fn user_json_has_every_field() {
        let value = serde_json::to_value(User::from(proto_user())).expect("serializes");
        assert_eq!(
            value,
            json!({
                "id": "0190a5a4-8d0e-7c61-9a1e-3f5d2b6c7e80",
                "username": "ada",
                "email": "ada@example.com",
                "display_name": "Ada",
                "bio": "",
                "country": "GB",
                "avatar_url": "",
                "preferred_language": "python3",
                "role": "setter",
                "is_verified": true,
                "is_banned": false,
                "ban_reason": null,
                "banned_until": null,
                "totp_enabled": true,
                "created_at": "2023-11-14T22:13:20Z",
                "updated_at": "2023-11-14T22:13:21.500Z",
            })
        );
    }

    #[test]
    fn banned_users_show_reason_and_end() {
        let user = pb::User {
            is_banned: true,
            ban_reason: "spam".into(),
            banned_until: at(1_893_456_000),
            ..proto_user()
        };
        let json = User::from(user);
        assert_eq!(json.ban_reason.as_deref(), Some("spam"));
        assert_eq!(json.banned_until.as_deref(), Some("2030-01-01T00:00:00Z"));

        // A stale reason on an account that is not banned is not shown.
        let unbanned = pb::User {
            ban_reason: "old".into(),
            banned_until: at(1),
            ..proto_user()
        };
        let json = User::from(unbanned);
        assert_eq!((json.ban_reason, json.banned_until), (None, None));
    }

    #[test]
    fn roles_have_names() {
        for (proto, name) in [
            (pb::Role::Unspecified, "user"),
            (pb::Role::User, "user"),
            (pb::Role::Setter, "setter"),
            (pb::Role::Admin, "admin"),
        ] {
            let role = Role::from_proto(proto as i32);
            assert_eq!(serde_json::to_value(role).expect("serializes"), name);
            assert_eq!(Role::parse(name), Some(role));
        }
        assert_eq!(Role::from_proto(99), Role::User);
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::Admin.to_proto(), pb::Role::Admin);
    }

    #[test]
    fn tokens_leave_out_a_missing_user() {
        let tokens = pb::Tokens {
            access_token: "a".into(),
            access_expires_at: at(0),
            refresh_token: "r".into(),
            refresh_expires_at: at(86_400),
        };
        let value = serde_json::to_value(Tokens::new(&tokens, None)).expect("serializes");
        assert_eq!(
            value,
            json!({
                "access_token": "a",
                "refresh_token": "r",
                "access_expires_at": "1970-01-01T00:00:00Z",
                "refresh_expires_at": "1970-01-02T00:00:00Z",
            })
        );
        let value =
            serde_json::to_value(Tokens::new(&tokens, Some(proto_user()))).expect("serializes");
        assert_eq!(value["user"]["username"], "ada");
    }

    #[test]
    fn profiles_are_public_fields_only() {
        let profile = pb::PublicProfile {
            username: "ada".into(),
            display_name: "Ada".into(),
            bio: "hi".into(),
            country: "GB".into(),
            avatar_url: "https://example.com/a.png".into(),
            role: pb::Role::Admin as i32,
            is_banned: false,
            created_at: at(0),
        };
        let value = serde_json::to_value(PublicProfile::from(profile)).expect("serializes");
        let mut keys: Vec<_> = value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "avatar_url",
                "bio",
                "country",
                "created_at",
                "display_name",
                "is_banned",
                "role",
                "username"
            ]
        );
        assert_eq!(value["role"], "admin");
    }

    #[test]
    fn audit_details_are_json_when_they_can_be() {
        let entry = pb::AuditEntry {
            id: 7,
            at: at(0),
            actor_id: "".into(),
            actor_username: "".into(),
            action: "BanUser".into(),
            target_user_id: "u1".into(),
            details: r#"{"reason":"spam"}"#.into(),
        };
        let json = AuditEntry::from(entry.clone());
        assert_eq!(json.details, json!({"reason": "spam"}));
        assert_eq!(json.actor_id, None);
        let json = AuditEntry::from(pb::AuditEntry {
            details: "not json".into(),
            ..entry
        });
        assert_eq!(json.details, json!("not json"));
    }

    #[test]
    fn rfc3339_round_trips() {
        let parsed = parse_rfc3339("until", "2030-01-01T02:00:00+02:00").expect("parses");
        assert_eq!(rfc3339(&parsed), "2030-01-01T00:00:00Z");
        let error = parse_rfc3339("until", "next week").expect_err("not a timestamp");
        assert_eq!(error.code, "invalid_request");
        assert!(error.message.contains("until"));
    }
}
