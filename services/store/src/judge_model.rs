//! What the judge keeps: problems, their packages and submissions, as plain records.

use serde::{Deserialize, Serialize};

/// A problem row. `tags` is `,a,b,` and `languages` `a,b` (see the migration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProblemRecord {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub statement: String,
    pub difficulty: String,
    pub rating: i64,
    pub category: String,
    pub tags: String,
    pub kind: String,
    pub visibility: String,
    pub author_id: String,
    pub author_username: String,
    pub time_limit_ms: i64,
    pub memory_limit_bytes: i64,
    pub output_limit_bytes: i64,
    pub languages: String,
    pub sources_visible: bool,
    pub package_sha256: Option<String>,
    pub test_count: i64,
    pub max_score: f64,
    pub samples: String,
    pub tests: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ProblemRecord {
    pub fn tag_list(&self) -> Vec<String> {
        split_list(&self.tags)
    }

    pub fn language_list(&self) -> Vec<String> {
        split_list(&self.languages)
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `,a,b,`: the stored form of a tag list.
pub fn join_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

/// A problem in a listing, with its counts and whether the caller solved it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProblemListing {
    #[sqlx(flatten)]
    pub problem: ProblemRecord,
    pub submissions: i64,
    pub accepted: i64,
    pub solved: bool,
}

/// What a problem listing asks for. Empty strings and `None` do not filter.
#[derive(Debug, Clone, Default)]
pub struct ProblemFilter {
    pub category: String,
    pub difficulty: String,
    pub tags: Vec<String>,
    pub query: String,
    /// Whose solved state to report and filter on.
    pub user_id: String,
    pub solved: Option<bool>,
    /// Public problems, and drafts whose author is this user (empty: none); `all_drafts`
    /// shows every draft (admins).
    pub editor_id: String,
    pub all_drafts: bool,
    /// Only problems the editor edits.
    pub mine: bool,
    pub offset: u64,
    pub limit: u64,
}

/// A submission row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SubmissionRecord {
    pub id: String,
    pub problem_id: String,
    pub problem_slug: String,
    pub user_id: String,
    pub username: String,
    pub language: String,
    pub source: String,
    pub status: String,
    pub verdict: Option<String>,
    pub score: Option<f64>,
    pub max_score: Option<f64>,
    pub compile_output: String,
    pub tests: String,
    pub group_results: String,
    pub max_time_ms: i64,
    pub max_memory_bytes: i64,
    pub sequence: i64,
    pub attempt: i64,
    pub message: String,
    pub created_at: i64,
    pub enqueued_at: i64,
    pub judged_at: Option<i64>,
}

/// A judging's outcome, as the worker that claimed `attempt` stores it.
#[derive(Debug, Clone, Default)]
pub struct JudgedSubmission {
    pub verdict: String,
    pub score: Option<f64>,
    pub max_score: Option<f64>,
    pub compile_output: String,
    pub tests: String,
    pub group_results: String,
    pub max_time_ms: i64,
    pub max_memory_bytes: i64,
    pub sequence: i64,
    pub message: String,
}

/// What a submission listing asks for.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub username: String,
    pub problem_slug: String,
    pub verdict: String,
    pub language: String,
    pub offset: u64,
    pub limit: u64,
}

/// Counts of a problem's judged submissions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemStats {
    pub submissions: u64,
    pub accepted: u64,
    pub solvers: u64,
    pub by_verdict: Vec<(String, u64)>,
    pub by_language: Vec<(String, u64)>,
}

/// Adds `count` to `key`'s entry (a small sorted list stands in for a map).
pub(crate) fn add_count(counts: &mut Vec<(String, u64)>, key: String, count: u64) {
    match counts.iter_mut().find(|(name, _)| *name == key) {
        Some((_, total)) => *total += count,
        None => counts.push((key, count)),
    }
}

/// A queued run without a problem (the Judge0-compatible API).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExecutionRecord {
    pub token: String,
    pub user_id: String,
    pub language: String,
    pub source: String,
    pub stdin: Vec<u8>,
    pub expected_output: Option<Vec<u8>>,
    pub time_limit_ms: i64,
    pub memory_limit_bytes: i64,
    pub output_limit_bytes: i64,
    pub status: String,
    pub result: Option<Vec<u8>>,
    pub matched: Option<bool>,
    pub message: String,
    pub attempt: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}
