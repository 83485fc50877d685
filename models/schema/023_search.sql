-- Full-text search over document texts (DuckDB fts, Italian stemmer): stop words and index state.

CREATE TABLE IF NOT EXISTS search_stopwords (sw VARCHAR PRIMARY KEY);
COMMENT ON TABLE search_stopwords IS 'Italian function words left out of the full-text index (articles, prepositions, conjunctions).';

INSERT OR IGNORE INTO search_stopwords VALUES
    ('a'), ('ad'), ('al'), ('allo'), ('ai'), ('agli'), ('all'), ('alla'), ('alle'), ('con'), ('col'),
    ('coi'), ('da'), ('dal'), ('dallo'), ('dai'), ('dagli'), ('dall'), ('dalla'), ('dalle'),
    ('di'), ('del'), ('dello'), ('dei'), ('degli'), ('dell'), ('della'), ('delle'), ('in'),
    ('nel'), ('nello'), ('nei'), ('negli'), ('nell'), ('nella'), ('nelle'), ('su'), ('sul'),
    ('sullo'), ('sui'), ('sugli'), ('sull'), ('sulla'), ('sulle'), ('per'), ('tra'), ('fra'),
    ('il'), ('lo'), ('la'), ('i'), ('gli'), ('le'), ('l'), ('un'), ('uno'), ('una'), ('e'),
    ('ed'), ('o'), ('od'), ('ma'), ('che'), ('chi'), ('cui'), ('non'), ('come'), ('anche'),
    ('se'), ('si'), ('ci'), ('ne'), ('è'), ('sono'), ('essere'), ('ha'), ('hanno'), ('questo'),
    ('questa'), ('questi'), ('queste'), ('quello'), ('quella'), ('quelli'), ('quelle'), ('suo'),
    ('sua'), ('suoi'), ('sue'), ('loro'), ('più'), ('quale'), ('quali'), ('nonché'), ('ovvero');

CREATE TABLE IF NOT EXISTS search_index_state (
    index_name   VARCHAR PRIMARY KEY,
    fingerprint  VARCHAR NOT NULL,
    n_documents  BIGINT NOT NULL,
    built_at     TIMESTAMP NOT NULL
);
COMMENT ON TABLE search_index_state IS 'Which set of documents the full-text index was built from; a different set means rebuild.';
