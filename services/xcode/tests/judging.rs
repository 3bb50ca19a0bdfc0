//! Problems, submissions and live verdicts end to end: the real `xcode serve` binary over HTTP
//! and WebSocket, with real toolchains. The embedded defaults (SQLite, in-process bus and
//! queue) and the production shape (separate processes on Postgres, memcached and NATS
//! JetStream, judge workers killed and NATS restarted mid-run).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::{Duration, Instant};

use common::{ADMIN, ADMIN_PASSWORD, Backend, CacheKind, NatsServer, Setup, Xcode, text};
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const PASSWORD: &str = "correct horse battery staple 42";
const JUDGING_TIMEOUT: Duration = Duration::from_secs(180);

const SUM_PY: &str = "a, b = map(int, input().split())\nprint(a + b)\n";
const SUM_CPP: &str = "#include <iostream>\nint main() { long long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }\n";
const DIFF_C: &str = "#include <stdio.h>\nint main(void) { long long a, b; scanf(\"%lld %lld\", &a, &b); printf(\"%lld\\n\", a - b); return 0; }\n";

/// Asserts the status, with the server's log in the message.
#[track_caller]
fn expect(xcode: &Xcode, reply: common::Reply, status: u16) -> Value {
    if reply.status != status {
        // Let the server's log reach its file.
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        reply.status,
        status,
        "{}\n{}\nserver log:\n{}",
        reply.body,
        xcode.describe(),
        xcode.stderr()
    );
    reply.body
}

/// A verified account with `role` (`user`, `setter`, `admin`): its access token.
async fn account(xcode: &Xcode, admin: &str, name: &str, role: &str) -> String {
    let reply = xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "username": name, "email": format!("{name}@example.com"), "password": PASSWORD }),
        )
        .await;
    let body = expect(xcode, reply, 201);
    let id = text(&body["user"]["id"]);
    let reply = xcode
        .post_empty(&format!("/api/v1/admin/users/{id}/verify"), Some(admin))
        .await;
    expect(xcode, reply, 200);
    if role != "user" {
        let reply = xcode
            .post(
                &format!("/api/v1/admin/users/{id}/role"),
                Some(admin),
                json!({ "role": role }),
            )
            .await;
        expect(xcode, reply, 200);
    }
    xcode.access(name, PASSWORD).await
}

async fn submit(xcode: &Xcode, token: &str, problem: &str, language: &str, source: &str) -> String {
    let body = xcode
        .post(
            "/api/v1/submissions",
            Some(token),
            json!({ "problem": problem, "language": language, "source": source }),
        )
        .await
        .ok(202);
    assert_eq!(body["status"], "queued");
    text(&body["id"])
}

/// Polls until the submission is judged.
async fn judged(xcode: &Xcode, token: Option<&str>, id: &str) -> Value {
    let deadline = Instant::now() + JUDGING_TIMEOUT;
    loop {
        let reply = xcode.get(&format!("/api/v1/submissions/{id}"), token).await;
        let body = expect(xcode, reply, 200);
        if body["status"] == "done" {
            return body;
        }
        assert!(Instant::now() < deadline, "not judged in time: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Follows a submission over the WebSocket until `finished`: every message, in order.
async fn watch(http: &str, token: Option<&str>, id: &str) -> Vec<Value> {
    let url = format!("{}/api/v1/ws", http.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("a WebSocket request");
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("a header"),
        );
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket");
    socket
        .send(tungstenite::Message::text(
            json!({ "subscribe": "submission", "id": id }).to_string(),
        ))
        .await
        .expect("subscribe");
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + JUDGING_TIMEOUT;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no `finished` in time; got {events:#?}"))
            .expect("the socket stays open")
            .expect("a message");
        let tungstenite::Message::Text(text) = message else {
            continue;
        };
        let event: Value = serde_json::from_str(text.as_str()).expect("JSON");
        let last = event["type"] == "finished"
            || event["type"] == "error"
            || (event["type"] == "snapshot" && event["submission"]["status"] == "done");
        events.push(event);
        if last {
            return events;
        }
    }
}

/// The per-test events' indexes, in order of arrival.
fn test_indexes(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .filter(|event| event["type"] == "test")
        .map(|event| event["test"]["index"].as_u64().expect("an index"))
        .collect()
}

fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.as_gnu_mut().expect("gnu").name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        builder.append(&header, *data).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

/// A native package: a sample and three secret tests of `a b -> a+b`.
fn sum_package(secret_marker: &str) -> Vec<u8> {
    let secret_answer = format!("{secret_marker}\n");
    tar_gz(&[
        (
            "sum/problem.toml",
            b"format_version = 1\ntitle = \"Uploaded Sum\"\n\n[limits]\ntime_limit_ms = 1000\n",
        ),
        (
            "sum/statement/problem.en.md",
            b"Add **two** numbers.<script>alert(1)</script>\n",
        ),
        ("sum/tests/sample/1.in", b"1 2\n"),
        ("sum/tests/sample/1.ans", b"3\n"),
        ("sum/tests/secret/01.in", b"40 2\n"),
        ("sum/tests/secret/01.ans", b"42\n"),
        ("sum/tests/secret/02.in", b"-5 5\n"),
        ("sum/tests/secret/02.ans", b"0\n"),
        // The marker is the sum of these, so that a correct program prints it.
        (
            "sum/tests/secret/03.in",
            format!("{} 0\n", secret_marker).as_bytes(),
        ),
        ("sum/tests/secret/03.ans", secret_answer.as_bytes()),
    ])
}

/// `xcode serve` on the embedded defaults: the setup (it owns the data directory: keep it
/// alive), the server and the admin's token.
async fn start_embedded() -> (Setup, Xcode, String) {
    let mut setup = Setup::sqlite();
    let xcode = setup.start().await;
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    (setup, xcode, admin)
}

#[tokio::test]
async fn starter_problems_sign_up_submit_and_watch_live() {
    let (_setup, xcode, admin) = start_embedded().await;
    full_flow(&xcode, &admin).await;
}

#[tokio::test]
async fn the_same_flow_on_postgres_and_memcached() {
    let mut setup = Setup::new(Backend::Postgres, CacheKind::Memcached).await;
    let xcode = setup.start().await;
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    full_flow(&xcode, &admin).await;
}

async fn full_flow(xcode: &Xcode, admin: &str) {
    // The starter set is there for everyone, with filters and pages.
    let body = xcode
        .get("/api/v1/problems?page_size=100", None)
        .await
        .ok(200);
    let problems = body["problems"].as_array().expect("problems");
    assert!(body["total"].as_u64().expect("total") >= 10, "{body}");
    let kinds: BTreeMap<String, String> = problems
        .iter()
        .map(|p| (text(&p["slug"]), text(&p["kind"])))
        .collect();
    assert_eq!(kinds["guess-number"], "interactive");
    assert_eq!(kinds["range-sum"], "scoring");
    assert_eq!(kinds["pair-sum"], "standard");
    for difficulty in ["easy", "medium", "hard"] {
        let body = xcode
            .get(&format!("/api/v1/problems?difficulty={difficulty}"), None)
            .await
            .ok(200);
        let list = body["problems"].as_array().expect("problems");
        assert!(!list.is_empty(), "{difficulty}");
        assert!(list.iter().all(|p| p["difficulty"] == difficulty), "{body}");
    }
    let body = xcode.get("/api/v1/problems?tag=graphs", None).await.ok(200);
    assert_eq!(body["problems"][0]["slug"], "shortest-path", "{body}");
    let body = xcode
        .get("/api/v1/problems?tag=dp,binary-search", None)
        .await
        .ok(200);
    assert_eq!(body["total"], 1, "{body}");
    let body = xcode
        .get("/api/v1/problems?category=dynamic-programming", None)
        .await
        .ok(200);
    assert_eq!(body["total"], 2, "{body}");
    let body = xcode.get("/api/v1/problems?q=BRACKET", None).await.ok(200);
    assert_eq!(body["problems"][0]["slug"], "balanced-brackets", "{body}");
    let body = xcode
        .get("/api/v1/problems?page_size=3&page=2", None)
        .await
        .ok(200);
    assert_eq!(body["problems"].as_array().expect("page").len(), 3);
    xcode
        .get("/api/v1/problems?difficulty=impossible", None)
        .await
        .error(400, "invalid_request");
    xcode
        .get("/api/v1/problems?status=solved", None)
        .await
        .error(401, "unauthenticated");
    let facets = xcode.get("/api/v1/facets", None).await.ok(200);
    assert!(
        facets["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|tag| tag["name"] == "dp")
    );

    let reply = xcode.get("/api/v1/problems/sum-of-two", None).await;
    let body = expect(xcode, reply, 200);
    let problem = &body["problem"];
    assert_eq!(problem["samples"].as_array().expect("samples").len(), 2);
    assert_eq!(problem["samples"][0]["input"], "1 2\n");
    assert!(
        text(&problem["statement_html"]).contains("<h2>Input</h2>"),
        "{problem}"
    );
    assert_eq!(problem["test_count"], 12);
    xcode
        .get("/api/v1/problems/no-such-problem", None)
        .await
        .error(404, "not_found");

    let languages = xcode.get("/api/v1/languages", None).await.ok(200);
    let ids: Vec<String> = languages["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .map(|l| text(&l["id"]))
        .collect();
    for id in ["c", "cpp", "python3"] {
        assert!(ids.contains(&id.to_owned()), "{languages}");
    }

    // A contestant signs up, submits, and watches the verdicts arrive.
    let ada = account(xcode, admin, "ada", "user").await;
    let accepted = submit(xcode, &ada, "sum-of-two", "python3", SUM_PY).await;
    let events = watch(&xcode.http, Some(&ada), &accepted).await;
    assert_eq!(events[0]["type"], "snapshot", "{events:#?}");
    let last = events.last().expect("events");
    assert_eq!(last["type"], "finished", "{events:#?}");
    assert_eq!(last["submission"]["verdict"], "AC", "{last}");
    let indexes = test_indexes(&events);
    let judged_before_watching = events[0]["submission"]["tests"]
        .as_array()
        .map_or(0, Vec::len) as u64;
    assert_eq!(
        indexes,
        (judged_before_watching..12).collect::<Vec<_>>(),
        "each test once, in order, after the snapshot: {events:#?}"
    );

    let body = judged(xcode, Some(&ada), &accepted).await;
    assert_eq!(
        (&body["verdict"], &body["problem"], &body["language"]),
        (&json!("AC"), &json!("sum-of-two"), &json!("python3"))
    );
    assert_eq!(body["source"], SUM_PY, "the author reads the source");
    let tests = body["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 12);
    assert!(
        tests
            .iter()
            .all(|test| test["verdict"] == "AC" && test["time_ms"].is_u64())
    );
    assert_eq!(tests[0]["name"], "sample/1");
    // Others see verdicts, not the source, and hidden tests by number only.
    let anonymous = xcode
        .get(&format!("/api/v1/submissions/{accepted}"), None)
        .await
        .ok(200);
    assert_eq!(anonymous["source"], Value::Null, "{anonymous}");
    assert_eq!(anonymous["tests"][5]["name"], "#6", "{anonymous}");
    assert_eq!(anonymous["tests"][0]["name"], "sample/1");

    let wrong = submit(
        xcode,
        &ada,
        "sum-of-two",
        "cpp",
        &SUM_CPP.replace("a + b", "a - b"),
    )
    .await;
    let broken = submit(xcode, &ada, "sum-of-two", "c", "int main( {").await;
    let c_wrong = submit(xcode, &ada, "sum-of-two", "c", DIFF_C).await;
    let body = judged(xcode, Some(&ada), &wrong).await;
    assert_eq!(body["verdict"], "WA", "{body}");
    assert!(
        body["tests"].as_array().expect("tests").len() < 12,
        "stops at the first failure: {body}"
    );
    let body = judged(xcode, Some(&ada), &broken).await;
    assert_eq!(body["verdict"], "CE", "{body}");
    assert!(!text(&body["compile_output"]).is_empty(), "{body}");
    assert_eq!(judged(xcode, Some(&ada), &c_wrong).await["verdict"], "WA");
    let cpp = submit(xcode, &ada, "sum-of-two", "cpp", SUM_CPP).await;
    assert_eq!(judged(xcode, Some(&ada), &cpp).await["verdict"], "AC");

    // Listings.
    let body = xcode
        .get("/api/v1/submissions?user=ada", None)
        .await
        .ok(200);
    assert_eq!(body["total"], 5, "{body}");
    assert_eq!(body["submissions"][0]["id"], json!(cpp), "newest first");
    assert_eq!(
        body["submissions"][0]["source"],
        Value::Null,
        "lists carry no sources"
    );
    let body = xcode
        .get("/api/v1/submissions?user=ada&verdict=WA", None)
        .await
        .ok(200);
    assert_eq!(body["total"], 2, "{body}");
    let body = xcode
        .get("/api/v1/submissions?problem=sum-of-two&verdict=ac", None)
        .await
        .ok(200);
    assert_eq!(body["total"], 2, "{body}");
    xcode
        .get("/api/v1/submissions?verdict=great", None)
        .await
        .error(400, "invalid_request");

    let stats = xcode
        .get("/api/v1/problems/sum-of-two/stats", None)
        .await
        .ok(200);
    assert_eq!(
        (&stats["submissions"], &stats["accepted"], &stats["solvers"]),
        (&json!(5), &json!(2), &json!(1)),
        "{stats}"
    );
    assert_eq!(stats["by_language"]["c"], 2, "{stats}");
    let body = xcode
        .get("/api/v1/problems?status=solved", Some(&ada))
        .await
        .ok(200);
    assert_eq!(
        body["problems"]
            .as_array()
            .expect("solved")
            .iter()
            .map(|p| text(&p["slug"]))
            .collect::<Vec<_>>(),
        ["sum-of-two"]
    );
    let body = xcode
        .get("/api/v1/problems?status=unsolved&page_size=100", Some(&ada))
        .await
        .ok(200);
    assert!(
        body["problems"]
            .as_array()
            .expect("unsolved")
            .iter()
            .all(|p| p["slug"] != "sum-of-two" && p["solved"] == false)
    );

    // A client that (re)connects after the end gets the final state at once.
    let events = watch(&xcode.http, None, &accepted).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["submission"]["verdict"], "AC");
    assert_eq!(
        events[0]["submission"]["source"],
        Value::Null,
        "anonymous: no source"
    );

    // The custom validator, the interactive problem and the scoring one.
    let pair = submit(
        xcode,
        &ada,
        "pair-sum",
        "python3",
        "n, t = map(int, input().split())\na = list(map(int, input().split()))\nseen = {}\nfor j, x in enumerate(a):\n    if t - x in seen:\n        print(seen[t - x] + 1, j + 1)\n        break\n    seen[x] = j\n",
    )
    .await;
    assert_eq!(judged(xcode, Some(&ada), &pair).await["verdict"], "AC");
    let pair_wrong = submit(xcode, &ada, "pair-sum", "python3", "print(1, 1)\n").await;
    assert_eq!(
        judged(xcode, Some(&ada), &pair_wrong).await["verdict"],
        "WA"
    );
    let guess = submit(
        xcode,
        &ada,
        "guess-number",
        "python3",
        &std::fs::read_to_string(
            workspace().join("examples/problems/guess/submissions/accepted/binary_search.py"),
        )
        .expect("the example"),
    )
    .await;
    let body = judged(xcode, Some(&ada), &guess).await;
    assert_eq!(body["verdict"], "AC", "{body}");
    let quadratic = submit(
        xcode,
        &ada,
        "range-sum",
        "cpp",
        "#include <cstdio>\nint a[200005];\nint main(){int n,q;scanf(\"%d %d\",&n,&q);for(int i=1;i<=n;i++)scanf(\"%d\",&a[i]);while(q--){int l,r;scanf(\"%d %d\",&l,&r);int s=0;for(int i=l;i<=r;i++)s+=a[i];printf(\"%d\\n\",s);}}\n",
    )
    .await;
    let body = judged(xcode, Some(&ada), &quadratic).await;
    assert_eq!(
        (&body["score"], &body["max_score"]),
        (&json!(30.0), &json!(100.0)),
        "32-bit sums: the small subtask only: {body}"
    );
}

#[tokio::test]
async fn a_setter_publishes_a_package_and_hidden_tests_stay_hidden() {
    let (_setup, xcode, admin) = start_embedded().await;
    let setter = account(&xcode, &admin, "setter", "setter").await;
    let bob = account(&xcode, &admin, "bob", "user").await;
    let eve = account(&xcode, &admin, "eve", "user").await;

    xcode
        .post(
            "/api/v1/problems",
            Some(&bob),
            json!({ "slug": "bobs-problem", "title": "No" }),
        )
        .await
        .error(403, "forbidden");
    let body = xcode
        .post(
            "/api/v1/problems",
            Some(&setter),
            json!({
                "slug": "uploaded-sum", "title": "Sum, uploaded", "difficulty": "easy", "rating": 900,
                "category": "basics", "tags": ["math"], "statement_markdown": "Draft",
            }),
        )
        .await
        .ok(201);
    assert_eq!(body["problem"]["visibility"], "draft");
    xcode
        .post(
            "/api/v1/problems",
            Some(&setter),
            json!({ "slug": "uploaded-sum", "title": "Again" }),
        )
        .await
        .error(409, "conflict");
    // A draft is nobody else's business.
    xcode
        .get("/api/v1/problems/uploaded-sum", None)
        .await
        .error(404, "not_found");
    xcode
        .get("/api/v1/problems/uploaded-sum", Some(&bob))
        .await
        .error(404, "not_found");
    xcode
        .patch(
            "/api/v1/problems/uploaded-sum",
            Some(&setter),
            json!({ "visibility": "public" }),
        )
        .await
        .error_with(409, "failed_precondition", "tests");
    xcode
        .put_bytes(
            "/api/v1/problems/uploaded-sum/package",
            Some(&bob),
            sum_package("7777"),
        )
        .await
        .error(403, "forbidden");

    let marker = "987654321";
    let body = xcode
        .put_bytes(
            "/api/v1/problems/uploaded-sum/package",
            Some(&setter),
            sum_package(marker),
        )
        .await
        .ok(200);
    assert_eq!(body["tests"], 4, "{body}");
    assert_eq!(
        body["problem"]["title"], "Uploaded Sum",
        "metadata from the package"
    );
    let html = text(&body["problem"]["statement_html"]);
    assert!(
        html.contains("<strong>two</strong>") && !html.contains("<script"),
        "{html}"
    );
    xcode
        .patch(
            "/api/v1/problems/uploaded-sum",
            Some(&setter),
            json!({ "visibility": "public", "tags": ["math", "uploads"] }),
        )
        .await
        .ok(200);

    // Contestants see the sample, never the hidden tests.
    let reply = xcode.get("/api/v1/problems/uploaded-sum", Some(&bob)).await;
    let raw = reply.body.to_string();
    let body = reply.ok(200);
    assert_eq!(
        body["problem"]["samples"]
            .as_array()
            .expect("samples")
            .len(),
        1
    );
    assert!(!raw.contains(marker), "a hidden answer leaked: {raw}");
    xcode
        .get("/api/v1/problems/uploaded-sum/tests", Some(&bob))
        .await
        .error(403, "forbidden");
    let tests = xcode
        .get("/api/v1/problems/uploaded-sum/tests", Some(&setter))
        .await
        .ok(200);
    let names: Vec<String> = tests["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|t| text(&t["name"]))
        .collect();
    assert_eq!(names, ["sample/1", "secret/01", "secret/02", "secret/03"]);

    let id = submit(&xcode, &bob, "uploaded-sum", "python3", SUM_PY).await;
    let body = judged(&xcode, Some(&bob), &id).await;
    assert_eq!(body["verdict"], "AC", "{body}");
    assert_eq!(
        body["tests"][1]["name"], "#2",
        "hidden test names stay hidden: {body}"
    );
    assert!(!body.to_string().contains(marker));
    let editor_view = xcode
        .get(&format!("/api/v1/submissions/{id}"), Some(&setter))
        .await
        .ok(200);
    assert_eq!(editor_view["tests"][1]["name"], "secret/01");
    assert_eq!(
        editor_view["source"], SUM_PY,
        "the problem's author reads sources"
    );
    let others = xcode
        .get(&format!("/api/v1/submissions/{id}"), Some(&eve))
        .await
        .ok(200);
    assert_eq!(
        others["source"],
        Value::Null,
        "not another contestant's code"
    );

    // A Kattis package as a zip, with a symbolic link in it (examples/problems/hello).
    xcode
        .post(
            "/api/v1/problems",
            Some(&setter),
            json!({ "slug": "hello-kattis", "title": "Hello" }),
        )
        .await
        .ok(201);
    let body = xcode
        .put_bytes(
            "/api/v1/problems/hello-kattis/package",
            Some(&setter),
            zip_dir(&workspace().join("examples/problems/hello")),
        )
        .await
        .ok(200);
    assert_eq!(body["tests"], 5, "{body}");
    assert_eq!(body["problem"]["title"], "Hello");

    // Rejudge (admins): judged again (the cached final verdict is dropped at once: a new
    // judged_at well within the cache's 60 s), with the same result.
    let before = text(&judged(&xcode, Some(&bob), &id).await["judged_at"]);
    tokio::time::sleep(Duration::from_millis(10)).await;
    xcode
        .post(
            "/api/v1/admin/rejudge",
            Some(&setter),
            json!({ "problem": "uploaded-sum" }),
        )
        .await
        .error(403, "forbidden");
    let body = xcode
        .post(
            "/api/v1/admin/rejudge",
            Some(&admin),
            json!({ "submission_id": id }),
        )
        .await
        .ok(202);
    assert_eq!(body["queued"], 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = judged(&xcode, Some(&bob), &id).await;
        if body["judged_at"] != json!(before) {
            assert_eq!(body["verdict"], "AC", "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "still the first judging: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    xcode
        .delete("/api/v1/problems/uploaded-sum", Some(&bob))
        .await
        .error(403, "forbidden");
    assert_eq!(
        xcode
            .delete("/api/v1/problems/uploaded-sum", Some(&setter))
            .await
            .status,
        204
    );
    xcode
        .get(&format!("/api/v1/submissions/{id}"), Some(&bob))
        .await
        .error(404, "not_found");
}

fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A directory as a zip (symbolic links stored as links), submissions left out.
fn zip_dir(dir: &std::path::Path) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&current)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            if name.starts_with("submissions") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).expect("link");
                writer
                    .add_symlink(name, target.to_string_lossy(), options)
                    .expect("symlink");
            } else if meta.is_dir() {
                writer
                    .add_directory(format!("{name}/"), options)
                    .expect("dir");
                stack.push(path);
            } else {
                writer.start_file(name, options).expect("file");
                writer
                    .write_all(&std::fs::read(&path).expect("read"))
                    .expect("write");
            }
        }
    }
    writer.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let (_setup, xcode, admin) = start_embedded().await;
    let setter = account(&xcode, &admin, "setter", "setter").await;
    let ada = account(&xcode, &admin, "ada", "user").await;

    // Submissions.
    let post = |token: Option<String>, body: Value| {
        let xcode = &xcode;
        async move {
            xcode
                .post("/api/v1/submissions", token.as_deref(), body)
                .await
        }
    };
    post(
        None,
        json!({ "problem": "sum-of-two", "language": "python3", "source": SUM_PY }),
    )
    .await
    .error(401, "unauthenticated");
    post(
        Some(ada.clone()),
        json!({ "problem": "sum-of-two", "language": "cobol", "source": SUM_PY }),
    )
    .await
    .error_with(400, "invalid_argument", "language");
    post(
        Some(ada.clone()),
        json!({ "problem": "sum-of-two", "language": "python3", "source": "  \n" }),
    )
    .await
    .error_with(400, "invalid_argument", "empty");
    post(
        Some(ada.clone()),
        json!({ "problem": "sum-of-two", "language": "python3", "source": "#".repeat(70_000) }),
    )
    .await
    .error_with(400, "invalid_argument", "at most");
    post(
        Some(ada.clone()),
        json!({ "problem": "no-such", "language": "python3", "source": SUM_PY }),
    )
    .await
    .error(404, "not_found");
    post(
        Some(ada.clone()),
        json!({ "problem": "sum-of-two", "language": "python3" }),
    )
    .await
    .error(400, "invalid_request");
    xcode
        .get("/api/v1/submissions/not-a-submission", None)
        .await
        .error(404, "not_found");

    // Unverified and banned accounts cannot submit.
    let body = xcode
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "username": "newbie", "email": "newbie@example.com", "password": PASSWORD }),
        )
        .await
        .ok(201);
    let newbie_id = text(&body["user"]["id"]);
    let newbie = xcode.access("newbie", PASSWORD).await;
    post(
        Some(newbie.clone()),
        json!({ "problem": "sum-of-two", "language": "python3", "source": SUM_PY }),
    )
    .await
    .error_with(403, "forbidden", "verify");
    xcode
        .post_empty(
            &format!("/api/v1/admin/users/{newbie_id}/verify"),
            Some(&admin),
        )
        .await
        .ok(200);
    let mallory = account(&xcode, &admin, "mallory", "user").await;
    let me = xcode.get("/api/v1/me", Some(&mallory)).await.ok(200);
    xcode
        .post(
            &format!("/api/v1/admin/users/{}/ban", text(&me["user"]["id"])),
            Some(&admin),
            json!({ "reason": "spam" }),
        )
        .await
        .ok(200);
    let reply = post(
        Some(mallory),
        json!({ "problem": "sum-of-two", "language": "python3", "source": SUM_PY }),
    )
    .await;
    assert!(
        matches!(reply.status, 401 | 403),
        "{}: {}",
        reply.status,
        reply.body
    );

    // Packages.
    xcode
        .post(
            "/api/v1/problems",
            Some(&setter),
            json!({ "slug": "broken", "title": "Broken" }),
        )
        .await
        .ok(201);
    let put = |body: Vec<u8>| {
        let (xcode, setter) = (&xcode, &setter);
        async move {
            xcode
                .put_bytes("/api/v1/problems/broken/package", Some(setter), body)
                .await
        }
    };
    put(b"this is not an archive".to_vec())
        .await
        .error_with(400, "invalid_argument", "not a zip");
    put(Vec::new()).await.error(400, "invalid_request");
    put(b"PK\x03\x04 truncated zip".to_vec())
        .await
        .error_with(400, "invalid_argument", "corrupt");
    put(tar_gz(&[("../../etc/evil", b"x")])).await.error_with(
        400,
        "invalid_argument",
        "unsafe path",
    );
    put(tar_gz(&[("/etc/evil", b"x")]))
        .await
        .error_with(400, "invalid_argument", "unsafe path");
    put(tar_gz(&[
        ("p/problem.toml", b"format_version = 1\n"),
        ("p/tests/secret/.keep", b""),
    ]))
    .await
    .error(400, "invalid_argument");
    put(tar_gz(&[
        ("p/problem.toml", b"format_version = 1\nbogus_key = 3\n"),
        ("p/tests/secret/1.in", b"1"),
        ("p/tests/secret/1.ans", b"1"),
    ]))
    .await
    .error_with(400, "invalid_argument", "bogus_key");
    // A zip bomb: 600 MiB of zeros in a few hundred KiB.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file(
        "p/tests/secret/1.in",
        zip::write::SimpleFileOptions::default().large_file(true),
    )
    .expect("bomb");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..600 {
        bomb.write_all(&zeros).expect("zeros");
    }
    let bomb = bomb.finish().expect("zip").into_inner();
    assert!(bomb.len() < 4 << 20, "{}", bomb.len());
    put(bomb)
        .await
        .error_with(400, "invalid_argument", "more than");
    // Larger than the gateway takes: 413 before the body is read. On a connection of its own:
    // the server closes it without reading the rest, which a pooled connection would trip on.
    let huge = vec![7u8; 65 << 20];
    let reply = common::Reply::of(
        reqwest::Client::new()
            .put(xcode.url("/api/v1/problems/broken/package"))
            .bearer_auth(&setter)
            .body(huge),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.body["error"]["code"], "payload_too_large");
    // Nothing of that changed the problem: still no tests, still a draft.
    xcode
        .post(
            "/api/v1/submissions",
            Some(&setter),
            json!({ "problem": "broken", "language": "python3", "source": SUM_PY }),
        )
        .await
        .error_with(409, "failed_precondition", "no tests");

    // The Run button.
    let run = |body: Value| {
        let (xcode, ada) = (&xcode, &ada);
        async move { xcode.post("/api/v1/run", Some(ada), body).await }
    };
    let body = run(
        json!({ "language": "python3", "source": "print(input()[::-1])", "stdin": "stressed\n" }),
    )
    .await
    .ok(200);
    assert_eq!(
        (&body["status"], &body["exit_code"], &body["stdout"]),
        (&json!("exited"), &json!(0), &json!("desserts\n")),
        "{body}"
    );
    let body = run(
        json!({ "language": "python3", "source": "while True:\n    pass\n", "time_limit_ms": 200 }),
    )
    .await
    .ok(200);
    assert_eq!(body["status"], "time_limit_exceeded", "{body}");
    let body = run(json!({ "language": "cpp", "source": "int main( {" }))
        .await
        .ok(200);
    assert_eq!(body["status"], "compile_error", "{body}");
    assert!(!text(&body["compile_output"]).is_empty());
    // No host files: the sandbox has none to give.
    let body = run(json!({ "language": "python3", "source": "print(open('/etc/passwd').read())" }))
        .await
        .ok(200);
    assert_eq!(
        (&body["status"], &body["exit_code"]),
        (&json!("exited"), &json!(1)),
        "{body}"
    );
    assert!(!text(&body["stdout"]).contains("root:"), "{body}");
    assert!(text(&body["stderr"]).contains("Error"), "{body}");
    xcode
        .post(
            "/api/v1/run",
            None,
            json!({ "language": "python3", "source": "print(1)" }),
        )
        .await
        .error(401, "unauthenticated");
    run(json!({ "language": "brainfuck", "source": "+" }))
        .await
        .error(400, "invalid_argument");
}

#[tokio::test]
async fn judge0_api_and_the_official_sdk() {
    let (_setup, xcode, admin) = start_embedded().await;
    let ada = account(&xcode, &admin, "ada", "user").await;
    let get = |path: &str| {
        let (xcode, ada) = (&xcode, &ada);
        let path = path.to_owned();
        async move {
            let response = xcode
                .request(reqwest::Method::GET, &path, None)
                .header("x-auth-token", ada.as_str())
                .send()
                .await
                .expect("response");
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let post = |path: &str, body: Value| {
        let (xcode, ada) = (&xcode, &ada);
        let path = path.to_owned();
        async move {
            let response = xcode
                .request(reqwest::Method::POST, &path, Some(ada))
                .json(&body)
                .send()
                .await
                .expect("response");
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    let (status, statuses) = get("/judge0/statuses").await;
    assert_eq!(status, 200);
    assert_eq!(statuses[2], json!({ "id": 3, "description": "Accepted" }));
    assert_eq!(statuses.as_array().expect("statuses").len(), 14);
    let (_, languages) = get("/judge0/languages").await;
    let ids: Vec<u64> = languages
        .as_array()
        .expect("languages")
        .iter()
        .map(|l| l["id"].as_u64().expect("id"))
        .collect();
    for id in [50, 54, 60, 62, 63, 71, 72, 73, 74] {
        assert!(ids.contains(&id), "{id} in {languages}");
    }
    let (status, python) = get("/judge0/languages/71").await;
    assert_eq!((status, &python["id"]), (200, &json!(71)), "{python}");
    let (status, java) = get("/judge0/languages/62").await;
    assert_eq!((status, &java["id"]), (200, &json!(62)), "{java}");
    assert_eq!(
        get("/judge0/languages/51").await.0,
        404,
        "C# is not run here"
    );
    assert_eq!(get("/judge0/about").await.1["version"], "1.13.1");
    let (_, config) = get("/judge0/config_info").await;
    assert_eq!(config["enable_batched_submissions"], true);
    assert!(get("/judge0/system_info").await.1["CPU(s)"].is_string());

    // wait=true, plain text.
    let (status, body) = post(
        "/judge0/submissions?wait=true",
        json!({ "source_code": "print(input() + '!')", "language_id": 71, "stdin": "hi" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["status"],
        json!({ "id": 3, "description": "Accepted" }),
        "{body}"
    );
    assert_eq!(body["stdout"], "hi!\n");
    assert!(
        body["time"]
            .as_str()
            .expect("time in seconds")
            .parse::<f64>()
            .is_ok(),
        "{body}"
    );
    assert!(body["memory"].is_u64(), "{body}");
    let token = text(&body["token"]);
    // All fields, later.
    let (status, full) = get(&format!("/judge0/submissions/{token}?fields=*")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&full["language_id"], &full["stdin"], &full["exit_code"]),
        (&json!(71), &json!("hi"), &json!(0)),
        "{full}"
    );
    assert!(text(&full["created_at"]).ends_with('Z'));
    let (_, some) = get(&format!(
        "/judge0/submissions/{token}?fields=stdout,status_id"
    ))
    .await;
    assert_eq!(some, json!({ "stdout": "hi!\n", "status_id": 3 }));

    // base64, expected output, wrong answers, compile and runtime errors.
    use base64::Engine as _;
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let (_, body) = post(
        "/judge0/submissions?base64_encoded=true&wait=true",
        json!({ "source_code": b64("print(6 * 7)"), "language_id": 71, "expected_output": b64("42") }),
    )
    .await;
    assert_eq!(
        (&body["status"]["id"], &body["stdout"]),
        (&json!(3), &json!(b64("42\n"))),
        "{body}"
    );
    let (_, body) = post(
        "/judge0/submissions?wait=true",
        json!({ "source_code": "print(41)", "language_id": 71, "expected_output": "42" }),
    )
    .await;
    assert_eq!(body["status"]["id"], 4, "{body}");
    let (_, body) = post(
        "/judge0/submissions?wait=true",
        json!({ "source_code": "int main( {", "language_id": 54 }),
    )
    .await;
    assert_eq!(body["status"]["id"], 6, "{body}");
    let (_, body) = post(
        "/judge0/submissions?wait=true",
        json!({ "source_code": "import sys; sys.exit(3)", "language_id": 71 }),
    )
    .await;
    assert_eq!(body["status"]["id"], 11, "{body}");
    let (_, body) = post(
        "/judge0/submissions?wait=true",
        json!({ "source_code": "while True: pass", "language_id": 71, "cpu_time_limit": 0.2 }),
    )
    .await;
    assert_eq!(body["status"]["id"], 5, "{body}");
    let (status, body) = post(
        "/judge0/submissions",
        json!({ "source_code": "x", "language_id": 51 }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["language_id"].is_array(), "{body}");
    let (status, body) = post("/judge0/submissions", json!({ "language_id": 71 })).await;
    assert_eq!(
        (status, body["source_code"].is_array()),
        (422, true),
        "{body}"
    );
    let (status, _) = post(
        "/judge0/submissions?base64_encoded=true",
        json!({ "source_code": "***", "language_id": 71 }),
    )
    .await;
    assert_eq!(status, 422);
    let anonymous = xcode
        .post(
            "/judge0/submissions",
            None,
            json!({ "source_code": "print(1)", "language_id": 71 }),
        )
        .await;
    assert_eq!(anonymous.status, 401);

    // Batches.
    let (status, tokens) = post(
        "/judge0/submissions/batch",
        json!({ "submissions": [
            { "source_code": "print(1)", "language_id": 71 },
            { "source_code": "int main(){return 0;}", "language_id": 50 },
            { "source_code": "x", "language_id": 9999 },
        ] }),
    )
    .await;
    assert_eq!(status, 201, "{tokens}");
    assert!(
        tokens[2]["language_id"].is_array(),
        "one bad submission fails alone: {tokens}"
    );
    let list = format!(
        "{},{}",
        text(&tokens[0]["token"]),
        text(&tokens[1]["token"])
    );
    let deadline = Instant::now() + JUDGING_TIMEOUT;
    loop {
        let (status, body) = get(&format!(
            "/judge0/submissions/batch?tokens={list}&fields=token,status,stdout"
        ))
        .await;
        assert_eq!(status, 200, "{body}");
        let submissions = body["submissions"].as_array().expect("submissions");
        if submissions
            .iter()
            .all(|s| s["status"]["id"].as_u64().is_some_and(|id| id > 2))
        {
            assert_eq!(submissions[0]["stdout"], "1\n");
            assert_eq!(submissions[1]["status"]["id"], 3);
            break;
        }
        assert!(Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another user's tokens are unknown.
    let eve = account(&xcode, &admin, "eve", "user").await;
    let response = xcode
        .request(
            reqwest::Method::GET,
            &format!("/judge0/submissions/{token}"),
            Some(&eve),
        )
        .send()
        .await
        .expect("response");
    assert_eq!(response.status().as_u16(), 404);

    // The official Python SDK, unchanged.
    let script = workspace().join("services/xcode/tests/judge0_sdk.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(xcode.url("/judge0"))
        .arg(&ada)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "the Judge0 SDK test failed (pip install judge0):\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("judge0 sdk: ok"));
}

// ---- the production shape, and faults ----

/// A Python submission to count-primes slow enough to be killed mid-judging (a sieve in
/// pure Python over 10^7 per test).
const SLOW_PRIMES_PY: &str = "n = int(input())\nsieve = bytearray([1]) * (n + 1)\nsieve[0] = 0\nif n >= 1:\n    sieve[1] = 0\ni = 2\nwhile i * i <= n:\n    if sieve[i]:\n        sieve[i*i::i] = bytearray(len(range(i*i, n + 1, i)))\n    i += 1\nprint(sum(sieve))\n";

fn cluster_setup(setup: &mut Setup) {
    setup
        .set("XCODE__JUDGE__ACK_WAIT_SECONDS", "3")
        .set("XCODE__JUDGE__SWEEP_EVERY_SECONDS", "1")
        .set("XCODE__JUDGE__SWEEP_AGE_SECONDS", "2")
        .set("XCODE__JUDGE__TEST_THREADS", "1");
}

#[tokio::test]
async fn a_worker_killed_mid_judging_loses_nothing_on_the_shared_nats() {
    let mut setup = Setup::new(Backend::Postgres, CacheKind::Memcached).await;
    cluster_setup(&mut setup);
    // The shared NATS; a namespace of this run's own keeps other runs' jobs apart.
    let namespace = format!("t{}", std::process::id());
    setup.set("XCODE__JUDGE__NATS_NAMESPACE", &namespace);
    let mut xcode = setup.start_cluster("nats://127.0.0.1:4222", 1).await;
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let ada = account(&xcode, &admin, "ada", "user").await;

    let id = submit(&xcode, &ada, "count-primes", "python3", SLOW_PRIMES_PY).await;
    let watcher = {
        let url = xcode.http.clone();
        let id = id.clone();
        let ada = ada.clone();
        tokio::spawn(async move { watch(&url, Some(&ada), &id).await })
    };
    // Wait until a test has been judged, then kill the worker on the spot.
    let deadline = Instant::now() + JUDGING_TIMEOUT;
    loop {
        let body = xcode
            .get(&format!("/api/v1/submissions/{id}"), Some(&ada))
            .await
            .ok(200);
        if body["tests"]
            .as_array()
            .is_some_and(|tests| !tests.is_empty())
        {
            assert_eq!(body["status"], "judging", "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "judging did not start: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    xcode.workers[0].kill_hard();
    // Another worker takes the job over once the dead one's ack wait passes.
    let replacement = setup.start_worker().await;
    xcode.workers.push(replacement);
    let body = judged(&xcode, Some(&ada), &id).await;
    assert_eq!(body["verdict"], "AC", "{body}");
    assert_eq!(body["tests"].as_array().expect("tests").len(), 10);
    let events = watcher.await.expect("the watcher");
    let indexes = test_indexes(&events);
    let mut sorted = indexes.clone();
    sorted.dedup();
    assert_eq!(
        indexes, sorted,
        "each test reported once, in order: {events:#?}"
    );
    assert_eq!(
        events.last().expect("events")["submission"]["verdict"],
        "AC"
    );

    // Two workers share the load.
    xcode.workers.push(setup.start_worker().await);
    let ids: Vec<String> = futures::future::join_all(
        (0..4).map(|_| submit(&xcode, &ada, "sum-of-two", "python3", SUM_PY)),
    )
    .await;
    for id in &ids {
        assert_eq!(judged(&xcode, Some(&ada), id).await["verdict"], "AC");
    }
}

#[tokio::test]
async fn nats_restarting_mid_run_loses_no_submission() {
    let mut nats = NatsServer::start();
    let mut setup = Setup::new(Backend::Sqlite, CacheKind::Memory).await;
    cluster_setup(&mut setup);
    let xcode = setup.start_cluster(&nats.url(), 1).await;
    let admin = xcode.access(ADMIN, ADMIN_PASSWORD).await;
    let ada = account(&xcode, &admin, "ada", "user").await;

    let before = submit(&xcode, &ada, "sum-of-two", "python3", SUM_PY).await;
    assert_eq!(judged(&xcode, Some(&ada), &before).await["verdict"], "AC");

    // NATS goes away: submissions are still taken (stored, queued later).
    let slow = submit(&xcode, &ada, "count-primes", "python3", SLOW_PRIMES_PY).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    nats.stop();
    let mut during = Vec::new();
    for _ in 0..3 {
        during.push(submit(&xcode, &ada, "sum-of-two", "cpp", SUM_CPP).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.resume();
    for id in during.iter().chain([&slow]) {
        let body = judged(&xcode, Some(&ada), id).await;
        assert_eq!(body["verdict"], "AC", "{body}");
    }
}

#[tokio::test]
async fn setters_edit_tests_and_validators_over_grpc() {
    use xcode_proto::problems::v1 as pb;
    use xcode_proto::problems::v1::problem_service_client::ProblemServiceClient;

    let (_setup, xcode, admin) = start_embedded().await;
    let setter = account(&xcode, &admin, "setter", "setter").await;
    let bob = account(&xcode, &admin, "bob", "user").await;
    let channel = tonic::transport::Channel::from_shared(xcode.grpc.clone())
        .expect("a URI")
        .connect()
        .await
        .expect("the gRPC port");
    let mut problems = ProblemServiceClient::new(channel);
    fn authorized<T>(token: &str, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("metadata"),
        );
        request
    }

    let created = problems
        .create_problem(authorized(
            &setter,
            pb::CreateProblemRequest {
                slug: "halves".into(),
                title: "Halves".into(),
                statement_markdown: "Print $n / 2$ to within $10^{-6}$.".into(),
                difficulty: pb::Difficulty::Easy.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("created")
        .into_inner();
    assert_eq!(created.problem.expect("problem").test_count, 0);

    // Test by test: a sample, then hidden ones; a contestant may not.
    let put = |name: &str, sample: bool, input: &str, answer: &str| pb::PutTestRequest {
        slug: "halves".into(),
        name: name.into(),
        is_sample: sample,
        input: input.as_bytes().to_vec(),
        answer: answer.as_bytes().to_vec(),
    };
    let denied = problems
        .put_test(authorized(&bob, put("01", false, "3\n", "1.5\n")))
        .await
        .expect_err("not a setter");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    let test = problems
        .put_test(authorized(&setter, put("01", false, "3\n", "1.5\n")))
        .await
        .expect("a secret test")
        .into_inner()
        .test
        .expect("its info");
    assert_eq!((test.name.as_str(), test.is_sample), ("secret/01", false));
    problems
        .put_test(authorized(&setter, put("1", true, "4\n", "2\n")))
        .await
        .expect("a sample");
    problems
        .put_test(authorized(&setter, put("02", false, "1\n", "0.5\n")))
        .await
        .expect("another");
    let bad = problems
        .put_test(authorized(&setter, put("../../x", false, "1", "1")))
        .await
        .expect_err("a path");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument, "{bad:?}");
    let tests = problems
        .list_tests(authorized(
            &setter,
            pb::ListTestsRequest {
                slug: "halves".into(),
            },
        ))
        .await
        .expect("tests")
        .into_inner()
        .tests;
    let names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["sample/1", "secret/01", "secret/02"]);
    problems
        .delete_test(authorized(
            &setter,
            pb::DeleteTestRequest {
                slug: "halves".into(),
                name: "secret/02".into(),
            },
        ))
        .await
        .expect("deleted");

    // A validator that does not compile changes nothing; then the default with a tolerance.
    let broken = problems
        .set_validator(authorized(
            &setter,
            pb::SetValidatorRequest {
                slug: "halves".into(),
                validator: Some(pb::set_validator_request::Validator::Source(
                    pb::ValidatorSource {
                        language: "cpp".into(),
                        source: "int main( {".into(),
                    },
                )),
            },
        ))
        .await
        .expect("answered")
        .into_inner();
    assert!(!broken.compile_output.is_empty(), "{broken:?}");
    problems
        .set_validator(authorized(
            &setter,
            pb::SetValidatorRequest {
                slug: "halves".into(),
                validator: Some(pb::set_validator_request::Validator::Default(
                    pb::DefaultValidator {
                        float_tolerance: 1e-6,
                        ..Default::default()
                    },
                )),
            },
        ))
        .await
        .expect("the default validator");
    problems
        .update_problem(authorized(
            &setter,
            pb::UpdateProblemRequest {
                slug: "halves".into(),
                visibility: pb::Visibility::Public.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("published");

    // 1.5000001 is within the tolerance: accepted.
    let id = submit(
        &xcode,
        &bob,
        "halves",
        "python3",
        "n = int(input())\nprint(f'{n / 2 + 1e-7:.7f}')\n",
    )
    .await;
    let body = judged(&xcode, Some(&bob), &id).await;
    assert_eq!(body["verdict"], "AC", "{body}");
    assert_eq!(body["tests"].as_array().expect("tests").len(), 2);

    // A package streamed over gRPC whose size does not match its header.
    let messages = vec![
        pb::UploadPackageRequest {
            part: Some(pb::upload_package_request::Part::Header(
                pb::PackageHeader {
                    slug: "halves".into(),
                    size_bytes: 10,
                    ..Default::default()
                },
            )),
        },
        pb::UploadPackageRequest {
            part: Some(pb::upload_package_request::Part::Chunk(vec![1, 2, 3])),
        },
    ];
    let mismatch = problems
        .upload_package(authorized(&setter, tokio_stream::iter(messages)))
        .await
        .expect_err("3 bytes, not 10");
    assert_eq!(
        mismatch.code(),
        tonic::Code::InvalidArgument,
        "{mismatch:?}"
    );
}
