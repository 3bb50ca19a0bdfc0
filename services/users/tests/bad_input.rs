//! Bad input gets a clear error and changes nothing: malformed and hostile registrations,
//! oversized fields, expired and reused tokens, wrong codes, brute force, callers without the
//! right role. On SQLite and Postgres alike.

mod common;

use std::future::Future;
use std::time::Duration;

use common::*;
use tonic::{Code, Request};
use xcode_proto::users::v1 as pb;

const GOOD_PASSWORD: &str = "violet Tram crosses 9 bridges";

async fn on_both<F, Fut>(test: F)
where
    F: Fn(Backend) -> Fut,
    Fut: Future<Output = ()>,
{
    test(Backend::Sqlite).await;
    test(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_are_validated() {
    on_both(|backend| async move {
        let service = Service::start(backend, CacheKind::Memory).await;
        let mut client = service.client.clone();
        let attempt = |username: &str, email: &str, password: &str| pb::RegisterRequest {
            username: username.into(),
            email: email.into(),
            password: password.into(),
        };
        for email in [
            "",
            "ada",
            "ada@",
            "ada@localhost",
            "ada@@example.com",
            "ada @example.com",
            "ädä@example.com",
        ] {
            register_err(
                &mut client,
                attempt("ada", email, GOOD_PASSWORD),
                Code::InvalidArgument,
                "email",
            )
            .await;
        }
        for password in [
            "",
            "short",
            "password123",
            "qwertyuiop12",
            "adalovelace1",
            &"x".repeat(300),
        ] {
            register_err(
                &mut client,
                attempt("adalovelace", "ada@example.com", password),
                Code::InvalidArgument,
                "password",
            )
            .await;
        }
        for username in [
            "ab",
            &"a".repeat(33),
            "ada'; DROP TABLE users; --",
            "1 OR 1=1",
            "ada\"--",
            "аda", // Cyrillic а
            "ada\u{200d}",
            "｡ada",
            "admin",
            "Adm1n",
        ] {
            register_err(
                &mut client,
                attempt(username, "ada@example.com", GOOD_PASSWORD),
                Code::InvalidArgument,
                "username",
            )
            .await;
        }

        register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
        // Taken, compared case-insensitively and by look-alike characters.
        for username in ["ADA", "Ada"] {
            register_err(
                &mut client,
                attempt(username, "other@example.com", GOOD_PASSWORD),
                Code::AlreadyExists,
                "username",
            )
            .await;
        }
        register(&mut client, "bill", "bill@example.com", GOOD_PASSWORD).await;
        for username in ["b1ll", "BILL", "biIl"] {
            register_err(
                &mut client,
                attempt(username, "other@example.com", GOOD_PASSWORD),
                Code::AlreadyExists,
                "username",
            )
            .await;
        }
        register_err(
            &mut client,
            attempt("grace", "ADA@Example.COM", GOOD_PASSWORD),
            Code::AlreadyExists,
            "email",
        )
        .await;

        // Nothing else was created.
        let admin = access(&signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await);
        let listed = client
            .list_users(authed(&admin, pb::ListUsersRequest::default()))
            .await
            .expect("list")
            .into_inner();
        let mut names: Vec<String> = listed.users.into_iter().map(|user| user.username).collect();
        names.sort();
        assert_eq!(names, ["ada", "bill", ADMIN]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_fields_and_messages_are_refused() {
    on_both(|backend| async move {
        let service = Service::start(backend, CacheKind::Memory).await;
        let mut client = service.client.clone();
        register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
        let token = access(&signed_in(&mut client, "ada", GOOD_PASSWORD).await);
        let patch = |patch: pb::UpdateProfileRequest| authed(&token, patch);
        let cases = [
            (
                pb::UpdateProfileRequest {
                    display_name: Some("x".repeat(65)),
                    ..Default::default()
                },
                "display_name",
            ),
            (
                pb::UpdateProfileRequest {
                    display_name: Some("a\u{0007}b".into()),
                    ..Default::default()
                },
                "display_name",
            ),
            (
                pb::UpdateProfileRequest {
                    bio: Some("b".repeat(2001)),
                    ..Default::default()
                },
                "bio",
            ),
            (
                pb::UpdateProfileRequest {
                    country: Some("GBR".into()),
                    ..Default::default()
                },
                "country",
            ),
            (
                pb::UpdateProfileRequest {
                    avatar_url: Some("javascript:alert(1)".into()),
                    ..Default::default()
                },
                "avatar_url",
            ),
            (
                pb::UpdateProfileRequest {
                    avatar_url: Some(format!("https://{}", "a".repeat(600))),
                    ..Default::default()
                },
                "avatar_url",
            ),
            (
                pb::UpdateProfileRequest {
                    preferred_language: Some("c++; rm -rf /".into()),
                    ..Default::default()
                },
                "preferred_language",
            ),
        ];
        for (request, field) in cases {
            assert_code(
                client.update_profile(patch(request)).await,
                Code::InvalidArgument,
                field,
            );
        }
        // Larger than the service decodes.
        let huge = pb::UpdateProfileRequest {
            bio: Some("b".repeat(100_000)),
            ..Default::default()
        };
        let status = client
            .update_profile(patch(huge))
            .await
            .expect_err("too large");
        assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
        // Nothing changed.
        let me = client
            .get_me(authed(&token, pb::GetMeRequest {}))
            .await
            .expect("me")
            .into_inner()
            .user
            .expect("user");
        assert_eq!(
            (
                me.display_name.as_str(),
                me.bio.as_str(),
                me.country.as_str()
            ),
            ("", "", "")
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_reused_and_forged_tokens_are_refused() {
    let mut settings = settings();
    // Long enough for the calls before the wait even on a loaded machine.
    settings.auth.verify_email_ttl_seconds = 2;
    settings.auth.challenge_ttl_seconds = 2;
    settings.auth.access_ttl_seconds = 2;
    let service = Service::start_with(Backend::Sqlite, CacheKind::Memory, settings).await;
    let mut client = service.client.clone();
    let admin = access(&signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await);
    register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
    let verify = token_from_outbox(&mut client, &admin, "ada@example.com", "Verify").await;
    let ada = signed_in(&mut client, "ada", GOOD_PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_code(
        client
            .verify_email(pb::VerifyEmailRequest { token: verify })
            .await,
        Code::Unauthenticated,
        "expired",
    );
    assert_code(
        client
            .get_me(authed(&access(&ada), pb::GetMeRequest {}))
            .await,
        Code::Unauthenticated,
        "expired",
    );
    for forged in ["", "xev_nothing", &"x".repeat(5000)] {
        assert_code(
            client
                .verify_email(pb::VerifyEmailRequest {
                    token: forged.into(),
                })
                .await,
            Code::Unauthenticated,
            "unknown token",
        );
        assert_code(
            client
                .reset_password(pb::ResetPasswordRequest {
                    token: forged.into(),
                    new_password: GOOD_PASSWORD.into(),
                })
                .await,
            Code::Unauthenticated,
            "unknown token",
        );
        assert_code(
            client
                .login_two_factor(pb::LoginTwoFactorRequest {
                    challenge_token: forged.into(),
                    code: "123456".into(),
                })
                .await,
            Code::Unauthenticated,
            "unknown token",
        );
        assert_code(
            client
                .refresh(pb::RefreshRequest {
                    refresh_token: forged.into(),
                })
                .await,
            Code::Unauthenticated,
            "unknown",
        );
    }
    // The verification token of another kind does not reset a password.
    let admin = access(&signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await);
    client
        .resend_verification(pb::ResendVerificationRequest {
            email: "ada@example.com".into(),
        })
        .await
        .expect("resend");
    let verify = token_from_outbox(&mut client, &admin, "ada@example.com", "Verify").await;
    assert_code(
        client
            .reset_password(pb::ResetPasswordRequest {
                token: verify.clone(),
                new_password: GOOD_PASSWORD.into(),
            })
            .await,
        Code::Unauthenticated,
        "unknown token",
    );
    client
        .verify_email(pb::VerifyEmailRequest { token: verify })
        .await
        .expect("still good for its purpose");
    // Without, or with a malformed, authorization.
    assert_code(
        client.get_me(pb::GetMeRequest {}).await,
        Code::Unauthenticated,
        "no access token",
    );
    let mut request = Request::new(pb::GetMeRequest {});
    request.metadata_mut().insert(
        "authorization",
        "Basic YWRhOmFkYQ==".parse().expect("ascii"),
    );
    assert_code(
        client.get_me(request).await,
        Code::Unauthenticated,
        "Bearer",
    );
    assert_code(
        client
            .get_me(authed("xat_forged", pb::GetMeRequest {}))
            .await,
        Code::Unauthenticated,
        "expired or revoked",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_codes_and_brute_force_lock_the_account() {
    on_both(|backend| async move {
        let mut settings = settings();
        settings.auth.max_failed_logins = 3;
        let service = Service::start_with(backend, CacheKind::Memory, settings).await;
        let mut client = service.client.clone();
        register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
        let wrong = pb::LoginRequest {
            login: "ada".into(),
            password: "not the password at all".into(),
        };
        for _ in 0..2 {
            assert_code(
                client.login(wrong.clone()).await,
                Code::Unauthenticated,
                "wrong login or password",
            );
        }
        let status = assert_code(
            client.login(wrong.clone()).await,
            Code::ResourceExhausted,
            "locked",
        );
        assert!(
            status.metadata().get("retry-after-seconds").is_some(),
            "{status:?}"
        );
        // Locked: even the right password waits.
        let right = pb::LoginRequest {
            login: "ada".into(),
            password: GOOD_PASSWORD.into(),
        };
        let status = assert_code(client.login(right).await, Code::ResourceExhausted, "locked");
        let retry: u64 = status
            .metadata()
            .get("retry-after-seconds")
            .expect("retry-after")
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=900).contains(&retry), "{retry}");
        // An unknown account answers like a wrong password (no account enumeration).
        let unknown = pb::LoginRequest {
            login: "nobody".into(),
            password: GOOD_PASSWORD.into(),
        };
        assert_code(
            client.login(unknown).await,
            Code::Unauthenticated,
            "wrong login or password",
        );

        // Wrong TOTP codes count too.
        register(&mut client, "grace", "grace@example.com", GOOD_PASSWORD).await;
        let token = access(&signed_in(&mut client, "grace", GOOD_PASSWORD).await);
        let enrollment = client
            .begin_totp_enrollment(authed(&token, pb::BeginTotpEnrollmentRequest {}))
            .await
            .expect("enroll")
            .into_inner();
        client
            .confirm_totp(authed(
                &token,
                pb::ConfirmTotpRequest {
                    code: totp_code(&enrollment.secret, unix_now()),
                },
            ))
            .await
            .expect("confirm");
        assert_code(
            client
                .begin_totp_enrollment(authed(&token, pb::BeginTotpEnrollmentRequest {}))
                .await,
            Code::FailedPrecondition,
            "on already",
        );
        let challenge = match login(&mut client, "grace", GOOD_PASSWORD).await {
            pb::login_response::Result::TwoFactor(challenge) => challenge.challenge_token,
            other => panic!("expected a challenge, got {other:?}"),
        };
        for code in ["000000", "12345", "abcdef"] {
            let result = client
                .login_two_factor(pb::LoginTwoFactorRequest {
                    challenge_token: challenge.clone(),
                    code: code.into(),
                })
                .await;
            let status = result.expect_err("wrong code");
            assert!(
                matches!(
                    status.code(),
                    Code::Unauthenticated | Code::ResourceExhausted
                ),
                "{status:?}"
            );
        }
        assert_code(
            client
                .login_two_factor(pb::LoginTwoFactorRequest {
                    challenge_token: challenge,
                    code: totp_code(&enrollment.secret, unix_now() + 30),
                })
                .await,
            Code::ResourceExhausted,
            "locked",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_cannot_hammer_logins() {
    let mut settings = settings();
    settings.auth.logins_per_minute = 5;
    let service = Service::start_with(Backend::Sqlite, CacheKind::Memory, settings).await;
    let mut client = service.client.clone();
    for i in 0..5 {
        let request = from_ip(
            "203.0.113.7",
            pb::LoginRequest {
                login: format!("user{i}"),
                password: "x".repeat(12),
            },
        );
        assert_code(client.login(request).await, Code::Unauthenticated, "wrong");
    }
    let request = from_ip(
        "203.0.113.7",
        pb::LoginRequest {
            login: ADMIN.into(),
            password: ADMIN_PASSWORD.into(),
        },
    );
    let status = assert_code(
        client.login(request).await,
        Code::ResourceExhausted,
        "this address",
    );
    assert!(status.metadata().get("retry-after-seconds").is_some());
    let request = from_ip(
        "203.0.113.8",
        pb::LoginRequest {
            login: ADMIN.into(),
            password: ADMIN_PASSWORD.into(),
        },
    );
    client
        .login(request)
        .await
        .expect("another address is not limited");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_rpcs_check_the_role_and_admins_cannot_lock_themselves_out() {
    let service = Service::start(Backend::Sqlite, CacheKind::Memory).await;
    let mut client = service.client.clone();
    let ada = register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
    let user = access(&signed_in(&mut client, "ada", GOOD_PASSWORD).await);
    let id = ada.id.clone();
    macro_rules! refused {
        ($rpc:ident, $message:expr) => {
            assert_code(
                client.$rpc(authed(&user, $message)).await,
                Code::PermissionDenied,
                "admins only",
            );
            assert_code(
                client.$rpc(Request::new($message)).await,
                Code::Unauthenticated,
                "",
            );
        };
    }
    refused!(list_users, pb::ListUsersRequest::default());
    refused!(
        ban_user,
        pb::BanUserRequest {
            user_id: id.clone(),
            reason: "x".into(),
            until: None
        }
    );
    refused!(
        unban_user,
        pb::UnbanUserRequest {
            user_id: id.clone()
        }
    );
    refused!(
        verify_user,
        pb::VerifyUserRequest {
            user_id: id.clone()
        }
    );
    refused!(
        set_role,
        pb::SetRoleRequest {
            user_id: id.clone(),
            role: pb::Role::Admin as i32
        }
    );
    refused!(
        delete_user,
        pb::DeleteUserRequest {
            user_id: id.clone()
        }
    );
    refused!(list_audit_log, pb::ListAuditLogRequest::default());
    refused!(list_outbox, pb::ListOutboxRequest::default());

    // A setter is not an admin either.
    let admin_session = signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await;
    let admin = access(&admin_session);
    client
        .set_role(authed(
            &admin,
            pb::SetRoleRequest {
                user_id: id.clone(),
                role: pb::Role::Setter as i32,
            },
        ))
        .await
        .expect("make a setter");
    assert_code(
        client
            .list_users(authed(&user, pb::ListUsersRequest::default()))
            .await,
        Code::PermissionDenied,
        "admins only",
    );

    let admin_id = admin_session.user.expect("user").id;
    assert_code(
        client
            .ban_user(authed(
                &admin,
                pb::BanUserRequest {
                    user_id: admin_id.clone(),
                    reason: String::new(),
                    until: None,
                },
            ))
            .await,
        Code::FailedPrecondition,
        "themselves",
    );
    assert_code(
        client
            .set_role(authed(
                &admin,
                pb::SetRoleRequest {
                    user_id: admin_id.clone(),
                    role: pb::Role::User as i32,
                },
            ))
            .await,
        Code::FailedPrecondition,
        "themselves",
    );
    assert_code(
        client
            .delete_user(authed(&admin, pb::DeleteUserRequest { user_id: admin_id }))
            .await,
        Code::FailedPrecondition,
        "themselves",
    );
    assert_code(
        client
            .set_role(authed(
                &admin,
                pb::SetRoleRequest {
                    user_id: id.clone(),
                    role: 0,
                },
            ))
            .await,
        Code::InvalidArgument,
        "role",
    );
    assert_code(
        client
            .ban_user(authed(
                &admin,
                pb::BanUserRequest {
                    user_id: "'; DROP TABLE users; --".into(),
                    reason: String::new(),
                    until: None,
                },
            ))
            .await,
        Code::InvalidArgument,
        "user_id",
    );
    assert_code(
        client
            .ban_user(authed(
                &admin,
                pb::BanUserRequest {
                    user_id: uuid_nil(),
                    reason: String::new(),
                    until: None,
                },
            ))
            .await,
        Code::NotFound,
        "no such user",
    );
    assert_code(
        client
            .ban_user(authed(
                &admin,
                pb::BanUserRequest {
                    user_id: id.clone(),
                    reason: String::new(),
                    until: Some(prost_types::Timestamp {
                        seconds: 1,
                        nanos: 0,
                    }),
                },
            ))
            .await,
        Code::InvalidArgument,
        "future",
    );
    // A ban with an end: over once it passes.
    // 1.5 s from now to the millisecond (whole seconds could leave only a few ms).
    let until_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
        + 1500;
    let until = prost_types::Timestamp {
        seconds: i64::try_from(until_ms / 1000).expect("fits"),
        nanos: i32::try_from(until_ms % 1000).expect("fits") * 1_000_000,
    };
    client
        .ban_user(authed(
            &admin,
            pb::BanUserRequest {
                user_id: id.clone(),
                reason: "cool off".into(),
                until: Some(until),
            },
        ))
        .await
        .expect("timed ban");
    assert_code(
        client
            .login(pb::LoginRequest {
                login: "ada".into(),
                password: GOOD_PASSWORD.into(),
            })
            .await,
        Code::PermissionDenied,
        "cool off",
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    signed_in(&mut client, "ada", GOOD_PASSWORD).await;

    // Delete: the account and its sessions are gone, the name is free again.
    client
        .delete_user(authed(
            &admin,
            pb::DeleteUserRequest {
                user_id: id.clone(),
            },
        ))
        .await
        .expect("delete");
    assert_code(
        client
            .get_user(pb::GetUserRequest {
                username: "ada".into(),
            })
            .await,
        Code::NotFound,
        "no such user",
    );
    assert_code(
        client.get_me(authed(&user, pb::GetMeRequest {})).await,
        Code::Unauthenticated,
        "",
    );
    register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
    let audit = client
        .list_audit_log(authed(
            &admin,
            pb::ListAuditLogRequest {
                target_user_id: id,
                ..Default::default()
            },
        ))
        .await
        .expect("audit")
        .into_inner();
    let actions: Vec<&str> = audit
        .entries
        .iter()
        .map(|entry| entry.action.as_str())
        .collect();
    assert_eq!(actions, ["DeleteUser", "BanUser", "SetRole"]);
}

async fn register_err(client: &mut Client, request: pb::RegisterRequest, code: Code, needle: &str) {
    assert_code(client.register(request).await, code, needle);
}

fn uuid_nil() -> String {
    "00000000-0000-0000-0000-000000000000".into()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_hashed_with_old_parameters_is_rehashed_at_login() {
    let service = Service::start(Backend::Sqlite, CacheKind::Memory).await;
    let mut client = service.client.clone();
    register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
    let service = service
        .restart(|settings| settings.auth.password.iterations = 2)
        .await;
    let store = xcode_store::connect(&xcode_store::Options::new(&service.settings.database.url))
        .await
        .expect("store");
    let before = store
        .user_by_username_key("ada")
        .await
        .expect("get")
        .expect("ada")
        .password_hash;
    assert!(before.contains("t=1"), "{before}");
    let mut client = service.client.clone();
    signed_in(&mut client, "ada", GOOD_PASSWORD).await;
    let after = store
        .user_by_username_key("ada")
        .await
        .expect("get")
        .expect("ada")
        .password_hash;
    assert!(after.contains("t=2"), "{after}");
    signed_in(&mut client, "ada", GOOD_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stolen_session_cannot_guess_codes_forever_and_old_reset_links_die() {
    let mut settings = settings();
    settings.auth.max_failed_logins = 3;
    let service = Service::start_with(Backend::Sqlite, CacheKind::Memory, settings).await;
    let mut client = service.client.clone();
    register(&mut client, "ada", "ada@example.com", GOOD_PASSWORD).await;
    let token = access(&signed_in(&mut client, "ada", GOOD_PASSWORD).await);
    let enrollment = client
        .begin_totp_enrollment(authed(&token, pb::BeginTotpEnrollmentRequest {}))
        .await
        .expect("enroll")
        .into_inner();
    client
        .confirm_totp(authed(
            &token,
            pb::ConfirmTotpRequest {
                code: totp_code(&enrollment.secret, unix_now()),
            },
        ))
        .await
        .expect("confirm");
    let regenerate = |code: &str| {
        authed(
            &token,
            pb::RegenerateRecoveryCodesRequest { code: code.into() },
        )
    };
    for _ in 0..2 {
        assert_code(
            client.regenerate_recovery_codes(regenerate("000000")).await,
            Code::Unauthenticated,
            "code",
        );
    }
    assert_code(
        client.regenerate_recovery_codes(regenerate("000001")).await,
        Code::ResourceExhausted,
        "locked",
    );
    let right = totp_code(&enrollment.secret, unix_now() + 30);
    assert_code(
        client.regenerate_recovery_codes(regenerate(&right)).await,
        Code::ResourceExhausted,
        "locked",
    );

    // Two reset links; using one voids the other.
    let admin = access(&signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await);
    register(&mut client, "grace", "grace@example.com", GOOD_PASSWORD).await;
    for _ in 0..2 {
        client
            .request_password_reset(pb::RequestPasswordResetRequest {
                email: "grace@example.com".into(),
            })
            .await
            .expect("forgot");
    }
    let emails = client
        .list_outbox(authed(&admin, pb::ListOutboxRequest::default()))
        .await
        .expect("outbox")
        .into_inner()
        .emails;
    let tokens: Vec<String> = emails
        .iter()
        .filter(|email| email.to == "grace@example.com" && email.subject.contains("Reset"))
        .filter_map(|email| {
            email
                .body
                .split_whitespace()
                .find(|word| word.starts_with("xpr_"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(tokens.len(), 2);
    client
        .reset_password(pb::ResetPasswordRequest {
            token: tokens[0].clone(),
            new_password: "amber Kite sails 4 oceans".into(),
        })
        .await
        .expect("reset");
    assert_code(
        client
            .reset_password(pb::ResetPasswordRequest {
                token: tokens[1].clone(),
                new_password: "olive Drum beats 6 marches".into(),
            })
            .await,
        Code::Unauthenticated,
        "used already",
    );
}
