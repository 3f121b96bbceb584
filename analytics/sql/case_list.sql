-- Cases matching the filters, newest report first, with status, days open and the number
-- of matching cases in all (so one query serves the table and its "showing N of M").
-- An empty filter ($categories etc. NULL) matches everything.
WITH with_status AS (
    SELECT *, case_status(stage, closed_on, discussion_on) AS status
    FROM incidents
),

matching AS (
    SELECT *
    FROM with_status
    WHERE ($categories IS NULL OR list_has_any(categories, $categories))
        AND ($platforms IS NULL OR list_contains($platforms, platform))
        AND ($stages IS NULL OR list_contains($stages, stage))
        AND ($statuses IS NULL OR list_contains($statuses, status))
        AND ($person_ref IS NULL OR person_ref = $person_ref)
        AND ($reported_from IS NULL OR reported_on >= $reported_from)
        AND ($reported_to IS NULL OR reported_on <= $reported_to)
)

SELECT
    id,
    reference,
    status,
    reported_on,
    platform,
    categories,
    stage,
    closed_on,
    -- Calendar days from report to closing, or to today while the case is open.
    date_diff('day', reported_on, coalesce(closed_on, $today)) AS days_open,
    is_demo,
    count(*) OVER () AS matching_cases
FROM matching
ORDER BY reported_on DESC, id DESC
LIMIT $row_limit
