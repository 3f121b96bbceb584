-- Cases in scope whose person already had an earlier case: reported earlier, or the same
-- day and logged before it. The earlier case may lie outside the scope. person_key is
-- the keyed pseudonym of person_ref; disposal removes it, and marks repeat_kept on every
-- case that was a repeat through it, so past terms' figures stay as they were.
-- (Probing each case's own person is about twice as fast at a million cases as finding
-- every person's first case; see docs/benchmarks.md.)
WITH in_scope AS (
    SELECT id, person_key, reported_on, repeat_kept
    FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
    WHERE person_key IS NOT NULL OR repeat_kept
),

repeats AS (
    SELECT in_scope.id
    FROM in_scope
    WHERE in_scope.repeat_kept OR EXISTS (
        SELECT 1
        FROM incidents
        WHERE incidents.person_key = in_scope.person_key
            AND (incidents.reported_on, incidents.id) < (in_scope.reported_on, in_scope.id)
    )
)

SELECT count(*) AS repeat_cases FROM repeats
