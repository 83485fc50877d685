-- Official figures in one long shape, and each claimed figure set beside them by CUP.

CREATE OR REPLACE VIEW official_figures AS
    SELECT cup, 'opencoesione' AS dataset, 'amount' AS kind, 'FINANZ_TOTALE_PUBBLICO' AS field,
           NULL::DATE AS value_date, public_funding AS value_num, NULL AS label
      FROM ref_opencoesione_projects WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'amount', 'IMPEGNI', NULL, commitments, NULL
      FROM ref_opencoesione_projects WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'amount', 'TOT_PAGAMENTI', NULL, payments, NULL
      FROM ref_opencoesione_projects WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'date', 'OC_DATA_INIZIO_PROGETTO', start_date, NULL, NULL
      FROM ref_opencoesione_projects WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'date', 'OC_DATA_FINE_PROGETTO_PREVISTA', planned_end_date, NULL, NULL
      FROM ref_opencoesione_projects WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'date', 'OC_DATA_FINE_PROGETTO_EFFETTIVA', actual_end_date, NULL, NULL
      FROM ref_opencoesione_projects WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'outcome', 'REALIZZATO_INDICATORE_' || indicator_no, NULL, achieved,
           description || coalesce(' (' || unit || ')', '')
      FROM ref_opencoesione_indicators WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencoesione', 'outcome', 'PROGRAMMATO_INDICATORE_' || indicator_no, NULL, programmed,
           description || coalesce(' (' || unit || ')', '')
      FROM ref_opencoesione_indicators WHERE cup IS NOT NULL
    UNION ALL
    SELECT cup, 'opencup', 'amount', 'COSTO_PROGETTO', NULL, cost, NULL FROM ref_opencup_projects
    UNION ALL
    SELECT cup, 'opencup', 'amount', 'FINANZIAMENTO_PROGETTO', NULL, funding, NULL FROM ref_opencup_projects;

-- Which official field answers which claimed (kind, role): financed is not paid.
CREATE OR REPLACE VIEW official_field_roles AS
    SELECT * FROM (VALUES
        ('amount', 'allocated', 'FINANZ_TOTALE_PUBBLICO'),
        ('amount', 'allocated', 'FINANZIAMENTO_PROGETTO'),
        ('amount', 'admitted',  'FINANZ_TOTALE_PUBBLICO'),
        ('amount', 'admitted',  'FINANZIAMENTO_PROGETTO'),
        ('amount', 'total',     'FINANZ_TOTALE_PUBBLICO'),
        ('amount', 'total',     'COSTO_PROGETTO'),
        ('amount', 'committed', 'IMPEGNI'),
        ('amount', 'paid',      'TOT_PAGAMENTI'),
        ('date',   'start',     'OC_DATA_INIZIO_PROGETTO'),
        ('date',   'end',       'OC_DATA_FINE_PROGETTO_PREVISTA'),
        ('date',   'end',       'OC_DATA_FINE_PROGETTO_EFFETTIVA')
    ) AS t(kind, role, field);

CREATE OR REPLACE VIEW reconciliation AS
WITH linked AS (
    SELECT p.cup, p.project_id, c.claim_id, c.sha256, d.url, c.kind, c.role, c.value, c.value_num,
           c.unit, c.status, c.quote
      FROM claim_projects cp
      JOIN projects p ON p.project_id = cp.project_id
      JOIN claims c ON c.claim_id = cp.claim_id
      LEFT JOIN documents d ON d.sha256 = c.sha256
     WHERE p.cup IS NOT NULL AND c.kind IN ('amount', 'date', 'outcome')
),
matched AS (
    SELECT l.*, o.dataset, o.field, o.label, o.value_date, o.value_num AS official_num
      FROM linked l
      LEFT JOIN (SELECT r.role, f.* FROM official_field_roles r
                   JOIN official_figures f ON f.kind = r.kind AND f.field = r.field) o
        ON o.cup = l.cup AND o.kind = l.kind AND o.role = l.role
     WHERE l.kind IN ('amount', 'date')
    UNION ALL
    SELECT l.*, o.dataset, o.field, o.label, o.value_date, o.value_num
      FROM linked l
      LEFT JOIN official_figures o
        ON o.cup = l.cup AND o.kind = 'outcome' AND l.unit IS NOT NULL
       AND lower(o.label) LIKE '%' || lower(l.unit) || '%'
       AND o.field LIKE (CASE WHEN l.status IN ('planned', 'expected', 'target')
                              THEN 'PROGRAMMATO_%' ELSE 'REALIZZATO_%' END)
     WHERE l.kind = 'outcome'
)
SELECT cup, project_id, claim_id, sha256, url, kind, role, unit,
       value AS claimed_value, value_num AS claimed_num, quote,
       dataset AS official_dataset, field AS official_field, label AS official_label,
       CASE WHEN kind = 'date' THEN CAST(value_date AS VARCHAR)
            ELSE CAST(official_num AS VARCHAR) END AS official_value,
       official_num,
       CASE WHEN kind = 'date' THEN date_diff('day', value_date, TRY_CAST(value AS DATE))
            ELSE value_num - official_num END AS difference,
       CASE WHEN kind = 'date' THEN 'days' WHEN kind = 'amount' THEN 'EUR' ELSE unit END
           AS difference_unit
  FROM matched;
