-- Schema v1: where documents came from, what they said, and which project they speak of.

CREATE TABLE IF NOT EXISTS sources (
    source_id   VARCHAR PRIMARY KEY,
    entity      VARCHAR NOT NULL,
    start_urls  VARCHAR[],
    allowed_hosts VARCHAR[],
    config      JSON,
    updated_at  TIMESTAMP
);

-- One row per (url, body) seen, or per (url, failure): an unchanged re-crawl updates
-- last_seen_at and attempts instead of adding rows; a changed page adds a row with its new hash.
-- The full append-only log of every attempt is data/raw/fetch-log.jsonl.
CREATE TABLE IF NOT EXISTS fetches (
    fetch_id     VARCHAR PRIMARY KEY,
    run_id       VARCHAR,
    source_id    VARCHAR,
    url          VARCHAR NOT NULL,
    final_url    VARCHAR,
    fetched_at   TIMESTAMP NOT NULL,   -- first time this (url, body or failure) was seen
    last_seen_at TIMESTAMP,
    attempts     INTEGER NOT NULL DEFAULT 1,
    status       INTEGER,
    content_type VARCHAR,
    sha256       VARCHAR,
    n_bytes      BIGINT,
    etag         VARCHAR,
    last_modified VARCHAR,
    outcome      VARCHAR NOT NULL,  -- stored | unchanged | failed | refused
    error        VARCHAR
);

CREATE TABLE IF NOT EXISTS documents (
    sha256       VARCHAR PRIMARY KEY,
    url          VARCHAR,
    source_id    VARCHAR,
    media_type   VARCHAR,
    title        VARCHAR,
    published    DATE,
    updated      DATE,
    text         VARCHAR,
    n_chars      BIGINT,
    pages        INTEGER,
    parser       VARCHAR,
    nlp_model    VARCHAR,
    ocr          BOOLEAN DEFAULT FALSE,
    ocr_confidence DOUBLE,
    signer       VARCHAR,
    metadata     JSON,
    parsed_at    TIMESTAMP,
    extracted_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS document_tables (
    sha256    VARCHAR NOT NULL,
    table_no  INTEGER NOT NULL,
    page      INTEGER,
    caption   VARCHAR,
    header    VARCHAR[],
    rows      JSON,
    PRIMARY KEY (sha256, table_no)
);

CREATE TABLE IF NOT EXISTS claims (
    claim_id     VARCHAR PRIMARY KEY,
    sha256       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    value        VARCHAR,          -- normalised value as text (ISO date, canonical name, code)
    value_num    DOUBLE,           -- numeric value for amounts and outcomes
    unit         VARCHAR,
    currency     VARCHAR,
    role         VARCHAR,
    precision    VARCHAR,
    type         VARCHAR,
    status       VARCHAR,
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    quote        VARCHAR NOT NULL,
    extractor    VARCHAR NOT NULL,  -- name@version
    confidence   DOUBLE,
    attrs        JSON,
    extracted_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS projects (
    project_id  VARCHAR PRIMARY KEY,   -- the CUP where known, else a rule-made key
    cup         VARCHAR UNIQUE,
    title       VARCHAR,
    entity      VARCHAR,
    programme   VARCHAR,
    created_at  TIMESTAMP
);

CREATE TABLE IF NOT EXISTS document_projects (
    sha256      VARCHAR NOT NULL,
    project_id  VARCHAR NOT NULL,
    method      VARCHAR NOT NULL,   -- cup | rule | manual
    confidence  DOUBLE NOT NULL,
    PRIMARY KEY (sha256, project_id)
);

CREATE TABLE IF NOT EXISTS problems (
    problem_id  VARCHAR PRIMARY KEY,
    run_id      VARCHAR,
    stage       VARCHAR NOT NULL,   -- fetch | parse | extract | load
    url         VARCHAR,
    sha256      VARCHAR,
    reason      VARCHAR NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);

CREATE OR REPLACE VIEW claim_amounts AS
    SELECT claim_id, sha256, value_num AS amount, currency, role, quote, start_char, end_char, extractor
    FROM claims WHERE kind = 'amount';
CREATE OR REPLACE VIEW claim_dates AS
    SELECT claim_id, sha256, value AS date, precision, role, quote, start_char, end_char, extractor
    FROM claims WHERE kind = 'date';
CREATE OR REPLACE VIEW claim_codes AS
    SELECT claim_id, sha256, kind, value AS code, quote, start_char, end_char, extractor
    FROM claims WHERE kind IN ('cup', 'cig');
CREATE OR REPLACE VIEW claim_organisations AS
    SELECT claim_id, sha256, value AS organisation, type, role, quote, start_char, end_char, extractor
    FROM claims WHERE kind = 'organisation';
CREATE OR REPLACE VIEW claim_outcomes AS
    SELECT claim_id, sha256, value_num AS count, unit, status, quote, start_char, end_char, extractor
    FROM claims WHERE kind = 'outcome';
CREATE OR REPLACE VIEW claim_programmes AS
    SELECT claim_id, sha256, value AS programme, quote, start_char, end_char, extractor
    FROM claims WHERE kind = 'programme';
