-- Claims and their project links without a primary key: DuckDB kept an index of a million
-- random keys and rewrote it on every load and checkpoint (most of a large load's time). The
-- loader keeps claim_id unique itself: a document's claims are deleted before its new ones go in,
-- and repeats within a batch are dropped; linking writes each (claim, project) pair once.

CREATE TABLE claims_new (
    claim_id     VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    value        VARCHAR,
    value_num    DOUBLE,
    unit         VARCHAR,
    currency     VARCHAR,
    role         VARCHAR,
    precision    VARCHAR,
    type         VARCHAR,
    status       VARCHAR,
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    quote        VARCHAR NOT NULL,
    extractor    VARCHAR NOT NULL,
    confidence   DOUBLE,
    attrs        JSON,
    extracted_at TIMESTAMP
);
INSERT INTO claims_new SELECT * FROM claims;
DROP TABLE claims;
ALTER TABLE claims_new RENAME TO claims;
COMMENT ON TABLE claims IS 'Every fact read from a document, with the exact characters it was read from and the extractor that read it.';
COMMENT ON COLUMN claims.claim_id IS 'Stable id of the claim.';
COMMENT ON COLUMN claims.sha256 IS 'The document the claim was read from (documents.sha256).';
COMMENT ON COLUMN claims.kind IS 'What the claim states: amount, cup, cig, date, organisation, outcome, programme; from labelled project cards also code (e.g. the local project code) and fund (e.g. FSE+).';
COMMENT ON COLUMN claims.value IS 'Normalised value as text: ISO date, canonical name, 15-character CUP, amount in euros.';
COMMENT ON COLUMN claims.value_num IS 'Numeric value of amounts (euros) and outcomes (counts); NULL when not a number (missing is not zero).';
COMMENT ON COLUMN claims.unit IS 'Unit of outcomes (e.g. percorsi formativi) and amounts.';
COMMENT ON COLUMN claims.currency IS 'Currency of amounts (EUR).';
COMMENT ON COLUMN claims.role IS 'Amounts: allocated, admitted, committed, paid, co-financing, total (financed is not paid). Dates: start, end, signed, published, updated, deadline. Organisations: lead, partner, member, funder, delivery, beneficiary, implementer, intermediate_body. CUP: project. Outcomes from indicator tables: indicator. Codes and funds from project cards: action, priority, local_project_code, programme, fund. NULL when the text gives none.';
COMMENT ON COLUMN claims.precision IS 'Dates: day, month or year, as precise as the text is.';
COMMENT ON COLUMN claims.type IS 'Organisations: the kind of body, e.g. comune, ambito, zona, distretto, sds, unione_comuni, unione_montana, associazione_comuni, provincia, citta_metropolitana, regione, ministero, prefettura, agenzia, anpal, inps, inail, asl, cpi, scuola, universita, camera_commercio, consorzio, cooperativa, associazione, fondazione, impresa_sociale, caritas, comunita, casa, ente, parti_sociali, anci, ue. Outcomes from indicator tables: the table''s own type column, lower-cased (e.g. risultato).';
COMMENT ON COLUMN claims.status IS 'Outcomes: planned or expected (a value still to reach), achieved; rows of indicator tables: achieved or not_achieved (the achieved value against the target).';
COMMENT ON COLUMN claims.start_char IS 'Start of the quote in documents.text (0-based, inclusive).';
COMMENT ON COLUMN claims.end_char IS 'End of the quote in documents.text (exclusive).';
COMMENT ON COLUMN claims.quote IS 'The text the claim was read from: documents.text[start_char:end_char].';
COMMENT ON COLUMN claims.extractor IS 'name@version of the extractor that made the claim.';
COMMENT ON COLUMN claims.confidence IS 'How sure the extractor is (0-1).';
COMMENT ON COLUMN claims.attrs IS 'Further fields an extractor records (JSON).';
COMMENT ON COLUMN claims.extracted_at IS 'When the extractor made the claim.';

CREATE TABLE claim_projects_new (
    claim_id     VARCHAR NOT NULL,
    project_id   VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    confidence   DOUBLE NOT NULL
);
INSERT INTO claim_projects_new SELECT * FROM claim_projects;
DROP TABLE claim_projects;
ALTER TABLE claim_projects_new RENAME TO claim_projects;
COMMENT ON TABLE claim_projects IS 'Which claims are about which project (through their document, or the nearest CUP in pages naming several).';
COMMENT ON COLUMN claim_projects.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_projects.project_id IS 'The project it is about (projects.project_id).';
COMMENT ON COLUMN claim_projects.method IS 'cup, rule or manual, as for document_projects.';
COMMENT ON COLUMN claim_projects.confidence IS '1.0 for CUP and manual links, below 1 for rules.';
