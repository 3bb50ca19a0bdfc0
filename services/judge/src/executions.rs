//! Queued runs without a problem (the Judge0-compatible API's submissions): stored, queued
//! like submissions (job payload `exec:<token>`), run by the workers with the engine's
//! `execute`, their result stored as a `RunResponse`.

use std::time::Duration;

use prost::Message as _;
use tonic::Status;
use xcode_judge_engine::{RunLimits, Verdict};
use xcode_proto::judge::v1 as pb;
use xcode_store::ExecutionRecord;

use crate::Judge;
use crate::caller::Caller;
use crate::convert::{now_ms, store_error, timestamp};
use crate::queue::{Job, MAX_DELIVER};

pub const JOB_PREFIX: &str = "exec:";
const SUBJECT_PREFIX: &str = "xcode.judge.executions.v1.";

fn subject(token: &str) -> String {
    format!("{SUBJECT_PREFIX}{token}")
}

/// `Exited` with code 0 and the expected output (when given, surrounding whitespace aside).
fn matches(expected: &[u8], stdout: &[u8]) -> bool {
    expected.trim_ascii() == stdout.trim_ascii()
}

pub(crate) fn run_response(execution: &xcode_judge_engine::Execution) -> pb::RunResponse {
    let status = match execution.verdict {
        Some(Verdict::CompileError) => pb::RunStatus::CompileError,
        Some(Verdict::TimeLimitExceeded) => pb::RunStatus::TimeLimitExceeded,
        Some(Verdict::MemoryLimitExceeded) => pb::RunStatus::MemoryLimitExceeded,
        Some(Verdict::OutputLimitExceeded) => pb::RunStatus::OutputLimitExceeded,
        _ if execution.exit_code.is_some() => pb::RunStatus::Exited,
        _ => pb::RunStatus::RuntimeError,
    };
    pb::RunResponse {
        status: status.into(),
        exit_code: execution.exit_code.unwrap_or(0),
        stdout: execution.stdout.clone(),
        stderr: execution.stderr.clone(),
        stdout_truncated: execution.stdout_truncated,
        stderr_truncated: execution.stderr_truncated,
        trap: execution.trap.clone(),
        compile_output: execution.compile_output.clone(),
        time_ms: execution.time_ms,
        memory_bytes: execution.memory_bytes,
        wall_ms: u64::try_from(execution.wall.as_millis()).unwrap_or(u64::MAX),
    }
}

pub(crate) fn to_pb(record: &ExecutionRecord) -> pb::Execution {
    pb::Execution {
        token: record.token.clone(),
        language: record.language.clone(),
        status: match record.status.as_str() {
            "queued" => pb::ExecutionStatus::Queued,
            "running" => pb::ExecutionStatus::Running,
            "done" => pb::ExecutionStatus::Done,
            _ => pb::ExecutionStatus::Unspecified,
        }
        .into(),
        result: record
            .result
            .as_deref()
            .and_then(|bytes| pb::RunResponse::decode(bytes).ok()),
        matched: record.matched,
        stdin: record.stdin.clone(),
        expected_output: record.expected_output.clone(),
        source: record.source.clone(),
        limits: Some(pb::RunLimits {
            time_limit_ms: u32::try_from(record.time_limit_ms).unwrap_or(u32::MAX),
            memory_limit_bytes: u64::try_from(record.memory_limit_bytes).unwrap_or(0),
            output_limit_bytes: u64::try_from(record.output_limit_bytes).unwrap_or(0),
        }),
        created_at: Some(timestamp(record.created_at)),
        finished_at: record.finished_at.map(timestamp),
        message: record.message.clone(),
    }
}

impl Judge {
    /// Stores and queues an execution; with `wait`, returns it finished (or as it stands after
    /// a minute).
    pub(crate) async fn create_execution(
        &self,
        caller: &Caller,
        request: pb::CreateExecutionRequest,
        limits: RunLimits,
    ) -> Result<ExecutionRecord, Status> {
        let record = ExecutionRecord {
            token: uuid::Uuid::new_v4().to_string(),
            user_id: caller.id.clone(),
            language: request.language,
            source: request.source,
            stdin: request.stdin,
            expected_output: request.expected_output,
            time_limit_ms: i64::try_from(limits.time_limit_ms).unwrap_or(i64::MAX),
            memory_limit_bytes: i64::try_from(limits.memory_bytes).unwrap_or(i64::MAX),
            output_limit_bytes: i64::try_from(limits.output_bytes).unwrap_or(i64::MAX),
            status: "queued".into(),
            result: None,
            matched: None,
            message: String::new(),
            attempt: 0,
            created_at: now_ms(),
            finished_at: None,
        };
        let mut done = if request.wait {
            Some(
                self.shared()
                    .bus
                    .subscribe(&subject(&record.token))
                    .await
                    .map_err(|err| Status::unavailable(err.to_string()))?,
            )
        } else {
            None
        };
        self.store()
            .insert_execution(&record)
            .await
            .map_err(store_error)?;
        let job = format!("{JOB_PREFIX}{}", record.token);
        if let Err(err) = self.queue().enqueue(&job, &format!("{job}.0")).await {
            tracing::warn!(error = %err, token = record.token, "execution not queued yet; the sweeper retries");
        }
        let Some(subscription) = done.as_mut() else {
            return Ok(record);
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let message = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_secs(1)),
                subscription.next(),
            )
            .await;
            let current = self
                .store()
                .execution(&record.token)
                .await
                .map_err(store_error)?
                .ok_or_else(|| Status::internal("the execution vanished"))?;
            if current.status == "done" || tokio::time::Instant::now() >= deadline {
                return Ok(current);
            }
            if let Ok(None) = message {
                // The bus dropped the subscription; polling goes on.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// Runs an execution job and acks it.
    pub(crate) async fn execution_job(&self, job: Job, token: &str) {
        let claimed = match self.store().claim_execution(token).await {
            Ok(Some(record)) => record,
            Ok(None) => {
                let _ = job.ack().await;
                return;
            }
            Err(err) => {
                tracing::warn!(error = %err, token, "cannot claim the execution; retrying");
                let _ = job.retry(Duration::from_secs(2)).await;
                return;
            }
        };
        let limits = RunLimits {
            time_limit_ms: u64::try_from(claimed.time_limit_ms).unwrap_or(2000),
            memory_bytes: u64::try_from(claimed.memory_limit_bytes).unwrap_or(256 << 20),
            output_bytes: u64::try_from(claimed.output_limit_bytes).unwrap_or(64 << 10),
        };
        let ran = self
            .execute(
                claimed.language.clone(),
                claimed.source.clone().into_bytes(),
                claimed.stdin.clone(),
                limits,
            )
            .await;
        let (result, matched, message) = match ran {
            Ok(execution) => {
                let response = run_response(&execution);
                let matched = claimed.expected_output.as_deref().and_then(|expected| {
                    (response.status == i32::from(pb::RunStatus::Exited) && response.exit_code == 0)
                        .then(|| matches(expected, &execution.stdout))
                });
                (Some(response.encode_to_vec()), matched, String::new())
            }
            Err(status) if job.delivered < MAX_DELIVER => {
                tracing::warn!(
                    token,
                    error = status.message(),
                    "execution failed; retrying"
                );
                let _ = job.retry(Duration::from_secs(2)).await;
                return;
            }
            Err(status) => (None, None, status.message().to_owned()),
        };
        match self
            .store()
            .finish_execution(
                token,
                claimed.attempt,
                result.as_deref(),
                matched,
                &message,
                now_ms(),
            )
            .await
        {
            Ok(_) => {
                let _ = self
                    .shared()
                    .bus
                    .publish(&subject(token), bytes::Bytes::new())
                    .await;
                let _ = job.ack().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, token, "execution result not stored; retrying");
                let _ = job.retry(Duration::from_secs(2)).await;
            }
        }
    }

    /// Queues again executions whose job was lost.
    pub(crate) async fn sweep_executions(&self, age: Duration) {
        if self.queue().depth().await.is_none_or(|depth| depth > 0) {
            return;
        }
        let before = now_ms() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let Ok(stale) = self.store().stale_executions(before, 100).await else {
            return;
        };
        for token in stale {
            let job = format!("{JOB_PREFIX}{token}");
            if self
                .queue()
                .enqueue(&job, &format!("{job}.{}", now_ms()))
                .await
                .is_err()
            {
                break;
            }
        }
    }
}
