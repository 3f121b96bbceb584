-- Evidence of a case: screenshots and documents of the post, kept in the store itself so
-- that they go with every backup and restore and are erased with the case's free text.
--
-- No FOREIGN KEY to incidents, for the reason 001 gives: DuckDB 2.0 then refuses every
-- update of an incident's reference (each step the register records, and anonymising) and
-- the removal of a demonstration case after its evidence. analytics.cases.evidence writes only
-- against a case it has just read, in the same transaction; disposal and the removal of
-- demonstration cases erase a case's evidence with it (erase_case_evidence,
-- erase_demo_evidence).

CREATE SEQUENCE evidence_id_seq START 1;

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY DEFAULT nextval('evidence_id_seq'),
    incident_id INTEGER NOT NULL,
    -- The type judged from the content itself, never from the file's name.
    media_type VARCHAR NOT NULL CHECK (media_type IN (
        'image/png', 'image/jpeg', 'image/webp', 'application/pdf')),
    -- For display only: the name as uploaded, less any folder, odd characters, and with the
    -- extension of the type found.
    file_name VARCHAR NOT NULL CHECK (length(file_name) BETWEEN 1 AND 100),
    -- An image as re-encoded from its pixels alone (no camera, GPS or editing metadata); a
    -- PDF as received. Received files are at most 10 MiB; re-encoding may add a little.
    content BLOB NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 20971520),
    -- A JPEG at most 240 px on its long side, for the case page; a PDF has none.
    thumbnail BLOB CHECK (octet_length(thumbnail) BETWEEN 1 AND 1048576),
    -- SHA-256 of content, as stored; and of the bytes received, before re-encoding.
    sha256 VARCHAR NOT NULL CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    original_sha256 VARCHAR NOT NULL CHECK (regexp_full_match(original_sha256, '[0-9a-f]{64}')),
    size_bytes BIGINT NOT NULL,
    original_size_bytes BIGINT NOT NULL CHECK (original_size_bytes BETWEEN 1 AND 10485760),
    note VARCHAR CHECK (length(note) <= 2000),
    added_by VARCHAR NOT NULL CHECK (length(added_by) >= 1),
    added_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (size_bytes = octet_length(content)),
    -- Every image has its thumbnail; a PDF, kept as received, has none and is unchanged.
    CHECK ((media_type = 'application/pdf') = (thumbnail IS NULL)),
    CHECK (media_type <> 'application/pdf' OR sha256 = original_sha256)
);

CREATE INDEX evidence_by_incident ON evidence (incident_id);
