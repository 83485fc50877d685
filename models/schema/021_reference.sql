-- Official open data, imported as published (OpenCoesione progetti_esteso, OpenCUP extracts).

CREATE TABLE IF NOT EXISTS ref_imports (
    dataset     VARCHAR NOT NULL,   -- opencoesione | opencup_projects | opencup_locations | opencup_cig
    file_name   VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    n_rows      BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (dataset, file_sha256)
);

CREATE TABLE IF NOT EXISTS ref_opencoesione_projects (
    cod_locale_progetto  VARCHAR PRIMARY KEY,
    cup                  VARCHAR,
    title                VARCHAR,
    programme            VARCHAR[],
    public_funding       DOUBLE,
    commitments          DOUBLE,
    payments             DOUBLE,
    start_date           DATE,
    planned_end_date     DATE,
    actual_end_date      DATE,
    beneficiaries        VARCHAR[],
    implementers         VARCHAR[],
    comuni               VARCHAR[],
    province             VARCHAR[],
    regioni              VARCHAR[],
    file_sha256          VARCHAR
);

CREATE TABLE IF NOT EXISTS ref_opencoesione_indicators (
    cod_locale_progetto  VARCHAR NOT NULL,
    cup                  VARCHAR,
    indicator_no         INTEGER NOT NULL,
    description          VARCHAR,
    unit                 VARCHAR,
    programmed           DOUBLE,
    achieved             DOUBLE,
    PRIMARY KEY (cod_locale_progetto, indicator_no)
);

CREATE TABLE IF NOT EXISTS ref_opencup_projects (
    cup                     VARCHAR PRIMARY KEY,
    decision_year           INTEGER,
    status                  VARCHAR,
    cost                    DOUBLE,
    funding                 DOUBLE,
    holder                  VARCHAR,
    description             VARCHAR,
    cod_locale_progetto     VARCHAR,
    file_sha256             VARCHAR
);

CREATE TABLE IF NOT EXISTS ref_opencup_locations (
    cup             VARCHAR NOT NULL,
    region          VARCHAR,
    province        VARCHAR,
    province_code   VARCHAR,
    comune          VARCHAR,
    comune_code     VARCHAR,
    file_sha256     VARCHAR
);

CREATE TABLE IF NOT EXISTS ref_opencup_cig (
    cup          VARCHAR NOT NULL,
    cig          VARCHAR NOT NULL,
    file_sha256  VARCHAR,
    PRIMARY KEY (cup, cig)
);
