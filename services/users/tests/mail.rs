//! Email through a real SMTP server (Python's `smtpd` debugging server, in Debian 12's Python
//! 3.11): a registration's verification email arrives there, not in the outbox; with the
//! server gone, the email lands in the outbox instead of being lost.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use xcode_proto::users::v1 as pb;

#[tokio::test(flavor = "multi_thread")]
async fn email_goes_out_by_smtp_and_falls_back_to_the_outbox() {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    let received = dir.path().join("smtp.out");
    let mut command = Command::new("python3");
    command
        .args([
            "-u",
            "-W",
            "ignore",
            "-m",
            "smtpd",
            "-n",
            "-c",
            "DebuggingServer",
        ])
        .arg(format!("127.0.0.1:{port}"));
    let file = std::fs::File::create(&received).expect("create");
    command.stdout(Stdio::from(file));
    let smtp = Server::start_keeping_stdout(command, "python3 -m smtpd", port);

    let mut settings = settings();
    settings.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
    settings.mail.public_url = "https://judge.example".into();
    let service = Service::start_with(Backend::Sqlite, CacheKind::Memory, settings).await;
    let mut client = service.client.clone();
    register(
        &mut client,
        "ada",
        "ada@example.com",
        "violet Tram crosses 9 bridges",
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let message = loop {
        let text = std::fs::read_to_string(&received).unwrap_or_default();
        if text.contains("xev_") {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "no email reached the SMTP server: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        message.contains("Subject: Verify your email address"),
        "{message}"
    );
    assert!(message.contains("To: ada@example.com"), "{message}");
    // Quoted-printable: `=` is written `=3D`.
    assert!(
        message.contains("https://judge.example/verify-email?token=3Dxev_"),
        "{message}"
    );

    let admin = access(&signed_in(&mut client, ADMIN, ADMIN_PASSWORD).await);
    let outbox = client
        .list_outbox(authed(&admin, pb::ListOutboxRequest::default()))
        .await
        .expect("outbox")
        .into_inner();
    assert_eq!(outbox.total, 0, "sent by SMTP, so not in the outbox");

    drop(smtp);
    register(
        &mut client,
        "grace",
        "grace@example.com",
        "violet Tram crosses 9 bridges",
    )
    .await;
    let outbox = client
        .list_outbox(authed(&admin, pb::ListOutboxRequest::default()))
        .await
        .expect("outbox")
        .into_inner();
    assert_eq!(outbox.total, 1, "SMTP is down: kept in the outbox");
    assert_eq!(outbox.emails[0].to, "grace@example.com");
}
