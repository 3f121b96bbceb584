-- New cases, from the Arrow table new_cases (the columns of CASE_COLUMNS in
-- analytics/cases/register.py, with each case's stage and person pseudonym); $is_demo marks
-- demonstration cases.
INSERT INTO incidents (
    reference, reported_on, posted_on, platform, categories, posted_by, about,
    person_ref, summary, evidence_url, discussion_on, discussion_outcome,
    content_removed_on, closed_on, outcome, rationale, stage, is_demo, person_key)
SELECT
    reference, reported_on, posted_on, platform, categories, posted_by, about,
    person_ref, summary, evidence_url, discussion_on, discussion_outcome,
    content_removed_on, closed_on, outcome, rationale, stage, $is_demo, person_key
FROM new_cases
