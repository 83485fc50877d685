-- Signed acts (.p7m): each signer's signature is checked offline by the parser (digest, signature,
-- certificate named by the signer, signing time within its validity) and the verdict follows the
-- document into the warehouse. The chain to a trusted certification authority is not checked.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS signature_intact BOOLEAN;

COMMENT ON COLUMN documents.signature_intact IS 'Signed files only: TRUE when every signature of every envelope verified offline (content digest, signature with the signer''s certificate, certificate named by the signer, signing time within its validity); FALSE when one failed or the envelope has no signer (reasons in document_signatures). The chain to a trusted CA is not checked. NULL for files that were not signed.';
COMMENT ON COLUMN documents.signer IS 'Name of who signed the .p7m envelope, as the certificate in it says; see signature_intact (the chain to a trusted CA is not checked).';

CREATE OR REPLACE VIEW document_signatures AS
    SELECT d.sha256,
           d.url,
           CAST(s ->> 'layer' AS INTEGER)                  AS layer,
           s ->> 'signer'                                  AS signer,
           CAST(s ->> 'intact' AS BOOLEAN)                 AS intact,
           s ->> 'reason'                                  AS reason,
           CAST(s ->> 'signed_at' AS TIMESTAMPTZ)          AS signed_at,
           s ->> 'issuer'                                  AS issuer,
           s ->> 'serial'                                  AS serial,
           CAST(s ->> 'certificate_valid_from' AS TIMESTAMPTZ) AS certificate_valid_from,
           CAST(s ->> 'certificate_valid_to' AS TIMESTAMPTZ)   AS certificate_valid_to,
           s ->> 'digest_algorithm'                        AS digest_algorithm,
           s ->> 'signature_algorithm'                     AS signature_algorithm,
           s ->> 'chain'                                   AS chain
    FROM documents d, unnest(CAST(json_extract(d.metadata, '$.signatures') AS JSON[])) AS t(s)
    WHERE json_extract(d.metadata, '$.signatures') IS NOT NULL;

COMMENT ON VIEW document_signatures IS 'One row per signer per envelope of each signed document (layer 1 is the outermost), with the offline check''s verdict and reason. chain = ''not checked'': no trusted list is consulted.';
