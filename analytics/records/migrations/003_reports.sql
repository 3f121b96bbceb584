-- The termly report: settings the headteacher may change, and snapshots frozen for minutes.

CREATE TABLE settings (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- A setting with no row takes its default from analytics/records/settings.py.

CREATE SEQUENCE report_snapshot_id_seq START 1;

-- A report as presented at a meeting: its figures and the documents exactly as first made.
-- Nothing in the app updates or deletes a snapshot.
CREATE TABLE report_snapshots (
    id INTEGER PRIMARY KEY DEFAULT nextval('report_snapshot_id_seq'),
    meeting_on DATE NOT NULL,
    term VARCHAR NOT NULL CHECK (regexp_full_match(term, '(Autumn|Spring|Summer) [0-9]{4}')),
    mode VARCHAR NOT NULL CHECK (mode IN ('circulation', 'confidential')),
    threshold INTEGER NOT NULL CHECK (threshold >= 1),
    figures VARCHAR NOT NULL,
    pdf BLOB NOT NULL,
    docx BLOB NOT NULL,
    csv VARCHAR NOT NULL,
    frozen_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    frozen_by VARCHAR NOT NULL
);
