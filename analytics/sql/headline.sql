-- The four headline figures for the cases in scope; a case is in exactly one stage.
SELECT
    count(*) AS incidents,
    count(*) FILTER (WHERE stage = 'settled_at_discussion') AS settled_at_discussion,
    count(*) FILTER (WHERE stage = 'escalated') AS escalated,
    count(*) FILTER (WHERE stage = 'open') AS open
FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
