-- One case's columns (CASE_COLUMNS in analytics/cases/register.py, in that order).
SELECT reference, reported_on, posted_on, platform, categories, posted_by, about,
    person_ref, summary, evidence_url, discussion_on, discussion_outcome,
    content_removed_on, closed_on, outcome, rationale
FROM incidents WHERE id = ?
