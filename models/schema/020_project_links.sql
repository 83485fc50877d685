-- Project linking: how each claim reaches a project, and the keys rule-made projects were built from.

CREATE TABLE IF NOT EXISTS claim_projects (
    claim_id    VARCHAR NOT NULL,
    project_id  VARCHAR NOT NULL,
    method      VARCHAR NOT NULL,   -- cup | rule | manual
    confidence  DOUBLE NOT NULL,
    PRIMARY KEY (claim_id, project_id)
);

CREATE TABLE IF NOT EXISTS project_keys (
    project_id  VARCHAR PRIMARY KEY,
    programme   VARCHAR,
    call        VARCHAR,
    lead_body   VARCHAR,
    method      VARCHAR NOT NULL     -- cup | rule | manual: how the project came to exist
);
