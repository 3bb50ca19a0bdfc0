//! Records to messages and back: verdict codes, difficulties, timestamps, what each viewer may
//! see of a submission.

use serde::{Deserialize, Serialize};
use xcode_judge_engine::Verdict as EngineVerdict;
use xcode_proto::judge::v1 as pb;
use xcode_proto::problems::v1 as ppb;
use xcode_store::{ProblemRecord, SubmissionRecord};

use crate::caller::Caller;
use crate::packages::SampleData;

/// A test's result as stored with its submission (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTest {
    pub index: u32,
    pub name: String,
    pub group: String,
    pub verdict: String,
    pub time_ms: u64,
    pub memory_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default)]
    pub sample: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredGroup {
    pub name: String,
    pub verdict: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_score: Option<f64>,
}

pub fn verdict_to_pb(code: &str) -> pb::Verdict {
    match EngineVerdict::from_code(code) {
        Some(EngineVerdict::Accepted) => pb::Verdict::Accepted,
        Some(EngineVerdict::WrongAnswer) => pb::Verdict::WrongAnswer,
        Some(EngineVerdict::TimeLimitExceeded) => pb::Verdict::TimeLimitExceeded,
        Some(EngineVerdict::MemoryLimitExceeded) => pb::Verdict::MemoryLimitExceeded,
        Some(EngineVerdict::OutputLimitExceeded) => pb::Verdict::OutputLimitExceeded,
        Some(EngineVerdict::RuntimeError) => pb::Verdict::RuntimeError,
        Some(EngineVerdict::CompileError) => pb::Verdict::CompileError,
        Some(EngineVerdict::InternalError) => pb::Verdict::InternalError,
        None => pb::Verdict::Unspecified,
    }
}

pub fn verdict_code(verdict: pb::Verdict) -> &'static str {
    match verdict {
        pb::Verdict::Unspecified => "",
        pb::Verdict::Accepted => "AC",
        pb::Verdict::WrongAnswer => "WA",
        pb::Verdict::TimeLimitExceeded => "TLE",
        pb::Verdict::MemoryLimitExceeded => "MLE",
        pb::Verdict::OutputLimitExceeded => "OLE",
        pb::Verdict::RuntimeError => "RE",
        pb::Verdict::CompileError => "CE",
        pb::Verdict::InternalError => "IE",
    }
}

pub fn timestamp(ms: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: ms.div_euclid(1000),
        nanos: i32::try_from(ms.rem_euclid(1000) * 1_000_000).unwrap_or(0),
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

pub fn difficulty_name(difficulty: ppb::Difficulty) -> Option<&'static str> {
    match difficulty {
        ppb::Difficulty::Unspecified => None,
        ppb::Difficulty::Easy => Some("easy"),
        ppb::Difficulty::Medium => Some("medium"),
        ppb::Difficulty::Hard => Some("hard"),
    }
}

pub fn difficulty_of(name: &str) -> ppb::Difficulty {
    match name {
        "easy" => ppb::Difficulty::Easy,
        "medium" => ppb::Difficulty::Medium,
        "hard" => ppb::Difficulty::Hard,
        _ => ppb::Difficulty::Unspecified,
    }
}

pub fn kind_of(name: &str) -> ppb::ProblemKind {
    match name {
        "interactive" => ppb::ProblemKind::Interactive,
        "scoring" => ppb::ProblemKind::Scoring,
        _ => ppb::ProblemKind::Standard,
    }
}

pub fn visibility_of(name: &str) -> ppb::Visibility {
    match name {
        "public" => ppb::Visibility::Public,
        _ => ppb::Visibility::Draft,
    }
}

/// May `caller` edit `problem` (and see its drafts, hidden tests and every source)?
pub fn can_edit(caller: Option<&Caller>, problem: &ProblemRecord) -> bool {
    caller.is_some_and(|caller| {
        caller.is_admin() || (caller.is_setter() && caller.id == problem.author_id)
    })
}

/// May `caller` see `problem` at all?
pub fn can_see(caller: Option<&Caller>, problem: &ProblemRecord) -> bool {
    problem.visibility == "public" || can_edit(caller, problem)
}

pub fn summary(
    problem: &ProblemRecord,
    submissions: i64,
    accepted: i64,
    solved: bool,
) -> ppb::ProblemSummary {
    ppb::ProblemSummary {
        slug: problem.slug.clone(),
        title: problem.title.clone(),
        difficulty: difficulty_of(&problem.difficulty).into(),
        rating: u32::try_from(problem.rating).unwrap_or(0),
        category: problem.category.clone(),
        tags: problem.tag_list(),
        kind: kind_of(&problem.kind).into(),
        visibility: visibility_of(&problem.visibility).into(),
        acceptance_rate: rate(accepted, submissions),
        solved_by_caller: solved,
    }
}

pub fn rate(accepted: i64, submissions: i64) -> f64 {
    if submissions <= 0 {
        0.0
    } else {
        accepted as f64 / submissions as f64
    }
}

pub fn problem(
    record: &ProblemRecord,
    summary: ppb::ProblemSummary,
    statement_html: String,
) -> ppb::Problem {
    let samples: Vec<SampleData> = serde_json::from_str(&record.samples).unwrap_or_default();
    ppb::Problem {
        id: record.id.clone(),
        summary: Some(summary),
        statement_markdown: record.statement.clone(),
        statement_html,
        limits: Some(ppb::Limits {
            time_limit_ms: u32::try_from(record.time_limit_ms).unwrap_or(u32::MAX),
            memory_limit_bytes: u64::try_from(record.memory_limit_bytes).unwrap_or(0),
            output_limit_bytes: u64::try_from(record.output_limit_bytes).unwrap_or(0),
        }),
        samples: samples
            .into_iter()
            .map(|sample| ppb::Sample {
                name: sample.name,
                input: sample.input,
                answer: sample.answer,
            })
            .collect(),
        languages: record.language_list(),
        max_score: record.max_score,
        test_count: u32::try_from(record.test_count).unwrap_or(0),
        author_id: record.author_id.clone(),
        author_username: record.author_username.clone(),
        sources_visible_after_solve: record.sources_visible,
        created_at: Some(timestamp(record.created_at)),
        updated_at: Some(timestamp(record.updated_at)),
    }
}

/// What a viewer may see of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Source and compile output.
    pub source: bool,
    /// Hidden tests by name (editors); others see `#N`.
    pub test_names: bool,
    /// Per-test results (lists leave them out).
    pub tests: bool,
}

pub fn status_of(name: &str) -> pb::SubmissionStatus {
    match name {
        "queued" => pb::SubmissionStatus::Queued,
        "judging" => pb::SubmissionStatus::Judging,
        "done" => pb::SubmissionStatus::Done,
        _ => pb::SubmissionStatus::Unspecified,
    }
}

pub fn test_to_pb(test: &StoredTest, view: View) -> pb::TestResult {
    pb::TestResult {
        index: test.index,
        name: if view.test_names || test.sample {
            test.name.clone()
        } else {
            format!("#{}", test.index + 1)
        },
        group: test.group.clone(),
        verdict: verdict_to_pb(&test.verdict).into(),
        time_ms: test.time_ms,
        memory_bytes: test.memory_bytes,
    }
}

pub fn submission(record: &SubmissionRecord, view: View) -> pb::Submission {
    let tests: Vec<StoredTest> = if view.tests {
        serde_json::from_str(&record.tests).unwrap_or_default()
    } else {
        Vec::new()
    };
    let groups: Vec<StoredGroup> = if view.tests {
        serde_json::from_str(&record.group_results).unwrap_or_default()
    } else {
        Vec::new()
    };
    pb::Submission {
        id: record.id.clone(),
        problem: record.problem_slug.clone(),
        user_id: record.user_id.clone(),
        username: record.username.clone(),
        language: record.language.clone(),
        status: status_of(&record.status).into(),
        verdict: record
            .verdict
            .as_deref()
            .map_or(pb::Verdict::Unspecified, verdict_to_pb)
            .into(),
        score: record.score,
        max_score: record.max_score,
        source: if view.source {
            record.source.clone()
        } else {
            String::new()
        },
        compile_output: if view.source {
            record.compile_output.clone()
        } else {
            String::new()
        },
        tests: tests.iter().map(|test| test_to_pb(test, view)).collect(),
        groups: groups
            .into_iter()
            .map(|group| pb::GroupResult {
                name: group.name,
                verdict: verdict_to_pb(&group.verdict).into(),
                score: group.score,
                max_score: group.max_score,
            })
            .collect(),
        max_time_ms: u64::try_from(record.max_time_ms).unwrap_or(0),
        max_memory_bytes: u64::try_from(record.max_memory_bytes).unwrap_or(0),
        created_at: Some(timestamp(record.created_at)),
        judged_at: record.judged_at.map(timestamp),
    }
}

/// A store error as a status.
pub fn store_error(error: xcode_store::Error) -> tonic::Status {
    match error {
        xcode_store::Error::NotFound => tonic::Status::not_found("not found"),
        xcode_store::Error::Conflict(field) => {
            tonic::Status::already_exists(format!("{field} is taken"))
        }
        other => {
            tracing::error!(error = %other, "store");
            tonic::Status::unavailable("the database is unavailable; try again")
        }
    }
}
