-- The audit chain covers a SHA-256 digest of each row's free text rather than the text
-- itself, so the text can be erased at disposal and the chain still holds. Rows written
-- before this migration get their digests when the chain is first keyed (analytics.records.audit).
ALTER TABLE audit_log ADD COLUMN reason_digest VARCHAR;
ALTER TABLE audit_log ADD COLUMN detail_digest VARCHAR;
-- The row each row follows, so a removal shows as such rather than as an edit.
ALTER TABLE audit_log ADD COLUMN previous_id BIGINT;
