//! Store records to protobuf messages.

use prost_types::Timestamp;
use xcode_proto::users::v1 as pb;
use xcode_store::{AuditRecord, OutboxRecord, UserRecord};

pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: i32::try_from(ms.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    }
}

pub fn millis(timestamp: &Timestamp) -> i64 {
    timestamp
        .seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(timestamp.nanos) / 1_000_000)
}

pub fn role(name: &str) -> pb::Role {
    match name {
        "admin" => pb::Role::Admin,
        "setter" => pb::Role::Setter,
        _ => pb::Role::User,
    }
}

pub fn role_name(role: pb::Role) -> Option<&'static str> {
    match role {
        pb::Role::User => Some("user"),
        pb::Role::Setter => Some("setter"),
        pb::Role::Admin => Some("admin"),
        pb::Role::Unspecified => None,
    }
}

pub fn user(record: &UserRecord, now_ms: i64) -> pb::User {
    let banned = record.is_banned(now_ms);
    pb::User {
        id: record.id.clone(),
        username: record.username.clone(),
        email: record.email.clone(),
        display_name: record.display_name.clone(),
        bio: record.bio.clone(),
        country: record.country.clone(),
        avatar_url: record.avatar_url.clone(),
        preferred_language: record.preferred_language.clone(),
        role: role(&record.role).into(),
        is_verified: record.verified_at.is_some(),
        is_banned: banned,
        ban_reason: if banned {
            record.ban_reason.clone().unwrap_or_default()
        } else {
            String::new()
        },
        banned_until: if banned {
            record.banned_until.map(timestamp)
        } else {
            None
        },
        totp_enabled: record.totp_secret.is_some(),
        created_at: Some(timestamp(record.created_at)),
        updated_at: Some(timestamp(record.updated_at)),
    }
}

pub fn profile(record: &UserRecord, now_ms: i64) -> pb::PublicProfile {
    pb::PublicProfile {
        username: record.username.clone(),
        display_name: record.display_name.clone(),
        bio: record.bio.clone(),
        country: record.country.clone(),
        avatar_url: record.avatar_url.clone(),
        role: role(&record.role).into(),
        is_banned: record.is_banned(now_ms),
        created_at: Some(timestamp(record.created_at)),
    }
}

pub fn audit(record: AuditRecord) -> pb::AuditEntry {
    pb::AuditEntry {
        id: u64::try_from(record.id).unwrap_or(0),
        at: Some(timestamp(record.at)),
        actor_id: record.actor_id,
        actor_username: record.actor_username,
        action: record.action,
        target_user_id: record.target_user_id,
        details: record.details,
    }
}

pub fn email(record: OutboxRecord) -> pb::OutboxEmail {
    pb::OutboxEmail {
        id: u64::try_from(record.id).unwrap_or(0),
        at: Some(timestamp(record.at)),
        to: record.recipient,
        subject: record.subject,
        body: record.body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        for ms in [0, 1, 999, 1_800_000_000_123, -1] {
            assert_eq!(millis(&timestamp(ms)), ms, "{ms}");
        }
    }
}
