-- The governors' view: one definition of "the cases in scope", and the policy register.

-- Cases reported in [start_on, end_on], both ends included, with their stage; a NULL
-- list of codes means "any". Every figure of the overview and the summary reads this.
CREATE MACRO cases_in_scope(start_on, end_on, category_codes, platform_codes) AS TABLE
    SELECT incidents.*, case_stages.stage
    FROM incidents
    JOIN case_stages ON case_stages.incident_id = incidents.id
    WHERE incidents.reported_on BETWEEN start_on AND end_on
        AND (category_codes IS NULL OR list_has_any(incidents.categories, category_codes))
        AND (platform_codes IS NULL OR list_contains(platform_codes, incidents.platform));

CREATE SEQUENCE policy_id_seq START 1;

CREATE TABLE policies (
    id INTEGER PRIMARY KEY DEFAULT nextval('policy_id_seq'),
    title VARCHAR NOT NULL UNIQUE CHECK (length(title) BETWEEN 1 AND 200),
    body VARCHAR,
    -- The policy the incident register works under; its review pack reads the cases.
    governs_incidents BOOLEAN NOT NULL DEFAULT false,
    recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE policy_review_id_seq START 1;

-- Every approval of a policy, the first included; the latest is the one in force.
CREATE TABLE policy_reviews (
    id INTEGER PRIMARY KEY DEFAULT nextval('policy_review_id_seq'),
    policy_id INTEGER NOT NULL,
    approved_on DATE NOT NULL,
    approved_by VARCHAR NOT NULL CHECK (length(approved_by) BETWEEN 1 AND 200),
    -- A term, not a day: the review is due by that term's last day.
    next_review_term VARCHAR NOT NULL
        CHECK (regexp_full_match(next_review_term, '(Autumn|Spring|Summer) [0-9]{4}')),
    recorded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
