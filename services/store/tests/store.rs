//! One suite, both backends: every case runs on SQLite (a temp file) and on the real Postgres
//! (a database of this run's own, dropped afterwards).

use std::future::Future;
use std::sync::Arc;

use xcode_store::scratch::ScratchDatabase;
use xcode_store::{
    Error, Field, NewUser, Options, ProfilePatch, Rotation, SessionRecord, TokenKind, TokenRefusal,
    UserFilter, UserStore,
};

const NOW: i64 = 1_800_000_000_000;

/// Runs `case` on a fresh SQLite file and a fresh Postgres database.
async fn on_both<F, Fut>(case: F)
where
    F: Fn(Arc<dyn UserStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("xcode.db").display());
    let sqlite = xcode_store::connect(&Options::new(url))
        .await
        .expect("sqlite");
    assert_eq!(sqlite.backend(), "sqlite");
    case(sqlite).await;

    let scratch = ScratchDatabase::create("store")
        .await
        .expect("the shared Postgres on 127.0.0.1:5432 (XCODE_TEST_POSTGRES_URL)");
    let postgres = xcode_store::connect(&Options::new(&scratch.url))
        .await
        .expect("postgres");
    assert_eq!(postgres.backend(), "postgres");
    case(postgres).await;
}

fn new_user(name: &str) -> NewUser {
    NewUser {
        // Time-ordered, as the service makes them: listings of equal times go by id.
        id: uuid::Uuid::now_v7().to_string(),
        username: name.to_owned(),
        username_key: name.to_lowercase(),
        email: format!("{name}@Example.com"),
        email_key: format!("{name}@example.com").to_lowercase(),
        password_hash: "$argon2id$fake".into(),
        role: "user".into(),
        verified: false,
        now_ms: NOW,
    }
}

fn session(user_id: &str, tag: &str) -> SessionRecord {
    SessionRecord {
        id: uuid::Uuid::new_v4().to_string(),
        family_id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        access_hash: format!("access-{tag}"),
        access_expires_at: NOW + 60_000,
        refresh_hash: format!("refresh-{tag}"),
        refresh_expires_at: NOW + 3_600_000,
        client_ip: "127.0.0.1".into(),
        created_at: NOW,
        replaced_at: None,
        revoked_at: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_run_twice_and_unknown_schemes_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("twice.db").display());
    xcode_store::connect(&Options::new(&url))
        .await
        .expect("first");
    let store = xcode_store::connect(&Options::new(&url))
        .await
        .expect("again");
    store.ping().await.expect("ping");
    let error = xcode_store::connect(&Options::new("mysql://localhost/x"))
        .await
        .expect_err("mysql");
    assert!(matches!(error, Error::UnsupportedUrl(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_unique_by_key_and_round_trip() {
    on_both(|store| async move {
        let ada = store.insert_user(new_user("Ada")).await.expect("insert");
        assert_eq!(ada.username, "Ada");
        assert_eq!(ada.role, "user");
        assert_eq!(ada.verified_at, None);
        assert_eq!(ada.created_at, NOW);

        let mut twin = new_user("ADA");
        twin.email_key = "other@example.com".into();
        let error = store
            .insert_user(twin)
            .await
            .expect_err("same username key");
        assert!(matches!(error, Error::Conflict(Field::Username)), "{error}");

        let mut same_mail = new_user("grace");
        same_mail.email_key = "ada@example.com".into();
        let error = store
            .insert_user(same_mail)
            .await
            .expect_err("same email key");
        assert!(matches!(error, Error::Conflict(Field::Email)), "{error}");

        let by_id = store
            .user_by_id(&ada.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(by_id, ada);
        let by_name = store.user_by_username_key("ada").await.expect("get");
        assert_eq!(by_name.map(|user| user.id), Some(ada.id.clone()));
        let by_mail = store
            .user_by_email_key("ada@example.com")
            .await
            .expect("get");
        assert_eq!(by_mail.map(|user| user.id), Some(ada.id.clone()));
        assert!(store.user_by_id("nobody").await.expect("get").is_none());

        let patched = store
            .update_profile(
                &ada.id,
                ProfilePatch {
                    display_name: Some("Ada L.".into()),
                    bio: Some("Notes on the engine; 'quotes' -- and $1".into()),
                    ..ProfilePatch::default()
                },
                NOW + 1,
            )
            .await
            .expect("patch");
        assert_eq!(patched.display_name, "Ada L.");
        assert_eq!(patched.bio, "Notes on the engine; 'quotes' -- and $1");
        let cleared = store
            .update_profile(
                &ada.id,
                ProfilePatch {
                    display_name: Some(String::new()),
                    ..ProfilePatch::default()
                },
                NOW + 2,
            )
            .await
            .expect("clear");
        assert_eq!(cleared.display_name, "");
        assert_eq!(cleared.bio, patched.bio, "unset fields stay");
        assert_eq!(cleared.updated_at, NOW + 2);

        let verified = store.set_verified(&ada.id, NOW + 3).await.expect("verify");
        assert_eq!(verified.verified_at, Some(NOW + 3));
        let again = store.set_verified(&ada.id, NOW + 4).await.expect("verify");
        assert_eq!(
            again.verified_at,
            Some(NOW + 3),
            "the first verification stays"
        );

        let admin = store.set_role(&ada.id, "admin", NOW).await.expect("role");
        assert_eq!(admin.role, "admin");
        assert_eq!(store.count_role("admin").await.expect("count"), 1);

        store
            .set_password_hash(&ada.id, "$argon2id$new", NOW)
            .await
            .expect("password");
        let user = store
            .user_by_id(&ada.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(user.password_hash, "$argon2id$new");

        store.delete_user(&ada.id).await.expect("delete");
        assert!(store.user_by_id(&ada.id).await.expect("get").is_none());
        assert!(matches!(
            store.delete_user(&ada.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            store.set_role(&ada.id, "user", NOW).await,
            Err(Error::NotFound)
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bans_end_when_lifted_or_when_their_time_passes() {
    on_both(|store| async move {
        let user = store
            .insert_user(new_user("mallory"))
            .await
            .expect("insert");
        let banned = store
            .set_ban(&user.id, Some("spam"), Some(NOW + 1000), NOW)
            .await
            .expect("ban");
        assert!(banned.is_banned(NOW + 999));
        assert!(!banned.is_banned(NOW + 1000), "over at until");
        assert_eq!(banned.ban_reason.as_deref(), Some("spam"));
        let forever = store.set_ban(&user.id, None, None, NOW).await.expect("ban");
        assert!(forever.is_banned(i64::MAX));
        let lifted = store.clear_ban(&user.id, NOW).await.expect("unban");
        assert!(!lifted.is_banned(NOW));
        assert_eq!(lifted.ban_reason, None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_filters_searches_and_pages() {
    on_both(|store| async move {
        for name in ["alice", "bob", "carol", "dave", "per%cent"] {
            store.insert_user(new_user(name)).await.expect("insert");
        }
        let bob = store
            .user_by_username_key("bob")
            .await
            .expect("get")
            .expect("bob");
        store
            .set_ban(&bob.id, Some("x"), None, NOW)
            .await
            .expect("ban");
        let carol = store
            .user_by_username_key("carol")
            .await
            .expect("get")
            .expect("carol");
        store.set_verified(&carol.id, NOW).await.expect("verify");
        store
            .set_role(&carol.id, "setter", NOW)
            .await
            .expect("role");
        let dave = store
            .user_by_username_key("dave")
            .await
            .expect("get")
            .expect("dave");
        store
            .set_ban(&dave.id, None, Some(NOW - 1), NOW - 10)
            .await
            .expect("expired ban");

        let names = |users: Vec<xcode_store::UserRecord>| -> Vec<String> {
            users.into_iter().map(|user| user.username).collect()
        };
        let all = UserFilter {
            limit: 50,
            now_ms: NOW,
            ..UserFilter::default()
        };
        let (users, total) = store.list_users(&all).await.expect("list");
        assert_eq!(total, 5);
        assert_eq!(names(users), ["alice", "bob", "carol", "dave", "per%cent"]);

        let banned = UserFilter {
            banned: Some(true),
            ..all.clone()
        };
        let (users, total) = store.list_users(&banned).await.expect("list");
        assert_eq!(
            (names(users), total),
            (vec!["bob".to_owned()], 1),
            "dave's ban is over"
        );
        let not_banned = UserFilter {
            banned: Some(false),
            ..all.clone()
        };
        assert_eq!(store.list_users(&not_banned).await.expect("list").1, 4);

        let verified = UserFilter {
            verified: Some(true),
            ..all.clone()
        };
        let (users, _) = store.list_users(&verified).await.expect("list");
        assert_eq!(names(users), ["carol"]);
        let setters = UserFilter {
            role: "setter".into(),
            ..all.clone()
        };
        assert_eq!(
            names(store.list_users(&setters).await.expect("list").0),
            ["carol"]
        );

        let search = UserFilter {
            query: "AR".into(),
            ..all.clone()
        };
        assert_eq!(
            names(store.list_users(&search).await.expect("list").0),
            ["carol"]
        );
        let by_mail = UserFilter {
            query: "dave@EXAMPLE".into(),
            ..all.clone()
        };
        assert_eq!(
            names(store.list_users(&by_mail).await.expect("list").0),
            ["dave"]
        );
        // Wildcards in a search are literal characters.
        let percent = UserFilter {
            query: "%".into(),
            ..all.clone()
        };
        assert_eq!(
            names(store.list_users(&percent).await.expect("list").0),
            ["per%cent"]
        );
        let underscore = UserFilter {
            query: "_".into(),
            ..all.clone()
        };
        assert_eq!(store.list_users(&underscore).await.expect("list").1, 0);
        let injection = UserFilter {
            query: "' OR 1=1 --".into(),
            ..all.clone()
        };
        assert_eq!(store.list_users(&injection).await.expect("list").1, 0);

        let page = UserFilter {
            offset: 2,
            limit: 2,
            ..all.clone()
        };
        let (users, total) = store.list_users(&page).await.expect("list");
        assert_eq!(
            (names(users), total),
            (vec!["carol".to_owned(), "dave".to_owned()], 5)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_single_use_and_expire() {
    on_both(|store| async move {
        let user = store.insert_user(new_user("tok")).await.expect("insert");
        let kind = TokenKind::VerifyEmail;
        store
            .insert_token("h1", kind, &user.id, NOW + 100, NOW)
            .await
            .expect("insert");
        store
            .insert_token("h2", kind, &user.id, NOW + 100, NOW)
            .await
            .expect("insert");

        assert_eq!(
            store
                .consume_token("h1", TokenKind::ResetPassword, NOW)
                .await
                .expect("consume"),
            Err(TokenRefusal::Unknown),
            "a token of another kind"
        );
        assert_eq!(
            store.consume_token("h1", kind, NOW).await.expect("consume"),
            Ok(user.id.clone())
        );
        assert_eq!(
            store.consume_token("h1", kind, NOW).await.expect("consume"),
            Err(TokenRefusal::Used)
        );
        assert_eq!(
            store
                .consume_token("h2", kind, NOW + 100)
                .await
                .expect("consume"),
            Err(TokenRefusal::Expired)
        );
        assert_eq!(
            store
                .consume_token("nope", kind, NOW)
                .await
                .expect("consume"),
            Err(TokenRefusal::Unknown)
        );

        // Racing spenders: exactly one wins.
        store
            .insert_token("race", kind, &user.id, NOW + 100, NOW)
            .await
            .expect("insert");
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                store
                    .consume_token("race", TokenKind::VerifyEmail, NOW)
                    .await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            if task.await.expect("join").expect("consume").is_ok() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotation_and_reuse_revokes_the_family() {
    on_both(|store| async move {
        let user = store.insert_user(new_user("sess")).await.expect("insert");
        let first = session(&user.id, "1");
        store.insert_session(&first).await.expect("insert");
        assert_eq!(
            store.session_by_access("access-1", NOW).await.expect("get"),
            Some(first.clone())
        );
        assert_eq!(
            store
                .session_by_access("access-1", NOW + 60_000)
                .await
                .expect("get"),
            None
        );

        let second = session(&user.id, "2");
        let rotation = store
            .rotate_session("refresh-1", &second, NOW + 1)
            .await
            .expect("rotate");
        assert!(matches!(rotation, Rotation::Rotated { ref previous } if previous.id == first.id));
        assert_eq!(
            store.session_by_access("access-1", NOW).await.expect("get"),
            None,
            "replaced"
        );
        let live = store
            .session_by_access("access-2", NOW)
            .await
            .expect("get")
            .expect("live");
        assert_eq!(live.family_id, first.family_id, "same family");

        // The spent token again: the whole family ends, the live session with it.
        let third = session(&user.id, "3");
        let rotation = store
            .rotate_session("refresh-1", &third, NOW + 2)
            .await
            .expect("rotate");
        assert_eq!(
            rotation,
            Rotation::Reused {
                revoked_access_hashes: vec!["access-2".into()]
            }
        );
        assert_eq!(
            store.session_by_access("access-2", NOW).await.expect("get"),
            None
        );
        assert_eq!(
            store
                .rotate_session("refresh-2", &third, NOW + 3)
                .await
                .expect("rotate"),
            Rotation::Invalid,
            "revoked"
        );
        assert_eq!(
            store
                .rotate_session("unknown", &third, NOW)
                .await
                .expect("rotate"),
            Rotation::Invalid
        );
        let expired = session(&user.id, "4");
        store.insert_session(&expired).await.expect("insert");
        assert_eq!(
            store
                .rotate_session("refresh-4", &session(&user.id, "5"), NOW + 3_600_000)
                .await
                .expect("rotate"),
            Rotation::Invalid,
            "expired"
        );

        // Revoking all but one.
        let a = session(&user.id, "a");
        let b = session(&user.id, "b");
        store.insert_session(&a).await.expect("insert");
        store.insert_session(&b).await.expect("insert");
        let mut revoked = store
            .revoke_user_sessions(&user.id, Some(&a.id), NOW)
            .await
            .expect("revoke");
        revoked.sort();
        assert_eq!(revoked, ["access-4", "access-b"]);
        assert!(
            store
                .session_by_access("access-a", NOW)
                .await
                .expect("get")
                .is_some()
        );
        assert_eq!(
            store.revoke_session(&a.id, NOW).await.expect("revoke"),
            ["access-a"]
        );
        assert!(
            store
                .revoke_session(&a.id, NOW)
                .await
                .expect("revoke")
                .is_empty()
        );

        // Deleting a user deletes their sessions.
        let c = session(&user.id, "c");
        store.insert_session(&c).await.expect("insert");
        store.delete_user(&user.id).await.expect("delete");
        assert_eq!(
            store.session_by_access("access-c", NOW).await.expect("get"),
            None
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn totp_steps_recovery_codes_and_lockout() {
    on_both(|store| async move {
        let user = store.insert_user(new_user("otp")).await.expect("insert");
        store
            .set_totp_pending(&user.id, "SECRET", NOW)
            .await
            .expect("pending");
        assert!(matches!(
            store.confirm_totp(&user.id, "OTHER", 10, NOW).await,
            Err(Error::NotFound)
        ));
        store
            .confirm_totp(&user.id, "SECRET", 10, NOW)
            .await
            .expect("confirm");
        let user = store
            .user_by_id(&user.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(user.totp_secret.as_deref(), Some("SECRET"));
        assert_eq!(user.totp_pending, None);

        assert!(
            !store.claim_totp_step(&user.id, 10).await.expect("claim"),
            "used to confirm"
        );
        assert!(
            !store.claim_totp_step(&user.id, 9).await.expect("claim"),
            "older"
        );
        assert!(store.claim_totp_step(&user.id, 11).await.expect("claim"));
        assert!(
            !store.claim_totp_step(&user.id, 11).await.expect("claim"),
            "replayed"
        );

        let codes: Vec<String> = (0..10).map(|i| format!("code{i}")).collect();
        store
            .replace_recovery_codes(&user.id, &codes)
            .await
            .expect("codes");
        assert_eq!(
            store.unused_recovery_codes(&user.id).await.expect("count"),
            10
        );
        assert!(
            store
                .use_recovery_code(&user.id, "code3", NOW)
                .await
                .expect("use")
        );
        assert!(
            !store
                .use_recovery_code(&user.id, "code3", NOW)
                .await
                .expect("reuse")
        );
        assert!(
            !store
                .use_recovery_code(&user.id, "nope", NOW)
                .await
                .expect("unknown")
        );
        assert_eq!(
            store.unused_recovery_codes(&user.id).await.expect("count"),
            9
        );
        store
            .replace_recovery_codes(&user.id, &codes[..2])
            .await
            .expect("replace");
        assert!(
            store
                .use_recovery_code(&user.id, "code1", NOW)
                .await
                .expect("new set")
        );
        assert!(
            !store
                .use_recovery_code(&user.id, "code5", NOW)
                .await
                .expect("old set gone")
        );

        store.disable_totp(&user.id, NOW).await.expect("disable");
        let user = store
            .user_by_id(&user.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(user.totp_secret, None);
        assert_eq!(
            store.unused_recovery_codes(&user.id).await.expect("count"),
            0
        );

        for failure in 1..=2 {
            let count = store
                .record_login_failure(&user.id, 3, NOW + 500)
                .await
                .expect("fail");
            assert_eq!((count.failed_logins, count.locked_until), (failure, None));
        }
        let count = store
            .record_login_failure(&user.id, 3, NOW + 500)
            .await
            .expect("fail");
        assert_eq!(
            (count.failed_logins, count.locked_until),
            (0, Some(NOW + 500)),
            "locked"
        );
        store.clear_login_failures(&user.id).await.expect("clear");
        let user = store
            .user_by_id(&user.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!((user.failed_logins, user.locked_until), (0, None));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_log_and_outbox_list_newest_first() {
    on_both(|store| async move {
        for i in 0..5 {
            let target = if i % 2 == 0 { "even" } else { "odd" };
            store
                .insert_audit(
                    NOW + i,
                    "admin-id",
                    "root",
                    "BanUser",
                    target,
                    "{\"reason\":\"x\"}",
                )
                .await
                .expect("audit");
            store
                .insert_outbox(NOW + i, "a@example.com", &format!("subject {i}"), "body")
                .await
                .expect("outbox");
        }
        let (entries, total) = store.list_audit(None, 0, 2).await.expect("list");
        assert_eq!(total, 5);
        assert_eq!(
            entries.iter().map(|e| e.at).collect::<Vec<_>>(),
            [NOW + 4, NOW + 3]
        );
        let (entries, total) = store.list_audit(Some("odd"), 0, 10).await.expect("list");
        assert_eq!(total, 2);
        assert!(entries.iter().all(|entry| entry.target_user_id == "odd"));
        assert_eq!(entries[0].details, "{\"reason\":\"x\"}");

        let (emails, total) = store.list_outbox(1, 2).await.expect("list");
        assert_eq!(total, 5);
        let subjects: Vec<_> = emails.iter().map(|email| email.subject.as_str()).collect();
        assert_eq!(subjects, ["subject 3", "subject 2"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_can_be_looked_at_without_spending_it() {
    on_both(|store| async move {
        let user = store.insert_user(new_user("peek")).await.expect("insert");
        let kind = TokenKind::ResetPassword;
        store
            .insert_token("p", kind, &user.id, NOW + 100, NOW)
            .await
            .expect("insert");
        assert_eq!(
            store.token_user("p", kind, NOW).await.expect("peek"),
            Ok(user.id.clone())
        );
        assert_eq!(
            store.token_user("p", kind, NOW).await.expect("peek"),
            Ok(user.id.clone())
        );
        assert_eq!(
            store.token_user("p", kind, NOW + 100).await.expect("peek"),
            Err(TokenRefusal::Expired)
        );
        store
            .consume_token("p", kind, NOW)
            .await
            .expect("consume")
            .expect("spent");
        assert_eq!(
            store.token_user("p", kind, NOW).await.expect("peek"),
            Err(TokenRefusal::Used)
        );
        assert_eq!(
            store
                .token_user("p", TokenKind::VerifyEmail, NOW)
                .await
                .expect("peek"),
            Err(TokenRefusal::Unknown)
        );
    })
    .await;
}
