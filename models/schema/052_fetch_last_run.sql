-- A fetch row keeps the run that first saw its (URL, body or failure) in run_id and the run
-- that saw it last in last_run_id, so "what arrived in run X" has a true answer after re-crawls.

ALTER TABLE fetches ADD COLUMN IF NOT EXISTS last_run_id VARCHAR;
UPDATE fetches SET last_run_id = run_id WHERE last_run_id IS NULL;

COMMENT ON COLUMN fetches.run_id IS 'The run that first saw this (URL, body or failure); re-crawls keep it.';
COMMENT ON COLUMN fetches.last_run_id IS 'The run that saw this (URL, body or failure) last: equal to run_id until a later run finds it again.';
