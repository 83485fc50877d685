-- The columns 029_comments.sql left without a meaning: every column a researcher can select
-- says what it holds, so `inclusio schema` and the export manifest describe the whole warehouse.

COMMENT ON TABLE schema_migrations IS 'Schema files (models/schema/NNN_*.sql) applied to this warehouse, in order.';
COMMENT ON COLUMN schema_migrations.version IS 'Number of the schema file (NNN).';
COMMENT ON COLUMN schema_migrations.name IS 'File name of the schema file.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When the file was applied to this warehouse.';

COMMENT ON COLUMN sources.source_id IS 'Stable id of the site, from the sources file; stored on every fetch and document.';
COMMENT ON COLUMN sources.start_urls IS 'Where crawls of the site start.';
COMMENT ON COLUMN sources.allowed_hosts IS 'Hosts the crawler stays on (*.example.it includes subdomains).';
COMMENT ON COLUMN sources.config IS 'The whole source entry as loaded (limits, politeness, patterns, keywords, schedule), as JSON.';
COMMENT ON COLUMN sources.updated_at IS 'When this row was last written from the sources file.';

COMMENT ON COLUMN fetches.fetch_id IS 'Id of the row: URL plus body hash, or URL plus failure.';
COMMENT ON COLUMN fetches.run_id IS 'The run that first saw this (URL, body or failure).';
COMMENT ON COLUMN fetches.source_id IS 'The source (sources.source_id) the URL was crawled for.';
COMMENT ON COLUMN fetches.final_url IS 'Where redirects ended, when not at url.';
COMMENT ON COLUMN fetches.status IS 'HTTP status of the last response (NULL when refused, unreachable, or not asked because unchanged).';
COMMENT ON COLUMN fetches.content_type IS 'Content-Type the server sent (what the bytes are is decided by sniffing them).';
COMMENT ON COLUMN fetches.n_bytes IS 'Size of the body in bytes.';
COMMENT ON COLUMN fetches.etag IS 'ETag the server sent, used for the next conditional request.';
COMMENT ON COLUMN fetches.last_modified IS 'Last-Modified the server sent, used for the next conditional request.';

COMMENT ON COLUMN documents.media_type IS 'What the bytes are (sniffed), e.g. text/html, application/pdf.';
COMMENT ON COLUMN documents.n_chars IS 'Length of text in characters.';
COMMENT ON COLUMN documents.pages IS 'Pages of a PDF (NULL for pages without pages, such as HTML).';
COMMENT ON COLUMN documents.parser IS 'Parser and version that made the text, e.g. pdf-pdfium@0.2.0; p7m+... when unwrapped from a signed file.';
COMMENT ON COLUMN documents.nlp_model IS 'spaCy pipeline the extractors ran on, e.g. blank:it[lemmatizer].';
COMMENT ON COLUMN documents.ocr IS 'True when some page had no text layer and was read with Tesseract.';
COMMENT ON COLUMN documents.ocr_confidence IS 'Mean Tesseract word confidence (0-1) over OCRed pages; NULL without OCR.';
COMMENT ON COLUMN documents.signer IS 'Name of who signed the .p7m envelope, when it names one (signatures are not verified).';
COMMENT ON COLUMN documents.metadata IS 'Further facts from the parser (PDF producer and author, OCR pages, HTML site name), as JSON.';
COMMENT ON COLUMN documents.parsed_at IS 'When the body was parsed into this text.';
COMMENT ON COLUMN documents.extracted_at IS 'When the extractors last ran over the text.';

COMMENT ON COLUMN document_tables.sha256 IS 'The document the table is in (documents.sha256).';
COMMENT ON COLUMN document_tables.table_no IS 'Order of the table in the document, from 0.';
COMMENT ON COLUMN document_tables.page IS 'PDF page the table is on (from 1); NULL for HTML.';
COMMENT ON COLUMN document_tables.caption IS 'Caption or title printed with the table, when there is one.';
COMMENT ON COLUMN document_tables.header IS 'Column headings as printed (empty when the table has none).';
COMMENT ON COLUMN document_tables.rows IS 'Body rows as lists of cell texts, as JSON.';

COMMENT ON COLUMN claims.extracted_at IS 'When the extractor made the claim.';

COMMENT ON COLUMN projects.title IS 'Title of the project, from its first linked document or the manual links file.';
COMMENT ON COLUMN projects.created_at IS 'When the project first appeared in this warehouse.';

COMMENT ON COLUMN document_projects.sha256 IS 'The document (documents.sha256).';
COMMENT ON COLUMN document_projects.project_id IS 'The project it speaks of (projects.project_id).';

COMMENT ON COLUMN claim_projects.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_projects.project_id IS 'The project it is about (projects.project_id).';
COMMENT ON COLUMN claim_projects.method IS 'cup, rule or manual, as for document_projects.';
COMMENT ON COLUMN claim_projects.confidence IS '1.0 for CUP and manual links, below 1 for rules.';

COMMENT ON COLUMN project_keys.project_id IS 'The project (projects.project_id).';
COMMENT ON COLUMN project_keys.programme IS 'Programme the project was identified by.';
COMMENT ON COLUMN project_keys.method IS 'How the project came to exist: cup, rule or manual.';

COMMENT ON COLUMN problems.problem_id IS 'Id of the problem: stage plus URL or document plus reason.';
COMMENT ON COLUMN problems.run_id IS 'The run it happened in.';
COMMENT ON COLUMN problems.stage IS 'fetch, parse, extract or load.';
COMMENT ON COLUMN problems.url IS 'URL concerned, when there is one.';
COMMENT ON COLUMN problems.sha256 IS 'Body concerned (raw store key), when there is one.';
COMMENT ON COLUMN problems.reason IS 'Readable reason, e.g. HTTP 404 or encrypted PDF.';
COMMENT ON COLUMN problems.occurred_at IS 'When it happened.';

COMMENT ON COLUMN ref_imports.dataset IS 'opencoesione, opencup_projects, opencup_locations or opencup_cig.';
COMMENT ON COLUMN ref_imports.file_name IS 'Name of the file imported.';
COMMENT ON COLUMN ref_imports.file_sha256 IS 'SHA-256 of the file; importing it again replaces its rows.';
COMMENT ON COLUMN ref_imports.n_rows IS 'Rows read from the file.';
COMMENT ON COLUMN ref_imports.imported_at IS 'When the file was imported.';

COMMENT ON COLUMN ref_opencoesione_projects.cod_locale_progetto IS 'COD_LOCALE_PROGETTO: OpenCoesione project id.';
COMMENT ON COLUMN ref_opencoesione_projects.cup IS 'CUP: Codice Unico di Progetto, the key claims are reconciled on.';
COMMENT ON COLUMN ref_opencoesione_projects.title IS 'OC_TITOLO_PROGETTO.';
COMMENT ON COLUMN ref_opencoesione_projects.programme IS 'OC_DESCRIZIONE_PROGRAMMA, ::: list split.';
COMMENT ON COLUMN ref_opencoesione_projects.beneficiaries IS 'OC_DENOM_BENEFICIARIO, ::: list split.';
COMMENT ON COLUMN ref_opencoesione_projects.implementers IS 'OC_DENOM_ATTUATORE, ::: list split.';
COMMENT ON COLUMN ref_opencoesione_projects.comuni IS 'DEN_COMUNE, ::: list split.';
COMMENT ON COLUMN ref_opencoesione_projects.province IS 'DEN_PROVINCIA, ::: list split.';
COMMENT ON COLUMN ref_opencoesione_projects.regioni IS 'DEN_REGIONE, ::: list split.';
COMMENT ON COLUMN ref_opencoesione_projects.file_sha256 IS 'The file the row came from (ref_imports.file_sha256).';

COMMENT ON COLUMN ref_opencoesione_indicators.cod_locale_progetto IS 'COD_LOCALE_PROGETTO of the project.';
COMMENT ON COLUMN ref_opencoesione_indicators.cup IS 'CUP of the project.';
COMMENT ON COLUMN ref_opencoesione_indicators.indicator_no IS 'Which of the indicators 1-4 (the _N suffix of the columns).';
COMMENT ON COLUMN ref_opencoesione_indicators.description IS 'DESCR_INDICATORE_N.';
COMMENT ON COLUMN ref_opencoesione_indicators.unit IS 'UNITA_MISURA_INDICATORE_N.';
COMMENT ON COLUMN ref_opencoesione_indicators.programmed IS 'PROGRAMMATO_INDICATORE_N: target value.';
COMMENT ON COLUMN ref_opencoesione_indicators.achieved IS 'REALIZZATO_INDICATORE_N: value achieved.';

COMMENT ON COLUMN ref_opencup_projects.cup IS 'CUP.';
COMMENT ON COLUMN ref_opencup_projects.decision_year IS 'ANNO_DECISIONE: year of the decision that funds the project.';
COMMENT ON COLUMN ref_opencup_projects.status IS 'STATO_PROGETTO: project status as OpenCUP states it.';
COMMENT ON COLUMN ref_opencup_projects.cost IS 'COSTO_PROGETTO: cost of the project, euros.';
COMMENT ON COLUMN ref_opencup_projects.funding IS 'FINANZIAMENTO_PROGETTO: funding of the project, euros.';
COMMENT ON COLUMN ref_opencup_projects.holder IS 'SOGGETTO_TITOLARE: the body that holds the CUP.';
COMMENT ON COLUMN ref_opencup_projects.description IS 'Description of the project.';
COMMENT ON COLUMN ref_opencup_projects.cod_locale_progetto IS 'Local project code, when OpenCUP gives one.';
COMMENT ON COLUMN ref_opencup_projects.file_sha256 IS 'The file the row came from (ref_imports.file_sha256).';

COMMENT ON COLUMN ref_opencup_locations.cup IS 'CUP.';
COMMENT ON COLUMN ref_opencup_locations.region IS 'Region where the project is located.';
COMMENT ON COLUMN ref_opencup_locations.province IS 'Province where the project is located.';
COMMENT ON COLUMN ref_opencup_locations.province_code IS 'ISTAT code of the province.';
COMMENT ON COLUMN ref_opencup_locations.comune IS 'Comune where the project is located.';
COMMENT ON COLUMN ref_opencup_locations.comune_code IS 'ISTAT code of the comune.';
COMMENT ON COLUMN ref_opencup_locations.file_sha256 IS 'The file the row came from (ref_imports.file_sha256).';

COMMENT ON COLUMN ref_opencup_cig.cup IS 'CUP.';
COMMENT ON COLUMN ref_opencup_cig.cig IS 'CIG: code of a tender (procurement) of the project.';
COMMENT ON COLUMN ref_opencup_cig.file_sha256 IS 'The file the row came from (ref_imports.file_sha256).';

COMMENT ON COLUMN search_stopwords.sw IS 'A word left out of the index.';
COMMENT ON COLUMN search_index_state.index_name IS 'Name of the index (the table it indexes).';
COMMENT ON COLUMN search_index_state.fingerprint IS 'Hash of the documents indexed; differs from the current one when documents changed.';
COMMENT ON COLUMN search_index_state.n_documents IS 'Documents in the index.';
COMMENT ON COLUMN search_index_state.built_at IS 'When the index was built.';

COMMENT ON COLUMN manual_links.line_no IS 'Line (or entry) of the links file.';
COMMENT ON COLUMN manual_links.project IS 'Project id or CUP the entry links to (or unlinks from).';
COMMENT ON COLUMN manual_links.url IS 'Document URL the entry names.';
COMMENT ON COLUMN manual_links.sha256 IS 'Document hash the entry names.';
COMMENT ON COLUMN manual_links.action IS 'link or unlink.';
COMMENT ON COLUMN manual_links.title IS 'Project title the file gives, when it creates a project.';
COMMENT ON COLUMN manual_links.entity IS 'Lead body the file gives.';
COMMENT ON COLUMN manual_links.programme IS 'Programme the file gives.';
COMMENT ON COLUMN manual_links.file_name IS 'The links file the entry came from.';
COMMENT ON COLUMN manual_links.loaded_at IS 'When the file was loaded.';

COMMENT ON VIEW claim_amounts IS 'Amount claims (euros) with their role: allocated, admitted, committed, paid, co-financing, total.';
COMMENT ON VIEW claim_dates IS 'Date claims (ISO; precision day, month or year) with their role.';
COMMENT ON VIEW claim_codes IS 'CUP and CIG codes read from documents.';
COMMENT ON VIEW claim_organisations IS 'Organisations named in documents, canonical name, type and role (lead, partner).';
COMMENT ON VIEW claim_outcomes IS 'Outcome claims: a count, its unit and whether planned or achieved.';
COMMENT ON VIEW claim_programmes IS 'Programmes, funds and calls named in documents (canonical label).';
COMMENT ON VIEW official_field_roles IS 'Which official field matches which claim kind and role in the reconciliation view.';
