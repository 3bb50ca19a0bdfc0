//! `JudgeStore` on both backends, stamped from one body like [`crate::sql`].

use crate::judge_model::{
    ExecutionRecord, JudgedSubmission, ProblemFilter, ProblemListing, ProblemRecord, ProblemStats,
    SubmissionFilter, SubmissionRecord,
};
use crate::sql::{Postgres, Sqlite, contains_pattern, to_i64, to_u64};
use crate::{Error, Field, JudgeStore, Result};

fn slug_conflict(error: sqlx::Error) -> Error {
    if let sqlx::Error::Database(database) = &error
        && database.is_unique_violation()
    {
        return Error::Conflict(Field::Slug);
    }
    Error::Database(error)
}

/// The listing's WHERE: $1 category, $2 difficulty, $3 text pattern, $4 user (solved), $5
/// solved filter, $6 editor, $7 every draft, $8 mine; tags follow from $9.
fn problem_where(tags: usize) -> String {
    let mut clause = String::from(
        "WHERE ($1 = '' OR p.category = $1)
           AND ($2 = '' OR p.difficulty = $2)
           AND ($3 = '%%' OR lower(p.title) LIKE $3 ESCAPE '\\' OR lower(p.slug) LIKE $3 ESCAPE '\\'
                OR lower(p.statement) LIKE $3 ESCAPE '\\')
           AND ($5 IS NULL OR $5 = EXISTS (SELECT 1 FROM submissions s
                 WHERE s.problem_id = p.id AND s.user_id = $4 AND s.verdict = 'AC'))
           AND (p.visibility = 'public' AND NOT $8 OR $7 OR (p.author_id = $6 AND $6 <> ''))",
    );
    for index in 0..tags {
        clause.push_str(&format!(" AND p.tags LIKE ${} ESCAPE '\\'", 9 + index));
    }
    clause
}

macro_rules! judge_store {
    ($store:ident) => {
        #[async_trait::async_trait]
        impl JudgeStore for $store {
            async fn deployment_id(&self, candidate: &str) -> Result<String> {
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ('deployment', $1)
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(candidate)
                .execute(&self.0)
                .await?;
                let (id,): (String,) =
                    sqlx::query_as("SELECT value FROM meta WHERE key = 'deployment'")
                        .fetch_one(&self.0)
                        .await?;
                Ok(id)
            }

            async fn put_package(&self, sha256: &str, archive: &[u8], now_ms: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO packages (sha256, archive, size_bytes, created_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha256)
                .bind(archive)
                .bind(i64::try_from(archive.len()).unwrap_or(i64::MAX))
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn package(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
                let row: Option<(Vec<u8>,)> =
                    sqlx::query_as("SELECT archive FROM packages WHERE sha256 = $1")
                        .bind(sha256)
                        .fetch_optional(&self.0)
                        .await?;
                Ok(row.map(|(archive,)| archive))
            }

            async fn insert_problem(&self, problem: &ProblemRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO problems (id, slug, title, statement, difficulty, rating,
                         category, tags, kind, visibility, author_id, author_username,
                         time_limit_ms, memory_limit_bytes, output_limit_bytes, languages,
                         sources_visible, package_sha256, test_count, max_score, samples, tests,
                         created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                         $16, $17, $18, $19, $20, $21, $22, $23, $24)",
                )
                .bind(&problem.id)
                .bind(&problem.slug)
                .bind(&problem.title)
                .bind(&problem.statement)
                .bind(&problem.difficulty)
                .bind(problem.rating)
                .bind(&problem.category)
                .bind(&problem.tags)
                .bind(&problem.kind)
                .bind(&problem.visibility)
                .bind(&problem.author_id)
                .bind(&problem.author_username)
                .bind(problem.time_limit_ms)
                .bind(problem.memory_limit_bytes)
                .bind(problem.output_limit_bytes)
                .bind(&problem.languages)
                .bind(problem.sources_visible)
                .bind(&problem.package_sha256)
                .bind(problem.test_count)
                .bind(problem.max_score)
                .bind(&problem.samples)
                .bind(&problem.tests)
                .bind(problem.created_at)
                .bind(problem.updated_at)
                .execute(&self.0)
                .await
                .map_err(slug_conflict)?;
                Ok(())
            }

            async fn update_problem(&self, problem: &ProblemRecord) -> Result<()> {
                let done = sqlx::query(
                    "UPDATE problems SET title = $2, statement = $3, difficulty = $4,
                         rating = $5, category = $6, tags = $7, kind = $8, visibility = $9,
                         time_limit_ms = $10, memory_limit_bytes = $11,
                         output_limit_bytes = $12, languages = $13, sources_visible = $14,
                         package_sha256 = $15, test_count = $16, max_score = $17,
                         samples = $18, tests = $19, updated_at = $20
                     WHERE id = $1",
                )
                .bind(&problem.id)
                .bind(&problem.title)
                .bind(&problem.statement)
                .bind(&problem.difficulty)
                .bind(problem.rating)
                .bind(&problem.category)
                .bind(&problem.tags)
                .bind(&problem.kind)
                .bind(&problem.visibility)
                .bind(problem.time_limit_ms)
                .bind(problem.memory_limit_bytes)
                .bind(problem.output_limit_bytes)
                .bind(&problem.languages)
                .bind(problem.sources_visible)
                .bind(&problem.package_sha256)
                .bind(problem.test_count)
                .bind(problem.max_score)
                .bind(&problem.samples)
                .bind(&problem.tests)
                .bind(problem.updated_at)
                .execute(&self.0)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound);
                }
                Ok(())
            }

            async fn delete_problem(&self, id: &str) -> Result<()> {
                let done = sqlx::query("DELETE FROM problems WHERE id = $1")
                    .bind(id)
                    .execute(&self.0)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(Error::NotFound);
                }
                Ok(())
            }

            async fn problem_by_slug(&self, slug: &str) -> Result<Option<ProblemRecord>> {
                Ok(sqlx::query_as("SELECT * FROM problems WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.0)
                    .await?)
            }

            async fn count_problems(&self) -> Result<u64> {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM problems")
                    .fetch_one(&self.0)
                    .await?;
                Ok(to_u64(count))
            }

            async fn list_problems(
                &self,
                filter: &ProblemFilter,
            ) -> Result<(Vec<ProblemListing>, u64)> {
                let pattern = contains_pattern(&filter.query);
                let tags: Vec<String> = filter
                    .tags
                    .iter()
                    .map(|tag| {
                        let escaped = tag.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                        format!("%,{escaped},%")
                    })
                    .collect();
                let clause = problem_where(tags.len());
                let page = format!(
                    "SELECT p.*,
                         (SELECT COUNT(*) FROM submissions s
                           WHERE s.problem_id = p.id AND s.status = 'done') AS submissions,
                         (SELECT COUNT(*) FROM submissions s
                           WHERE s.problem_id = p.id AND s.verdict = 'AC') AS accepted,
                         EXISTS (SELECT 1 FROM submissions s WHERE s.problem_id = p.id
                           AND s.user_id = $4 AND s.verdict = 'AC') AS solved
                     FROM problems p {clause}
                     ORDER BY p.rating, p.slug LIMIT ${} OFFSET ${}",
                    9 + tags.len(),
                    10 + tags.len()
                );
                let mut query = sqlx::query_as::<_, ProblemListing>(&page)
                    .bind(&filter.category)
                    .bind(&filter.difficulty)
                    .bind(&pattern)
                    .bind(&filter.user_id)
                    .bind(filter.solved)
                    .bind(&filter.editor_id)
                    .bind(filter.all_drafts)
                    .bind(filter.mine);
                for tag in &tags {
                    query = query.bind(tag);
                }
                let problems = query
                    .bind(to_i64(filter.limit))
                    .bind(to_i64(filter.offset))
                    .fetch_all(&self.0)
                    .await?;
                let count = format!("SELECT COUNT(*) FROM problems p {clause}");
                let mut query = sqlx::query_as::<_, (i64,)>(&count)
                    .bind(&filter.category)
                    .bind(&filter.difficulty)
                    .bind(&pattern)
                    .bind(&filter.user_id)
                    .bind(filter.solved)
                    .bind(&filter.editor_id)
                    .bind(filter.all_drafts)
                    .bind(filter.mine);
                for tag in &tags {
                    query = query.bind(tag);
                }
                let (total,) = query.fetch_one(&self.0).await?;
                Ok((problems, to_u64(total)))
            }

            async fn public_facets(&self) -> Result<Vec<(String, String)>> {
                Ok(sqlx::query_as(
                    "SELECT category, tags FROM problems WHERE visibility = 'public'",
                )
                .fetch_all(&self.0)
                .await?)
            }

            async fn problem_stats(&self, problem_id: &str) -> Result<ProblemStats> {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT COALESCE(verdict, ''), language, COUNT(*) FROM submissions
                     WHERE problem_id = $1 AND status = 'done'
                     GROUP BY verdict, language ORDER BY verdict, language",
                )
                .bind(problem_id)
                .fetch_all(&self.0)
                .await?;
                let (solvers,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(DISTINCT user_id) FROM submissions
                     WHERE problem_id = $1 AND verdict = 'AC'",
                )
                .bind(problem_id)
                .fetch_one(&self.0)
                .await?;
                let mut stats = ProblemStats {
                    solvers: to_u64(solvers),
                    ..ProblemStats::default()
                };
                for (verdict, language, count) in rows {
                    let count = to_u64(count);
                    stats.submissions += count;
                    if verdict == "AC" {
                        stats.accepted += count;
                    }
                    crate::judge_model::add_count(&mut stats.by_verdict, verdict, count);
                    crate::judge_model::add_count(&mut stats.by_language, language, count);
                }
                Ok(stats)
            }

            async fn insert_submission(&self, submission: &SubmissionRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO submissions (id, problem_id, problem_slug, user_id, username,
                         language, source, status, verdict, score, max_score, compile_output,
                         tests, group_results, max_time_ms, max_memory_bytes, sequence, attempt,
                         message, created_at, enqueued_at, judged_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                         $16, $17, $18, $19, $20, $21, $22)",
                )
                .bind(&submission.id)
                .bind(&submission.problem_id)
                .bind(&submission.problem_slug)
                .bind(&submission.user_id)
                .bind(&submission.username)
                .bind(&submission.language)
                .bind(&submission.source)
                .bind(&submission.status)
                .bind(&submission.verdict)
                .bind(submission.score)
                .bind(submission.max_score)
                .bind(&submission.compile_output)
                .bind(&submission.tests)
                .bind(&submission.group_results)
                .bind(submission.max_time_ms)
                .bind(submission.max_memory_bytes)
                .bind(submission.sequence)
                .bind(submission.attempt)
                .bind(&submission.message)
                .bind(submission.created_at)
                .bind(submission.enqueued_at)
                .bind(submission.judged_at)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn submission(&self, id: &str) -> Result<Option<SubmissionRecord>> {
                Ok(sqlx::query_as("SELECT * FROM submissions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.0)
                    .await?)
            }

            async fn claim_submission(&self, id: &str) -> Result<Option<SubmissionRecord>> {
                Ok(sqlx::query_as(
                    "UPDATE submissions SET status = 'judging', attempt = attempt + 1
                     WHERE id = $1 AND status <> 'done' RETURNING *",
                )
                .bind(id)
                .fetch_optional(&self.0)
                .await?)
            }

            async fn save_progress(
                &self,
                id: &str,
                attempt: i64,
                compile_output: &str,
                tests: &str,
                sequence: i64,
            ) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE submissions SET compile_output = $3, tests = $4, sequence = $5
                     WHERE id = $1 AND attempt = $2 AND status = 'judging'",
                )
                .bind(id)
                .bind(attempt)
                .bind(compile_output)
                .bind(tests)
                .bind(sequence)
                .execute(&self.0)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_submission(
                &self,
                id: &str,
                attempt: i64,
                judged: &JudgedSubmission,
                now_ms: i64,
            ) -> Result<Option<SubmissionRecord>> {
                Ok(sqlx::query_as(
                    "UPDATE submissions SET status = 'done', verdict = $3, score = $4,
                         max_score = $5, compile_output = $6, tests = $7, group_results = $8,
                         max_time_ms = $9, max_memory_bytes = $10, sequence = $11, message = $12,
                         judged_at = $13
                     WHERE id = $1 AND attempt = $2 AND status = 'judging' RETURNING *",
                )
                .bind(id)
                .bind(attempt)
                .bind(&judged.verdict)
                .bind(judged.score)
                .bind(judged.max_score)
                .bind(&judged.compile_output)
                .bind(&judged.tests)
                .bind(&judged.group_results)
                .bind(judged.max_time_ms)
                .bind(judged.max_memory_bytes)
                .bind(judged.sequence)
                .bind(&judged.message)
                .bind(now_ms)
                .fetch_optional(&self.0)
                .await?)
            }

            async fn requeue_submissions(
                &self,
                submission_id: Option<&str>,
                problem_id: Option<&str>,
                now_ms: i64,
            ) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "UPDATE submissions SET status = 'queued', verdict = NULL, score = NULL,
                         max_score = NULL, compile_output = '', tests = '[]',
                         group_results = '[]', max_time_ms = 0, max_memory_bytes = 0,
                         sequence = 0, message = '', enqueued_at = $3, judged_at = NULL
                     WHERE ($1 IS NULL OR id = $1) AND ($2 IS NULL OR problem_id = $2)
                       AND ($1 IS NOT NULL OR $2 IS NOT NULL)
                     RETURNING id",
                )
                .bind(submission_id)
                .bind(problem_id)
                .bind(now_ms)
                .fetch_all(&self.0)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn stale_submissions(&self, enqueued_before_ms: i64, limit: u64) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT id FROM submissions WHERE status = 'queued' AND enqueued_at < $1
                     ORDER BY enqueued_at LIMIT $2",
                )
                .bind(enqueued_before_ms)
                .bind(to_i64(limit))
                .fetch_all(&self.0)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn requeue_judging(&self) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "UPDATE submissions SET status = 'queued' WHERE status = 'judging' RETURNING id",
                )
                .fetch_all(&self.0)
                .await?;
                sqlx::query("UPDATE executions SET status = 'queued' WHERE status = 'running'")
                    .execute(&self.0)
                    .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn touch_enqueued(&self, id: &str, now_ms: i64) -> Result<()> {
                sqlx::query("UPDATE submissions SET enqueued_at = $2 WHERE id = $1 AND status = 'queued'")
                    .bind(id)
                    .bind(now_ms)
                    .execute(&self.0)
                    .await?;
                Ok(())
            }

            async fn list_submissions(
                &self,
                filter: &SubmissionFilter,
            ) -> Result<(Vec<SubmissionRecord>, u64)> {
                const WHERE: &str = "WHERE ($1 = '' OR username = $1)
                       AND ($2 = '' OR problem_slug = $2)
                       AND ($3 = '' OR verdict = $3)
                       AND ($4 = '' OR language = $4)";
                let rows = sqlx::query_as(&format!(
                    "SELECT * FROM submissions {WHERE}
                     ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6"
                ))
                .bind(&filter.username)
                .bind(&filter.problem_slug)
                .bind(&filter.verdict)
                .bind(&filter.language)
                .bind(to_i64(filter.limit))
                .bind(to_i64(filter.offset))
                .fetch_all(&self.0)
                .await?;
                let (total,): (i64,) =
                    sqlx::query_as(&format!("SELECT COUNT(*) FROM submissions {WHERE}"))
                        .bind(&filter.username)
                        .bind(&filter.problem_slug)
                        .bind(&filter.verdict)
                        .bind(&filter.language)
                        .fetch_one(&self.0)
                        .await?;
                Ok((rows, to_u64(total)))
            }

            async fn user_solved(&self, user_id: &str, problem_id: &str) -> Result<bool> {
                let (solved,): (bool,) = sqlx::query_as(
                    "SELECT EXISTS (SELECT 1 FROM submissions WHERE user_id = $1
                         AND problem_id = $2 AND verdict = 'AC')",
                )
                .bind(user_id)
                .bind(problem_id)
                .fetch_one(&self.0)
                .await?;
                Ok(solved)
            }

            async fn insert_execution(&self, execution: &ExecutionRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO executions (token, user_id, language, source, stdin,
                         expected_output, time_limit_ms, memory_limit_bytes, output_limit_bytes,
                         status, result, matched, message, attempt, created_at, finished_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(&execution.token)
                .bind(&execution.user_id)
                .bind(&execution.language)
                .bind(&execution.source)
                .bind(&execution.stdin)
                .bind(&execution.expected_output)
                .bind(execution.time_limit_ms)
                .bind(execution.memory_limit_bytes)
                .bind(execution.output_limit_bytes)
                .bind(&execution.status)
                .bind(&execution.result)
                .bind(execution.matched)
                .bind(&execution.message)
                .bind(execution.attempt)
                .bind(execution.created_at)
                .bind(execution.finished_at)
                .execute(&self.0)
                .await?;
                Ok(())
            }

            async fn execution(&self, token: &str) -> Result<Option<ExecutionRecord>> {
                Ok(sqlx::query_as("SELECT * FROM executions WHERE token = $1")
                    .bind(token)
                    .fetch_optional(&self.0)
                    .await?)
            }

            async fn claim_execution(&self, token: &str) -> Result<Option<ExecutionRecord>> {
                Ok(sqlx::query_as(
                    "UPDATE executions SET status = 'running', attempt = attempt + 1
                     WHERE token = $1 AND status <> 'done' RETURNING *",
                )
                .bind(token)
                .fetch_optional(&self.0)
                .await?)
            }

            async fn finish_execution(
                &self,
                token: &str,
                attempt: i64,
                result: Option<&[u8]>,
                matched: Option<bool>,
                message: &str,
                now_ms: i64,
            ) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE executions SET status = 'done', result = $3, matched = $4,
                         message = $5, finished_at = $6
                     WHERE token = $1 AND attempt = $2 AND status = 'running'",
                )
                .bind(token)
                .bind(attempt)
                .bind(result)
                .bind(matched)
                .bind(message)
                .bind(now_ms)
                .execute(&self.0)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn stale_executions(&self, created_before_ms: i64, limit: u64) -> Result<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT token FROM executions WHERE status = 'queued' AND created_at < $1
                     ORDER BY created_at LIMIT $2",
                )
                .bind(created_before_ms)
                .bind(to_i64(limit))
                .fetch_all(&self.0)
                .await?;
                Ok(rows.into_iter().map(|(token,)| token).collect())
            }

            async fn count_in_flight(&self, user_id: &str) -> Result<u64> {
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM submissions WHERE user_id = $1 AND status <> 'done'",
                )
                .bind(user_id)
                .fetch_one(&self.0)
                .await?;
                Ok(to_u64(count))
            }
        }
    };
}

judge_store!(Sqlite);
judge_store!(Postgres);
