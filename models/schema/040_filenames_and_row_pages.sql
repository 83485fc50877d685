-- Two facts the crawler and the PDF parser now record: the file name a server gave a download
-- (Content-Disposition), so a document fetched from "scarica?id=12" can be told by its name, and
-- the page of every row of a table that runs over a page break.
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS filename VARCHAR;
ALTER TABLE document_tables ADD COLUMN IF NOT EXISTS row_pages INTEGER[];

COMMENT ON COLUMN fetches.filename IS 'File name the server gave the body (Content-Disposition), if any.';
COMMENT ON COLUMN document_tables.row_pages IS 'Page of each row, in order, when the table runs over more than one page; NULL when it is on one page.';
