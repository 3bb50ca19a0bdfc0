-- Problems, their packages and submissions (services/judge). Times are Unix milliseconds.

-- A validated problem package, repacked (tar.gz, sorted, no timestamps): the same bytes for
-- the same content, addressed by their SHA-256. Judge workers unpack it once per host.
CREATE TABLE packages (
    sha256 TEXT PRIMARY KEY,
    archive BLOB NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE problems (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    statement TEXT NOT NULL,
    difficulty TEXT NOT NULL,
    rating BIGINT NOT NULL,
    category TEXT NOT NULL,
    -- `,tag1,tag2,` so that one tag is a LIKE '%,tag,%'.
    tags TEXT NOT NULL,
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_username TEXT NOT NULL,
    time_limit_ms BIGINT NOT NULL,
    memory_limit_bytes BIGINT NOT NULL,
    output_limit_bytes BIGINT NOT NULL,
    -- Comma-separated language ids; empty: every language.
    languages TEXT NOT NULL,
    sources_visible BOOLEAN NOT NULL,
    package_sha256 TEXT REFERENCES packages (sha256),
    test_count BIGINT NOT NULL,
    max_score DOUBLE PRECISION NOT NULL,
    -- JSON: the samples ([{name, input, answer}]) and every test's name, group and sizes.
    samples TEXT NOT NULL,
    tests TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX problems_visibility ON problems (visibility, slug);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    problem_id TEXT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    problem_slug TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    language TEXT NOT NULL,
    source TEXT NOT NULL,
    -- queued | judging | done
    status TEXT NOT NULL,
    verdict TEXT,
    score DOUBLE PRECISION,
    max_score DOUBLE PRECISION,
    compile_output TEXT NOT NULL,
    -- JSON: per-test results so far (judging) or all of them (done); groups when done.
    tests TEXT NOT NULL,
    group_results TEXT NOT NULL,
    max_time_ms BIGINT NOT NULL,
    max_memory_bytes BIGINT NOT NULL,
    -- The last event's sequence number.
    sequence BIGINT NOT NULL,
    -- Judgings started: a worker's writes carry the attempt it claimed, so a worker that lost
    -- its job (redelivered elsewhere) cannot overwrite the result.
    attempt BIGINT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    enqueued_at BIGINT NOT NULL,
    judged_at BIGINT
);
CREATE INDEX submissions_user ON submissions (user_id, created_at);
CREATE INDEX submissions_problem ON submissions (problem_id, created_at);
CREATE INDEX submissions_status ON submissions (status, enqueued_at);

-- Queued runs without a problem (the Judge0-compatible API).
CREATE TABLE executions (
    token TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    language TEXT NOT NULL,
    source TEXT NOT NULL,
    stdin BLOB NOT NULL,
    expected_output BLOB,
    time_limit_ms BIGINT NOT NULL,
    memory_limit_bytes BIGINT NOT NULL,
    output_limit_bytes BIGINT NOT NULL,
    -- queued | running | done
    status TEXT NOT NULL,
    -- The RunResponse (protobuf) when done.
    result BLOB,
    matched BOOLEAN,
    message TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX executions_status ON executions (status, created_at);
