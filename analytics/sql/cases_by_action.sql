-- Cases in which each escalation action was taken at least once, every action listed.
WITH codes AS (
    SELECT unnest($codes) AS action, generate_subscripts($codes, 1) AS position
),

in_scope AS (
    SELECT id FROM cases_in_scope($start_on, $end_on, $categories, $platforms)
),

counted AS (
    SELECT escalation_actions.action, count(DISTINCT escalation_actions.incident_id) AS cases
    FROM escalation_actions
    JOIN in_scope ON in_scope.id = escalation_actions.incident_id
    GROUP BY escalation_actions.action
)

SELECT codes.action, coalesce(counted.cases, 0) AS cases
FROM codes
LEFT JOIN counted USING (action)
ORDER BY codes.position
