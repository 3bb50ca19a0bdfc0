//! `ProblemService`: problems, their packages, tests and validators.

use std::path::Path;

use futures::StreamExt as _;
use tonic::{Request, Response, Status, Streaming};
use xcode_proto::problems::v1 as pb;
use xcode_proto::problems::v1::problem_service_server::ProblemService;
use xcode_store::{ProblemFilter, ProblemRecord, join_tags};

use crate::Judge;
use crate::caller::{self, Caller};
use crate::convert::{self, can_edit, can_see, now_ms, store_error};
use crate::packages::{self, ImportError, Imported, TestData};

/// Problems as the service sees them.
#[derive(Debug, Clone)]
pub struct Problems(pub Judge);

pub const DEFAULT_TIME_LIMIT_MS: u32 = 1000;
pub const DEFAULT_MEMORY_BYTES: u64 = 256 << 20;
pub const DEFAULT_OUTPUT_BYTES: u64 = 64 << 20;
const MAX_STATEMENT_BYTES: usize = 128 << 10;
const MAX_TAGS: usize = 12;

fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message.into())
}

pub fn check_slug(slug: &str) -> Result<(), Status> {
    let ok = (3..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "slug: 3 to 64 lowercase letters, digits and single `-` inside (e.g. `two-sum`)",
        ))
    }
}

fn check_title(title: &str) -> Result<(), Status> {
    let length = title.trim().chars().count();
    if length == 0 || length > 200 || title.chars().any(char::is_control) {
        return Err(invalid("title: 1 to 200 characters, no control characters"));
    }
    Ok(())
}

fn check_statement(statement: &str) -> Result<(), Status> {
    if statement.len() > MAX_STATEMENT_BYTES {
        return Err(Status::out_of_range(format!(
            "statement_markdown: at most {} KiB",
            MAX_STATEMENT_BYTES >> 10
        )));
    }
    Ok(())
}

fn check_word(what: &str, word: &str, max: usize) -> Result<(), Status> {
    let ok = !word.is_empty()
        && word.len() <= max
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} {word:?}: 1 to {max} lowercase letters, digits and `-`"
        )))
    }
}

fn check_tags(tags: &[String]) -> Result<Vec<String>, Status> {
    if tags.len() > MAX_TAGS {
        return Err(invalid(format!("tags: at most {MAX_TAGS}")));
    }
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        check_word("tag", tag, 32)?;
        if !out.contains(tag) {
            out.push(tag.clone());
        }
    }
    Ok(out)
}

fn check_category(category: &str) -> Result<(), Status> {
    if category.is_empty() {
        return Ok(());
    }
    check_word("category", category, 40)
}

fn check_rating(rating: u32) -> Result<(), Status> {
    if rating == 0 || (800..=3500).contains(&rating) {
        Ok(())
    } else {
        Err(invalid("rating: 0 (unrated) or 800 to 3500"))
    }
}

/// Limits with defaults filled in, checked.
fn limits(
    limits: Option<&pb::Limits>,
    current: (i64, i64, i64),
) -> Result<(i64, i64, i64), Status> {
    let Some(limits) = limits else {
        return Ok(current);
    };
    let time = if limits.time_limit_ms == 0 {
        current.0
    } else {
        i64::from(limits.time_limit_ms)
    };
    let memory = if limits.memory_limit_bytes == 0 {
        current.1
    } else {
        i64::try_from(limits.memory_limit_bytes).unwrap_or(i64::MAX)
    };
    let output = if limits.output_limit_bytes == 0 {
        current.2
    } else {
        i64::try_from(limits.output_limit_bytes).unwrap_or(i64::MAX)
    };
    if !(1..=30_000).contains(&time) {
        return Err(invalid("limits.time_limit_ms: 1 to 30000"));
    }
    if !((1 << 20)..=(2 << 30)).contains(&memory) {
        return Err(invalid("limits.memory_limit_bytes: 1 MiB to 2 GiB"));
    }
    if !((1 << 10)..=(1 << 30)).contains(&output) {
        return Err(invalid("limits.output_limit_bytes: 1 KiB to 1 GiB"));
    }
    Ok((time, memory, output))
}

impl Problems {
    async fn caller(
        &self,
        metadata: &tonic::metadata::MetadataMap,
    ) -> Result<Option<Caller>, Status> {
        caller::identify(&self.0.shared().users, metadata).await
    }

    async fn setter(&self, metadata: &tonic::metadata::MetadataMap) -> Result<Caller, Status> {
        let caller = caller::require(&self.0.shared().users, metadata).await?;
        if !caller.is_setter() {
            return Err(Status::permission_denied(
                "setters and admins write problems",
            ));
        }
        if caller.banned {
            return Err(Status::permission_denied("the account is banned"));
        }
        Ok(caller)
    }

    /// The problem, if the caller may see it (a draft is NOT_FOUND to others).
    async fn visible(&self, slug: &str, caller: Option<&Caller>) -> Result<ProblemRecord, Status> {
        let problem = self.0.problem(slug).await?;
        match problem {
            Some(problem) if can_see(caller, &problem) => Ok(problem),
            _ => Err(Status::not_found(format!("no problem {slug:?}"))),
        }
    }

    /// The problem, if the caller may edit it.
    async fn editable(&self, slug: &str, caller: &Caller) -> Result<ProblemRecord, Status> {
        let problem = self.visible(slug, Some(caller)).await?;
        if !can_edit(Some(caller), &problem) {
            return Err(Status::permission_denied(
                "only the problem's author and admins edit it",
            ));
        }
        Ok(problem)
    }

    async fn save(&self, problem: &ProblemRecord) -> Result<(), Status> {
        self.0
            .store()
            .update_problem(problem)
            .await
            .map_err(store_error)?;
        self.0.forget_problem(&problem.slug).await;
        Ok(())
    }

    async fn full(
        &self,
        problem: &ProblemRecord,
        caller: Option<&Caller>,
    ) -> Result<pb::Problem, Status> {
        let stats = self
            .0
            .store()
            .problem_stats(&problem.id)
            .await
            .map_err(store_error)?;
        let solved = match caller {
            Some(caller) => self
                .0
                .store()
                .user_solved(&caller.id, &problem.id)
                .await
                .map_err(store_error)?,
            None => false,
        };
        let summary = convert::summary(
            problem,
            i64::try_from(stats.submissions).unwrap_or(i64::MAX),
            i64::try_from(stats.accepted).unwrap_or(i64::MAX),
            solved,
        );
        let html = crate::markdown::to_safe_html(&problem.statement);
        Ok(convert::problem(problem, summary, html))
    }

    /// Imports `archive` in a scratch directory, on the blocking pool.
    async fn import(&self, archive: Vec<u8>) -> Result<Imported, Status> {
        tokio::task::spawn_blocking(move || {
            let scratch = tempfile::tempdir()?;
            packages::import_archive(&archive, scratch.path())
        })
        .await
        .map_err(|err| Status::internal(format!("import: {err}")))?
        .map_err(import_error)
    }

    /// Stores `imported` as `problem`'s package.
    async fn attach(
        &self,
        mut problem: ProblemRecord,
        imported: &Imported,
        update_metadata: bool,
    ) -> Result<ProblemRecord, Status> {
        let now = now_ms();
        self.0
            .store()
            .put_package(&imported.sha256, &imported.archive, now)
            .await
            .map_err(store_error)?;
        apply(&mut problem, imported, update_metadata);
        problem.updated_at = now;
        self.save(&problem).await?;
        Ok(problem)
    }

    /// Unpacks the problem's package (or a skeleton), lets `edit` change it, imports it again.
    async fn edit_package(
        &self,
        problem: &ProblemRecord,
        edit: impl FnOnce(&Path) -> Result<(), Status> + Send + 'static,
    ) -> Result<Imported, Status> {
        let stored = match &problem.package_sha256 {
            Some(sha) => self.0.store().package(sha).await.map_err(store_error)?,
            None => None,
        };
        let title = problem.title.clone();
        let time_limit = problem.time_limit_ms;
        tokio::task::spawn_blocking(move || {
            let scratch = tempfile::tempdir().map_err(|err| Status::internal(err.to_string()))?;
            let dir = scratch.path().join("package");
            match stored {
                Some(archive) => {
                    std::fs::create_dir_all(&dir)
                        .map_err(|err| Status::internal(err.to_string()))?;
                    crate::archive::unpack(&archive, &dir, crate::archive::Limits::default())
                        .map_err(|err| Status::internal(format!("the stored package: {err}")))?;
                }
                None => skeleton(&dir, &title, time_limit)
                    .map_err(|err| Status::internal(err.to_string()))?,
            }
            edit(&dir)?;
            let work = scratch.path().join("work");
            std::fs::create_dir_all(&work).map_err(|err| Status::internal(err.to_string()))?;
            packages::import_dir(&dir, &work).map_err(import_error)
        })
        .await
        .map_err(|err| Status::internal(format!("package edit: {err}")))?
    }
}

/// A package's contents into the problem row.
fn apply(problem: &mut ProblemRecord, imported: &Imported, update_metadata: bool) {
    problem.package_sha256 = Some(imported.sha256.clone());
    problem.kind = imported.kind.to_owned();
    problem.max_score = imported.max_score;
    problem.test_count = i64::try_from(imported.tests.len()).unwrap_or(i64::MAX);
    problem.samples = serde_json::to_string(&imported.samples).unwrap_or_else(|_| "[]".into());
    problem.tests = serde_json::to_string(&imported.tests).unwrap_or_else(|_| "[]".into());
    if update_metadata {
        if !imported.title.trim().is_empty() {
            problem.title = imported.title.chars().take(200).collect();
        }
        if let Some(statement) = &imported.statement
            && statement.len() <= MAX_STATEMENT_BYTES
        {
            problem.statement = statement.clone();
        }
        if let Some(time) = imported.time_limit_ms {
            problem.time_limit_ms = i64::try_from(time.clamp(1, 30_000)).unwrap_or(1000);
        }
        problem.memory_limit_bytes = i64::try_from(imported.memory_bytes).unwrap_or(i64::MAX);
        problem.output_limit_bytes = i64::try_from(imported.output_bytes).unwrap_or(i64::MAX);
    }
}

/// An empty native package: what tests are added to when a problem has none yet.
fn skeleton(dir: &Path, title: &str, time_limit_ms: i64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("tests/secret"))?;
    let manifest = format!(
        "format_version = 1\ntitle = {}\n\n[limits]\ntime_limit_ms = {time_limit_ms}\n",
        toml::Value::String(title.to_owned())
    );
    std::fs::write(dir.join("problem.toml"), manifest)
}

fn import_error(error: ImportError) -> Status {
    match error {
        ImportError::Io(err) => Status::internal(format!("import: {err}")),
        other => invalid(other.to_string()),
    }
}

/// A test's name as given (`01`, `secret/group1/01`, `sample/1`) as a path under `tests/`.
fn test_path(name: &str, is_sample: bool) -> Result<String, Status> {
    let parts: Vec<&str> = name.split('/').collect();
    let ok = !name.is_empty()
        && name.len() <= 200
        && parts.iter().all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    if !ok {
        return Err(invalid(
            "name: a test name like `01` or `secret/group1/01` (letters, digits, `-`, `_`, `.`)",
        ));
    }
    Ok(match parts[0] {
        "sample" | "secret" => name.to_owned(),
        _ if is_sample => format!("sample/{name}"),
        _ => format!("secret/{name}"),
    })
}

fn test_info(test: &TestData) -> pb::TestInfo {
    pb::TestInfo {
        name: test.name.clone(),
        group: test.group.clone(),
        is_sample: test.is_sample,
        input_bytes: test.input_bytes,
        answer_bytes: test.answer_bytes,
    }
}

#[tonic::async_trait]
impl ProblemService for Problems {
    async fn list_problems(
        &self,
        request: Request<pb::ListProblemsRequest>,
    ) -> Result<Response<pb::ListProblemsResponse>, Status> {
        let caller = self.caller(request.metadata()).await?;
        let request = request.into_inner();
        let difficulty = convert::difficulty_name(request.difficulty());
        let solved = match request.solved() {
            pb::SolvedFilter::Any => None,
            pb::SolvedFilter::Solved => Some(true),
            pb::SolvedFilter::Unsolved => Some(false),
        };
        if solved.is_some() && caller.is_none() {
            return Err(Status::unauthenticated("sign in to filter by solved"));
        }
        if request.mine && !caller.as_ref().is_some_and(Caller::is_setter) {
            return Err(Status::permission_denied(
                "`mine` is for setters and admins",
            ));
        }
        if request.query.len() > 200 {
            return Err(invalid("query: at most 200 characters"));
        }
        let page = u64::from(request.page.max(1));
        let size = u64::from(match request.page_size {
            0 => 50,
            size => size.min(200),
        });
        let filter = ProblemFilter {
            category: request.category.clone(),
            difficulty: difficulty.unwrap_or("").to_owned(),
            tags: request.tags.clone(),
            query: request.query.clone(),
            user_id: caller.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
            solved,
            editor_id: caller
                .as_ref()
                .filter(|c| c.is_setter())
                .map(|c| c.id.clone())
                .unwrap_or_default(),
            all_drafts: caller.as_ref().is_some_and(Caller::is_admin),
            mine: request.mine,
            offset: (page - 1) * size,
            limit: size,
        };
        let (rows, total) = self
            .0
            .store()
            .list_problems(&filter)
            .await
            .map_err(store_error)?;
        Ok(Response::new(pb::ListProblemsResponse {
            problems: rows
                .iter()
                .map(|row| {
                    convert::summary(&row.problem, row.submissions, row.accepted, row.solved)
                })
                .collect(),
            total,
        }))
    }

    async fn get_problem(
        &self,
        request: Request<pb::GetProblemRequest>,
    ) -> Result<Response<pb::GetProblemResponse>, Status> {
        let caller = self.caller(request.metadata()).await?;
        let problem = self
            .visible(&request.get_ref().slug, caller.as_ref())
            .await?;
        Ok(Response::new(pb::GetProblemResponse {
            problem: Some(self.full(&problem, caller.as_ref()).await?),
        }))
    }

    async fn get_problem_stats(
        &self,
        request: Request<pb::GetProblemStatsRequest>,
    ) -> Result<Response<pb::GetProblemStatsResponse>, Status> {
        let caller = self.caller(request.metadata()).await?;
        let problem = self
            .visible(&request.get_ref().slug, caller.as_ref())
            .await?;
        let stats = self
            .0
            .store()
            .problem_stats(&problem.id)
            .await
            .map_err(store_error)?;
        Ok(Response::new(pb::GetProblemStatsResponse {
            submissions: stats.submissions,
            accepted: stats.accepted,
            acceptance_rate: convert::rate(
                i64::try_from(stats.accepted).unwrap_or(0),
                i64::try_from(stats.submissions).unwrap_or(0),
            ),
            solvers: stats.solvers,
            by_verdict: stats.by_verdict.into_iter().collect(),
            by_language: stats.by_language.into_iter().collect(),
        }))
    }

    async fn list_facets(
        &self,
        _request: Request<pb::ListFacetsRequest>,
    ) -> Result<Response<pb::ListFacetsResponse>, Status> {
        let rows = self.0.store().public_facets().await.map_err(store_error)?;
        let mut categories = std::collections::BTreeMap::<String, u64>::new();
        let mut tags = std::collections::BTreeMap::<String, u64>::new();
        for (category, tag_list) in rows {
            if !category.is_empty() {
                *categories.entry(category).or_default() += 1;
            }
            for tag in tag_list.split(',').filter(|tag| !tag.is_empty()) {
                *tags.entry(tag.to_owned()).or_default() += 1;
            }
        }
        let facets = |map: std::collections::BTreeMap<String, u64>| {
            map.into_iter()
                .map(|(name, problems)| pb::Facet { name, problems })
                .collect()
        };
        Ok(Response::new(pb::ListFacetsResponse {
            categories: facets(categories),
            tags: facets(tags),
        }))
    }

    async fn create_problem(
        &self,
        request: Request<pb::CreateProblemRequest>,
    ) -> Result<Response<pb::CreateProblemResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let request = request.into_inner();
        check_slug(&request.slug)?;
        check_title(&request.title)?;
        check_statement(&request.statement_markdown)?;
        check_category(&request.category)?;
        check_rating(request.rating)?;
        let tags = check_tags(&request.tags)?;
        self.0.check_languages(&request.languages)?;
        let (time, memory, output) = limits(
            request.limits.as_ref(),
            (
                i64::from(DEFAULT_TIME_LIMIT_MS),
                i64::try_from(DEFAULT_MEMORY_BYTES).unwrap_or(0),
                i64::try_from(DEFAULT_OUTPUT_BYTES).unwrap_or(0),
            ),
        )?;
        let now = now_ms();
        let problem = ProblemRecord {
            id: uuid::Uuid::now_v7().to_string(),
            slug: request.slug.clone(),
            title: request.title.trim().to_owned(),
            statement: request.statement_markdown.clone(),
            difficulty: convert::difficulty_name(request.difficulty())
                .unwrap_or("medium")
                .to_owned(),
            rating: i64::from(request.rating),
            category: request.category.clone(),
            tags: join_tags(&tags),
            kind: "standard".into(),
            visibility: "draft".into(),
            author_id: caller.id.clone(),
            author_username: caller.username.clone(),
            time_limit_ms: time,
            memory_limit_bytes: memory,
            output_limit_bytes: output,
            languages: request.languages.join(","),
            sources_visible: request.sources_visible_after_solve,
            package_sha256: None,
            test_count: 0,
            max_score: 0.0,
            samples: "[]".into(),
            tests: "[]".into(),
            created_at: now,
            updated_at: now,
        };
        self.0
            .store()
            .insert_problem(&problem)
            .await
            .map_err(store_error)?;
        tracing::info!(
            slug = problem.slug,
            author = caller.username,
            "problem created"
        );
        Ok(Response::new(pb::CreateProblemResponse {
            problem: Some(self.full(&problem, Some(&caller)).await?),
        }))
    }

    async fn update_problem(
        &self,
        request: Request<pb::UpdateProblemRequest>,
    ) -> Result<Response<pb::UpdateProblemResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let request = request.into_inner();
        let mut problem = self.editable(&request.slug, &caller).await?;
        if let Some(title) = &request.title {
            check_title(title)?;
            problem.title = title.trim().to_owned();
        }
        if let Some(statement) = &request.statement_markdown {
            check_statement(statement)?;
            problem.statement = statement.clone();
        }
        if let Some(difficulty) = convert::difficulty_name(request.difficulty()) {
            problem.difficulty = difficulty.to_owned();
        }
        if let Some(rating) = request.rating {
            check_rating(rating)?;
            problem.rating = i64::from(rating);
        }
        if let Some(category) = &request.category {
            check_category(category)?;
            problem.category = category.clone();
        }
        if request.set_tags {
            problem.tags = join_tags(&check_tags(&request.tags)?);
        }
        let (time, memory, output) = limits(
            request.limits.as_ref(),
            (
                problem.time_limit_ms,
                problem.memory_limit_bytes,
                problem.output_limit_bytes,
            ),
        )?;
        problem.time_limit_ms = time;
        problem.memory_limit_bytes = memory;
        problem.output_limit_bytes = output;
        if let Some(visible) = request.sources_visible_after_solve {
            problem.sources_visible = visible;
        }
        match request.visibility() {
            pb::Visibility::Unspecified => {}
            pb::Visibility::Draft => problem.visibility = "draft".into(),
            pb::Visibility::Public => {
                if problem.test_count == 0 || problem.package_sha256.is_none() {
                    return Err(Status::failed_precondition(
                        "a problem needs tests before it is published: upload a package or add tests",
                    ));
                }
                problem.visibility = "public".into();
            }
        }
        problem.updated_at = now_ms();
        self.save(&problem).await?;
        Ok(Response::new(pb::UpdateProblemResponse {
            problem: Some(self.full(&problem, Some(&caller)).await?),
        }))
    }

    async fn delete_problem(
        &self,
        request: Request<pb::DeleteProblemRequest>,
    ) -> Result<Response<pb::DeleteProblemResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let problem = self.editable(&request.get_ref().slug, &caller).await?;
        self.0
            .store()
            .delete_problem(&problem.id)
            .await
            .map_err(store_error)?;
        self.0.forget_problem(&problem.slug).await;
        tracing::info!(slug = problem.slug, by = caller.username, "problem deleted");
        Ok(Response::new(pb::DeleteProblemResponse {}))
    }

    async fn upload_package(
        &self,
        request: Request<Streaming<pb::UploadPackageRequest>>,
    ) -> Result<Response<pb::UploadPackageResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let mut stream = request.into_inner();
        let header = match stream.next().await {
            Some(Ok(pb::UploadPackageRequest {
                part: Some(pb::upload_package_request::Part::Header(header)),
            })) => header,
            Some(Err(status)) => return Err(status),
            _ => return Err(invalid("the first message must be the header")),
        };
        let problem = self.editable(&header.slug, &caller).await?;
        let max = self.0.shared().settings.max_package_bytes;
        if header.size_bytes > max as u64 {
            return Err(Status::out_of_range(format!(
                "the package is larger than {} MiB",
                max >> 20
            )));
        }
        let mut archive =
            Vec::with_capacity(usize::try_from(header.size_bytes).unwrap_or(0).min(max));
        while let Some(message) = stream.next().await {
            match message?.part {
                Some(pb::upload_package_request::Part::Chunk(chunk)) => {
                    if archive.len() + chunk.len() > max {
                        return Err(Status::out_of_range(format!(
                            "the package is larger than {} MiB",
                            max >> 20
                        )));
                    }
                    archive.extend_from_slice(&chunk);
                }
                _ => return Err(invalid("only chunks may follow the header")),
            }
        }
        if header.size_bytes != 0 && header.size_bytes != archive.len() as u64 {
            return Err(invalid(format!(
                "size_bytes says {} but {} arrived",
                header.size_bytes,
                archive.len()
            )));
        }
        if archive.is_empty() {
            return Err(invalid("the package is empty"));
        }
        let imported = self.import(archive).await?;
        let problem = self
            .attach(problem, &imported, header.update_metadata)
            .await?;
        tracing::info!(
            slug = problem.slug,
            tests = imported.tests.len(),
            sha256 = imported.sha256,
            "package uploaded"
        );
        Ok(Response::new(pb::UploadPackageResponse {
            problem: Some(self.full(&problem, Some(&caller)).await?),
            tests: u32::try_from(imported.tests.len()).unwrap_or(u32::MAX),
            warnings: imported.warnings,
        }))
    }

    async fn list_tests(
        &self,
        request: Request<pb::ListTestsRequest>,
    ) -> Result<Response<pb::ListTestsResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let problem = self.editable(&request.get_ref().slug, &caller).await?;
        let tests: Vec<TestData> = serde_json::from_str(&problem.tests).unwrap_or_default();
        Ok(Response::new(pb::ListTestsResponse {
            tests: tests.iter().map(test_info).collect(),
        }))
    }

    async fn put_test(
        &self,
        request: Request<pb::PutTestRequest>,
    ) -> Result<Response<pb::PutTestResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let request = request.into_inner();
        let problem = self.editable(&request.slug, &caller).await?;
        let path = test_path(&request.name, request.is_sample)?;
        let (input, answer) = (request.input, request.answer);
        let written = path.clone();
        let imported = self
            .edit_package(&problem, move |dir| {
                let base = dir.join("tests").join(&written);
                if let Some(parent) = base.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|err| Status::internal(err.to_string()))?;
                }
                std::fs::write(base.with_extension("in"), &input)
                    .and_then(|()| std::fs::write(base.with_extension("ans"), &answer))
                    .map_err(|err| Status::internal(err.to_string()))
            })
            .await?;
        let problem = self.attach(problem, &imported, false).await?;
        let test = imported
            .tests
            .iter()
            .find(|test| test.name == path)
            .map(test_info)
            .ok_or_else(|| Status::internal("the test is not in the package after writing it"))?;
        tracing::info!(slug = problem.slug, test = path, "test written");
        Ok(Response::new(pb::PutTestResponse { test: Some(test) }))
    }

    async fn delete_test(
        &self,
        request: Request<pb::DeleteTestRequest>,
    ) -> Result<Response<pb::DeleteTestResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let request = request.into_inner();
        let problem = self.editable(&request.slug, &caller).await?;
        let tests: Vec<TestData> = serde_json::from_str(&problem.tests).unwrap_or_default();
        if !tests.iter().any(|test| test.name == request.name) {
            return Err(Status::not_found(format!("no test {:?}", request.name)));
        }
        let name = request.name.clone();
        test_path(&name, false)?;
        let imported = self
            .edit_package(&problem, move |dir| {
                let base = dir.join("tests").join(&name);
                for extension in ["in", "ans", "desc", "hint"] {
                    let _ = std::fs::remove_file(base.with_extension(extension));
                }
                Ok(())
            })
            .await?;
        self.attach(problem, &imported, false).await?;
        Ok(Response::new(pb::DeleteTestResponse {}))
    }

    async fn set_validator(
        &self,
        request: Request<pb::SetValidatorRequest>,
    ) -> Result<Response<pb::SetValidatorResponse>, Status> {
        let caller = self.setter(request.metadata()).await?;
        let request = request.into_inner();
        let problem = self.editable(&request.slug, &caller).await?;
        let validator = request
            .validator
            .ok_or_else(|| invalid("validator: source, wasm or default"))?;
        if let pb::set_validator_request::Validator::Source(source) = &validator {
            self.0
                .check_languages(std::slice::from_ref(&source.language))?;
            if source.source.is_empty() || source.source.len() > 1 << 20 {
                return Err(invalid("validator source: 1 byte to 1 MiB"));
            }
        }
        if let pb::set_validator_request::Validator::Wasm(wasm) = &validator
            && !wasm.starts_with(b"\0asm")
        {
            return Err(invalid("validator wasm: not a WebAssembly module"));
        }
        let extension = match &validator {
            pb::set_validator_request::Validator::Source(source) => self
                .0
                .shared()
                .engine
                .toolchains()
                .language(&source.language)
                .map(|language| language.source.clone())
                .unwrap_or_else(|_| "validator".into()),
            _ => String::new(),
        };
        let imported = self
            .edit_package(&problem, move |dir| {
                write_validator(dir, &validator, &extension)
            })
            .await?;
        // A validator that does not compile: say so, change nothing.
        if let Some(message) = self.0.validator_compile_error(&imported).await {
            return Ok(Response::new(pb::SetValidatorResponse {
                compile_output: message,
            }));
        }
        self.attach(problem, &imported, false).await?;
        Ok(Response::new(pb::SetValidatorResponse {
            compile_output: String::new(),
        }))
    }
}

/// Rewrites `problem.toml`'s `[validator]` and `validator/` for `validator`.
fn write_validator(
    dir: &Path,
    validator: &pb::set_validator_request::Validator,
    source_name: &str,
) -> Result<(), Status> {
    use pb::set_validator_request::Validator;
    let internal = |err: std::io::Error| Status::internal(err.to_string());
    let manifest_path = dir.join("problem.toml");
    let text = std::fs::read_to_string(&manifest_path).map_err(internal)?;
    let mut manifest: toml::Table = text
        .parse()
        .map_err(|err| Status::internal(format!("problem.toml: {err}")))?;
    let validator_dir = dir.join("validator");
    let _ = std::fs::remove_dir_all(&validator_dir);
    let mut table = toml::Table::new();
    match validator {
        Validator::Default(default) => {
            table.insert("type".into(), "default".into());
            let mut flags = Vec::new();
            if default.case_sensitive {
                flags.push(toml::Value::from("case_sensitive"));
            }
            if default.space_change_sensitive {
                flags.push(toml::Value::from("space_change_sensitive"));
            }
            if default.float_tolerance > 0.0 {
                flags.push(toml::Value::from("float_tolerance"));
                flags.push(toml::Value::from(default.float_tolerance.to_string()));
            }
            table.insert("flags".into(), toml::Value::Array(flags));
        }
        Validator::Source(source) => {
            std::fs::create_dir_all(&validator_dir).map_err(internal)?;
            std::fs::write(validator_dir.join(source_name), &source.source).map_err(internal)?;
            table.insert("type".into(), "custom".into());
            table.insert("language".into(), source.language.clone().into());
            table.insert("main".into(), source_name.into());
        }
        Validator::Wasm(wasm) => {
            std::fs::create_dir_all(&validator_dir).map_err(internal)?;
            std::fs::write(validator_dir.join("validator.wasm"), wasm).map_err(internal)?;
            table.insert("type".into(), "custom".into());
            table.insert("wasm".into(), "validator.wasm".into());
        }
    }
    // An interactive problem keeps its interactive flag; its validator must be custom.
    manifest.insert("validator".into(), toml::Value::Table(table));
    std::fs::write(
        &manifest_path,
        toml::to_string(&manifest).map_err(|err| Status::internal(err.to_string()))?,
    )
    .map_err(internal)
}
