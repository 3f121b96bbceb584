-- The incident register: one row a case, its escalation actions, and the audit trail.
--
-- No FOREIGN KEY constraints: DuckDB 2.0 refuses to update an indexed column of a
-- referenced row, and to delete a parent after its children in the same transaction,
-- both of which the register needs (editing a reference, removing demonstration cases).
-- Every write goes through analytics.cases.register, and tests/test_register.py checks that no
-- action is ever left without its case.

CREATE SEQUENCE incident_id_seq START 1;

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY DEFAULT nextval('incident_id_seq'),
    reference VARCHAR NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 40),
    reported_on DATE NOT NULL,
    posted_on DATE CHECK (posted_on <= reported_on),
    platform VARCHAR CHECK (platform IN (
        'facebook', 'x_twitter', 'instagram', 'tiktok', 'whatsapp', 'snapchat',
        'youtube', 'school_website_or_forum', 'other')),
    -- One case may be several kinds of inappropriate use at once.
    categories VARCHAR[] NOT NULL CHECK (
        len(categories) >= 1
        AND len(categories) = len(list_distinct(categories))
        AND list_has_all([
            'naming_children', 'allegations', 'cyber_bullying', 'complaints',
            'defamatory', 'offensive_comments', 'racist', 'threats_of_violence'],
            categories)),
    posted_by VARCHAR CHECK (posted_by IN ('parent', 'carer', 'relative', 'other_associated')),
    about VARCHAR[] NOT NULL DEFAULT [] CHECK (
        len(about) = len(list_distinct(about))
        AND list_has_all(['pupil', 'staff', 'school', 'governor', 'other'], about)),
    -- A code the school assigns to the person who posted, never a name.
    person_ref VARCHAR CHECK (regexp_full_match(person_ref, '[A-Za-z0-9][A-Za-z0-9/_-]{0,19}')),
    summary VARCHAR CHECK (length(summary) <= 2000),
    evidence_url VARCHAR CHECK (regexp_matches(evidence_url, '^https?://')),
    discussion_on DATE CHECK (discussion_on >= reported_on),
    discussion_outcome VARCHAR CHECK (discussion_outcome IN (
        'removed', 'refused', 'no_response', 'not_held')),
    content_removed_on DATE CHECK (content_removed_on >= reported_on),
    closed_on DATE CHECK (closed_on >= reported_on),
    outcome VARCHAR CHECK (length(outcome) <= 2000),
    rationale VARCHAR CHECK (length(rationale) <= 2000),
    is_demo BOOLEAN NOT NULL DEFAULT false,
    recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    -- A dated discussion has an outcome; "not held" has no date.
    CHECK ((discussion_on IS NULL AND (discussion_outcome IS NULL OR discussion_outcome = 'not_held'))
        OR (discussion_on IS NOT NULL AND discussion_outcome IN ('removed', 'refused', 'no_response'))),
    -- A closed case has its outcome and rationale.
    CHECK ((closed_on IS NULL AND outcome IS NULL AND rationale IS NULL)
        OR (closed_on IS NOT NULL AND outcome IS NOT NULL AND rationale IS NOT NULL))
);

CREATE SEQUENCE escalation_action_id_seq START 1;

-- The same action may be taken more than once in a case, so each is its own row.
CREATE TABLE escalation_actions (
    id INTEGER PRIMARY KEY DEFAULT nextval('escalation_action_id_seq'),
    incident_id INTEGER NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN (
        'written_warning', 'legal_advice', 'police', 'access_blocked',
        'provider_removal_request', 'legal_action')),
    taken_on DATE NOT NULL,
    note VARCHAR CHECK (length(note) <= 2000),
    recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE INDEX escalation_actions_by_incident ON escalation_actions (incident_id);

-- The stage is derived, never stored, so it can never disagree with the steps recorded.
CREATE VIEW case_stages AS
SELECT
    incidents.id AS incident_id,
    CASE
        WHEN EXISTS (SELECT 1 FROM escalation_actions WHERE incident_id = incidents.id)
            THEN 'escalated'
        WHEN incidents.closed_on IS NOT NULL THEN 'settled_at_discussion'
        ELSE 'open'
    END AS stage
FROM incidents;

CREATE SEQUENCE audit_id_seq START 1;

-- Every write appends a row. Values are not copied here: the trail names the fields
-- that changed, so it never becomes a second home for personal data.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    occurred_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    record_type VARCHAR,
    record_id VARCHAR,
    reason VARCHAR,
    detail VARCHAR
);
