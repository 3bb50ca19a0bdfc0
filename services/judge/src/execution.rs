//! `ExecutionService`: Run, Submit, submissions and their live events, Rejudge.

use std::pin::Pin;
use std::time::Duration;

use futures::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use xcode_judge_engine::RunLimits;
use xcode_proto::judge::v1 as pb;
use xcode_proto::judge::v1::execution_service_server::ExecutionService;
use xcode_store::{ProblemRecord, SubmissionFilter, SubmissionRecord};

use crate::Judge;
use crate::caller::{self, Caller};
use crate::convert::{self, View, can_edit, can_see, now_ms, store_error};
use crate::events;

#[derive(Debug, Clone)]
pub struct Execution(pub Judge);

/// How long a quiet stream waits before it reads the stored state again (events can be lost
/// while NATS restarts; the database cannot).
const STREAM_POLL: Duration = Duration::from_secs(2);

/// A hello-world template per language family, to start from.
fn template(id: &str) -> &'static str {
    match id {
        "c" => {
            "#include <stdio.h>\n\nint main(void) {\n    char name[101];\n    if (scanf(\"%100s\", name) == 1) printf(\"Hello, %s!\\n\", name);\n    return 0;\n}\n"
        }
        "cpp" => {
            "#include <iostream>\n#include <string>\n\nint main() {\n    std::string name;\n    std::cin >> name;\n    std::cout << \"Hello, \" << name << \"!\\n\";\n}\n"
        }
        "python3" => "name = input().strip()\nprint(f\"Hello, {name}!\")\n",
        "javascript" => {
            "const name = require('fs').readFileSync(0, 'utf8').trim();\nconsole.log(`Hello, ${name}!`);\n"
        }
        "typescript" => {
            "declare const require: any;\nconst name: string = require('fs').readFileSync(0, 'utf8').trim();\nconsole.log(`Hello, ${name}!`);\n"
        }
        "rust" => {
            "use std::io::Read;\n\nfn main() {\n    let mut name = String::new();\n    std::io::stdin().read_to_string(&mut name).unwrap();\n    println!(\"Hello, {}!\", name.trim());\n}\n"
        }
        "go" => {
            "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tvar name string\n\tfmt.Scan(&name)\n\tfmt.Printf(\"Hello, %s!\\n\", name)\n}\n"
        }
        "ruby" => "name = gets.to_s.strip\nputs \"Hello, #{name}!\"\n",
        "kotlin" => {
            "fun main() {\n    val name = readln().trim()\n    println(\"Hello, $name!\")\n}\n"
        }
        "java" => {
            "import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n        String name = new Scanner(System.in).next();\n        System.out.println(\"Hello, \" + name + \"!\");\n    }\n}\n"
        }
        "lua" => "local name = io.read(\"l\")\nprint(\"Hello, \" .. name .. \"!\")\n",
        "zig" => {
            "const std = @import(\"std\");\n\npub fn main() !void {\n    var buf: [100]u8 = undefined;\n    const n = try std.io.getStdIn().read(&buf);\n    const name = std.mem.trim(u8, buf[0..n], \" \\r\\n\");\n    try std.io.getStdOut().writer().print(\"Hello, {s}!\\n\", .{name});\n}\n"
        }
        _ => "",
    }
}

impl Execution {
    async fn caller(
        &self,
        metadata: &tonic::metadata::MetadataMap,
    ) -> Result<Option<Caller>, Status> {
        caller::identify(&self.0.shared().users, metadata).await
    }

    /// What `viewer` may see of `submission` on `problem`.
    async fn view(
        &self,
        viewer: Option<&Caller>,
        submission: &SubmissionRecord,
        problem: Option<&ProblemRecord>,
    ) -> Result<View, Status> {
        let editor = problem.is_some_and(|problem| can_edit(viewer, problem))
            || viewer.is_some_and(Caller::is_admin);
        let owner = viewer.is_some_and(|viewer| viewer.id == submission.user_id);
        let mut source = owner || editor;
        if !source
            && let (Some(viewer), Some(problem)) = (viewer, problem)
            && problem.sources_visible
            && submission.verdict.as_deref() == Some("AC")
        {
            source = self
                .0
                .store()
                .user_solved(&viewer.id, &problem.id)
                .await
                .map_err(store_error)?;
        }
        Ok(View {
            source,
            test_names: editor,
            tests: true,
        })
    }

    /// The submission and its problem, if the viewer may see that problem.
    async fn visible_submission(
        &self,
        id: &str,
        viewer: Option<&Caller>,
        fresh: bool,
    ) -> Result<(SubmissionRecord, ProblemRecord), Status> {
        let not_found = || Status::not_found(format!("no submission {id:?}"));
        if id.is_empty() || id.len() > 64 {
            return Err(not_found());
        }
        let submission = if fresh {
            self.0.store().submission(id).await.map_err(store_error)?
        } else {
            self.0.submission(id).await?
        }
        .ok_or_else(not_found)?;
        // Its problem gone (deleted with its submissions), or a draft the viewer may not see.
        let problem = self
            .0
            .problem(&submission.problem_slug)
            .await?
            .filter(|problem| problem.id == submission.problem_id && can_see(viewer, problem))
            .ok_or_else(not_found)?;
        Ok((submission, problem))
    }
}

/// A run's limits: defaults for what is unset, clamped to what a run may have.
fn run_limits(limits: pb::RunLimits) -> RunLimits {
    let defaults = RunLimits::default();
    RunLimits {
        time_limit_ms: match limits.time_limit_ms {
            0 => defaults.time_limit_ms,
            ms => u64::from(ms.min(15_000)),
        },
        memory_bytes: match limits.memory_limit_bytes {
            0 => defaults.memory_bytes,
            bytes => bytes.clamp(1 << 20, 1 << 30),
        },
        output_bytes: match limits.output_limit_bytes {
            0 => defaults.output_bytes,
            bytes => bytes.clamp(1, 16 << 20),
        },
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::StreamSubmissionResponse, Status>> + Send>>;

#[tonic::async_trait]
impl ExecutionService for Execution {
    type StreamSubmissionStream = EventStream;

    async fn list_languages(
        &self,
        _request: Request<pb::ListLanguagesRequest>,
    ) -> Result<Response<pb::ListLanguagesResponse>, Status> {
        let toolchains = self.0.shared().engine.toolchains();
        let languages = toolchains
            .manifest()
            .languages
            .iter()
            .filter(|(id, _)| toolchains.state(id) == xcode_toolchains::InstallState::Installed)
            .map(|(id, language)| pb::Language {
                id: id.clone(),
                name: language.name.clone(),
                version: language.version.clone(),
                extension: language
                    .extensions
                    .first()
                    .map(|extension| format!(".{extension}"))
                    .unwrap_or_default(),
                template: template(id).to_owned(),
            })
            .collect();
        Ok(Response::new(pb::ListLanguagesResponse { languages }))
    }

    async fn run(
        &self,
        request: Request<pb::RunRequest>,
    ) -> Result<Response<pb::RunResponse>, Status> {
        let caller = caller::require(&self.0.shared().users, request.metadata()).await?;
        if caller.banned {
            return Err(Status::permission_denied("the account is banned"));
        }
        let request = request.into_inner();
        self.0.check_source(&request.language, &request.source)?;
        if request.stdin.len() > 16 << 20 {
            return Err(Status::out_of_range("stdin: at most 16 MiB"));
        }
        let limits = run_limits(request.limits.unwrap_or_default());
        let execution = self
            .0
            .execute(
                request.language,
                request.source.into_bytes(),
                request.stdin,
                limits,
            )
            .await?;
        Ok(Response::new(crate::executions::run_response(&execution)))
    }

    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let caller = caller::require(&self.0.shared().users, request.metadata()).await?;
        if caller.banned {
            return Err(Status::permission_denied("the account is banned"));
        }
        if !caller.verified {
            return Err(Status::permission_denied(
                "verify your email address before submitting",
            ));
        }
        let request = request.into_inner();
        let problem = self
            .0
            .problem(&request.problem)
            .await?
            .filter(|problem| can_see(Some(&caller), problem))
            .ok_or_else(|| Status::not_found(format!("no problem {:?}", request.problem)))?;
        self.0.check_source(&request.language, &request.source)?;
        let allowed = problem.language_list();
        if !allowed.is_empty() && !allowed.contains(&request.language) {
            return Err(Status::invalid_argument(format!(
                "language: this problem takes {}",
                allowed.join(", ")
            )));
        }
        if problem.package_sha256.is_none() || problem.test_count == 0 {
            return Err(Status::failed_precondition("the problem has no tests yet"));
        }
        let pending = self
            .0
            .store()
            .count_in_flight(&caller.id)
            .await
            .map_err(store_error)?;
        if pending >= self.0.shared().settings.max_pending_per_user {
            return Err(Status::resource_exhausted(format!(
                "{pending} submissions are still being judged; wait for them"
            )));
        }
        let id = self
            .0
            .submit(&problem, &caller, &request.language, request.source)
            .await?;
        Ok(Response::new(pb::SubmitResponse { id }))
    }

    async fn get_submission(
        &self,
        request: Request<pb::GetSubmissionRequest>,
    ) -> Result<Response<pb::GetSubmissionResponse>, Status> {
        let viewer = self.caller(request.metadata()).await?;
        let (submission, problem) = self
            .visible_submission(&request.get_ref().id, viewer.as_ref(), false)
            .await?;
        let view = self
            .view(viewer.as_ref(), &submission, Some(&problem))
            .await?;
        Ok(Response::new(pb::GetSubmissionResponse {
            submission: Some(convert::submission(&submission, view)),
        }))
    }

    async fn list_submissions(
        &self,
        request: Request<pb::ListSubmissionsRequest>,
    ) -> Result<Response<pb::ListSubmissionsResponse>, Status> {
        let viewer = self.caller(request.metadata()).await?;
        let request = request.into_inner();
        let page = u64::from(request.page.max(1));
        let size = u64::from(match request.page_size {
            0 => 50,
            size => size.min(200),
        });
        if !request.problem.is_empty() {
            // A draft's submissions are its editors' business.
            let problem = self.0.problem(&request.problem).await?;
            if !problem.is_some_and(|problem| can_see(viewer.as_ref(), &problem)) {
                return Err(Status::not_found(format!(
                    "no problem {:?}",
                    request.problem
                )));
            }
        }
        let filter = SubmissionFilter {
            username: request.user.clone(),
            problem_slug: request.problem.clone(),
            verdict: convert::verdict_code(request.verdict()).to_owned(),
            language: request.language.clone(),
            offset: (page - 1) * size,
            limit: size,
        };
        let (rows, total) = self
            .0
            .store()
            .list_submissions(&filter)
            .await
            .map_err(store_error)?;
        let summary = View {
            source: false,
            test_names: false,
            tests: false,
        };
        Ok(Response::new(pb::ListSubmissionsResponse {
            submissions: rows
                .iter()
                .map(|row| convert::submission(row, summary))
                .collect(),
            total,
        }))
    }

    async fn stream_submission(
        &self,
        request: Request<pb::StreamSubmissionRequest>,
    ) -> Result<Response<Self::StreamSubmissionStream>, Status> {
        let viewer = self.caller(request.metadata()).await?;
        let id = request.into_inner().id;
        // Subscribe first, then read: nothing published in between is missed.
        let mut subscription = self
            .0
            .shared()
            .bus
            .subscribe(&events::subject(&id))
            .await
            .map_err(|err| Status::unavailable(err.to_string()))?;
        // From the database: the snapshot's sequence must be the live one.
        let (submission, problem) = self.visible_submission(&id, viewer.as_ref(), true).await?;
        let view = self
            .view(viewer.as_ref(), &submission, Some(&problem))
            .await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(64);
        let judge = self.0.clone();
        tokio::spawn(async move {
            let mut sequence = u64::try_from(submission.sequence).unwrap_or(0);
            let snapshot = pb::SubmissionEvent {
                at: None,
                submission_id: id.clone(),
                sequence,
                event: Some(pb::submission_event::Event::Snapshot(convert::submission(
                    &submission,
                    view,
                ))),
            };
            let send = |event: pb::SubmissionEvent| {
                sender.send(Ok(pb::StreamSubmissionResponse { event: Some(event) }))
            };
            if send(snapshot).await.is_err() || submission.status == "done" {
                return;
            }
            loop {
                let message = tokio::select! {
                    message = subscription.next() => message,
                    () = sender.closed() => return,
                    () = tokio::time::sleep(STREAM_POLL) => None,
                };
                match message.and_then(|message| events::decode(&message.payload)) {
                    Some(mut event) => {
                        let finished =
                            matches!(event.event, Some(pb::submission_event::Event::Finished(_)));
                        // A rejudge starts again from 1; older events are repeats.
                        if event.sequence <= sequence && !finished && event.sequence != 1 {
                            continue;
                        }
                        sequence = event.sequence;
                        redact(&mut event, view);
                        if send(event).await.is_err() || finished {
                            return;
                        }
                    }
                    None => {
                        // Quiet, or the bus dropped us: the stored state decides.
                        match judge.store().submission(&id).await {
                            Ok(Some(row)) if row.status == "done" => {
                                let event = pb::SubmissionEvent {
                                    at: None,
                                    submission_id: id.clone(),
                                    sequence: u64::try_from(row.sequence).unwrap_or(0),
                                    event: Some(pb::submission_event::Event::Finished(
                                        convert::submission(&row, view),
                                    )),
                                };
                                let _ = send(event).await;
                                return;
                            }
                            Ok(Some(_)) => {}
                            Ok(None) => return,
                            Err(err) => tracing::warn!(error = %err, "stream poll"),
                        }
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    async fn create_execution(
        &self,
        request: Request<pb::CreateExecutionRequest>,
    ) -> Result<Response<pb::CreateExecutionResponse>, Status> {
        let caller = caller::require(&self.0.shared().users, request.metadata()).await?;
        if caller.banned {
            return Err(Status::permission_denied("the account is banned"));
        }
        let request = request.into_inner();
        self.0.check_source(&request.language, &request.source)?;
        if request.stdin.len() > 16 << 20
            || request
                .expected_output
                .as_ref()
                .is_some_and(|e| e.len() > 16 << 20)
        {
            return Err(Status::out_of_range(
                "stdin and expected_output: at most 16 MiB each",
            ));
        }
        let limits = run_limits(request.limits.unwrap_or_default());
        let record = self.0.create_execution(&caller, request, limits).await?;
        Ok(Response::new(pb::CreateExecutionResponse {
            execution: Some(crate::executions::to_pb(&record)),
        }))
    }

    async fn get_executions(
        &self,
        request: Request<pb::GetExecutionsRequest>,
    ) -> Result<Response<pb::GetExecutionsResponse>, Status> {
        let caller = caller::require(&self.0.shared().users, request.metadata()).await?;
        let tokens = request.into_inner().tokens;
        if tokens.len() > 100 {
            return Err(Status::invalid_argument("tokens: at most 100"));
        }
        let mut executions = Vec::with_capacity(tokens.len());
        for token in tokens {
            if token.len() > 64 {
                continue;
            }
            if let Some(record) = self
                .0
                .store()
                .execution(&token)
                .await
                .map_err(store_error)?
                && (record.user_id == caller.id || caller.is_admin())
            {
                executions.push(crate::executions::to_pb(&record));
            }
        }
        Ok(Response::new(pb::GetExecutionsResponse { executions }))
    }

    async fn rejudge(
        &self,
        request: Request<pb::RejudgeRequest>,
    ) -> Result<Response<pb::RejudgeResponse>, Status> {
        let caller = caller::require(&self.0.shared().users, request.metadata()).await?;
        if !caller.is_admin() {
            return Err(Status::permission_denied("rejudging is for admins"));
        }
        let target = request
            .into_inner()
            .target
            .ok_or_else(|| Status::invalid_argument("target: a submission id or a problem"))?;
        let ids = match target {
            pb::rejudge_request::Target::SubmissionId(id) => self
                .0
                .store()
                .requeue_submissions(Some(&id), None, now_ms())
                .await
                .map_err(store_error)?,
            pb::rejudge_request::Target::Problem(slug) => {
                let problem = self
                    .0
                    .problem(&slug)
                    .await?
                    .ok_or_else(|| Status::not_found(format!("no problem {slug:?}")))?;
                self.0
                    .store()
                    .requeue_submissions(None, Some(&problem.id), now_ms())
                    .await
                    .map_err(store_error)?
            }
        };
        if ids.is_empty() {
            return Err(Status::not_found("nothing to rejudge"));
        }
        for id in &ids {
            self.0.forget_submission(id).await;
            self.0.enqueue(id).await;
        }
        tracing::info!(count = ids.len(), by = caller.username, "rejudge");
        Ok(Response::new(pb::RejudgeResponse {
            queued: ids.len() as u64,
        }))
    }
}

/// Leaves out of an event what the viewer may not see.
fn redact(event: &mut pb::SubmissionEvent, view: View) {
    use pb::submission_event::Event;
    match &mut event.event {
        Some(Event::Compiled(compiled)) if !view.source => compiled.output.clear(),
        Some(Event::Test(test)) if !view.test_names && !test.group.starts_with("sample") => {
            test.name = format!("#{}", test.index + 1);
        }
        Some(Event::Finished(submission) | Event::Snapshot(submission)) => {
            if !view.source {
                submission.source.clear();
                submission.compile_output.clear();
            }
            if !view.test_names {
                for test in &mut submission.tests {
                    if !test.group.starts_with("sample") {
                        test.name = format!("#{}", test.index + 1);
                    }
                }
            }
        }
        _ => {}
    }
}
