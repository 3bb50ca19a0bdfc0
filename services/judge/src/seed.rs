//! The starter problems (seed/ at the workspace root, embedded in the binary): loaded into an
//! empty database on first start, public, authored by the first admin, so a new user has
//! something to solve.

use std::path::Path;

use include_dir::{Dir, include_dir};
use serde::Deserialize;
use xcode_store::{ProblemRecord, join_tags};

use crate::Judge;
use crate::convert::now_ms;
use crate::packages;

static SEED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../seed");

#[derive(Debug, Deserialize)]
struct Catalog {
    problem: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    slug: String,
    difficulty: String,
    rating: i64,
    category: String,
    tags: Vec<String>,
}

/// The starter problems' slugs, in catalogue order.
pub fn slugs() -> Vec<String> {
    catalog().map_or_else(
        |_| Vec::new(),
        |catalog| {
            catalog
                .problem
                .into_iter()
                .map(|entry| entry.slug)
                .collect()
        },
    )
}

fn catalog() -> anyhow::Result<Catalog> {
    let text = SEED
        .get_file("catalog.toml")
        .and_then(|file| file.contents_utf8())
        .ok_or_else(|| anyhow::anyhow!("seed/catalog.toml is missing"))?;
    Ok(toml::from_str(text)?)
}

/// Loads the starter problems if the database has no problem at all. How many it loaded.
pub async fn seed_if_empty(
    judge: &Judge,
    author_id: &str,
    author_username: &str,
) -> anyhow::Result<usize> {
    if judge.store().count_problems().await? > 0 {
        return Ok(0);
    }
    let catalog = catalog()?;
    let mut loaded = 0;
    for entry in catalog.problem {
        let dir = SEED
            .get_dir(format!("problems/{}", entry.slug))
            .ok_or_else(|| anyhow::anyhow!("seed/problems/{} is missing", entry.slug))?;
        let imported =
            tokio::task::spawn_blocking(move || -> anyhow::Result<packages::Imported> {
                let scratch = tempfile::tempdir()?;
                let root = scratch.path().join("package");
                extract(dir, &root)?;
                let work = scratch.path().join("work");
                std::fs::create_dir_all(&work)?;
                Ok(packages::import_dir(&root, &work)?)
            })
            .await??;
        let now = now_ms();
        judge
            .store()
            .put_package(&imported.sha256, &imported.archive, now)
            .await?;
        let problem = ProblemRecord {
            id: uuid::Uuid::now_v7().to_string(),
            slug: entry.slug.clone(),
            title: imported.title.clone(),
            statement: imported.statement.clone().unwrap_or_default(),
            difficulty: entry.difficulty,
            rating: entry.rating,
            category: entry.category,
            tags: join_tags(&entry.tags),
            kind: imported.kind.into(),
            visibility: "public".into(),
            author_id: author_id.to_owned(),
            author_username: author_username.to_owned(),
            time_limit_ms: i64::try_from(imported.time_limit_ms.unwrap_or(1000)).unwrap_or(1000),
            memory_limit_bytes: i64::try_from(imported.memory_bytes).unwrap_or(256 << 20),
            output_limit_bytes: i64::try_from(imported.output_bytes).unwrap_or(64 << 20),
            languages: String::new(),
            sources_visible: true,
            package_sha256: Some(imported.sha256.clone()),
            test_count: i64::try_from(imported.tests.len()).unwrap_or(0),
            max_score: imported.max_score,
            samples: serde_json::to_string(&imported.samples)?,
            tests: serde_json::to_string(&imported.tests)?,
            created_at: now,
            updated_at: now,
        };
        match judge.store().insert_problem(&problem).await {
            Ok(()) => loaded += 1,
            // Another replica seeded it first.
            Err(xcode_store::Error::Conflict(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    tracing::info!(problems = loaded, "loaded the starter problems");
    Ok(loaded)
}

/// Writes an embedded directory out to `to`.
fn extract(dir: &Dir<'_>, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for file in dir.files() {
        let relative = file.path().strip_prefix(dir.path()).unwrap_or(file.path());
        let path = to.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, file.contents())?;
    }
    for sub in dir.dirs() {
        let relative = sub.path().strip_prefix(dir.path()).unwrap_or(sub.path());
        extract(sub, &to.join(relative))?;
    }
    Ok(())
}
