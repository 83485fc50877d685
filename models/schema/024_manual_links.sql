-- The manual links file as last loaded: kept in the warehouse so every later linking run
-- (inclusio run, inclusio link) applies it, not only the run that read the file.

CREATE TABLE IF NOT EXISTS manual_links (
    line_no    INTEGER NOT NULL,
    project    VARCHAR NOT NULL,
    url        VARCHAR,
    sha256     VARCHAR,
    action     VARCHAR NOT NULL,   -- link | unlink
    title      VARCHAR,
    entity     VARCHAR,
    programme  VARCHAR,
    file_name  VARCHAR,
    loaded_at  TIMESTAMP NOT NULL
);
COMMENT ON TABLE manual_links IS 'Manual links (links.toml or CSV) as last loaded by inclusio link; applied by every linking run after the CUP and rule links.';
