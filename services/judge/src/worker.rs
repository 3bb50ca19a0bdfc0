//! The judge worker: takes a queued submission, judges it with the engine, stores the result,
//! then acks. Per-test events are published as they come.
//!
//! A job can arrive twice (its worker died, or held it past the ack wait): the submission's
//! `attempt` counts claims, and only the latest claim's writes land. Judging is deterministic,
//! so a second judging reproduces the first one's tests: those already published are not
//! published again, and watchers see each test once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use xcode_judge_engine::problem::Problem;
use xcode_judge_engine::{Event, JudgeOptions, Submission};
use xcode_proto::judge::v1 as pb;
use xcode_store::{JudgedSubmission, SubmissionRecord};

use crate::Judge;
use crate::convert::{self, StoredGroup, StoredTest, View, now_ms};
use crate::events;
use crate::queue::{Job, MAX_DELIVER, PROGRESS_EVERY};

/// Loaded packages by SHA-256 (a package's tests are read from disk as they run).
#[derive(Debug, Default)]
pub struct LoadedProblems(Mutex<HashMap<String, Arc<Problem>>>);

const LOADED_MAX: usize = 256;

impl Judge {
    /// The package `sha256`, unpacked under `packages_dir` once and loaded once.
    pub(crate) fn loaded_problem(
        &self,
        sha256: &str,
        archive: &[u8],
    ) -> Result<Arc<Problem>, String> {
        if let Some(problem) = lock(&self.shared().problems.0).get(sha256) {
            return Ok(Arc::clone(problem));
        }
        let dir = self.package_dir(sha256);
        let problem =
            crate::packages::unpack_stored(archive, &dir).map_err(|err| err.to_string())?;
        let problem = Arc::new(problem);
        let mut loaded = lock(&self.shared().problems.0);
        if loaded.len() >= LOADED_MAX {
            loaded.clear();
        }
        loaded.insert(sha256.to_owned(), Arc::clone(&problem));
        Ok(problem)
    }

    fn package_dir(&self, sha256: &str) -> PathBuf {
        self.shared().settings.packages_dir.join(sha256)
    }

    /// The package, from memory, this host's disk or the database.
    async fn package(&self, sha256: &str) -> Result<Arc<Problem>, String> {
        if let Some(problem) = lock(&self.shared().problems.0).get(sha256) {
            return Ok(Arc::clone(problem));
        }
        let judge = self.clone();
        let sha = sha256.to_owned();
        let on_disk = self.package_dir(sha256).join("problem.toml").exists();
        let archive = if on_disk {
            Vec::new()
        } else {
            self.store()
                .package(sha256)
                .await
                .map_err(|err| err.to_string())?
                .ok_or_else(|| format!("package {sha256} is not in the database"))?
        };
        tokio::task::spawn_blocking(move || judge.loaded_problem(&sha, &archive))
            .await
            .map_err(|err| err.to_string())?
    }
}

/// Runs `workers` judging loops until `stop` resolves; a job being judged is finished first
/// (the caller bounds how long), a job not started is left on the queue.
pub async fn run(judge: Judge, workers: usize, stop: impl Future<Output = ()> + Send) {
    let (stopping, _) = tokio::sync::watch::channel(false);
    let stopping = Arc::new(stopping);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers.max(1) {
        let judge = judge.clone();
        let mut stopped = stopping.subscribe();
        tasks.spawn(async move {
            loop {
                if *stopped.borrow() {
                    return;
                }
                let next = tokio::select! {
                    next = judge.queue().next(Duration::from_secs(5)) => next,
                    _ = stopped.changed() => return,
                };
                match next {
                    Ok(Some(job)) => judge.judge_job(job).await,
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(worker, error = %err, "the queue is unavailable; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
    stop.await;
    let _ = stopping.send(true);
    while tasks.join_next().await.is_some() {}
}

/// Queues again, every `every`, submissions that waited longer than `age` (see [`Judge::sweep`]).
pub async fn sweeper(judge: Judge, every: Duration, age: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        judge.sweep(age).await;
        judge.sweep_executions(age).await;
    }
}

impl Judge {
    /// Judges one job and acks it (or gives it back when the host failed).
    pub async fn judge_job(&self, job: Job) {
        if let Some(token) = job
            .submission_id
            .strip_prefix(crate::executions::JOB_PREFIX)
        {
            let token = token.to_owned();
            return self.execution_job(job, &token).await;
        }
        let id = job.submission_id.clone();
        let claimed = match self.store().claim_submission(&id).await {
            Ok(Some(row)) => row,
            Ok(None) => {
                // Judged already, or deleted with its problem.
                let _ = job.ack().await;
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, submission = id, "cannot claim; retrying later");
                let _ = job.retry(Duration::from_secs(2)).await;
                return;
            }
        };
        metrics::counter!("xcode_judge_jobs_total").increment(1);
        let started = std::time::Instant::now();
        match self.judge_claimed(&job, &claimed).await {
            Ok(()) => {
                metrics::histogram!("xcode_judge_job_seconds")
                    .record(started.elapsed().as_secs_f64());
                if let Err(err) = job.ack().await {
                    // Redelivered later and then found done: harmless.
                    tracing::warn!(error = %err, submission = id, "ack failed");
                }
            }
            Err(message) if job.delivered >= MAX_DELIVER => {
                tracing::error!(submission = id, message, "judging failed for good");
                let judged = JudgedSubmission {
                    verdict: "IE".into(),
                    tests: claimed.tests.clone(),
                    group_results: "[]".into(),
                    sequence: claimed.sequence + 1,
                    message: format!("the judge failed {MAX_DELIVER} times: {message}"),
                    ..JudgedSubmission::default()
                };
                self.store_result(&claimed, judged).await;
                let _ = job.ack().await;
            }
            Err(message) => {
                tracing::warn!(
                    submission = id,
                    message,
                    delivered = job.delivered,
                    "judging failed; retrying"
                );
                let _ = job.retry(Duration::from_secs(2)).await;
            }
        }
    }

    /// Judges a claimed submission; `Err` when the host failed (retried, never the user's fault).
    async fn judge_claimed(&self, job: &Job, claimed: &SubmissionRecord) -> Result<(), String> {
        // From the database, not the cache: a package changed a moment ago must be the one
        // judged (another process's in-memory cache would not know of the change).
        let problem_row = self
            .store()
            .problem_by_slug(&claimed.problem_slug)
            .await
            .map_err(|err| err.to_string())?;
        let Some(problem_row) = problem_row else {
            return Ok(()); // deleted since; its submissions went with it
        };
        let sha = problem_row
            .package_sha256
            .clone()
            .ok_or_else(|| "the problem has no package".to_owned())?;
        let loaded = self.package(&sha).await?;
        // The problem's row is the truth for limits (editable without a new package).
        let mut problem = (*loaded).clone();
        problem.limits.memory_bytes =
            u64::try_from(problem_row.memory_limit_bytes).unwrap_or(256 << 20);
        problem.limits.output_bytes =
            u64::try_from(problem_row.output_limit_bytes).unwrap_or(64 << 20);
        let options = JudgeOptions {
            run_all: false,
            time_limit_ms: Some(u64::try_from(problem_row.time_limit_ms).unwrap_or(1000)),
        };
        let submission = Submission {
            language: claimed.language.clone(),
            source: claimed.source.clone().into_bytes(),
            files: Vec::new(),
        };
        let (sender, mut receiver) = mpsc::unbounded_channel::<Event>();
        let engine = Arc::clone(&self.shared().engine);
        let judging = tokio::task::spawn_blocking(move || {
            engine.judge(&problem, &submission, &options, &|event| {
                let _ = sender.send(event);
            })
        });
        // What an earlier attempt published: not published again.
        let published = u64::try_from(claimed.sequence).unwrap_or(0);
        let mut tests: Vec<StoredTest> = Vec::new();
        let mut compile_output = String::new();
        let mut sequence: u64 = 1; // Queued, at submission
        let mut progress = tokio::time::interval(PROGRESS_EVERY);
        progress.tick().await;
        loop {
            let event = tokio::select! {
                event = receiver.recv() => event,
                _ = progress.tick() => {
                    let _ = job.progress().await;
                    continue;
                }
            };
            let Some(event) = event else { break };
            let message = match event {
                Event::Queued => continue,
                Event::Compiling => pb::submission_event::Event::Compiling(pb::Compiling {}),
                Event::Compiled {
                    ok,
                    output,
                    cached,
                    compile_ms,
                } => {
                    compile_output.clone_from(&output);
                    pb::submission_event::Event::Compiled(pb::Compiled {
                        ok,
                        output,
                        cached,
                        compile_ms,
                    })
                }
                Event::Test(result) => {
                    let stored = StoredTest {
                        index: u32::try_from(result.index).unwrap_or(u32::MAX),
                        name: result.name.clone(),
                        group: result.group.clone(),
                        verdict: result.verdict.code().to_owned(),
                        time_ms: result.time_ms,
                        memory_bytes: result.memory_bytes,
                        score: result.score,
                        sample: result.sample,
                    };
                    let event = pb::submission_event::Event::Test(convert::test_to_pb(
                        &stored,
                        View {
                            source: true,
                            test_names: true,
                            tests: true,
                        },
                    ));
                    tests.push(stored);
                    event
                }
                Event::Finished(_) => continue,
            };
            sequence += 1;
            if sequence <= published {
                continue;
            }
            let is_test = matches!(message, pb::submission_event::Event::Test(_));
            events::publish(
                self.shared().bus.as_ref(),
                &pb::SubmissionEvent {
                    at: None,
                    submission_id: claimed.id.clone(),
                    sequence,
                    event: Some(message),
                },
            )
            .await;
            if is_test || sequence == 3 {
                let tests_json = serde_json::to_string(&tests).unwrap_or_else(|_| "[]".into());
                let _ = self
                    .store()
                    .save_progress(
                        &claimed.id,
                        claimed.attempt,
                        &compile_output,
                        &tests_json,
                        i64::try_from(sequence).unwrap_or(i64::MAX),
                    )
                    .await;
            }
        }
        let report = judging
            .await
            .map_err(|err| format!("the judging task: {err}"))?
            .map_err(|err| err.to_string())?;
        let judged = JudgedSubmission {
            verdict: report.verdict.code().to_owned(),
            score: report.score,
            max_score: report.max_score,
            compile_output: report.compile_output.clone(),
            tests: serde_json::to_string(&tests).unwrap_or_else(|_| "[]".into()),
            group_results: serde_json::to_string(
                &report
                    .groups
                    .iter()
                    .map(|group| StoredGroup {
                        name: group.name.clone(),
                        verdict: group.verdict.code().to_owned(),
                        score: group.score,
                        max_score: group.max_score,
                    })
                    .collect::<Vec<_>>(),
            )
            .unwrap_or_else(|_| "[]".into()),
            max_time_ms: i64::try_from(report.max_time_ms).unwrap_or(i64::MAX),
            max_memory_bytes: i64::try_from(
                report
                    .tests
                    .iter()
                    .map(|test| test.memory_bytes)
                    .max()
                    .unwrap_or(0),
            )
            .unwrap_or(i64::MAX),
            sequence: i64::try_from(sequence + 1).unwrap_or(i64::MAX),
            message: report.message.clone(),
        };
        if report.verdict == xcode_judge_engine::Verdict::InternalError {
            tracing::warn!(
                submission = claimed.id,
                message = report.message,
                "internal error"
            );
        }
        self.store_result(claimed, judged).await;
        Ok(())
    }

    /// Stores the result if this attempt still owns the submission, then announces it.
    async fn store_result(&self, claimed: &SubmissionRecord, judged: JudgedSubmission) {
        let sequence = u64::try_from(judged.sequence).unwrap_or(0);
        match self
            .store()
            .finish_submission(&claimed.id, claimed.attempt, &judged, now_ms())
            .await
        {
            Ok(Some(row)) => {
                metrics::counter!("xcode_judge_verdicts_total", "verdict" => judged.verdict.clone())
                    .increment(1);
                let mut finished = convert::submission(
                    &row,
                    View {
                        source: true,
                        test_names: true,
                        tests: true,
                    },
                );
                finished.source.clear();
                events::publish(
                    self.shared().bus.as_ref(),
                    &pb::SubmissionEvent {
                        at: None,
                        submission_id: row.id.clone(),
                        sequence,
                        event: Some(pb::submission_event::Event::Finished(finished)),
                    },
                )
                .await;
            }
            Ok(None) => tracing::info!(
                submission = claimed.id,
                "another judging owns this submission now; result dropped"
            ),
            Err(err) => tracing::error!(error = %err, submission = claimed.id, "result not stored"),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
