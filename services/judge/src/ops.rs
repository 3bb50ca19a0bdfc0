//! What the services and the worker share: cached problem lookups, checks, running code,
//! queueing submissions.

use std::sync::Arc;
use std::time::Duration;

use tonic::Status;
use xcode_judge_engine::{Execution, RunLimits};
use xcode_proto::judge::v1 as pb;
use xcode_store::{ProblemRecord, SubmissionRecord};

use crate::Judge;
use crate::caller::Caller;
use crate::convert::{now_ms, store_error};
use crate::events;
use crate::packages::Imported;

const PROBLEM_TTL: Duration = Duration::from_secs(60);

/// A problem's cache key: the deployment's id keeps deployments that share a memcached apart
/// (the same slug is another problem, with another id, in another database).
fn problem_key(deployment: &str, slug: &str) -> String {
    format!("problem:v1:{deployment}:{slug}")
}

/// How long a judged submission stays cached (a rejudge drops it at once).
const SUBMISSION_TTL: Duration = Duration::from_secs(60);

fn submission_key(deployment: &str, id: &str) -> String {
    format!("submission:v1:{deployment}:{id}")
}

impl Judge {
    /// A submission by id; judged ones (final verdicts) through the cache.
    pub(crate) async fn submission(&self, id: &str) -> Result<Option<SubmissionRecord>, Status> {
        let key = submission_key(&self.shared().deployment, id);
        if let Some(bytes) = self.shared().cache.get(&key).await
            && let Ok(submission) = serde_json::from_slice::<SubmissionRecord>(&bytes)
        {
            return Ok(Some(submission));
        }
        let submission = self.store().submission(id).await.map_err(store_error)?;
        if let Some(submission) = &submission
            && submission.status == "done"
            && let Ok(bytes) = serde_json::to_vec(submission)
        {
            self.shared()
                .cache
                .set(&key, bytes.into(), SUBMISSION_TTL)
                .await;
        }
        Ok(submission)
    }

    pub(crate) async fn forget_submission(&self, id: &str) {
        let _ = self
            .shared()
            .cache
            .remove(&submission_key(&self.shared().deployment, id))
            .await;
    }

    /// A problem by slug, through the cache.
    pub(crate) async fn problem(&self, slug: &str) -> Result<Option<ProblemRecord>, Status> {
        if slug.is_empty() || slug.len() > 64 {
            return Ok(None);
        }
        let key = problem_key(&self.shared().deployment, slug);
        if let Some(bytes) = self.shared().cache.get(&key).await
            && let Ok(problem) = serde_json::from_slice::<ProblemRecord>(&bytes)
        {
            return Ok(Some(problem));
        }
        let problem = self
            .store()
            .problem_by_slug(slug)
            .await
            .map_err(store_error)?;
        if let Some(problem) = &problem
            && let Ok(bytes) = serde_json::to_vec(problem)
        {
            self.shared()
                .cache
                .set(&key, bytes.into(), PROBLEM_TTL)
                .await;
        }
        Ok(problem)
    }

    pub(crate) async fn forget_problem(&self, slug: &str) {
        let _ = self
            .shared()
            .cache
            .remove(&problem_key(&self.shared().deployment, slug))
            .await;
    }

    /// Every language must be installed here.
    pub(crate) fn check_languages(&self, languages: &[String]) -> Result<(), Status> {
        let toolchains = self.shared().engine.toolchains();
        for language in languages {
            if toolchains.language(language).is_err() {
                return Err(Status::invalid_argument(format!(
                    "language {language:?} is not one of {}",
                    toolchains
                        .manifest()
                        .languages
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            if toolchains.state(language) != xcode_toolchains::InstallState::Installed {
                return Err(Status::failed_precondition(format!(
                    "language {language:?} is not installed on this judge"
                )));
            }
        }
        Ok(())
    }

    pub(crate) fn check_source(&self, language: &str, source: &str) -> Result<(), Status> {
        if language.is_empty() {
            return Err(Status::invalid_argument(
                "language: required (see /languages)",
            ));
        }
        self.check_languages(&[language.to_owned()])?;
        if source.trim().is_empty() {
            return Err(Status::invalid_argument("source: empty"));
        }
        let max = self.shared().settings.max_source_bytes;
        if source.len() > max {
            return Err(Status::invalid_argument(format!(
                "source: {} bytes; at most {max}",
                source.len()
            )));
        }
        Ok(())
    }

    /// Runs a program once, on the blocking pool, a bounded number at a time.
    pub async fn execute(
        &self,
        language: String,
        source: Vec<u8>,
        stdin: Vec<u8>,
        limits: RunLimits,
    ) -> Result<Execution, Status> {
        let _slot = self
            .shared()
            .runs
            .acquire()
            .await
            .map_err(|_| Status::unavailable("shutting down"))?;
        let engine = Arc::clone(&self.shared().engine);
        tokio::task::spawn_blocking(move || engine.execute(&language, &source, stdin, limits))
            .await
            .map_err(|err| Status::internal(format!("run: {err}")))?
            .map_err(|err| {
                tracing::error!(error = %err, "run failed on the host");
                Status::internal(format!("the judge could not run it: {err}"))
            })
    }

    /// Stores a new submission, announces it and queues it. Its id.
    pub(crate) async fn submit(
        &self,
        problem: &ProblemRecord,
        caller: &Caller,
        language: &str,
        source: String,
    ) -> Result<String, Status> {
        let now = now_ms();
        let submission = SubmissionRecord {
            id: uuid::Uuid::now_v7().to_string(),
            problem_id: problem.id.clone(),
            problem_slug: problem.slug.clone(),
            user_id: caller.id.clone(),
            username: caller.username.clone(),
            language: language.to_owned(),
            source,
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
            created_at: now,
            enqueued_at: now,
            judged_at: None,
        };
        self.store()
            .insert_submission(&submission)
            .await
            .map_err(store_error)?;
        self.enqueue(&submission.id).await;
        tracing::info!(
            submission = submission.id,
            problem = problem.slug,
            user = caller.username,
            language,
            "submitted"
        );
        Ok(submission.id)
    }

    /// Announces and queues a stored submission. A queue that is down loses nothing: the
    /// submission stays `queued` in the database and the sweeper queues it again.
    pub(crate) async fn enqueue(&self, id: &str) {
        events::publish(
            self.shared().bus.as_ref(),
            &pb::SubmissionEvent {
                at: None,
                submission_id: id.to_owned(),
                sequence: 1,
                event: Some(pb::submission_event::Event::Queued(pb::Queued {
                    position: self.queue().depth().await.unwrap_or(0),
                })),
            },
        )
        .await;
        let key = format!("{id}.{}", now_ms());
        if let Err(err) = self.queue().enqueue(id, &key).await {
            tracing::warn!(error = %err, submission = id, "not queued yet; the sweeper retries");
        }
    }

    /// Queues again what has waited longer than `age` (its job was lost: the queue was down
    /// when it was submitted). Returns how many.
    pub async fn sweep(&self, age: Duration) -> usize {
        // Jobs still waiting on the queue are not lost: only an empty queue with old queued
        // submissions means some were (a busy queue is looked at again when it drains).
        if self.queue().depth().await.is_none_or(|depth| depth > 0) {
            return 0;
        }
        let before = now_ms() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let stale = match self.store().stale_submissions(before, 100).await {
            Ok(stale) => stale,
            Err(err) => {
                tracing::warn!(error = %err, "sweep");
                return 0;
            }
        };
        for id in &stale {
            let key = format!("{id}.{}", now_ms());
            match self.queue().enqueue(id, &key).await {
                Ok(()) => {
                    let _ = self.store().touch_enqueued(id, now_ms()).await;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "sweep: the queue is down");
                    break;
                }
            }
        }
        if !stale.is_empty() {
            tracing::info!(
                count = stale.len(),
                "queued again submissions that waited too long"
            );
        }
        stale.len()
    }

    /// After a restart of an in-process queue: what was queued or being judged is queued again.
    pub async fn recover(&self) -> anyhow::Result<usize> {
        let mut ids = self.store().requeue_judging().await?;
        ids.extend(self.store().stale_submissions(i64::MAX, 10_000).await?);
        ids.sort();
        ids.dedup();
        for id in &ids {
            let key = format!("{id}.{}", now_ms());
            self.queue().enqueue(id, &key).await?;
        }
        let executions = self.store().stale_executions(i64::MAX, 10_000).await?;
        for token in &executions {
            let job = format!("{}{token}", crate::executions::JOB_PREFIX);
            self.queue()
                .enqueue(&job, &format!("{job}.{}", now_ms()))
                .await?;
        }
        if !ids.is_empty() || !executions.is_empty() {
            tracing::info!(
                submissions = ids.len(),
                executions = executions.len(),
                "queued again what a restart interrupted"
            );
        }
        Ok(ids.len() + executions.len())
    }

    /// Why an imported package's validator cannot be used, if it cannot.
    pub(crate) async fn validator_compile_error(&self, imported: &Imported) -> Option<String> {
        let judge = self.clone();
        let archive = imported.archive.clone();
        let sha = imported.sha256.clone();
        tokio::task::spawn_blocking(move || {
            let problem = match judge.loaded_problem(&sha, &archive) {
                Ok(problem) => problem,
                Err(err) => return Some(err),
            };
            match judge.shared().engine.check_validator(&problem) {
                Ok(Ok(())) => None,
                Ok(Err(message)) => Some(message),
                Err(err) => Some(err.to_string()),
            }
        })
        .await
        .unwrap_or_else(|err| Some(err.to_string()))
    }
}
