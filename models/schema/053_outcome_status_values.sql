-- claims.status named a value no extractor writes ("target") and left out one that the indicator
-- tables write ("not_achieved"): the comment now lists exactly what the column can hold.

COMMENT ON COLUMN claims.status IS 'Outcomes: planned or expected (a value still to reach), achieved; rows of indicator tables: achieved or not_achieved (the achieved value against the target).';
