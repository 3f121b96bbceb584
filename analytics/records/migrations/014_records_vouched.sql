-- Records that vouch for themselves (analytics.records.vouching). A disposal's own row lists
-- the rows whose text it erased, and a row may carry a keyed digest of the records its
-- write left behind; both are inside the chain when present.
ALTER TABLE audit_log ADD COLUMN erased_rows VARCHAR;
ALTER TABLE audit_log ADD COLUMN vouched VARCHAR;
-- What each such row vouched for: one line per record, its state's keyed digest (NULL for
-- a record the write removed). The row's "vouched" digest covers its lines, so a line
-- added, repeated or removed shows; no key of its own (an index over an import's lines
-- would cost more memory than the lines).
CREATE TABLE audit_vouches (
    audit_id BIGINT NOT NULL,
    record_type VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    state_digest VARCHAR
);
-- Counters the app changes without a row on the trail each time (failed sign-ins), sealed
-- under the store's key with every change.
CREATE TABLE counter_seals (
    kind VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    seal VARCHAR NOT NULL,
    PRIMARY KEY (kind, record_id)
);
