-- Who may see what, an audit trail that shows any rewriting, and retention.

CREATE SEQUENCE account_id_seq START 1;

-- Local accounts. There is no default account: a new store asks for the headteacher's.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY DEFAULT nextval('account_id_seq'),
    username VARCHAR NOT NULL UNIQUE CHECK (regexp_full_match(username, '[a-z0-9._-]{3,40}')),
    display_name VARCHAR NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    -- For signing in with Microsoft or Google: the provider's email must match.
    email VARCHAR UNIQUE,
    role VARCHAR NOT NULL CHECK (role IN ('headteacher', 'staff', 'governor')),
    password_hash VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT true,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A case on legal hold is never offered for disposal.
ALTER TABLE incidents ADD COLUMN legal_hold BOOLEAN NOT NULL DEFAULT false;
-- When the case's free text was removed at the end of its retention period.
ALTER TABLE incidents ADD COLUMN anonymised_at TIMESTAMP;

-- Repeat cases are counted on a keyed one-way pseudonym of the person reference, so that
-- removing the school's own code at disposal leaves past terms' figures as they were.
ALTER TABLE incidents ADD COLUMN person_key VARCHAR;
INSERT INTO settings (name, value) VALUES ('person_key_salt', CAST(uuid() AS VARCHAR));
UPDATE incidents
SET person_key = md5(person_ref || (SELECT value FROM settings WHERE name = 'person_key_salt'))
WHERE person_ref IS NOT NULL;

-- Each audit row carries a hash of itself and the row before, so a changed or deleted
-- row breaks the chain (DuckDB has no triggers to forbid the change outright).
ALTER TABLE audit_log ADD COLUMN chain VARCHAR;
