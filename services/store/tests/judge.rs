//! The judge's store (problems, packages, submissions, executions) on both backends.

use std::future::Future;
use std::sync::Arc;

use xcode_store::scratch::ScratchDatabase;
use xcode_store::{
    Error, ExecutionRecord, Field, JudgeStore, JudgedSubmission, Options, ProblemFilter,
    ProblemRecord, SubmissionFilter, SubmissionRecord, join_tags,
};

const NOW: i64 = 1_800_000_000_000;

async fn on_both<F, Fut>(case: F)
where
    F: Fn(Arc<dyn JudgeStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("xcode.db").display());
    case(
        xcode_store::connect_judge(&Options::new(url))
            .await
            .expect("sqlite"),
    )
    .await;
    let scratch = ScratchDatabase::create("judge_store")
        .await
        .expect("the shared Postgres on 127.0.0.1:5432");
    case(
        xcode_store::connect_judge(&Options::new(&scratch.url))
            .await
            .expect("postgres"),
    )
    .await;
}

fn problem(
    slug: &str,
    author: &str,
    visibility: &str,
    rating: i64,
    tags: &[&str],
) -> ProblemRecord {
    ProblemRecord {
        id: uuid::Uuid::now_v7().to_string(),
        slug: slug.into(),
        title: format!("Title of {slug}"),
        statement: format!("Statement of {slug} with 100% _underscores_"),
        difficulty: if rating < 1200 { "easy" } else { "hard" }.into(),
        rating,
        category: if rating < 1200 { "basics" } else { "graphs" }.into(),
        tags: join_tags(&tags.iter().map(|tag| (*tag).to_owned()).collect::<Vec<_>>()),
        kind: "standard".into(),
        visibility: visibility.into(),
        author_id: author.into(),
        author_username: author.into(),
        time_limit_ms: 1000,
        memory_limit_bytes: 256 << 20,
        output_limit_bytes: 64 << 20,
        languages: String::new(),
        sources_visible: false,
        package_sha256: None,
        test_count: 0,
        max_score: 0.0,
        samples: "[]".into(),
        tests: "[]".into(),
        created_at: NOW,
        updated_at: NOW,
    }
}

fn submission(problem: &ProblemRecord, user: &str, created_at: i64) -> SubmissionRecord {
    SubmissionRecord {
        id: uuid::Uuid::now_v7().to_string(),
        problem_id: problem.id.clone(),
        problem_slug: problem.slug.clone(),
        user_id: user.into(),
        username: user.into(),
        language: "python3".into(),
        source: "print(1)".into(),
        status: "queued".into(),
        verdict: None,
        score: None,
        max_score: None,
        compile_output: String::new(),
        tests: "[]".into(),
        group_results: "[]".into(),
        max_time_ms: 0,
        max_memory_bytes: 0,
        sequence: 1,
        attempt: 0,
        message: String::new(),
        created_at,
        enqueued_at: created_at,
        judged_at: None,
    }
}

fn done(verdict: &str) -> JudgedSubmission {
    JudgedSubmission {
        verdict: verdict.into(),
        tests: "[]".into(),
        group_results: "[]".into(),
        sequence: 5,
        ..JudgedSubmission::default()
    }
}

#[tokio::test]
async fn problems_list_filter_and_page() {
    on_both(|store| async move {
        let sum = problem("sum", "setter", "public", 800, &["math", "easy-one"]);
        let graph = problem("graph", "setter", "public", 1800, &["graphs", "math"]);
        let draft = problem("secret-draft", "setter", "draft", 900, &["math"]);
        for record in [&sum, &graph, &draft] {
            store.insert_problem(record).await.expect("insert");
        }
        let taken = store
            .insert_problem(&problem("sum", "x", "public", 800, &[]))
            .await;
        assert!(
            matches!(taken, Err(Error::Conflict(Field::Slug))),
            "{taken:?}"
        );

        let list = |filter: ProblemFilter| {
            let store = Arc::clone(&store);
            async move {
                let (rows, total) = store
                    .list_problems(&ProblemFilter {
                        limit: 50,
                        ..filter
                    })
                    .await
                    .expect("list");
                (
                    rows.into_iter()
                        .map(|row| row.problem.slug)
                        .collect::<Vec<_>>(),
                    total,
                )
            }
        };
        // Anonymous: public only, by rating.
        assert_eq!(
            list(ProblemFilter::default()).await,
            (vec!["sum".into(), "graph".into()], 2)
        );
        // The author sees the draft too; `mine` only theirs.
        let (slugs, _) = list(ProblemFilter {
            editor_id: "setter".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["sum", "secret-draft", "graph"]);
        let (slugs, _) = list(ProblemFilter {
            editor_id: "other".into(),
            mine: true,
            ..Default::default()
        })
        .await;
        assert!(slugs.is_empty());
        // Filters.
        let (slugs, _) = list(ProblemFilter {
            tags: vec!["math".into(), "graphs".into()],
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["graph"]);
        let (slugs, _) = list(ProblemFilter {
            tags: vec!["easy_one".into()],
            ..Default::default()
        })
        .await;
        assert!(slugs.is_empty(), "`_` is not a wildcard");
        let (slugs, _) = list(ProblemFilter {
            difficulty: "easy".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["sum"]);
        let (slugs, _) = list(ProblemFilter {
            category: "graphs".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["graph"]);
        let (slugs, _) = list(ProblemFilter {
            query: "100%".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["sum", "graph"]);
        let (slugs, _) = list(ProblemFilter {
            query: "TITLE OF GR".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["graph"]);
        // Paging.
        let (rows, total) = store
            .list_problems(&ProblemFilter {
                offset: 1,
                limit: 1,
                ..Default::default()
            })
            .await
            .expect("page");
        assert_eq!(
            (rows.len(), total, rows[0].problem.slug.as_str()),
            (1, 2, "graph")
        );

        // Solved, counts and stats.
        let mut accepted = submission(&sum, "alice", NOW);
        store.insert_submission(&accepted).await.expect("submit");
        let claimed = store
            .claim_submission(&accepted.id)
            .await
            .expect("claim")
            .expect("queued");
        store
            .finish_submission(&accepted.id, claimed.attempt, &done("AC"), NOW)
            .await
            .expect("finish")
            .expect("owned");
        accepted.status = "done".into();
        let wrong = submission(&sum, "bob", NOW + 1);
        store.insert_submission(&wrong).await.expect("submit");
        let claimed = store
            .claim_submission(&wrong.id)
            .await
            .expect("claim")
            .expect("queued");
        store
            .finish_submission(&wrong.id, claimed.attempt, &done("WA"), NOW)
            .await
            .expect("finish");
        let (slugs, _) = list(ProblemFilter {
            user_id: "alice".into(),
            solved: Some(true),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["sum"]);
        let (slugs, _) = list(ProblemFilter {
            user_id: "alice".into(),
            solved: Some(false),
            ..Default::default()
        })
        .await;
        assert_eq!(slugs, ["graph"]);
        let (rows, _) = store
            .list_problems(&ProblemFilter {
                user_id: "alice".into(),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("list");
        let row = rows
            .iter()
            .find(|row| row.problem.slug == "sum")
            .expect("sum");
        assert_eq!((row.submissions, row.accepted, row.solved), (2, 1, true));
        let stats = store.problem_stats(&sum.id).await.expect("stats");
        assert_eq!(
            (stats.submissions, stats.accepted, stats.solvers),
            (2, 1, 1)
        );
        assert!(stats.by_verdict.contains(&("WA".into(), 1)));
        assert!(store.user_solved("alice", &sum.id).await.expect("solved"));
        assert!(!store.user_solved("bob", &sum.id).await.expect("solved"));

        // Deleting a problem deletes its submissions.
        store.delete_problem(&sum.id).await.expect("delete");
        assert!(store.submission(&accepted.id).await.expect("get").is_none());
        assert!(matches!(
            store.delete_problem(&sum.id).await,
            Err(Error::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_judging_is_owned_by_its_latest_claim() {
    on_both(|store| async move {
        let problem = problem("owned", "setter", "public", 800, &[]);
        store.insert_problem(&problem).await.expect("insert");
        let queued = submission(&problem, "alice", NOW);
        store.insert_submission(&queued).await.expect("submit");
        assert_eq!(store.count_in_flight("alice").await.expect("count"), 1);

        let first = store
            .claim_submission(&queued.id)
            .await
            .expect("claim")
            .expect("claimed");
        // Redelivered elsewhere: a second claim takes over.
        let second = store
            .claim_submission(&queued.id)
            .await
            .expect("claim")
            .expect("claimed");
        assert_eq!((first.attempt, second.attempt), (1, 2));
        assert!(
            !store
                .save_progress(&queued.id, first.attempt, "", "[1]", 4)
                .await
                .expect("progress")
        );
        assert!(
            store
                .save_progress(&queued.id, second.attempt, "", "[1]", 4)
                .await
                .expect("progress")
        );
        assert!(
            store
                .finish_submission(&queued.id, first.attempt, &done("AC"), NOW)
                .await
                .expect("finish")
                .is_none(),
            "the first claim's result is dropped"
        );
        let row = store
            .finish_submission(&queued.id, second.attempt, &done("WA"), NOW)
            .await
            .expect("finish")
            .expect("stored");
        assert_eq!(
            (row.status.as_str(), row.verdict.as_deref()),
            ("done", Some("WA"))
        );
        assert!(
            store
                .claim_submission(&queued.id)
                .await
                .expect("claim")
                .is_none(),
            "done: nothing to claim"
        );
        assert_eq!(store.count_in_flight("alice").await.expect("count"), 0);

        // A rejudge puts it back in the queue, cleared.
        let ids = store
            .requeue_submissions(None, Some(&problem.id), NOW + 10)
            .await
            .expect("requeue");
        assert_eq!(ids, std::slice::from_ref(&queued.id));
        let row = store
            .submission(&queued.id)
            .await
            .expect("get")
            .expect("row");
        assert_eq!(
            (row.status.as_str(), row.verdict, row.tests.as_str()),
            ("queued", None, "[]")
        );
        assert_eq!(
            store.stale_submissions(NOW + 11, 10).await.expect("stale"),
            std::slice::from_ref(&queued.id)
        );
        assert!(
            store
                .stale_submissions(NOW + 10, 10)
                .await
                .expect("stale")
                .is_empty()
        );
        let none = store
            .requeue_submissions(None, None, NOW)
            .await
            .expect("requeue nothing");
        assert!(none.is_empty(), "no target requeues nothing");

        // A restart of an in-process queue: judgings go back to queued.
        store
            .claim_submission(&queued.id)
            .await
            .expect("claim")
            .expect("claimed");
        assert_eq!(
            store.requeue_judging().await.expect("requeue"),
            std::slice::from_ref(&queued.id)
        );

        let listed = store
            .list_submissions(&SubmissionFilter {
                username: "alice".into(),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("list");
        assert_eq!(listed.1, 1);
    })
    .await;
}

#[tokio::test]
async fn packages_and_executions() {
    on_both(|store| async move {
        let first = store.deployment_id("one").await.expect("made");
        assert_eq!(first, "one");
        assert_eq!(store.deployment_id("two").await.expect("kept"), "one");

        let bytes = vec![0u8, 1, 2, 255];
        store.put_package("abc", &bytes, NOW).await.expect("put");
        store
            .put_package("abc", &bytes, NOW)
            .await
            .expect("put again is a no-op");
        assert_eq!(store.package("abc").await.expect("get"), Some(bytes));
        assert_eq!(store.package("nope").await.expect("get"), None);

        let execution = ExecutionRecord {
            token: uuid::Uuid::new_v4().to_string(),
            user_id: "alice".into(),
            language: "python3".into(),
            source: "print(1)".into(),
            stdin: b"\xff\x00".to_vec(),
            expected_output: Some(b"1\n".to_vec()),
            time_limit_ms: 1000,
            memory_limit_bytes: 1 << 20,
            output_limit_bytes: 1 << 10,
            status: "queued".into(),
            result: None,
            matched: None,
            message: String::new(),
            attempt: 0,
            created_at: NOW,
            finished_at: None,
        };
        store.insert_execution(&execution).await.expect("insert");
        assert_eq!(
            store.stale_executions(NOW + 1, 10).await.expect("stale"),
            std::slice::from_ref(&execution.token)
        );
        let claimed = store
            .claim_execution(&execution.token)
            .await
            .expect("claim")
            .expect("claimed");
        assert!(
            !store
                .finish_execution(
                    &execution.token,
                    claimed.attempt + 1,
                    Some(b"x"),
                    Some(true),
                    "",
                    NOW
                )
                .await
                .expect("finish")
        );
        assert!(
            store
                .finish_execution(
                    &execution.token,
                    claimed.attempt,
                    Some(b"result"),
                    Some(true),
                    "",
                    NOW
                )
                .await
                .expect("finish")
        );
        let row = store
            .execution(&execution.token)
            .await
            .expect("get")
            .expect("row");
        assert_eq!(
            (
                row.status.as_str(),
                row.result.as_deref(),
                row.matched,
                row.stdin.as_slice()
            ),
            ("done", Some(&b"result"[..]), Some(true), &b"\xff\x00"[..])
        );
        assert!(
            store
                .claim_execution(&execution.token)
                .await
                .expect("claim")
                .is_none()
        );
    })
    .await;
}
