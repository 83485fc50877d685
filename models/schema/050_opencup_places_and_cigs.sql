-- OpenCUP localizzazioni and CUP-CIG pairs in the reconciliation view: a CIG quoted by a page
-- is set beside OpenCUP's list for the same CUP (official_value is the CIG when OpenCUP lists
-- it: confirmed), and each OpenCUP place of a CUP project is a row of its own (kind 'place',
-- no claim). Amounts, dates and outcomes are matched as before.

CREATE OR REPLACE VIEW reconciliation AS
WITH linked AS (
    SELECT p.cup, p.project_id, c.claim_id, c.sha256, d.url, c.kind, c.role, c.value, c.value_num,
           c.unit, c.status, c.quote
      FROM claim_projects cp
      JOIN projects p ON p.project_id = cp.project_id
      JOIN claims c ON c.claim_id = cp.claim_id
      LEFT JOIN documents d ON d.sha256 = c.sha256
     WHERE p.cup IS NOT NULL AND c.kind IN ('amount', 'date', 'outcome', 'cig')
),
matched AS (
    SELECT l.*, o.dataset, o.field, o.label, o.value_date, o.value_num AS official_num,
           NULL::VARCHAR AS official_text
      FROM linked l
      LEFT JOIN (SELECT r.role, f.* FROM official_field_roles r
                   JOIN official_figures f ON f.kind = r.kind AND f.field = r.field) o
        ON o.cup = l.cup AND o.kind = l.kind AND o.role = l.role
     WHERE l.kind IN ('amount', 'date')
    UNION ALL
    SELECT l.*, o.dataset, o.field, o.label, o.value_date, o.value_num, NULL
      FROM linked l
      LEFT JOIN official_figures o
        ON o.cup = l.cup AND o.kind = 'outcome' AND l.unit IS NOT NULL
       AND lower(o.label) LIKE '%' || lower(l.unit) || '%'
       AND o.field LIKE (CASE WHEN l.status IN ('planned', 'expected', 'target')
                              THEN 'PROGRAMMATO_%' ELSE 'REALIZZATO_%' END)
     WHERE l.kind = 'outcome'
    UNION ALL
    -- Only CUPs OpenCUP lists CIGs for are checked: no list is not "not listed".
    SELECT l.*,
           CASE WHEN k.cup IS NOT NULL THEN 'opencup' END,
           CASE WHEN k.cup IS NOT NULL THEN 'CIG' END,
           CASE WHEN g.cig IS NOT NULL THEN 'CIG confermato da OpenCUP per questo CUP'
                WHEN k.cup IS NOT NULL THEN 'CIG non elencato da OpenCUP per questo CUP' END,
           NULL, NULL, g.cig
      FROM linked l
      LEFT JOIN (SELECT DISTINCT cup FROM ref_opencup_cig) k ON k.cup = l.cup
      LEFT JOIN ref_opencup_cig g ON g.cup = l.cup AND g.cig = upper(trim(l.value))
     WHERE l.kind = 'cig'
    UNION ALL
    SELECT DISTINCT p.cup, p.project_id, NULL, NULL, NULL, 'place', NULL, NULL, NULL, NULL, NULL,
           NULL, 'opencup', 'LOCALIZZAZIONE', 'luogo del progetto secondo OpenCUP', NULL, NULL,
           concat_ws(', ', nullif(trim(loc.comune), '') || coalesce(' (' ||
                     nullif(trim(loc.province_code), '') || ')', ''),
                     nullif(trim(loc.region), ''))
      FROM projects p JOIN ref_opencup_locations loc ON loc.cup = p.cup
)
SELECT cup, project_id, claim_id, sha256, url, kind, role, unit,
       value AS claimed_value, value_num AS claimed_num, quote,
       dataset AS official_dataset, field AS official_field, label AS official_label,
       CASE WHEN kind = 'date' THEN CAST(value_date AS VARCHAR)
            WHEN kind IN ('cig', 'place') THEN official_text
            ELSE CAST(official_num AS VARCHAR) END AS official_value,
       official_num,
       CASE WHEN kind = 'date' THEN date_diff('day', value_date, TRY_CAST(value AS DATE))
            WHEN kind IN ('amount', 'outcome') THEN value_num - official_num END AS difference,
       CASE WHEN kind = 'date' THEN 'days' WHEN kind = 'amount' THEN 'EUR'
            WHEN kind = 'outcome' THEN unit END AS difference_unit
  FROM matched;

COMMENT ON VIEW reconciliation IS 'Each claimed amount, date, outcome and CIG of a CUP project beside the official figure for the same role (a CIG beside the OpenCUP CUP-CIG list: official_value is the CIG when OpenCUP confirms it), and each OpenCUP place of the CUP (kind place), with the difference (claimed minus official; days for dates; NULL when the official figure is missing).';
