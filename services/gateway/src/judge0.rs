//! A Judge0 CE compatible API under `/judge0` (docs/judge0.md): existing Judge0 clients (the
//! official Python SDK among them) run code on Xcode unchanged. Submissions become queued
//! executions on the judge (ExecutionService.CreateExecution); field names, status ids and
//! descriptions, base64 and wait modes, batches and the informational routes follow Judge0 CE
//! 1.13.1's documentation.
//!
//! Authentication: an Xcode access token as `X-Auth-Token` (Judge0's header), or
//! `Authorization: Bearer`, or the browser's cookie.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use xcode_proto::judge::v1 as jpb;

use crate::AppState;
use crate::auth::{Context, MaybeAuthenticated};
use crate::error::ApiError;
use crate::upstream;

/// Judge0 CE language ids we run, and the language each stands for here.
const LANGUAGES: &[(u32, &str, &str)] = &[
    (48, "c", "C (GCC 7.4.0)"),
    (49, "c", "C (GCC 8.3.0)"),
    (50, "c", "C (GCC 9.2.0)"),
    (52, "cpp", "C++ (GCC 7.4.0)"),
    (53, "cpp", "C++ (GCC 8.3.0)"),
    (54, "cpp", "C++ (GCC 9.2.0)"),
    (60, "go", "Go (1.13.5)"),
    (62, "java", "Java (OpenJDK 13.0.1)"),
    (63, "javascript", "JavaScript (Node.js 12.14.0)"),
    (64, "lua", "Lua (5.3.5)"),
    (71, "python3", "Python (3.8.1)"),
    (72, "ruby", "Ruby (2.7.0)"),
    (73, "rust", "Rust (1.40.0)"),
    (74, "typescript", "TypeScript (3.7.4)"),
    (75, "c", "C (Clang 7.0.1)"),
    (76, "cpp", "C++ (Clang 7.0.1)"),
    (78, "kotlin", "Kotlin (1.3.70)"),
];

/// Judge0 CE's statuses.
const STATUSES: &[(u32, &str)] = &[
    (1, "In Queue"),
    (2, "Processing"),
    (3, "Accepted"),
    (4, "Wrong Answer"),
    (5, "Time Limit Exceeded"),
    (6, "Compilation Error"),
    (7, "Runtime Error (SIGSEGV)"),
    (8, "Runtime Error (SIGXFSZ)"),
    (9, "Runtime Error (SIGFPE)"),
    (10, "Runtime Error (SIGABRT)"),
    (11, "Runtime Error (NZEC)"),
    (12, "Runtime Error (Other)"),
    (13, "Internal Error"),
    (14, "Exec Format Error"),
];

/// What GET /submissions/{token} returns without `fields` (Judge0's default).
const DEFAULT_FIELDS: &[&str] = &[
    "stdout",
    "time",
    "memory",
    "stderr",
    "token",
    "compile_output",
    "message",
    "status",
];

const MAX_BATCH: usize = 20;
const DEFAULT_CPU_TIME_LIMIT: f64 = 5.0;
const MAX_CPU_TIME_LIMIT: f64 = 15.0;
const DEFAULT_MEMORY_KB: u64 = 128_000;
const MAX_MEMORY_KB: u64 = 512_000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/judge0/submissions", post(create))
        .route(
            "/judge0/submissions/batch",
            post(create_batch).get(get_batch),
        )
        .route("/judge0/submissions/{token}", get(get_one))
        .route("/judge0/languages", get(languages))
        .route("/judge0/languages/all", get(languages))
        .route("/judge0/languages/{id}", get(language))
        .route("/judge0/statuses", get(statuses))
        .route("/judge0/about", get(about))
        .route("/judge0/version", get(version))
        .route("/judge0/config_info", get(config_info))
        .route("/judge0/system_info", get(system_info))
        .route("/judge0/isolate", get(isolate))
        // A submission carries its source, stdin and expected output (base64 or not).
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::api::CODE_BODY_BYTES * 2,
        ))
}

// ---- errors, as Judge0 shapes them ----

#[derive(Debug)]
pub(crate) struct Judge0Error(StatusCode, Value);

impl IntoResponse for Judge0Error {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

impl From<ApiError> for Judge0Error {
    fn from(error: ApiError) -> Self {
        if error.code == "invalid_argument" {
            // Judge0 answers validation errors with 422 and the field's messages.
            let field = ["language", "source", "stdin", "expected_output"]
                .into_iter()
                .find(|field| error.message.starts_with(field))
                .map_or("source_code", |field| match field {
                    "language" => "language_id",
                    "source" => "source_code",
                    other => other,
                });
            return Self(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ field: [error.message] }),
            );
        }
        Self(error.status, json!({ "error": error.message }))
    }
}

fn unprocessable(field: &str, message: impl Into<String>) -> Judge0Error {
    Judge0Error(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({ field: [message.into()] }),
    )
}

fn bad_request(message: impl Into<String>) -> Judge0Error {
    Judge0Error(StatusCode::BAD_REQUEST, json!({ "error": message.into() }))
}

/// The caller: `X-Auth-Token`, else as the rest of the API.
pub(crate) struct Caller(Context);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Judge0Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Judge0Error> {
        let token = parts
            .headers
            .get("x-auth-token")
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        let MaybeAuthenticated(mut context) = MaybeAuthenticated::from_request_parts(parts, state)
            .await
            .map_err(Judge0Error::from)?;
        if token.is_some() {
            context.access_token = token;
        }
        if context.access_token.is_none() {
            return Err(Judge0Error(
                StatusCode::UNAUTHORIZED,
                json!({ "error": "authenticate with an Xcode access token: X-Auth-Token or Authorization: Bearer" }),
            ));
        }
        Ok(Self(context))
    }
}

// ---- requests ----

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Flags {
    base64_encoded: Option<String>,
    wait: Option<String>,
    fields: Option<String>,
    tokens: Option<String>,
}

fn flag(value: Option<&str>) -> Result<bool, Judge0Error> {
    match value {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(bad_request(format!(
            "expected true or false, got {other:?}"
        ))),
    }
}

fn flags(headers: &HeaderMap, raw: Option<&str>) -> Result<Flags, Judge0Error> {
    let _ = headers;
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|err| bad_request(err.to_string()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SubmissionBody {
    source_code: Option<String>,
    language_id: Option<Value>,
    stdin: Option<String>,
    expected_output: Option<String>,
    cpu_time_limit: Option<Value>,
    wall_time_limit: Option<Value>,
    memory_limit: Option<Value>,
    compiler_options: Option<String>,
    command_line_arguments: Option<String>,
    additional_files: Option<String>,
    callback_url: Option<String>,
    enable_network: Option<bool>,
    number_of_runs: Option<Value>,
    cpu_extra_time: Option<Value>,
    stack_limit: Option<Value>,
    max_processes_and_or_threads: Option<Value>,
    enable_per_process_and_thread_time_limit: Option<bool>,
    enable_per_process_and_thread_memory_limit: Option<bool>,
    max_file_size: Option<Value>,
    redirect_stderr_to_stdout: Option<bool>,
}

fn number(field: &str, value: Option<&Value>) -> Result<Option<f64>, Judge0Error> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => Ok(number.as_f64()),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| unprocessable(field, "is not a number")),
        Some(_) => Err(unprocessable(field, "is not a number")),
    }
}

fn text(field: &str, value: Option<String>, base64: bool) -> Result<Option<Vec<u8>>, Judge0Error> {
    match value {
        None => Ok(None),
        Some(value) if base64 => {
            let cleaned: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            STANDARD
                .decode(cleaned)
                .map(Some)
                .map_err(|_| unprocessable(field, "is not valid base64"))
        }
        Some(value) => Ok(Some(value.into_bytes())),
    }
}

/// A Judge0 submission as a CreateExecution request.
fn execution_request(
    body: SubmissionBody,
    base64: bool,
    wait: bool,
) -> Result<jpb::CreateExecutionRequest, Judge0Error> {
    let language_id = number("language_id", body.language_id.as_ref())?
        .ok_or_else(|| unprocessable("language_id", "can't be blank"))?;
    let language = LANGUAGES
        .iter()
        .find(|(id, _, _)| f64::from(*id) == language_id)
        .map(|(_, ours, _)| *ours)
        .ok_or_else(|| {
            unprocessable(
                "language_id",
                format!(
                    "language with id {language_id} doesn't exist or is not run here (GET /judge0/languages lists those that are)"
                ),
            )
        })?;
    let source = text("source_code", body.source_code, base64)?
        .ok_or_else(|| unprocessable("source_code", "can't be blank"))?;
    let source =
        String::from_utf8(source).map_err(|_| unprocessable("source_code", "is not UTF-8 text"))?;
    for (field, unsupported) in [
        (
            "compiler_options",
            body.compiler_options.is_some_and(|v| !v.is_empty()),
        ),
        (
            "command_line_arguments",
            body.command_line_arguments.is_some_and(|v| !v.is_empty()),
        ),
        (
            "additional_files",
            body.additional_files.is_some_and(|v| !v.is_empty()),
        ),
        (
            "callback_url",
            body.callback_url.is_some_and(|v| !v.is_empty()),
        ),
        ("enable_network", body.enable_network == Some(true)),
        (
            "redirect_stderr_to_stdout",
            body.redirect_stderr_to_stdout == Some(true),
        ),
    ] {
        if unsupported {
            return Err(unprocessable(
                field,
                "is not supported by this judge (config_info says so)",
            ));
        }
    }
    let cpu =
        number("cpu_time_limit", body.cpu_time_limit.as_ref())?.unwrap_or(DEFAULT_CPU_TIME_LIMIT);
    if !(cpu > 0.0 && cpu <= MAX_CPU_TIME_LIMIT) {
        return Err(unprocessable(
            "cpu_time_limit",
            format!("must be greater than 0 and at most {MAX_CPU_TIME_LIMIT}"),
        ));
    }
    let memory_kb = number("memory_limit", body.memory_limit.as_ref())?
        .map_or(DEFAULT_MEMORY_KB as f64, |kb| kb);
    if !(memory_kb >= 2048.0 && memory_kb <= MAX_MEMORY_KB as f64) {
        return Err(unprocessable(
            "memory_limit",
            format!("must be between 2048 and {MAX_MEMORY_KB} (KB)"),
        ));
    }
    let _ = number("wall_time_limit", body.wall_time_limit.as_ref())?;
    Ok(jpb::CreateExecutionRequest {
        language: language.to_owned(),
        source,
        stdin: text("stdin", body.stdin, base64)?.unwrap_or_default(),
        expected_output: text("expected_output", body.expected_output, base64)?,
        limits: Some(jpb::RunLimits {
            time_limit_ms: (cpu * 1000.0).round() as u32,
            memory_limit_bytes: (memory_kb as u64) * 1024,
            output_limit_bytes: 0,
        }),
        wait,
    })
}

// ---- responses ----

fn judge0_id(language: &str) -> u32 {
    LANGUAGES
        .iter()
        .find(|(_, ours, _)| *ours == language)
        .map_or(0, |(id, _, _)| *id)
}

/// The Judge0 status of an execution, and a message for it.
fn status(execution: &jpb::Execution) -> (u32, String) {
    match jpb::ExecutionStatus::try_from(execution.status).unwrap_or_default() {
        jpb::ExecutionStatus::Queued | jpb::ExecutionStatus::Unspecified => {
            return (1, String::new());
        }
        jpb::ExecutionStatus::Running => return (2, String::new()),
        jpb::ExecutionStatus::Done => {}
    }
    let Some(result) = &execution.result else {
        return (13, execution.message.clone());
    };
    match jpb::RunStatus::try_from(result.status).unwrap_or_default() {
        jpb::RunStatus::CompileError => (6, String::new()),
        jpb::RunStatus::TimeLimitExceeded => (5, "Time limit exceeded".into()),
        jpb::RunStatus::MemoryLimitExceeded => (12, "Memory limit exceeded".into()),
        jpb::RunStatus::OutputLimitExceeded => (8, "Output limit exceeded".into()),
        jpb::RunStatus::RuntimeError => match result.trap.as_str() {
            "stack_overflow"
            | "memory_out_of_bounds"
            | "table_out_of_bounds"
            | "indirect_call_to_null" => (7, result.trap.replace('_', " ")),
            "integer_division_by_zero" | "integer_overflow" | "bad_conversion_to_integer" => {
                (9, result.trap.replace('_', " "))
            }
            "unreachable" => (10, "aborted".into()),
            other => (12, other.replace('_', " ")),
        },
        jpb::RunStatus::Exited if result.exit_code != 0 => {
            (11, format!("Exited with error status {}", result.exit_code))
        }
        jpb::RunStatus::Exited => match execution.matched {
            Some(false) => (4, String::new()),
            _ => (3, String::new()),
        },
        jpb::RunStatus::Unspecified => (13, "unknown outcome".into()),
    }
}

fn description(id: u32) -> &'static str {
    STATUSES
        .iter()
        .find(|(status, _)| *status == id)
        .map_or("Unknown", |(_, description)| description)
}

/// `2026-11-26T09:15:11.123Z`, as Judge0 writes times.
fn judge0_time(timestamp: Option<&prost_types::Timestamp>) -> Value {
    let Some(timestamp) = timestamp else {
        return Value::Null;
    };
    let millis = timestamp.nanos / 1_000_000;
    let whole = prost_types::Timestamp {
        seconds: timestamp.seconds,
        nanos: 0,
    }
    .to_string();
    json!(format!("{}.{millis:03}Z", whole.trim_end_matches('Z')))
}

/// Output text: base64, or UTF-8 (an error when it is not).
fn encode(bytes: &[u8], base64: bool) -> Result<Value, Judge0Error> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    if base64 {
        return Ok(json!(STANDARD.encode(bytes)));
    }
    std::str::from_utf8(bytes).map(|text| json!(text)).map_err(|_| {
        bad_request(
            "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter",
        )
    })
}

fn submission_json(
    execution: &jpb::Execution,
    fields: &[String],
    base64: bool,
) -> Result<Value, Judge0Error> {
    let (status_id, message) = status(execution);
    let result = execution.result.clone().unwrap_or_default();
    let limits = execution.limits.unwrap_or_default();
    let done = status_id > 2;
    let language_id = judge0_id(&execution.language);
    let all = fields.iter().any(|field| field == "*");
    let wanted = |name: &str| all || fields.iter().any(|field| field == name);
    let mut map = Map::new();
    let mut put = |name: &str, value: Value| {
        if wanted(name) {
            map.insert(name.to_owned(), value);
        }
    };
    put("token", json!(execution.token));
    put("source_code", encode(execution.source.as_bytes(), base64)?);
    put("language_id", json!(language_id));
    put("stdin", encode(&execution.stdin, base64)?);
    put(
        "expected_output",
        match &execution.expected_output {
            Some(expected) => encode(expected, base64)?,
            None => Value::Null,
        },
    );
    put(
        "stdout",
        if done {
            encode(&result.stdout, base64)?
        } else {
            Value::Null
        },
    );
    put(
        "stderr",
        if done {
            encode(&result.stderr, base64)?
        } else {
            Value::Null
        },
    );
    put(
        "compile_output",
        if done {
            encode(result.compile_output.as_bytes(), base64)?
        } else {
            Value::Null
        },
    );
    put(
        "message",
        if message.is_empty() {
            Value::Null
        } else {
            encode(message.as_bytes(), base64)?
        },
    );
    put(
        "exit_code",
        if done && result.status == i32::from(jpb::RunStatus::Exited) {
            json!(result.exit_code)
        } else {
            Value::Null
        },
    );
    put("exit_signal", Value::Null);
    put(
        "status",
        json!({ "id": status_id, "description": description(status_id) }),
    );
    put("status_id", json!(status_id));
    put("created_at", judge0_time(execution.created_at.as_ref()));
    put("finished_at", judge0_time(execution.finished_at.as_ref()));
    put(
        "time",
        if done {
            json!(format!("{:.3}", result.time_ms as f64 / 1000.0))
        } else {
            Value::Null
        },
    );
    put(
        "wall_time",
        if done {
            json!(format!("{:.3}", result.wall_ms as f64 / 1000.0))
        } else {
            Value::Null
        },
    );
    put(
        "memory",
        if done {
            json!(result.memory_bytes / 1024)
        } else {
            Value::Null
        },
    );
    put(
        "cpu_time_limit",
        json!(format!("{:.1}", f64::from(limits.time_limit_ms) / 1000.0)),
    );
    put("cpu_extra_time", json!("0.0"));
    put(
        "wall_time_limit",
        json!(format!(
            "{:.1}",
            f64::from(limits.time_limit_ms) * 20.0 / 1000.0 + 3.0
        )),
    );
    put("memory_limit", json!(limits.memory_limit_bytes / 1024));
    put("stack_limit", json!(65_536));
    put("max_processes_and_or_threads", json!(1));
    put("enable_per_process_and_thread_time_limit", json!(false));
    put("enable_per_process_and_thread_memory_limit", json!(false));
    put("max_file_size", json!(limits.output_limit_bytes / 1024));
    put("number_of_runs", json!(1));
    put("compiler_options", Value::Null);
    put("command_line_arguments", Value::Null);
    put("redirect_stderr_to_stdout", json!(false));
    put("callback_url", Value::Null);
    put("additional_files", Value::Null);
    put("enable_network", json!(false));
    put(
        "language",
        json!({
            "id": language_id,
            "name": LANGUAGES.iter().find(|(id, _, _)| *id == language_id).map_or("", |(_, _, name)| name),
        }),
    );
    Ok(Value::Object(map))
}

fn fields_of(flags: &Flags) -> Vec<String> {
    match flags.fields.as_deref() {
        None | Some("") => DEFAULT_FIELDS
            .iter()
            .map(|field| (*field).to_owned())
            .collect(),
        Some(list) => list
            .split(',')
            .map(|field| field.trim().to_owned())
            .collect(),
    }
}

// ---- handlers ----

async fn create_execution(
    state: &AppState,
    context: &Context,
    request: jpb::CreateExecutionRequest,
) -> Result<jpb::Execution, Judge0Error> {
    let response = upstream::execution(state, context, request, |mut judge, request| async move {
        judge.create_execution(request).await
    })
    .await?;
    response
        .execution
        .ok_or_else(|| Judge0Error::from(ApiError::internal()))
}

fn parse_body(body: &[u8]) -> Result<Value, Judge0Error> {
    serde_json::from_slice(body).map_err(|err| bad_request(format!("the body is not JSON: {err}")))
}

async fn create(
    State(state): State<AppState>,
    Caller(context): Caller,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<Value>), Judge0Error> {
    let flags = flags(&headers, uri.query())?;
    let base64 = flag(flags.base64_encoded.as_deref())?;
    let wait = flag(flags.wait.as_deref())?;
    let body: SubmissionBody =
        serde_json::from_value(parse_body(&body)?).map_err(|err| bad_request(err.to_string()))?;
    let request = execution_request(body, base64, wait)?;
    let execution = create_execution(&state, &context, request).await?;
    if wait {
        Ok((
            StatusCode::CREATED,
            axum::Json(submission_json(&execution, &fields_of(&flags), base64)?),
        ))
    } else {
        Ok((
            StatusCode::CREATED,
            axum::Json(json!({ "token": execution.token })),
        ))
    }
}

async fn create_batch(
    State(state): State<AppState>,
    Caller(context): Caller,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<Value>), Judge0Error> {
    let flags = flags(&headers, uri.query())?;
    let base64 = flag(flags.base64_encoded.as_deref())?;
    let body = parse_body(&body)?;
    let Some(Value::Array(submissions)) = body.get("submissions") else {
        return Err(unprocessable(
            "submissions",
            "must be an array of submissions",
        ));
    };
    if submissions.is_empty() || submissions.len() > MAX_BATCH {
        return Err(unprocessable(
            "submissions",
            format!("size of a batch should be between 1 and {MAX_BATCH}"),
        ));
    }
    // Each is created or fails on its own, as in Judge0.
    let mut answers = Vec::with_capacity(submissions.len());
    for submission in submissions {
        let outcome = async {
            let body: SubmissionBody = serde_json::from_value(submission.clone())
                .map_err(|err| bad_request(err.to_string()))?;
            let request = execution_request(body, base64, false)?;
            create_execution(&state, &context, request).await
        }
        .await;
        answers.push(match outcome {
            Ok(execution) => json!({ "token": execution.token }),
            Err(Judge0Error(_, errors)) => errors,
        });
    }
    Ok((StatusCode::CREATED, axum::Json(Value::Array(answers))))
}

async fn get_executions(
    state: &AppState,
    context: &Context,
    tokens: Vec<String>,
) -> Result<Vec<jpb::Execution>, Judge0Error> {
    let response = upstream::execution(
        state,
        context,
        jpb::GetExecutionsRequest { tokens },
        |mut judge, request| async move { judge.get_executions(request).await },
    )
    .await?;
    Ok(response.executions)
}

async fn get_one(
    State(state): State<AppState>,
    Caller(context): Caller,
    crate::extract::Path(token): crate::extract::Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, Judge0Error> {
    let flags = flags(&headers, uri.query())?;
    let base64 = flag(flags.base64_encoded.as_deref())?;
    let executions = get_executions(&state, &context, vec![token]).await?;
    let Some(execution) = executions.first() else {
        return Err(Judge0Error(
            StatusCode::NOT_FOUND,
            json!({ "error": "submission not found" }),
        ));
    };
    Ok(axum::Json(submission_json(
        execution,
        &fields_of(&flags),
        base64,
    )?))
}

async fn get_batch(
    State(state): State<AppState>,
    Caller(context): Caller,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, Judge0Error> {
    let flags = flags(&headers, uri.query())?;
    let base64 = flag(flags.base64_encoded.as_deref())?;
    let tokens: Vec<String> = flags
        .tokens
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect();
    if tokens.is_empty() || tokens.len() > MAX_BATCH {
        return Err(bad_request(format!(
            "number of tokens should be between 1 and {MAX_BATCH}"
        )));
    }
    let executions = get_executions(&state, &context, tokens.clone()).await?;
    let fields = fields_of(&flags);
    let mut submissions = Vec::with_capacity(tokens.len());
    for token in &tokens {
        submissions.push(
            match executions
                .iter()
                .find(|execution| &execution.token == token)
            {
                Some(execution) => submission_json(execution, &fields, base64)?,
                None => Value::Null,
            },
        );
    }
    Ok(axum::Json(json!({ "submissions": submissions })))
}

/// The Judge0 ids of the languages installed on the judge.
async fn installed(
    state: &AppState,
    context: &Context,
) -> Result<Vec<(u32, &'static str, &'static str)>, Judge0Error> {
    let response = upstream::execution(
        state,
        context,
        jpb::ListLanguagesRequest {},
        |mut judge, request| async move { judge.list_languages(request).await },
    )
    .await?;
    Ok(LANGUAGES
        .iter()
        .filter(|(_, ours, _)| {
            response
                .languages
                .iter()
                .any(|language| language.id == *ours)
        })
        .copied()
        .collect())
}

async fn languages(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
) -> Result<axum::Json<Value>, Judge0Error> {
    let languages = installed(&state, &context).await?;
    Ok(axum::Json(json!(
        languages
            .iter()
            .map(|(id, _, name)| json!({ "id": id, "name": name }))
            .collect::<Vec<_>>()
    )))
}

async fn language(
    State(state): State<AppState>,
    MaybeAuthenticated(context): MaybeAuthenticated,
    crate::extract::Path(id): crate::extract::Path<String>,
) -> Result<axum::Json<Value>, Judge0Error> {
    let not_found = || {
        Judge0Error(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("language with id {id} doesn't exist or is not run here") }),
        )
    };
    let id: u32 = id.parse().map_err(|_| not_found())?;
    let languages = installed(&state, &context).await?;
    let (id, ours, name) = languages
        .iter()
        .find(|(language, _, _)| *language == id)
        .copied()
        .ok_or_else(not_found)?;
    Ok(axum::Json(json!({
        "id": id,
        "name": name,
        "is_archived": false,
        "source_file": source_file(ours),
        "compile_cmd": Value::Null,
        "run_cmd": format!("xcode run --lang {ours}"),
    })))
}

fn source_file(language: &str) -> &'static str {
    match language {
        "c" => "main.c",
        "cpp" => "main.cpp",
        "go" => "main.go",
        "java" => "Main.java",
        "javascript" => "script.js",
        "kotlin" => "Main.kt",
        "lua" => "script.lua",
        "python3" => "script.py",
        "ruby" => "script.rb",
        "rust" => "main.rs",
        "typescript" => "script.ts",
        _ => "source",
    }
}

async fn statuses() -> axum::Json<Value> {
    axum::Json(json!(
        STATUSES
            .iter()
            .map(|(id, description)| json!({ "id": id, "description": description }))
            .collect::<Vec<_>>()
    ))
}

async fn about() -> axum::Json<Value> {
    axum::Json(json!({
        "version": "1.13.1",
        "homepage": "https://github.com/xcode-judge",
        "source_code": "Xcode (a WebAssembly judge) serving the Judge0 CE API",
        "maintainer": "Xcode authors",
    }))
}

async fn version() -> &'static str {
    "1.13.1"
}

async fn isolate() -> &'static str {
    "WebAssembly (wasmtime): no isolate here"
}

async fn config_info() -> axum::Json<Value> {
    axum::Json(json!({
        "maintenance_mode": false,
        "enable_wait_result": true,
        "enable_compiler_options": false,
        "allowed_languages_for_compile_options": [],
        "enable_command_line_arguments": false,
        "enable_submission_delete": false,
        "enable_callbacks": false,
        "callbacks_max_tries": 0,
        "callbacks_timeout": 0.0,
        "enable_additional_files": false,
        "max_queue_size": 10_000,
        "cpu_time_limit": DEFAULT_CPU_TIME_LIMIT,
        "max_cpu_time_limit": MAX_CPU_TIME_LIMIT,
        "cpu_extra_time": 0.0,
        "max_cpu_extra_time": 0.0,
        "wall_time_limit": DEFAULT_CPU_TIME_LIMIT * 20.0 + 3.0,
        "max_wall_time_limit": MAX_CPU_TIME_LIMIT * 20.0 + 3.0,
        "memory_limit": DEFAULT_MEMORY_KB,
        "max_memory_limit": MAX_MEMORY_KB,
        "stack_limit": 65_536,
        "max_stack_limit": 65_536,
        "max_processes_and_or_threads": 1,
        "max_max_processes_and_or_threads": 1,
        "enable_per_process_and_thread_time_limit": false,
        "allow_enable_per_process_and_thread_time_limit": false,
        "enable_per_process_and_thread_memory_limit": false,
        "allow_enable_per_process_and_thread_memory_limit": false,
        "max_file_size": 1024,
        "max_max_file_size": 16_384,
        "number_of_runs": 1,
        "max_number_of_runs": 1,
        "redirect_stderr_to_stdout": false,
        "max_extract_size": 0,
        "enable_batched_submissions": true,
        "max_submission_batch_size": MAX_BATCH,
        "submission_cache_duration": 0.0,
        "use_docs_as_homepage": false,
        "allow_enable_network": false,
        "enable_network": false,
    }))
}

async fn system_info() -> axum::Json<Value> {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .map(|line| line.trim_start_matches("MemTotal:").trim().to_owned())
        })
        .unwrap_or_default();
    axum::Json(json!({
        "Architecture": std::env::consts::ARCH,
        "CPU(s)": cpus.to_string(),
        "Sandbox": "wasmtime (WebAssembly), deterministic fuel",
        "Mem": memory,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_judge0() {
        let done = |status: jpb::RunStatus, exit_code: i32, trap: &str, matched: Option<bool>| {
            status_of(jpb::Execution {
                status: jpb::ExecutionStatus::Done.into(),
                result: Some(jpb::RunResponse {
                    status: status.into(),
                    exit_code,
                    trap: trap.into(),
                    ..Default::default()
                }),
                matched,
                ..Default::default()
            })
        };
        fn status_of(execution: jpb::Execution) -> u32 {
            status(&execution).0
        }
        assert_eq!(done(jpb::RunStatus::Exited, 0, "", None), 3);
        assert_eq!(done(jpb::RunStatus::Exited, 0, "", Some(false)), 4);
        assert_eq!(done(jpb::RunStatus::Exited, 1, "", None), 11);
        assert_eq!(done(jpb::RunStatus::TimeLimitExceeded, 0, "", None), 5);
        assert_eq!(done(jpb::RunStatus::CompileError, 0, "", None), 6);
        assert_eq!(
            done(
                jpb::RunStatus::RuntimeError,
                0,
                "integer_division_by_zero",
                None
            ),
            9
        );
        assert_eq!(
            done(jpb::RunStatus::RuntimeError, 0, "stack_overflow", None),
            7
        );
        assert_eq!(
            status_of(jpb::Execution {
                status: jpb::ExecutionStatus::Queued.into(),
                ..Default::default()
            }),
            1
        );
    }

    #[test]
    fn times_have_milliseconds() {
        let time = judge0_time(Some(&prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 5_000_000,
        }));
        assert_eq!(time, json!("2023-11-14T22:13:20.005Z"));
    }
}
