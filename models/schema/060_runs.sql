-- One row per pipeline run (inclusio run, demo, a scheduled crawl): its true state and this
-- run's own figures, so a nightly crawl that fetched nothing is visible in the warehouse and in
-- `inclusio runs`, not only in Prefect.

CREATE TABLE IF NOT EXISTS runs (
    run_id            VARCHAR PRIMARY KEY,
    flow_run_id       VARCHAR,
    flow_run_name     VARCHAR,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP NOT NULL,
    state             VARCHAR NOT NULL,   -- COMPLETED | FAILED
    exit_code         INTEGER NOT NULL,
    message           VARCHAR,
    sources           INTEGER,
    sources_failed    VARCHAR[],
    fetch_attempts    INTEGER,
    fetched_new       INTEGER,
    fetched_unchanged INTEGER,
    failed_fetch      INTEGER,
    documents         INTEGER,
    parsed            INTEGER,
    failed_parse      INTEGER,
    extracted         INTEGER,
    failed_extract    INTEGER,
    documents_loaded  INTEGER,
    documents_stored  INTEGER,
    claims_new        INTEGER,
    claims_changed    INTEGER,
    claims_gone       INTEGER,
    projects          INTEGER,
    problems          INTEGER,
    summary           VARCHAR
);

COMMENT ON TABLE runs IS 'Pipeline runs (inclusio run, demo, scheduled crawls), one row each: state, exit code and this run''s own figures (never warehouse totals). A run killed before its end has no row.';
COMMENT ON COLUMN runs.run_id IS 'Id of the run, as in fetches.run_id and problems.run_id.';
COMMENT ON COLUMN runs.flow_run_id IS 'Id of the Prefect flow run (prefect flow-run logs ID), NULL when run outside Prefect.';
COMMENT ON COLUMN runs.flow_run_name IS 'Name Prefect gave the flow run, as its UI shows it.';
COMMENT ON COLUMN runs.started_at IS 'When the run started.';
COMMENT ON COLUMN runs.finished_at IS 'When the run finished loading and was judged.';
COMMENT ON COLUMN runs.state IS 'COMPLETED (everything, or part with a warning) or FAILED (nothing asked for went through).';
COMMENT ON COLUMN runs.exit_code IS 'Exit code of inclusio run: 0 done or partly done, 4 nothing fetched could be stored (disk full), 6 nothing fetched (every source failed), 7 nothing parsed, 8 nothing extracted, 9 nothing loaded.';
COMMENT ON COLUMN runs.message IS 'The verdict in one line, with the failures counted.';
COMMENT ON COLUMN runs.sources IS 'Sources in the sources file the run crawled.';
COMMENT ON COLUMN runs.sources_failed IS 'Ids of the sources that gave not one page.';
COMMENT ON COLUMN runs.fetch_attempts IS 'Fetch attempts of this run (pages asked for, and notices).';
COMMENT ON COLUMN runs.fetched_new IS 'Fetches that brought a body not held before for the URL.';
COMMENT ON COLUMN runs.fetched_unchanged IS 'Fetches that found the page unchanged (304, same bytes, or not newer in the sitemap).';
COMMENT ON COLUMN runs.failed_fetch IS 'Fetches that failed or were refused.';
COMMENT ON COLUMN runs.documents IS 'Distinct bodies the run fetched (new or unchanged).';
COMMENT ON COLUMN runs.parsed IS 'Of those, documents read without error.';
COMMENT ON COLUMN runs.failed_parse IS 'Documents that could not be read.';
COMMENT ON COLUMN runs.extracted IS 'Documents whose claims were extracted in this run (not those already extracted by the same extractor versions).';
COMMENT ON COLUMN runs.failed_extract IS 'Documents on which extraction failed.';
COMMENT ON COLUMN runs.documents_loaded IS 'Documents written to the warehouse by this run (new or changed).';
COMMENT ON COLUMN runs.documents_stored IS 'Documents read by this run that are in the warehouse after it.';
COMMENT ON COLUMN runs.claims_new IS 'Claim values on pages this run saw first.';
COMMENT ON COLUMN runs.claims_changed IS 'Fields (kind, role, unit) of a page whose values changed in this run.';
COMMENT ON COLUMN runs.claims_gone IS 'Claim values gone from a page that changed in this run.';
COMMENT ON COLUMN runs.projects IS 'Projects the documents of this run are linked to.';
COMMENT ON COLUMN runs.problems IS 'Problems recorded for this run (table problems, same run_id).';
COMMENT ON COLUMN runs.summary IS 'The whole run summary as JSON: every figure, the failed sources with their reason, the problems.';
