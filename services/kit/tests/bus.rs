//! One suite for both buses: in-process, and the real NATS on 127.0.0.1:4222
//! (`XCODE_TEST_NATS` to use another). Then a nats-server of our own, killed and restarted:
//! the subscription carries on once it is back.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use xcode_kit::{Bus, BusError, InProcessBus, Message, Nats, Subscription};

use common::{Server, free_port, prefix};

async fn next(subscription: &mut Subscription) -> Message {
    tokio::time::timeout(Duration::from_secs(5), subscription.next())
        .await
        .expect("a message within 5 s")
        .expect("the subscription is open")
}

/// Nothing more arrives within a short while.
async fn quiet(subscription: &mut Subscription) {
    let extra = tokio::time::timeout(Duration::from_millis(300), subscription.next()).await;
    assert!(extra.is_err(), "unexpected {extra:?}");
}

async fn suite(bus: &dyn Bus) {
    let p = prefix();
    let mut exact = bus
        .subscribe(&format!("{p}.judge.7"))
        .await
        .expect("subscribe");
    let mut one = bus
        .subscribe(&format!("{p}.judge.*"))
        .await
        .expect("subscribe");
    let mut rest = bus.subscribe(&format!("{p}.>")).await.expect("subscribe");

    for i in 0..100u8 {
        bus.publish(&format!("{p}.judge.7"), Bytes::from(vec![i]))
            .await
            .expect("publish");
    }
    bus.publish(&format!("{p}.judge.8"), Bytes::from_static(b"eight"))
        .await
        .expect("publish");
    bus.publish(&format!("{p}.match.1.start"), Bytes::from_static(b"go"))
        .await
        .expect("publish");

    // In order, each subscriber its own copy.
    for i in 0..100u8 {
        assert_eq!(
            next(&mut exact).await,
            Message {
                subject: format!("{p}.judge.7"),
                payload: Bytes::from(vec![i]),
            }
        );
        assert_eq!(next(&mut one).await.payload, Bytes::from(vec![i]));
        assert_eq!(next(&mut rest).await.payload, Bytes::from(vec![i]));
    }
    assert_eq!(next(&mut one).await.payload, Bytes::from_static(b"eight"));
    assert_eq!(next(&mut rest).await.payload, Bytes::from_static(b"eight"));
    let deep = next(&mut rest).await;
    assert_eq!(deep.subject, format!("{p}.match.1.start"));
    quiet(&mut exact).await;
    quiet(&mut one).await;

    // A dropped subscription gets nothing more; the others carry on.
    drop(exact);
    bus.publish(&format!("{p}.judge.7"), Bytes::from_static(b"after"))
        .await
        .expect("publish");
    assert_eq!(next(&mut one).await.payload, Bytes::from_static(b"after"));

    // Bad subjects are refused with a reason, by both.
    for bad in ["", "a..b", "has space", "wild.*"] {
        let refused = bus.publish(bad, Bytes::new()).await;
        assert!(
            matches!(refused, Err(BusError::InvalidSubject { .. })),
            "{bad:?}: {refused:?}"
        );
    }
    assert!(bus.subscribe("a.>.b").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process() {
    suite(&InProcessBus::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats() {
    let url = std::env::var("XCODE_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let bus = tokio::time::timeout(Duration::from_secs(10), Nats::connect(&url))
        .await
        .unwrap_or_else(|_| panic!("no NATS at {url}"))
        .expect("connects");
    suite(&bus).await;
}

/// A nats-server of our own on `port`.
fn nats_server(port: u16) -> Server {
    let mut command = Command::new("nats-server");
    command
        .args(["-a", "127.0.0.1", "-p"])
        .arg(port.to_string());
    Server::start(command, "nats-server", port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restarting_does_not_end_a_subscription() {
    let server = nats_server(free_port());
    let port = server.port;
    let bus = Nats::connect(&format!("nats://127.0.0.1:{port}"))
        .await
        .expect("connects");
    let mut events = bus.subscribe("xcode.events.>").await.expect("subscribe");
    bus.publish("xcode.events.1", Bytes::from_static(b"before"))
        .await
        .expect("publish");
    assert_eq!(
        next(&mut events).await.payload,
        Bytes::from_static(b"before")
    );

    drop(server);
    let _server = nats_server(port);
    // The client reconnects and subscribes again by itself; publish until it is through.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let _ = bus
            .publish("xcode.events.2", Bytes::from_static(b"after"))
            .await;
        match tokio::time::timeout(Duration::from_millis(500), events.next()).await {
            Ok(Some(message)) => {
                assert_eq!(message.payload, Bytes::from_static(b"after"));
                break;
            }
            Ok(None) => panic!("the subscription ended"),
            Err(_) => assert!(Instant::now() < deadline, "no message after the restart"),
        }
    }
}
