//! Problems, runs and submissions: `/api/v1/languages`, `/api/v1/problems*`, `/api/v1/run`,
//! `/api/v1/submissions*`, `/api/v1/admin/rejudge`. docs/http-api.md describes them.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};
use xcode_proto::judge::v1 as jpb;
use xcode_proto::problems::v1 as ppb;

use crate::AppState;
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::model::rfc3339;
use crate::upstream;

// ---- shapes ----

pub(crate) fn difficulty_name(value: i32) -> Value {
    match ppb::Difficulty::try_from(value).unwrap_or_default() {
        ppb::Difficulty::Easy => json!("easy"),
        ppb::Difficulty::Medium => json!("medium"),
        ppb::Difficulty::Hard => json!("hard"),
        ppb::Difficulty::Unspecified => Value::Null,
    }
}

fn parse_difficulty(name: &str) -> Result<ppb::Difficulty, ApiError> {
    match name {
        "" => Ok(ppb::Difficulty::Unspecified),
        "easy" => Ok(ppb::Difficulty::Easy),
        "medium" => Ok(ppb::Difficulty::Medium),
        "hard" => Ok(ppb::Difficulty::Hard),
        other => Err(ApiError::invalid_request(format!(
            "difficulty {other:?}: easy, medium or hard"
        ))),
    }
}

fn kind_name(value: i32) -> &'static str {
    match ppb::ProblemKind::try_from(value).unwrap_or_default() {
        ppb::ProblemKind::Interactive => "interactive",
        ppb::ProblemKind::Scoring => "scoring",
        _ => "standard",
    }
}

fn visibility_name(value: i32) -> &'static str {
    match ppb::Visibility::try_from(value).unwrap_or_default() {
        ppb::Visibility::Public => "public",
        _ => "draft",
    }
}

pub(crate) fn summary_json(summary: &ppb::ProblemSummary) -> Value {
    json!({
        "slug": summary.slug,
        "title": summary.title,
        "difficulty": difficulty_name(summary.difficulty),
        "rating": summary.rating,
        "category": summary.category,
        "tags": summary.tags,
        "kind": kind_name(summary.kind),
        "visibility": visibility_name(summary.visibility),
        "acceptance_rate": summary.acceptance_rate,
        "solved": summary.solved_by_caller,
    })
}

fn problem_json(problem: &ppb::Problem) -> Value {
    let mut value = problem
        .summary
        .as_ref()
        .map(summary_json)
        .unwrap_or_else(|| json!({}));
    let limits = problem.limits.unwrap_or_default();
    if let Value::Object(map) = &mut value {
        map.insert("id".into(), json!(problem.id));
        map.insert(
            "statement_markdown".into(),
            json!(problem.statement_markdown),
        );
        map.insert("statement_html".into(), json!(problem.statement_html));
        map.insert(
            "limits".into(),
            json!({
                "time_limit_ms": limits.time_limit_ms,
                "memory_limit_bytes": limits.memory_limit_bytes,
                "output_limit_bytes": limits.output_limit_bytes,
            }),
        );
        map.insert(
            "samples".into(),
            json!(
                problem
                    .samples
                    .iter()
                    .map(|sample| json!({
                        "name": sample.name, "input": sample.input, "answer": sample.answer,
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        map.insert("languages".into(), json!(problem.languages));
        map.insert("max_score".into(), json!(problem.max_score));
        map.insert("test_count".into(), json!(problem.test_count));
        map.insert("author".into(), json!(problem.author_username));
        map.insert(
            "sources_visible_after_solve".into(),
            json!(problem.sources_visible_after_solve),
        );
        map.insert(
            "created_at".into(),
            json!(problem.created_at.as_ref().map(rfc3339)),
        );
        map.insert(
            "updated_at".into(),
            json!(problem.updated_at.as_ref().map(rfc3339)),
        );
    }
    value
}

pub(crate) fn verdict_code(value: i32) -> Value {
    match jpb::Verdict::try_from(value).unwrap_or_default() {
        jpb::Verdict::Unspecified => Value::Null,
        jpb::Verdict::Accepted => json!("AC"),
        jpb::Verdict::WrongAnswer => json!("WA"),
        jpb::Verdict::TimeLimitExceeded => json!("TLE"),
        jpb::Verdict::MemoryLimitExceeded => json!("MLE"),
        jpb::Verdict::OutputLimitExceeded => json!("OLE"),
        jpb::Verdict::RuntimeError => json!("RE"),
        jpb::Verdict::CompileError => json!("CE"),
        jpb::Verdict::InternalError => json!("IE"),
    }
}

fn parse_verdict(code: &str) -> Result<jpb::Verdict, ApiError> {
    Ok(match code.to_ascii_uppercase().as_str() {
        "" => jpb::Verdict::Unspecified,
        "AC" => jpb::Verdict::Accepted,
        "WA" => jpb::Verdict::WrongAnswer,
        "TLE" => jpb::Verdict::TimeLimitExceeded,
        "MLE" => jpb::Verdict::MemoryLimitExceeded,
        "OLE" => jpb::Verdict::OutputLimitExceeded,
        "RE" => jpb::Verdict::RuntimeError,
        "CE" => jpb::Verdict::CompileError,
        "IE" => jpb::Verdict::InternalError,
        other => {
            return Err(ApiError::invalid_request(format!(
                "verdict {other:?}: AC, WA, TLE, MLE, OLE, RE, CE or IE"
            )));
        }
    })
}

fn status_name(value: i32) -> &'static str {
    match jpb::SubmissionStatus::try_from(value).unwrap_or_default() {
        jpb::SubmissionStatus::Queued => "queued",
        jpb::SubmissionStatus::Judging => "judging",
        jpb::SubmissionStatus::Done => "done",
        jpb::SubmissionStatus::Unspecified => "unknown",
    }
}

pub(crate) fn test_json(test: &jpb::TestResult) -> Value {
    json!({
        "index": test.index,
        "name": test.name,
        "group": test.group,
        "verdict": verdict_code(test.verdict),
        "time_ms": test.time_ms,
        "memory_bytes": test.memory_bytes,
    })
}

pub(crate) fn submission_json(submission: &jpb::Submission) -> Value {
    json!({
        "id": submission.id,
        "problem": submission.problem,
        "user": submission.username,
        "language": submission.language,
        "status": status_name(submission.status),
        "verdict": verdict_code(submission.verdict),
        "score": submission.score,
        "max_score": submission.max_score,
        "source": (!submission.source.is_empty()).then_some(&submission.source),
        "compile_output": submission.compile_output,
        "tests": submission.tests.iter().map(test_json).collect::<Vec<_>>(),
        "groups": submission.groups.iter().map(|group| json!({
            "name": group.name,
            "verdict": verdict_code(group.verdict),
            "score": group.score,
            "max_score": group.max_score,
        })).collect::<Vec<_>>(),
        "max_time_ms": submission.max_time_ms,
        "max_memory_bytes": submission.max_memory_bytes,
        "created_at": submission.created_at.as_ref().map(rfc3339),
        "judged_at": submission.judged_at.as_ref().map(rfc3339),
    })
}

// ---- languages and problems ----

pub(crate) async fn languages(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::execution(
        &state,
        &context,
        jpb::ListLanguagesRequest {},
        |mut judge, request| async move { judge.list_languages(request).await },
    )
    .await?;
    Ok(axum::Json(json!({
        "languages": response.languages.iter().map(|language| json!({
            "id": language.id,
            "name": language.name,
            "version": language.version,
            "extension": language.extension,
            "template": language.template,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProblemQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    difficulty: String,
    /// One tag, or several separated by commas (all must match).
    #[serde(default)]
    tag: String,
    #[serde(default)]
    q: String,
    /// `solved` or `unsolved` (signed in).
    #[serde(default)]
    status: String,
    #[serde(default)]
    mine: bool,
    #[serde(default)]
    page: u32,
    #[serde(default)]
    page_size: u32,
}

pub(crate) async fn list_problems(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
    Query(query): Query<ProblemQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let solved = match query.status.as_str() {
        "" => ppb::SolvedFilter::Any,
        "solved" => ppb::SolvedFilter::Solved,
        "unsolved" => ppb::SolvedFilter::Unsolved,
        other => {
            return Err(ApiError::invalid_request(format!(
                "status {other:?}: solved or unsolved"
            )));
        }
    };
    let request = ppb::ListProblemsRequest {
        category: query.category,
        difficulty: parse_difficulty(&query.difficulty)?.into(),
        tags: query
            .tag
            .split(',')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_owned)
            .collect(),
        query: query.q,
        solved: solved.into(),
        page: query.page,
        page_size: query.page_size,
        mine: query.mine,
    };
    let page = request.page.max(1);
    let response = upstream::problems(
        &state,
        &context,
        request,
        |mut problems, request| async move { problems.list_problems(request).await },
    )
    .await?;
    Ok(axum::Json(json!({
        "problems": response.problems.iter().map(summary_json).collect::<Vec<_>>(),
        "total": response.total,
        "page": page,
    })))
}

pub(crate) async fn facets(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::problems(
        &state,
        &context,
        ppb::ListFacetsRequest {},
        |mut problems, request| async move { problems.list_facets(request).await },
    )
    .await?;
    let facets = |facets: &[ppb::Facet]| {
        facets
            .iter()
            .map(|facet| json!({ "name": facet.name, "problems": facet.problems }))
            .collect::<Vec<_>>()
    };
    Ok(axum::Json(json!({
        "categories": facets(&response.categories),
        "tags": facets(&response.tags),
    })))
}

pub(crate) async fn get_problem(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
    Path(slug): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::problems(
        &state,
        &context,
        ppb::GetProblemRequest { slug },
        |mut problems, request| async move { problems.get_problem(request).await },
    )
    .await?;
    let problem = response.problem.ok_or_else(ApiError::internal)?;
    Ok(axum::Json(json!({ "problem": problem_json(&problem) })))
}

pub(crate) async fn problem_stats(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
    Path(slug): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let stats = upstream::problems(
        &state,
        &context,
        ppb::GetProblemStatsRequest { slug },
        |mut problems, request| async move { problems.get_problem_stats(request).await },
    )
    .await?;
    Ok(axum::Json(json!({
        "submissions": stats.submissions,
        "accepted": stats.accepted,
        "acceptance_rate": stats.acceptance_rate,
        "solvers": stats.solvers,
        "by_verdict": stats.by_verdict,
        "by_language": stats.by_language,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsBody {
    #[serde(default)]
    time_limit_ms: u32,
    #[serde(default)]
    memory_limit_bytes: u64,
    #[serde(default)]
    output_limit_bytes: u64,
}

impl From<LimitsBody> for ppb::Limits {
    fn from(limits: LimitsBody) -> Self {
        Self {
            time_limit_ms: limits.time_limit_ms,
            memory_limit_bytes: limits.memory_limit_bytes,
            output_limit_bytes: limits.output_limit_bytes,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateProblem {
    slug: String,
    title: String,
    #[serde(default)]
    statement_markdown: String,
    #[serde(default)]
    difficulty: String,
    #[serde(default)]
    rating: u32,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: Vec<String>,
    limits: Option<LimitsBody>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    sources_visible_after_solve: bool,
}

pub(crate) async fn create_problem(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<CreateProblem>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let request = ppb::CreateProblemRequest {
        slug: body.slug,
        title: body.title,
        statement_markdown: body.statement_markdown,
        difficulty: parse_difficulty(&body.difficulty)?.into(),
        rating: body.rating,
        category: body.category,
        tags: body.tags,
        limits: body.limits.map(Into::into),
        languages: body.languages,
        sources_visible_after_solve: body.sources_visible_after_solve,
    };
    let response = upstream::problems(
        &state,
        &context,
        request,
        |mut problems, request| async move { problems.create_problem(request).await },
    )
    .await?;
    let problem = response.problem.ok_or_else(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "problem": problem_json(&problem) })),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateProblem {
    title: Option<String>,
    statement_markdown: Option<String>,
    difficulty: Option<String>,
    rating: Option<u32>,
    category: Option<String>,
    tags: Option<Vec<String>>,
    limits: Option<LimitsBody>,
    /// `draft` or `public`.
    visibility: Option<String>,
    sources_visible_after_solve: Option<bool>,
}

pub(crate) async fn update_problem(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(slug): Path<String>,
    Json(body): Json<UpdateProblem>,
) -> Result<axum::Json<Value>, ApiError> {
    let visibility = match body.visibility.as_deref() {
        None => ppb::Visibility::Unspecified,
        Some("draft") => ppb::Visibility::Draft,
        Some("public") => ppb::Visibility::Public,
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "visibility {other:?}: draft or public"
            )));
        }
    };
    let request = ppb::UpdateProblemRequest {
        slug,
        title: body.title,
        statement_markdown: body.statement_markdown,
        difficulty: parse_difficulty(body.difficulty.as_deref().unwrap_or(""))?.into(),
        rating: body.rating,
        category: body.category,
        set_tags: body.tags.is_some(),
        tags: body.tags.unwrap_or_default(),
        limits: body.limits.map(Into::into),
        visibility: visibility.into(),
        sources_visible_after_solve: body.sources_visible_after_solve,
    };
    let response = upstream::problems(
        &state,
        &context,
        request,
        |mut problems, request| async move { problems.update_problem(request).await },
    )
    .await?;
    let problem = response.problem.ok_or_else(ApiError::internal)?;
    Ok(axum::Json(json!({ "problem": problem_json(&problem) })))
}

pub(crate) async fn delete_problem(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    upstream::problems(
        &state,
        &context,
        ppb::DeleteProblemRequest { slug },
        |mut problems, request| async move { problems.delete_problem(request).await },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackageQuery {
    /// Take the title, statement and limits from the package too (default true).
    update_metadata: Option<bool>,
    /// `native` or `kattis`; detected when absent.
    format: Option<String>,
}

/// `PUT /problems/{slug}/package`: the body is the archive (zip, tar.gz or tar).
pub(crate) async fn upload_package(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(slug): Path<String>,
    Query(query): Query<PackageQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let body = body.map_err(|rejection| {
        crate::extract::bytes_rejection(&rejection, state.max_package_bytes)
    })?;
    if body.is_empty() {
        return Err(ApiError::invalid_request(
            "the body must be the package archive (zip, tar.gz or tar)",
        ));
    }
    let format = match query.format.as_deref() {
        None | Some("") => ppb::PackageFormat::Detect,
        Some("native") => ppb::PackageFormat::Native,
        Some("kattis" | "icpc") => ppb::PackageFormat::Kattis,
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "format {other:?}: native or kattis"
            )));
        }
    };
    let header = ppb::UploadPackageRequest {
        part: Some(ppb::upload_package_request::Part::Header(
            ppb::PackageHeader {
                slug,
                format: format.into(),
                size_bytes: body.len() as u64,
                update_metadata: query.update_metadata.unwrap_or(true),
            },
        )),
    };
    let chunks = body.chunks(1 << 20).map(|chunk| ppb::UploadPackageRequest {
        part: Some(ppb::upload_package_request::Part::Chunk(chunk.to_vec())),
    });
    let messages: Vec<_> = std::iter::once(header).chain(chunks).collect();
    let response = upstream::problems(
        &state,
        &context,
        tokio_stream::iter(messages),
        |mut problems, request| async move { problems.upload_package(request).await },
    )
    .await?;
    let problem = response.problem.ok_or_else(ApiError::internal)?;
    Ok(axum::Json(json!({
        "problem": problem_json(&problem),
        "tests": response.tests,
        "warnings": response.warnings,
    })))
}

pub(crate) async fn list_tests(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Path(slug): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::problems(
        &state,
        &context,
        ppb::ListTestsRequest { slug },
        |mut problems, request| async move { problems.list_tests(request).await },
    )
    .await?;
    Ok(axum::Json(json!({
        "tests": response.tests.iter().map(|test| json!({
            "name": test.name,
            "group": test.group,
            "is_sample": test.is_sample,
            "input_bytes": test.input_bytes,
            "answer_bytes": test.answer_bytes,
        })).collect::<Vec<_>>(),
    })))
}

// ---- runs and submissions ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunBody {
    language: String,
    source: String,
    #[serde(default)]
    stdin: String,
    #[serde(default)]
    time_limit_ms: u32,
    #[serde(default)]
    memory_limit_bytes: u64,
}

pub(crate) fn run_status_name(value: i32) -> &'static str {
    match jpb::RunStatus::try_from(value).unwrap_or_default() {
        jpb::RunStatus::Exited => "exited",
        jpb::RunStatus::TimeLimitExceeded => "time_limit_exceeded",
        jpb::RunStatus::MemoryLimitExceeded => "memory_limit_exceeded",
        jpb::RunStatus::OutputLimitExceeded => "output_limit_exceeded",
        jpb::RunStatus::RuntimeError => "runtime_error",
        jpb::RunStatus::CompileError => "compile_error",
        jpb::RunStatus::Unspecified => "unknown",
    }
}

/// Program output as JSON text: UTF-8 as it is, anything else in base64 (`*_base64`).
fn output(name: &str, bytes: &[u8], into: &mut serde_json::Map<String, Value>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            into.insert(name.into(), json!(text));
        }
        Err(_) => {
            into.insert(name.into(), json!(String::from_utf8_lossy(bytes)));
            into.insert(format!("{name}_base64"), json!(STANDARD.encode(bytes)));
        }
    }
}

pub(crate) async fn run(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<RunBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = jpb::RunRequest {
        language: body.language,
        source: body.source,
        stdin: body.stdin.into_bytes(),
        limits: Some(jpb::RunLimits {
            time_limit_ms: body.time_limit_ms,
            memory_limit_bytes: body.memory_limit_bytes,
            output_limit_bytes: 0,
        }),
    };
    let response =
        upstream::execution(&state, &context, request, |mut judge, request| async move {
            judge.run(request).await
        })
        .await?;
    let mut map = serde_json::Map::new();
    map.insert("status".into(), json!(run_status_name(response.status)));
    map.insert(
        "exit_code".into(),
        if response.status == i32::from(jpb::RunStatus::Exited) {
            json!(response.exit_code)
        } else {
            Value::Null
        },
    );
    output("stdout", &response.stdout, &mut map);
    output("stderr", &response.stderr, &mut map);
    map.insert("stdout_truncated".into(), json!(response.stdout_truncated));
    map.insert("stderr_truncated".into(), json!(response.stderr_truncated));
    map.insert(
        "trap".into(),
        json!((!response.trap.is_empty()).then_some(&response.trap)),
    );
    map.insert("compile_output".into(), json!(response.compile_output));
    map.insert("time_ms".into(), json!(response.time_ms));
    map.insert("memory_bytes".into(), json!(response.memory_bytes));
    map.insert("wall_ms".into(), json!(response.wall_ms));
    Ok(axum::Json(Value::Object(map)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitBody {
    problem: String,
    language: String,
    source: String,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<SubmitBody>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let request = jpb::SubmitRequest {
        problem: body.problem,
        language: body.language,
        source: body.source,
    };
    let response =
        upstream::execution(&state, &context, request, |mut judge, request| async move {
            judge.submit(request).await
        })
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({ "id": response.id, "status": "queued" })),
    ))
}

pub(crate) async fn get_submission(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, ApiError> {
    let response = upstream::execution(
        &state,
        &context,
        jpb::GetSubmissionRequest { id },
        |mut judge, request| async move { judge.get_submission(request).await },
    )
    .await?;
    let submission = response.submission.ok_or_else(ApiError::internal)?;
    Ok(axum::Json(submission_json(&submission)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmissionQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    page: u32,
    #[serde(default)]
    page_size: u32,
}

pub(crate) async fn list_submissions(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
    Query(query): Query<SubmissionQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let request = jpb::ListSubmissionsRequest {
        user: query.user,
        problem: query.problem,
        verdict: parse_verdict(&query.verdict)?.into(),
        language: query.language,
        page: query.page,
        page_size: query.page_size,
    };
    let page = request.page.max(1);
    let response =
        upstream::execution(&state, &context, request, |mut judge, request| async move {
            judge.list_submissions(request).await
        })
        .await?;
    Ok(axum::Json(json!({
        "submissions": response.submissions.iter().map(submission_json).collect::<Vec<_>>(),
        "total": response.total,
        "page": page,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejudgeBody {
    submission_id: Option<String>,
    problem: Option<String>,
}

pub(crate) async fn rejudge(
    State(state): State<AppState>,
    Authenticated(context): Authenticated,
    Json(body): Json<RejudgeBody>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let target = match (body.submission_id, body.problem) {
        (Some(id), None) => jpb::rejudge_request::Target::SubmissionId(id),
        (None, Some(problem)) => jpb::rejudge_request::Target::Problem(problem),
        _ => {
            return Err(ApiError::invalid_request(
                "give exactly one of submission_id and problem",
            ));
        }
    };
    let response = upstream::execution(
        &state,
        &context,
        jpb::RejudgeRequest {
            target: Some(target),
        },
        |mut judge, request| async move { judge.rejudge(request).await },
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({ "queued": response.queued })),
    ))
}
