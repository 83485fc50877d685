-- Which warehouse state the project links were last computed from: the load stage links again
-- only when documents, claims, sources, manual links or the linking rules changed since.

CREATE TABLE IF NOT EXISTS link_state (
    name        VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL,
    stats       JSON,
    linked_at   TIMESTAMP NOT NULL
);
COMMENT ON TABLE link_state IS 'What the project links (projects, document_projects, claim_projects) were last computed from; a different fingerprint means link again.';
COMMENT ON COLUMN link_state.name IS 'Which links: ''projects''.';
COMMENT ON COLUMN link_state.fingerprint IS 'Digest of the documents (key, parse, extraction, url, title, source), the claim count, the sources'' entities, the manual links and the linking code.';
COMMENT ON COLUMN link_state.stats IS 'The counts that linking reported (projects, links by method, ...), given again when a run finds nothing changed.';
COMMENT ON COLUMN link_state.linked_at IS 'When the links were computed.';
